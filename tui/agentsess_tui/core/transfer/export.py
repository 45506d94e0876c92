"""Export of a session as JSON (lossless), Markdown (readable) or Agentry's .toon, through the
public store API only (any `SessionStore`)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from ..clock import to_iso
from ..errors import InvalidInput
from ..jsonstream import Write, write_object
from ..models import Message, Session
from ..protocol import SessionStore
from ..text import visible

Format = Literal["json", "md", "toon"]
FORMATS: tuple[Format, ...] = ("json", "md", "toon")
JSON_FORMAT = "agentsess.session"
JSON_VERSION = 1


# -- export ----------------------------------------------------------------------------------


def default_filename(session: Session, fmt: Format) -> str:
    if fmt == "toon":
        return f"{session.id}_chat.toon"
    return f"{session.id}.{fmt}"


def export_session(store: SessionStore, session_id: str, fmt: Format = "json") -> str:
    """The session as text in `fmt` (see `write_export` for a file or a stream)."""
    out = io.StringIO()
    write_export(store, session_id, fmt, out.write)
    return out.getvalue()


def write_export(store: SessionStore, session_id: str, fmt: Format, write: Write) -> None:
    """The session in `fmt`, handed to `write` piece by piece: a transcript of 200k messages
    is read a page at a time and never held whole, nor its text (issue 10)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"{fmt!r} is not an export format; use one of {', '.join(FORMATS)}.")
    session = store.get_session(session_id)
    if fmt == "toon":
        # json_visible (in jsonstream): no raw control character in the file (issue 10).
        write_object(
            {"session_id": session.id, "created_at": to_iso(session.created_at)},
            {
                "messages": (
                    {"role": m.role, "content": m.content} for m in _all_messages(store, session.id)
                )
            },
            write,
        )
        return
    if fmt == "md":
        _markdown(store, session, write)
        return
    agent = store.get_agent(session.agent_id)
    memories = store.list_memories(session_id=session_id, status=None, limit=1_000_000)
    head = {
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
    }
    arrays: dict[str, Iterable[Any]] = {
        "messages": (
            {
                "role": m.role,
                "content": m.content,
                "created_at": to_iso(m.created_at),
                "metadata": m.metadata,
            }
            for m in _all_messages(store, session.id)
        ),
        "events": (
            {"at": to_iso(e.at), "kind": e.kind, "detail": e.detail}
            for e in store.events(session_id)
        ),
        "memories": (
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
        ),
    }
    write_object(head, arrays, write)


# Messages read per page: keyset paging forward by id, a page at a time.
_PAGE = 2000


def _all_messages(store: SessionStore, session_id: str) -> Iterator[Message]:
    after = 0
    while True:
        page = store.messages(session_id, after_id=after, limit=_PAGE)
        yield from page
        if len(page) < _PAGE:
            return
        after = page[-1].id


def _markdown(store: SessionStore, session: Session, write: Write) -> None:
    now = store.now()
    lines = [
        f"# {session.title}",
        "",
        f"- Session: `{session.id}`",
        f"- Agent: `{session.agent_id}`",
        f"- State: {session.phase(now)}",
        f"- Created: {to_iso(session.created_at)}",
        f"- Expires: {to_iso(session.expires_at)}",
        f"- Messages: {store.count_messages(session.id)}",
        "",
    ]
    # Markdown is read in terminals and editors: control characters show as escapes.
    write(visible("\n".join(lines)))
    for message in _all_messages(store, session.id):
        piece = ["", "---", "", f"### {message.role} · {to_iso(message.created_at)}", ""]
        piece += [message.content.rstrip("\n"), ""]
        write(visible("\n".join(piece)))
