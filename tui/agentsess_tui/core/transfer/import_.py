"""Import of a session file (an agentsess JSON export, or Agentry's .toon) into any
`SessionStore`: the file is parsed and checked here, mapped to a `SessionImport`, and written
by `store.import_session` in one transaction."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from .. import validate
from ..clock import MINUTE_MS
from ..errors import InvalidInput
from ..ids import check_agent_id
from ..models import (
    Event,
    ImportResult,
    Memory,
    Message,
    Session,
    SessionImport,
)
from ..policy import Policy
from ..protocol import SessionStore
from ..sqlite_errors import storage_errors
from . import jsonread
from .export import JSON_FORMAT, JSON_VERSION
from .records import (
    ELEMENTS,
    JsonExport,
    MessageIn,
    Strict,
    ToonFile,
    to_ms,
)

MAX_IMPORT_BYTES = 512 * 1024 * 1024


OpenText = Callable[[], TextIO]


def import_file(
    store: SessionStore,
    path: str | Path,
    *,
    agent_id: str | None = None,
    new_id: bool = False,
) -> ImportResult:
    """Import a `.json` export or an Agentry `.toon` file (detected from its content). The
    file is read twice (checked, then written) and never held whole (issue 10)."""
    file = Path(path)

    def open_text() -> TextIO:
        return file.open(encoding="utf-8", newline="")

    try:
        size = file.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise InvalidInput(
                f"{file} is {size / 2**20:.0f} MiB; imports are limited to "
                f"{MAX_IMPORT_BYTES // 2**20} MiB."
            )
        return _import(store, open_text, source=str(file), agent_id=agent_id, new_id=new_id)
    except FileNotFoundError:
        raise InvalidInput(f"There is no file {file}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {file}: {exc}.") from None


def import_text(
    store: SessionStore,
    text: str,
    *,
    source: str = "The input",
    agent_id: str | None = None,
    new_id: bool = False,
) -> ImportResult:
    """`import_file` for text already read (stdin, an HTTP body)."""
    return _import(
        store, lambda: io.StringIO(text), source=source, agent_id=agent_id, new_id=new_id
    )


@storage_errors  # a held lock or a full disk: DatabaseLocked / StorageError (issue 10)
def _import(
    store: SessionStore, open_text: OpenText, *, source: str, agent_id: str | None, new_id: bool
) -> ImportResult:
    try:
        return _import_stream(store, open_text, source=source, agent_id=agent_id, new_id=new_id)
    except RecursionError:  # issue 10: a hostile file nested thousands of levels deep
        raise InvalidInput(
            f"{source} is nested too deeply to be a session file; nothing was imported."
        ) from None


def _import_stream(
    store: SessionStore, open_text: OpenText, *, source: str, agent_id: str | None, new_id: bool
) -> ImportResult:
    try:
        scanned = jsonread.scan(open_text)
    except jsonread.Malformed as exc:
        raise InvalidInput(
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "nothing was imported.",
            hint="Import files are agentsess JSON exports or Agentry .toon files.",
        ) from None
    except jsonread.NotAnObject:
        raise InvalidInput(f"{source} is not a session file (expected a JSON object).") from None
    data = scanned.head

    def rows(key: str) -> Iterator[Any]:
        """The array's elements, checked as they are read (a bad one raises InvalidInput)."""
        if key not in scanned.arrays:
            if key in data:  # not an array: let the model say what it should be
                _validated(ELEMENTS[key], data, source, ())
            return
        for index, raw in enumerate(jsonread.elements(open_text, scanned.arrays[key])):
            yield _validated(ELEMENTS[key], raw, source, (key, index))

    try:
        if data.get("format") == JSON_FORMAT:
            document = JsonExport.model_validate(data)
            if document.version > JSON_VERSION:
                raise InvalidInput(
                    f"{source} was written by a newer agentsess (format version "
                    f"{document.version}); upgrade to import it."
                )
            return _import_json(
                store, document, rows, source=source, agent_id=agent_id, new_id=new_id
            )
        if "session_id" in data and ("messages" in data or "messages" in scanned.arrays):
            toon = ToonFile.model_validate(data)
            return _import_toon(store, toon, rows, source=source, agent_id=agent_id, new_id=new_id)
    except ValidationError as exc:
        raise _invalid(source, exc, ()) from None
    except ValueError as exc:  # bad timestamps
        raise InvalidInput(
            f"{source} has an invalid value ({exc}); nothing was imported."
        ) from None
    raise InvalidInput(
        f"{source} is neither an agentsess export nor an Agentry .toon file.",
        hint="Export files with `agentsess sessions export ID --format json|toon`.",
    )


Rows = Callable[[str], Iterator[Any]]


def _validated(model: type[Strict], raw: Any, source: str, where: tuple[str | int, ...]) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise _invalid(source, exc, where) from None


def _invalid(source: str, exc: ValidationError, where: tuple[str | int, ...]) -> InvalidInput:
    error = exc.errors()[0]
    loc = ".".join(str(part) for part in (*where, *error["loc"]))
    return InvalidInput(
        f"{source} is not a valid session file: {loc}: {error['msg']}; nothing was imported."
    )


@contextlib.contextmanager
def _bad_times(source: str) -> Iterator[None]:
    """A row read from a file: a bad time in it is an InvalidInput, like the rest."""
    try:
        yield
    except ValueError as exc:
        raise InvalidInput(
            f"{source} has an invalid value ({exc}); nothing was imported."
        ) from None


def _import_json(
    store: SessionStore,
    document: JsonExport,
    rows: Rows,
    *,
    source: str,
    agent_id: str | None,
    new_id: bool,
) -> ImportResult:
    src = document.session
    owner = check_agent_id(agent_id or src.agent_id)
    same_agent = document.agent is not None and document.agent.id == owner
    policy = Policy(**{**Policy().model_dump(), **src.policy})
    now = store.now()
    created = to_ms(src.created_at, now)
    activated = to_ms(src.activated_at, created)
    expires = to_ms(src.expires_at, activated + policy.window_minutes * MINUTE_MS)
    state, ended_at, reason = src.state, to_ms(src.ended_at, 0) or None, src.end_reason
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
        last_activity=to_ms(src.last_activity_at, activated),
        expires=expires,
        policy=policy,
        metadata=metadata,
    )
    session.renewal_count, session.resume_count = src.renewal_count, src.resume_count
    session.warned_at = to_ms(src.warned_at, 0) or None
    session.ended_at, session.end_reason = ended_at, reason

    def events() -> Iterator[Event]:
        for e in rows("events"):
            with _bad_times(source):
                at = to_ms(e.at, created)
            yield Event(id=0, session_id=src.id, at=at, kind=e.kind, detail=e.detail)

    def memories() -> Iterator[Memory]:
        for m in rows("memories"):
            with _bad_times(source):
                made = to_ms(m.created_at, now)
                updated = to_ms(m.updated_at, made)
            yield Memory(
                id=0,
                agent_id=owner,
                session_id=src.id,
                type=m.type,
                title=m.title or "",
                content=m.content,
                tags=m.tags,
                confidence=m.confidence,
                status=m.status,
                created_at=made,
                updated_at=updated,
            )

    imported = SessionImport(
        session=session,
        format="json",
        # An agent the import creates comes with its name and policy; an existing one is
        # left alone.
        agent_name=document.agent.name if document.agent and same_agent else None,
        agent_policy=dict(document.agent.policy) if document.agent and same_agent else {},
        messages=_messages(src.id, rows("messages"), created, source),
        events=events(),
        memories=memories(),
    )
    result = store.import_session(imported, new_id=new_id)
    result.notes.extend(notes)
    return result


def _import_toon(
    store: SessionStore,
    document: ToonFile,
    rows: Rows,
    *,
    source: str,
    agent_id: str | None,
    new_id: bool,
) -> ImportResult:
    owner = check_agent_id(agent_id or "agentry")
    now = store.now()
    created = to_ms(document.created_at, now)
    # The agent's policy, or the one it gets when the import creates it.
    policy = store.preview_policy(owner)
    # A first read for the last message's time (never before the session began); the
    # messages are checked on the way, before anything is written.
    last = created
    for message in _messages(document.session_id, rows("messages"), created, source):
        last = max(last, message.created_at)
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
    messages = _messages(document.session_id, rows("messages"), created, source)
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


def _messages(
    session_id: str, messages: Iterator[MessageIn], created: int, source: str
) -> Iterator[Message]:
    for m in messages:
        with _bad_times(source):
            at = to_ms(m.created_at, created)
        yield Message(
            id=0,
            session_id=session_id,
            role=m.role,
            content=m.content,
            created_at=at,
            metadata=m.metadata,
        )
