"""Asking a session's responder for a reply (the same path as the TUI's chat pane)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ..agents.base import ResponderSettings, build_request, responder_for
from ..agents.runner import run_reply
from ..core.models import Message, Session
from ..core.store import Store


async def reply_to(
    store: Store,
    session: Session,
    text: str,
    on_chunk: Callable[[str], Any] | None = None,
) -> Message:
    """Stream the responder's reply into the session (the user's message is stored)."""
    settings = ResponderSettings.resolve(store.settings.chat, session)
    request = await asyncio.to_thread(build_request, store, session.id, text, settings)
    responder = responder_for(session, store.settings.chat, store)
    return await run_reply(store, session.id, responder, request, on_chunk=on_chunk)
