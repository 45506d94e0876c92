"""Import of a session file (an agentsess JSON export, or Agentry's .toon) into any
`SessionStore`: the file is parsed and checked here, mapped to a `SessionImport`, and written
by `store.import_session` in one transaction."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .. import validate
from ..clock import EARLIEST_MS, LATEST_MS, MINUTE_MS, parse_iso
from ..db import storage_errors
from ..errors import InvalidInput
from ..ids import check_agent_id
from ..models import (
    EVENT_KINDS,
    MEMORY_STATUSES,
    MEMORY_TYPES,
    Event,
    ImportResult,
    Memory,
    Message,
    Session,
    SessionImport,
)
from ..policy import Policy
from ..protocol import SessionStore
from .export import JSON_FORMAT, JSON_VERSION

MAX_IMPORT_BYTES = 512 * 1024 * 1024


Timestamp = datetime | int | float | str


# Years 1–9999, what ISO-8601 can say: a time outside this is a broken file, and would not fit
# in SQLite's 64-bit integers either (OverflowError rather than a clear message).
_MIN_MS, _MAX_MS = EARLIEST_MS, LATEST_MS


def _ms(value: Timestamp | None, default: int) -> int:
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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)


class _MessageIn(_Strict):
    role: Literal["system", "user", "assistant", "tool"]
    content: str
    created_at: Timestamp | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class _EventIn(_Strict):
    at: Timestamp
    kind: str
    detail: dict[str, Any] = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {value!r}")
        return value


class _MemoryIn(_Strict):
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


class _SessionIn(_Strict):
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


class _AgentIn(_Strict):
    id: str
    name: str | None = None
    policy: dict[str, Any] = Field(default_factory=dict)


class _JsonExport(_Strict):
    format: Literal["agentsess.session"]
    version: int
    agent: _AgentIn | None = None
    session: _SessionIn
    messages: list[_MessageIn] = Field(default_factory=list)
    events: list[_EventIn] = Field(default_factory=list)
    memories: list[_MemoryIn] = Field(default_factory=list)


class _ToonFile(_Strict):
    session_id: str
    created_at: Timestamp | None = None
    title: str | None = None
    messages: list[_MessageIn]


def import_file(
    store: SessionStore,
    path: str | Path,
    *,
    agent_id: str | None = None,
    new_id: bool = False,
) -> ImportResult:
    """Import a `.json` export or an Agentry `.toon` file (detected from its content)."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise InvalidInput(
                f"{file} is {size / 2**20:.0f} MiB; imports are limited to "
                f"{MAX_IMPORT_BYTES // 2**20} MiB."
            )
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"There is no file {file}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {file}: {exc}.") from None
    return import_text(store, text, source=str(file), agent_id=agent_id, new_id=new_id)


@storage_errors  # a held lock or a full disk: DatabaseLocked / StorageError (issue 10)
def import_text(
    store: SessionStore,
    text: str,
    *,
    source: str = "The input",
    agent_id: str | None = None,
    new_id: bool = False,
) -> ImportResult:
    try:
        return _import_text(store, text, source=source, agent_id=agent_id, new_id=new_id)
    except RecursionError:  # issue 10: a hostile file nested thousands of levels deep
        raise InvalidInput(
            f"{source} is nested too deeply to be a session file; nothing was imported."
        ) from None


def _import_text(
    store: SessionStore, text: str, *, source: str, agent_id: str | None, new_id: bool
) -> ImportResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "nothing was imported.",
            hint="Import files are agentsess JSON exports or Agentry .toon files.",
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{source} is not a session file (expected a JSON object).")
    try:
        if data.get("format") == JSON_FORMAT:
            document = _JsonExport.model_validate(data)
            if document.version > JSON_VERSION:
                raise InvalidInput(
                    f"{source} was written by a newer agentsess (format version "
                    f"{document.version}); upgrade to import it."
                )
            return _import_json(store, document, agent_id=agent_id, new_id=new_id)
        if "session_id" in data and "messages" in data:
            return _import_toon(
                store, _ToonFile.model_validate(data), agent_id=agent_id, new_id=new_id
            )
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise InvalidInput(
            f"{source} is not a valid session file: {where}: {error['msg']}; nothing was imported."
        ) from None
    except ValueError as exc:  # bad timestamps
        raise InvalidInput(
            f"{source} has an invalid value ({exc}); nothing was imported."
        ) from None
    raise InvalidInput(
        f"{source} is neither an agentsess export nor an Agentry .toon file.",
        hint="Export files with `agentsess sessions export ID --format json|toon`.",
    )


def _import_json(
    store: SessionStore, document: _JsonExport, *, agent_id: str | None, new_id: bool
) -> ImportResult:
    src = document.session
    owner = check_agent_id(agent_id or src.agent_id)
    same_agent = document.agent is not None and document.agent.id == owner
    policy = Policy(**{**Policy().model_dump(), **src.policy})
    now = store.now()
    created = _ms(src.created_at, now)
    activated = _ms(src.activated_at, created)
    expires = _ms(src.expires_at, activated + policy.window_minutes * MINUTE_MS)
    state, ended_at, reason = src.state, _ms(src.ended_at, 0) or None, src.end_reason
    # Issue 10: a file never decides where replies (and the user's key) go.
    metadata, notes = validate.without_responder_hosts(src.metadata)
    if state == "active":
        # Its token was for another activation (maybe another key): arrive inactive.
        state, ended_at, reason = "ended", now, "imported"
    session = _session(
        src.id,
        owner,
        src.title,
        state,
        created=created,
        activated=activated,
        last_activity=_ms(src.last_activity_at, activated),
        expires=expires,
        policy=policy,
        metadata=metadata,
    )
    session.renewal_count, session.resume_count = src.renewal_count, src.resume_count
    session.warned_at = _ms(src.warned_at, 0) or None
    session.ended_at, session.end_reason = ended_at, reason
    imported = SessionImport(
        session=session,
        format="json",
        # An agent the import creates comes with its name and policy; an existing one is
        # left alone.
        agent_name=document.agent.name if document.agent and same_agent else None,
        agent_policy=dict(document.agent.policy) if document.agent and same_agent else {},
        messages=_messages(src.id, document.messages, created),
        events=[
            Event(id=0, session_id=src.id, at=_ms(e.at, created), kind=e.kind, detail=e.detail)
            for e in document.events
        ],
        memories=[
            Memory(
                id=0,
                agent_id=owner,
                session_id=src.id,
                type=m.type,
                title=m.title or "",
                content=m.content,
                tags=m.tags,
                confidence=m.confidence,
                status=m.status,
                created_at=_ms(m.created_at, now),
                updated_at=_ms(m.updated_at, _ms(m.created_at, now)),
            )
            for m in document.memories
        ],
    )
    result = store.import_session(imported, new_id=new_id)
    result.notes.extend(notes)
    return result


def _import_toon(
    store: SessionStore, document: _ToonFile, *, agent_id: str | None, new_id: bool
) -> ImportResult:
    owner = check_agent_id(agent_id or "agentry")
    now = store.now()
    created = _ms(document.created_at, now)
    # The agent's policy, or the one it gets when the import creates it.
    policy = store.preview_policy(owner)
    messages = _messages(document.session_id, document.messages, created)
    last = max([created, *(m.created_at for m in messages)])  # never before the session began
    session = _session(
        document.session_id,
        owner,
        document.title or f"Agentry {document.session_id}",
        "ended",
        created=created,
        activated=created,
        last_activity=last,
        expires=min(last, created + policy.max_lifetime_minutes * MINUTE_MS),
        policy=policy,
        metadata={"imported_from": "agentry"},
    )
    session.ended_at, session.end_reason = now, "imported"
    return store.import_session(
        SessionImport(session=session, format="toon", messages=messages), new_id=new_id
    )


def _session(
    session_id: str,
    agent_id: str,
    title: str,
    state: str,
    *,
    created: int,
    activated: int,
    last_activity: int,
    expires: int,
    policy: Policy,
    metadata: dict[str, Any],
) -> Session:
    """The session as read from a file; the store derives warn_at, cap_at and the token."""
    return Session(
        id=session_id,
        agent_id=agent_id,
        title=title,
        state=state,
        created_at=created,
        activated_at=activated,
        last_activity_at=last_activity,
        expires_at=expires,
        warn_at=0,
        cap_at=0,
        renewal_count=0,
        resume_count=0,
        warned_at=None,
        ended_at=None,
        end_reason=None,
        token_jti="",
        window_minutes=policy.window_minutes,
        policy_json=policy.model_dump_json(),
        metadata=metadata,
    )


def _messages(session_id: str, messages: list[_MessageIn], created: int) -> list[Message]:
    return [
        Message(
            id=0,
            session_id=session_id,
            role=m.role,
            content=m.content,
            created_at=_ms(m.created_at, created),
            metadata=m.metadata,
        )
        for m in messages
    ]
