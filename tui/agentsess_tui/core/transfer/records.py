"""What a session file may hold, record by record: the pydantic models an import checks
each part of the file against, and the times it accepts (epoch seconds or milliseconds, ISO
8601). Extra keys are ignored; anything else wrong is a ValidationError the reader names."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..clock import EARLIEST_MS, LATEST_MS, parse_iso
from ..models import EVENT_KINDS, MEMORY_STATUSES, MEMORY_TYPES

Timestamp = datetime | int | float | str


# Years 1–9999, what ISO-8601 can say: a time outside this is a broken file, and would not fit
# in SQLite's 64-bit integers either (OverflowError rather than a clear message).
_MIN_MS, _MAX_MS = EARLIEST_MS, LATEST_MS


def to_ms(value: Timestamp | None, default: int) -> int:
    """A time from a file, as epoch ms; ValueError (→ InvalidInput) when it is not one."""
    if value is None:
        return default
    if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"{value!r} is not a time")
    if isinstance(value, datetime):
        ms = round(value.timestamp() * 1000)
    elif isinstance(value, int | float):
        # Seconds or milliseconds since the epoch: 1e11 s is the year 5138.
        ms = int(value if value > 1e11 else value * 1000)
    else:
        ms = parse_iso(value)
    if not _MIN_MS <= ms <= _MAX_MS:
        raise ValueError(f"{value!r} is not a time between the years 1970 and 3000")
    return ms


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)


class MessageIn(Strict):
    role: Literal["system", "user", "assistant", "tool"]
    content: str
    created_at: Timestamp | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class EventIn(Strict):
    at: Timestamp
    kind: str
    detail: dict[str, Any] = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {value!r}")
        return value


class MemoryIn(Strict):
    type: str
    title: str | None = None
    content: str
    tags: list[str] = Field(default_factory=list)
    confidence: float = Field(0.8, ge=0, le=1)
    status: str = "active"
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in MEMORY_TYPES:
            raise ValueError(f"unknown memory type {value!r}")
        return value

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in MEMORY_STATUSES:
            raise ValueError(f"unknown memory status {value!r}")
        return value


class SessionIn(Strict):
    id: str
    agent_id: str
    title: str
    state: Literal["active", "expired", "ended"]
    created_at: Timestamp
    activated_at: Timestamp | None = None
    last_activity_at: Timestamp | None = None
    expires_at: Timestamp | None = None
    renewal_count: int = Field(0, ge=0, le=2**31)
    resume_count: int = Field(0, ge=0, le=2**31)
    warned_at: Timestamp | None = None
    ended_at: Timestamp | None = None
    end_reason: str | None = None
    policy: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)


class AgentIn(Strict):
    id: str
    name: str | None = None
    policy: dict[str, Any] = Field(default_factory=dict)


class JsonExport(Strict):
    """The top level of an export; its arrays are read one element at a time (`jsonread`)."""

    format: Literal["agentsess.session"]
    version: int
    agent: AgentIn | None = None
    session: SessionIn


class ToonFile(Strict):
    session_id: str
    created_at: Timestamp | None = None
    title: str | None = None


# What each array's elements must be.
ELEMENTS: dict[str, type[Strict]] = {
    "messages": MessageIn,
    "events": EventIn,
    "memories": MemoryIn,
}
