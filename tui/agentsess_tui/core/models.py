"""The rows the core hands out. Plain dataclasses: cheap to build by the ten thousand."""

from __future__ import annotations

import json
from collections.abc import Iterable
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

    @property
    def auto_renew(self) -> bool:
        """The policy's auto_renew without building the policy (pydantic's import and the
        model cost ~100 ms, and the chat header needs only this when the app starts). The
        stored policy is a complete dump of a validated one; anything else takes the long way."""
        value = json.loads(self.policy_json).get("auto_renew")
        return value if isinstance(value, bool) else self.policy.auto_renew

    def remaining_ms(self, now: int) -> int:
        return self.expires_at - now

    def phase(self, now: int) -> Phase:
        return _phases.phase(self, now)

    def is_live(self, now: int) -> bool:
        return _phases.is_live(self, now)

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

    def __repr__(self) -> str:
        # Reprs end up in logs and tracebacks: the token only ever masked there.
        from .tokens import mask

        return (
            f"Activation(session={self.session!r}, token={mask(self.token)!r}, "
            f"superseded={self.superseded!r})"
        )

    __str__ = __repr__


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
    # The summary memory written as it ended (`end_session(summarize=True)`).
    summary: Memory | None = None


@dataclass(slots=True)
class SweepResult:
    expired: list[str]
    warned: list[str]
    next_due_at: int | None


@dataclass(slots=True)
class SessionImport:
    """Everything `Store.import_session` writes in one transaction: a session read from a
    file (`transfer`), with its conversation, timeline and memories. Ids of the messages,
    events and memories are ignored (the database assigns them); their `session_id` and
    `agent_id` are those of `session`."""

    session: Session
    format: str
    agent_name: str | None = None
    # The policy an agent created by the import gets (an existing agent is left alone).
    agent_policy: dict[str, Any] = field(default_factory=dict)
    # Iterables: an import from a file reads them as they are written (issue 10).
    messages: Iterable[Message] = field(default_factory=list)
    events: Iterable[Event] = field(default_factory=list)
    memories: Iterable[Memory] = field(default_factory=list)


@dataclass(slots=True)
class ImportResult:
    session: Session
    format: str
    messages: int
    memories: int
    events: int
    notes: list[str] = field(default_factory=list)
    """What the import changed on the way in (e.g. responder hosts dropped)."""


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


# The rules live in `phases` (which needs the types above): imported last, so either module
# can be imported first.
from . import phases as _phases  # noqa: E402


@dataclass(slots=True)
class SidebarStart:
    """What the sidebar needs first, read in one transaction: every live session, the counts
    per (agent, state) from the maintained counter, and the change stamp they agree with."""

    live: list[Session]
    counts: list[tuple[str, str, int]]
    seq: int


@dataclass(slots=True)
class SidebarChanges:
    """Sessions changed after a stamp, ids deleted since, the counts now and the next stamp."""

    changed: list[Session]
    deleted: list[str]
    counts: list[tuple[str, str, int]]
    seq: int


@dataclass(slots=True)
class SessionMatches:
    """Sessions a filter matched (at most the limit asked); `complete` when that is all."""

    sessions: list[Session]
    complete: bool
