"""The end-of-session summary from the configured chat model (`end --summarize`, the TUI's end
dialog): with an OpenAI-compatible backend, the model summarises the session's memories and
messages; offline, or when the model fails, there is no model summary and the store writes its
extractive one. The model is asked before the session is ended (never inside the store's
write transaction), and its answer is hostile text like any reply: cut to a bound, stored as a
memory's content (shown escaped, like every memory).
"""

from __future__ import annotations

import asyncio

from ..core.errors import BackendError
from ..core.models import Session
from ..core.store import Store
from .base import ReplyRequest, ResponderSettings

SUMMARY_PROMPT = (
    "You write the summary memory of an agent's session that is ending. In at most five short "
    "sentences, say what was decided, learnt and left to do, for the agent to read next time. "
    "Plain text, no preamble."
)
# What the model is shown: the newest messages and memories, each cut, in all this many chars.
TRANSCRIPT_CHARS = 12_000
ITEM_CHARS = 600
# The summary kept: a memory, not an essay.
SUMMARY_CHARS = 4000


def transcript(store: Store, session: Session) -> str:
    """The session's memories and newest messages as plain lines, newest last, bounded."""
    lines = [f"Session: {session.title}"]
    memories = store.list_memories(session_id=session.id, status="active", limit=100)
    lines += [f"Memory: {_cut(m.content)}" for m in reversed(memories)]
    page = store.messages(session.id, limit=100)
    lines += [f"{m.role}: {_cut(m.content)}" for m in page]
    text = "\n".join(lines)
    return text if len(text) <= TRANSCRIPT_CHARS else text[-TRANSCRIPT_CHARS:]


def _cut(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= ITEM_CHARS else flat[: ITEM_CHARS - 1] + "…"


async def model_summary(store: Store, session: Session, settings: ResponderSettings) -> str | None:
    """The chat model's summary of `session`, or None (offline, or the model failed)."""
    if settings.backend != "openai":
        return None
    from .openai_compat import OpenAICompatResponder

    request = ReplyRequest(
        session=session, user_text=transcript(store, session), system_prompt=SUMMARY_PROMPT
    )
    try:
        chunks = [chunk async for chunk in OpenAICompatResponder(settings).reply(request)]
    except BackendError:
        return None
    text = "".join(chunks).strip()
    if not text:
        return None
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def summary_for_end(store: Store, session_id: str) -> str | None:
    """Blocking: the model's summary for ending `session_id` with the user's chat settings."""
    session = store.get_session(session_id)
    settings = ResponderSettings.resolve(store.settings.chat, session)
    return asyncio.run(model_summary(store, session, settings))
