"""Export and import of sessions.

- `json`: everything about one session (agent, session, messages, events, memories made in it);
  imports back losslessly except that the session arrives inactive (its token belonged to
  another activation) — resume it to continue.
- `md`: a readable Markdown transcript (export only).
- `toon`: Agentry's session file, `<id>_chat.toon`, a JSON object with `session_id`,
  `created_at` and `messages: [{role, content}]`, both ways.

An import is one transaction: a corrupt or partial file is an `InvalidInput` and writes nothing;
an id that exists already is an `AlreadyExists` unless `new_id=True` asks for a copy.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import validate
from .clock import EARLIEST_MS, LATEST_MS, MINUTE_MS, parse_iso, to_iso
from .db import storage_errors
from .errors import AlreadyExists, InvalidInput, NotFound
from .ids import check_agent_id, check_session_id, new_activation_id, new_session_id
from .models import EVENT_KINDS, MEMORY_STATUSES, MEMORY_TYPES, Session
from .policy import Policy, check_layer
from .store import Store
from .text import json_visible, visible

Format = Literal["json", "md", "toon"]
FORMATS: tuple[Format, ...] = ("json", "md", "toon")
JSON_FORMAT = "agentsess.session"
JSON_VERSION = 1
MAX_IMPORT_BYTES = 512 * 1024 * 1024


# -- export ----------------------------------------------------------------------------------


def default_filename(session: Session, fmt: Format) -> str:
    if fmt == "toon":
        return f"{session.id}_chat.toon"
    return f"{session.id}.{fmt}"


def export_session(store: Store, session_id: str, fmt: Format = "json") -> str:
    """The session as text in `fmt`."""
    session = store.get_session(session_id)
    messages = _all_messages(store, session_id)
    if fmt == "toon":
        # json_visible: the same data, but no raw control character in the file (issue 10).
        return json_visible(
            json.dumps(
                {
                    "session_id": session.id,
                    "created_at": to_iso(session.created_at),
                    "messages": [{"role": m.role, "content": m.content} for m in messages],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    if fmt == "md":
        return _markdown(store, session, messages)
    if fmt != "json":
        raise InvalidInput(f"{fmt!r} is not an export format; use one of {', '.join(FORMATS)}.")
    agent = store.get_agent(session.agent_id)
    memories = store.list_memories(session_id=session_id, status=None, limit=1_000_000)
    document = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "exported_at": to_iso(store.now()),
        "agent": {"id": agent.id, "name": agent.name, "policy": agent.policy},
        "session": {
            "id": session.id,
            "agent_id": session.agent_id,
            "title": session.title,
            "state": session.state,
            "created_at": to_iso(session.created_at),
            "activated_at": to_iso(session.activated_at),
            "last_activity_at": to_iso(session.last_activity_at),
            "expires_at": to_iso(session.expires_at),
            "renewal_count": session.renewal_count,
            "resume_count": session.resume_count,
            "warned_at": to_iso(session.warned_at),
            "ended_at": to_iso(session.ended_at),
            "end_reason": session.end_reason,
            "policy": json.loads(session.policy_json),
            "metadata": session.metadata,
        },
        "messages": [
            {
                "role": m.role,
                "content": m.content,
                "created_at": to_iso(m.created_at),
                "metadata": m.metadata,
            }
            for m in messages
        ],
        "events": [
            {"at": to_iso(e.at), "kind": e.kind, "detail": e.detail}
            for e in store.events(session_id)
        ],
        "memories": [
            {
                "type": m.type,
                "title": m.title,
                "content": m.content,
                "tags": m.tags,
                "confidence": m.confidence,
                "status": m.status,
                "created_at": to_iso(m.created_at),
                "updated_at": to_iso(m.updated_at),
            }
            for m in reversed(memories)
        ],
    }
    return json_visible(json.dumps(document, ensure_ascii=False, indent=2))


def _all_messages(store: Store, session_id: str) -> list[Any]:
    messages: list[Any] = []
    before: int | None = None
    while True:
        page = store.messages(session_id, before_id=before, limit=5000)
        if not page:
            break
        messages[:0] = page
        before = page[0].id
    return messages


def _markdown(store: Store, session: Session, messages: list[Any]) -> str:
    now = store.now()
    lines = [
        f"# {session.title}",
        "",
        f"- Session: `{session.id}`",
        f"- Agent: `{session.agent_id}`",
        f"- State: {session.phase(now)}",
        f"- Created: {to_iso(session.created_at)}",
        f"- Expires: {to_iso(session.expires_at)}",
        f"- Messages: {len(messages)}",
        "",
    ]
    for message in messages:
        lines += ["---", "", f"### {message.role} · {to_iso(message.created_at)}", ""]
        lines += [message.content.rstrip("\n"), ""]
    # Markdown is read in terminals and editors: control characters show as escapes.
    return visible("\n".join(lines))


# -- import ----------------------------------------------------------------------------------


@dataclass(slots=True)
class ImportResult:
    session: Session
    format: str
    messages: int
    memories: int
    events: int
    notes: list[str] = field(default_factory=list)
    """What the import changed on the way in (e.g. responder hosts dropped)."""


Timestamp = datetime | int | float | str


# A time outside 1970–3000 is a broken file (issue 10: near 9999 the derived cap overflowed).
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
    store: Store,
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
    store: Store,
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
    store: Store, text: str, *, source: str, agent_id: str | None, new_id: bool
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
    store: Store, document: _JsonExport, *, agent_id: str | None, new_id: bool
) -> ImportResult:
    src = document.session
    owner = check_agent_id(agent_id or src.agent_id)
    same_agent = document.agent is not None and document.agent.id == owner
    agent_name = document.agent.name if document.agent and same_agent else None
    # An agent the import creates comes with its policy; an existing agent is left alone.
    agent_policy = (
        check_layer(document.agent.policy, f"the file's policy of agent {owner!r}")
        if document.agent and same_agent
        else {}
    )
    policy = Policy(**{**Policy().model_dump(), **src.policy})
    created = _ms(src.created_at, store.now())
    activated = _ms(src.activated_at, created)
    expires = _ms(src.expires_at, activated + policy.window_minutes * MINUTE_MS)
    state, ended_at, reason = src.state, _ms(src.ended_at, 0) or None, src.end_reason
    if state == "active":
        # Its token was for another activation (maybe another key): arrive inactive.
        state, ended_at, reason = "ended", store.now(), "imported"
    return _insert(
        store,
        fmt="json",
        session_id=src.id,
        new_id=new_id,
        agent_id=owner,
        agent_name=agent_name,
        agent_policy=agent_policy,
        title=src.title,
        state=state,
        created=created,
        activated=activated,
        last_activity=_ms(src.last_activity_at, activated),
        expires=expires,
        counts=(src.renewal_count, src.resume_count),
        warned_at=_ms(src.warned_at, 0) or None,
        ended_at=ended_at,
        reason=reason,
        policy=policy,
        metadata=src.metadata,
        messages=document.messages,
        events=document.events,
        memories=document.memories,
    )


def _import_toon(
    store: Store, document: _ToonFile, *, agent_id: str | None, new_id: bool
) -> ImportResult:
    owner = check_agent_id(agent_id or "agentry")
    now = store.now()
    created = _ms(document.created_at, now)
    try:
        policy = store.effective_policy(owner)
    except NotFound:  # the agent is created by the import, with default policy
        policy = store._policy_for({}, {}, owner)
    stamps = [_ms(m.created_at, created) for m in document.messages]
    last = max([created, *stamps])  # never before the session began
    return _insert(
        store,
        fmt="toon",
        session_id=document.session_id,
        new_id=new_id,
        agent_id=owner,
        agent_name=None,
        agent_policy={},
        title=document.title or f"Agentry {document.session_id}",
        state="ended",
        created=created,
        activated=created,
        last_activity=last,
        expires=min(last, created + policy.max_lifetime_minutes * MINUTE_MS),
        counts=(0, 0),
        warned_at=None,
        ended_at=now,
        reason="imported",
        policy=policy,
        metadata={"imported_from": "agentry"},
        messages=document.messages,
        events=[],
        memories=[],
    )


def _insert(
    store: Store,
    *,
    fmt: str,
    session_id: str,
    new_id: bool,
    agent_id: str,
    agent_name: str | None,
    agent_policy: dict[str, Any],
    title: str,
    state: str,
    created: int,
    activated: int,
    last_activity: int,
    expires: int,
    counts: tuple[int, int],
    warned_at: int | None,
    ended_at: int | None,
    reason: str | None,
    policy: Policy,
    metadata: dict[str, Any],
    messages: list[_MessageIn],
    events: list[_EventIn],
    memories: list[_MemoryIn],
) -> ImportResult:
    """Write everything in one transaction; validate all of it before the first row."""
    now = store.now()
    target = new_session_id(now) if new_id else check_session_id(session_id)
    name = validate.title(title, default=f"Imported {session_id}")
    # Issue 10: a file never decides where replies (and the user's key) go.
    metadata, notes = validate.without_responder_hosts(metadata)
    meta = validate.metadata(metadata)
    rows = []
    for index, message in enumerate(messages):
        try:
            validate.message_content(message.content)
            validate.metadata(message.metadata)
        except InvalidInput as exc:
            raise InvalidInput(
                f"Message {index + 1} cannot be imported: {exc.message}; nothing was imported."
            ) from None
        rows.append(
            (
                target,
                message.role,
                message.content,
                _ms(message.created_at, created),
                json.dumps(message.metadata),
            )
        )
    for index, memory in enumerate(memories):
        try:
            validate.memory_content(memory.content)
            validate.tags(memory.tags)
        except InvalidInput as exc:
            raise InvalidInput(
                f"Memory {index + 1} cannot be imported: {exc.message}; nothing was imported."
            ) from None
    cap = activated + policy.max_lifetime_minutes * MINUTE_MS
    expires = min(expires, cap)
    with store._write() as conn:
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (target,)).fetchone():
            raise AlreadyExists(
                f"A session {target!r} exists already; nothing was imported.",
                hint="Import it as a copy with --new-id, or delete the existing one first.",
            )
        if not conn.execute("SELECT 1 FROM agents WHERE id = ?", (agent_id,)).fetchone():
            conn.execute(
                "INSERT INTO agents (id, name, policy, created_at) VALUES (?, ?, ?, ?)",
                (agent_id, agent_name or agent_id, json.dumps(agent_policy), now),
            )
        conn.execute(
            "INSERT INTO sessions (id, agent_id, title, state, created_at, activated_at, "
            "last_activity_at, expires_at, warn_at, cap_at, renewal_count, resume_count, "
            "warned_at, ended_at, end_reason, token_jti, window_minutes, policy, metadata) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                target,
                agent_id,
                name,
                state,
                created,
                activated,
                last_activity,
                expires,
                expires - policy.warning_minutes * MINUTE_MS,
                cap,
                counts[0],
                counts[1],
                warned_at,
                ended_at,
                reason,
                new_activation_id(),
                policy.window_minutes,
                policy.model_dump_json(),
                meta,
            ),
        )
        conn.executemany(
            "INSERT INTO messages (session_id, role, content, created_at, metadata) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO events (session_id, at, kind, detail) VALUES (?, ?, ?, ?)",
            [(target, _ms(e.at, created), e.kind, json.dumps(e.detail)) for e in events],
        )
        store._event(conn, target, now, "imported", format=fmt, original_id=session_id)
        conn.executemany(
            "INSERT INTO memories (agent_id, session_id, type, title, content, tags, "
            "confidence, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    agent_id,
                    target,
                    m.type,
                    validate.title(m.title, default=" ".join(m.content.split())[:50]),
                    m.content,
                    json.dumps(validate.tags(m.tags)),
                    m.confidence,
                    m.status,
                    _ms(m.created_at, now),
                    _ms(m.updated_at, _ms(m.created_at, now)),
                )
                for m in memories
            ],
        )
    return ImportResult(
        session=store.get_session(target),
        format=fmt,
        messages=len(rows),
        memories=len(memories),
        events=len(events) + 1,
        notes=notes,
    )
