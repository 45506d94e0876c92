"""Running a responder and writing its reply to the database while it streams.

The first text creates the assistant message (marked incomplete); later chunks are coalesced
and saved at most every `flush_interval` seconds; the end clears the mark. A cancel or a backend
failure saves what arrived, still marked incomplete, so a crash or a stop keeps the partial
reply. The user's message is stored by the caller before the reply starts and never touched.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Callable
from typing import Any, TypeVar

from agentsess_tui.core.models import Message
from agentsess_tui.core.store import Store

from .base import ChatBackendError, ReplyRequest, Responder

T = TypeVar("T")


async def run_reply(
    store: Store,
    session_id: str,
    responder: Responder,
    request: ReplyRequest,
    *,
    flush_interval: float = 0.25,
    on_chunk: Callable[[str], object] | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> Message:
    """Stream the responder's reply into a new assistant message and return it, complete.

    `on_chunk` sees every chunk as it arrives (it may be a coroutine function), for showing
    the reply live. Cancelling the task saves the partial reply marked
    `{"incomplete": true, "cancelled": true}` and re-raises; a `BackendError` saves it marked
    `{"incomplete": true, "error": "…"}` and re-raises (any other failure likewise).
    """
    metadata: dict[str, Any] = {"backend": responder.backend, "model": responder.model}
    if request.memories:
        metadata["recalled_memories"] = [hit.memory.id for hit in request.memories]
    writer = _ReplyWriter(store, session_id, metadata, flush_interval, monotonic)
    chunks = responder.reply(request)
    try:
        async for chunk in chunks:
            if not chunk:
                continue
            if on_chunk is not None:
                result = on_chunk(chunk)
                if inspect.isawaitable(result):
                    await result
            await writer.add(chunk)
        return await writer.finish(responder)
    except asyncio.CancelledError:
        await writer.save_partial({"incomplete": True, "cancelled": True}, None)
        raise
    except Exception as exc:
        # A backend failure, the store refusing (an expired session, a locked database), or a
        # bug in a responder: keep what arrived, marked with what went wrong.
        await writer.save_partial({"incomplete": True, "error": str(exc)}, exc)
        raise
    finally:
        # Closes the responder's connection if we stopped before it did (an error of ours).
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()


class _ReplyWriter:
    def __init__(
        self,
        store: Store,
        session_id: str,
        metadata: dict[str, Any],
        flush_interval: float,
        monotonic: Callable[[], float],
    ) -> None:
        self.store = store
        self.session_id = session_id
        self.metadata = metadata
        self.flush_interval = flush_interval
        self.monotonic = monotonic
        self.parts: list[str] = []
        self.message: Message | None = None
        self.last_save = 0.0
        self._pending: asyncio.Future[Any] | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)

    async def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        if self.message is None:
            text = self.text
            # An empty or blank message cannot be stored; wait for the first real text.
            if text.strip():
                self.message = await self._write(
                    self.store.add_message,
                    self.session_id,
                    text,
                    role="assistant",
                    metadata={**self.metadata, "incomplete": True},
                )
                self.last_save = self.monotonic()
        elif self.monotonic() - self.last_save >= self.flush_interval:
            await self._save(None)

    async def finish(self, responder: Responder) -> Message:
        if self.message is None:
            raise ChatBackendError(
                f"The {responder.backend} responder finished without any reply text.",
                reason="empty",
                hint="Retry, or switch the backend with /backend.",
            )
        await self._save({"incomplete": None})
        return self.message

    async def save_partial(self, marks: dict[str, Any], error: BaseException | None) -> None:
        """After a cancel or failure: learn about a write already under way, then save."""
        pending, self._pending = self._pending, None
        if pending is not None:
            try:
                result = await pending
            except Exception:  # the failure being handled, or one the caller hears of anyway
                result = None
            if isinstance(result, Message):
                self.message = result
        if self.message is None:
            return
        try:
            await self._save(marks)
        except Exception as exc:
            # Keep the original failure (or cancel) as what the caller sees.
            if error is not None:
                error.add_note(f"Saving the partial reply failed too: {exc}")

    async def _save(self, marks: dict[str, Any] | None) -> None:
        if self.message is None:
            raise RuntimeError("_save before the reply's message was made")
        text = self.text
        self.message = await self._write(self.store.update_message, self.message.id, text, marks)
        self.last_save = self.monotonic()

    async def _write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking store call in a thread. Shielded: a cancel arriving meanwhile must
        not lose track of a write that goes ahead anyway (`save_partial` waits for it)."""
        future = asyncio.ensure_future(asyncio.to_thread(functools.partial(fn, *args, **kwargs)))
        self._pending = future
        result = await asyncio.shield(future)
        self._pending = None
        return result
