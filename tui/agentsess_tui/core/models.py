"""The rows the core hands out. Plain dataclasses: cheap to build by the ten thousand."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .policy import Policy

from .clock import to_iso


class State(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    ENDED = "ended"


class Phase(StrEnum):
    """What a person sees: *expiring* is derived (active with little time left)."""

    ACTIVE = "active"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    ENDED = "ended"


ROLES = ("system", "user", "assistant", "tool")
MEMORY_TYPES = (
    "fact",
    "preference",
    "goal",
    "decision",
    "artifact",
    "learning",
    "event",
    "instruction",
    "relationship",
    "context",
    "observation",
    "commitment",
    "error",
)
MEMORY_STATUSES = ("active", "superseded", "deleted")
EVENT_KINDS = (
    "created",
    "extended",
    "renewed",
    "warned",
    "expired",
    "ended",
    "resumed",
    "cleared",
    "imported",
    "superseded",
)
TIME_FIELDS = {
    "created_at",
    "activated_at",
    "last_activity_at",
    "expires_at",
    "warned_at",
    "ended_at",
    "updated_at",
    "at",
    "cap_at",
}


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """Times as ISO-8601 UTC text next to their epoch-millisecond values."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        out[key] = value
        if key in TIME_FIELDS and isinstance(value, int):
            out[key] = to_iso(value)
            out[f"{key}_ms"] = value
    return out


@dataclass(slots=True)
class Agent:
    id: str
    name: str
    policy: dict[str, Any]
    created_at: int

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(slots=True)
class Session:
    id: str
    agent_id: str
    title: str
    state: str
    created_at: int
    activated_at: int
    last_activity_at: int
    expires_at: int
    warn_at: int
    cap_at: int
    renewal_count: int
    resume_count: int
    warned_at: int | None
    ended_at: int | None
    end_reason: str | None
    token_jti: str
    window_minutes: int
    policy_json: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def policy(self) -> Policy:
        from .policy import Policy  # pydantic: imported when a policy is first needed

        return Policy.model_validate_json(self.policy_json)

    def remaining_ms(self, now: int) -> int:
        return self.expires_at - now

    def phase(self, now: int) -> Phase:
        if self.state == State.ENDED:
            return Phase.ENDED
        if self.state == State.EXPIRED or self.expires_at <= now:
            return Phase.EXPIRED
        if now >= self.warn_at:
            return Phase.EXPIRING
        return Phase.ACTIVE

    def is_live(self, now: int) -> bool:
        return self.state == State.ACTIVE and self.expires_at > now

    def window_fraction(self, now: int) -> float:
        """Time left as a fraction of the policy window, 0–1 (full after extensions)."""
        return max(0.0, min(1.0, (self.expires_at - now) / (self.window_minutes * 60_000)))

    def to_dict(self, now: int | None = None) -> dict[str, Any]:
        row = asdict(self)
        row.pop("policy_json")
        row.pop("warn_at")
        row.pop("token_jti")
        row["policy"] = json.loads(self.policy_json)
        if now is not None:
            row["phase"] = str(self.phase(now))
            row["remaining_seconds"] = max(0, (self.expires_at - now) // 1000)
        return _jsonable(row)


@dataclass(slots=True)
class Message:
    id: int
    session_id: str
    role: str
    content: str
    created_at: int
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(slots=True)
class Memory:
    id: int
    agent_id: str
    session_id: str | None
    type: str
    title: str
    content: str
    tags: list[str]
    confidence: float
    status: str
    created_at: int
    updated_at: int
    # The memory this one replaced as a near-duplicate (core/semantic/consolidate.py).
    supersedes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(slots=True)
class Event:
    id: int
    session_id: str
    at: int
    kind: str
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(slots=True)
class Activation:
    """A session together with the token of its current activation."""

    session: Session
    token: str
    superseded: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ExtendResult:
    session: Session
    requested_minutes: int
    added_ms: int
    capped: bool

    @property
    def added_minutes(self) -> float:
        return self.added_ms / 60_000


@dataclass(slots=True)
class EndSummary:
    session: Session
    duration_ms: int
    messages: int
    memories: int


@dataclass(slots=True)
class SweepResult:
    expired: list[str]
    warned: list[str]
    next_due_at: int | None


@dataclass(slots=True)
class MemoryHit:
    memory: Memory
    score: float
    snippet: str
    # Why it matched: "keyword", "meaning 0.71" or both (core.semantic.hybrid).
    why: str = "keyword"
    similarity: float | None = None


@dataclass(slots=True)
class MessageHit:
    message: Message
    session_title: str
    agent_id: str
    snippet: str
