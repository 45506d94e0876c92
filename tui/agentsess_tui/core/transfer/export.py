"""Export of a session as JSON (lossless), Markdown (readable) or Agentry's .toon, through the
public store API only (any `SessionStore`)."""

from __future__ import annotations

import json
from typing import Literal

from ..clock import to_iso
from ..errors import InvalidInput
from ..models import Message, Session
from ..protocol import SessionStore
from ..text import json_visible, visible

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


def _all_messages(store: SessionStore, session_id: str) -> list[Message]:
    messages: list[Message] = []
    before: int | None = None
    while True:
        page = store.messages(session_id, before_id=before, limit=5000)
        if not page:
            break
        messages[:0] = page
        before = page[0].id
    return messages


def _markdown(store: SessionStore, session: Session, messages: list[Message]) -> str:
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
