"""Replies in the chat pane: one streaming reply per session (escape stops it), and the reply
that failed, kept to retry with ctrl+r. A plain class the chat pane owns."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from textual.worker import Worker

from ...agents import ResponderSettings, build_request, responder_for, run_reply
from ...core.errors import AgentsessError, NotFound
from ...core.text import one_line
from ..messages import ReplyFailed
from ..screens.modals import ConfirmModal
from ..widgets.chat_rows import ErrorRow, StreamingReply

if TYPE_CHECKING:
    from ...core.models import Message, Session
    from .chat import ChatPane


class HostNotConfirmed(AgentsessError):
    """The person declined the host a session asks replies to come from."""

    title = "Reply not sent"


# In the user message's metadata: its reply failed, and why. Kept in the database so the
# error row and ctrl+r survive switching sessions (and a restart); a retry removes it.
FAILED_MARK = "reply_failed"


@dataclass(frozen=True)
class PendingReply:
    """What a reply answers: kept to retry it after a failure."""

    session_id: str
    text: str
    after_id: int
    marked: bool = False  # the user message carries FAILED_MARK


class Replies:
    def __init__(self, pane: ChatPane) -> None:
        self._pane = pane
        self._running: dict[str, Worker[None]] = {}
        self._failed: dict[str, PendingReply] = {}

    def is_replying(self, session_id: str | None) -> bool:
        worker = self._running.get(session_id or "")
        return worker is not None and worker.is_running

    def worker(self, session_id: str) -> Worker[None] | None:
        """The reply worker of a session (running or done), if one was started."""
        return self._running.get(session_id)

    def has_failed(self, session_id: str | None) -> bool:
        return (session_id or "") in self._failed

    def start(self, pending: PendingReply) -> None:
        pane = self._pane
        self._failed.pop(pending.session_id, None)
        if pending.session_id == pane.open_id:
            pane.transcript.query(ErrorRow).remove()
        self._running[pending.session_id] = pane.run_worker(
            self._reply(pending),
            group=f"reply-{pending.session_id}",
            exclusive=True,
            exit_on_error=False,
        )
        pane.screen.refresh_bindings()

    def cancel(self, session_id: str | None) -> None:
        worker = self._running.get(session_id or "")
        if worker is not None and worker.is_running:
            worker.cancel()

    def retry(self, session_id: str | None) -> None:
        pending = self._failed.get(session_id or "")
        if pending is not None:
            self.start(pending)

    async def restore(self, session_id: str, messages: list[Message]) -> None:
        """A transcript was (re)loaded: show the failure its last message carries."""
        last = messages[-1] if messages else None
        if last is None or last.role != "user" or FAILED_MARK not in last.metadata:
            return
        if self.is_replying(session_id):
            return
        self._failed[session_id] = PendingReply(session_id, last.content, last.id, marked=True)
        await self._pane.transcript.add_row(ErrorRow(str(last.metadata[FAILED_MARK])))
        self._pane.screen.refresh_bindings()

    def _mark(self, pending: PendingReply, why: str | None) -> None:
        """Set (or with None clear) the failure mark on the user's message (blocking)."""
        store = self._pane.agentsess.store
        with contextlib.suppress(AgentsessError):  # gone or locked: the row still shows
            page = store.messages(pending.session_id, before_id=pending.after_id + 1, limit=1)
            if page and page[-1].id == pending.after_id:
                store.update_message(pending.after_id, page[-1].content, {FAILED_MARK: why})

    async def _reply(self, pending: PendingReply) -> None:
        """Build the context, stream the reply into the transcript and the database."""
        pane = self._pane
        app = pane.agentsess
        store = app.store
        chat = app.settings.chat
        row: StreamingReply | None = None
        if pending.marked:
            await asyncio.to_thread(self._mark, pending, None)
        try:
            session = await asyncio.to_thread(store.get_session, pending.session_id)
            await self._confirm_host(session)
            settings = ResponderSettings.resolve(chat, session)
            request = await asyncio.to_thread(
                build_request, store, pending.session_id, pending.text, settings
            )
            responder = responder_for(session, chat, store)
            if pending.session_id == pane.open_id:
                row = StreamingReply(f"assistant · {settings.describe()}")
                pane.transcript.streaming_after = pending.after_id
                await pane.transcript.add_row(row)
            await run_reply(
                store,
                pending.session_id,
                responder,
                request,
                on_chunk=row.feed if row is not None else None,
            )
        except asyncio.CancelledError:
            await self._close_stream(row, pending.session_id)
            pane.notify("Stopped. What arrived is kept, marked incomplete.", title="Reply stopped")
            raise
        except AgentsessError as error:
            await self._close_stream(row, pending.session_id)
            if isinstance(error, NotFound) and await self._deleted(pending.session_id):
                return  # deleted while it streamed: nothing failed ("No message 28.")
            self._failed[pending.session_id] = replace(pending, marked=True)
            await asyncio.to_thread(self._mark, pending, one_line(str(error), 500))
            pane.post_message(ReplyFailed(pending.session_id, error))
            return
        await self._close_stream(row, pending.session_id)

    async def _deleted(self, session_id: str) -> bool:
        try:
            await asyncio.to_thread(self._pane.agentsess.store.get_session, session_id)
        except NotFound:
            return True
        return False

    async def _confirm_host(self, session: Session) -> None:
        """A session that asks for a host the person has not allowed: ask (Cancel focused),
        and remember a yes per host; no (or escape) sends nothing anywhere."""
        from ...agents.hosts import confirm_host, pending_host

        chat = self._pane.agentsess.settings.chat
        wanted = await asyncio.to_thread(pending_host, session, chat)
        if wanted is None:
            return
        decided: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def answer(yes: bool | None) -> None:
            if not decided.done():
                decided.set_result(bool(yes))

        self._pane.app.push_screen(
            ConfirmModal(
                "Send replies to another server?",
                f"{wanted.describe()}\n\nAllow it only if you know this server. Your answer "
                f"is remembered for {wanted.host}.",
                "Allow this server",
                danger=False,
            ),
            answer,
        )
        if not await decided:
            raise HostNotConfirmed(
                f"Not sent: this session asks for {wanted.host}, which you did not allow.",
                hint="Press ctrl+r to be asked again, or choose the responder with /backend.",
            )
        await asyncio.to_thread(confirm_host, None, wanted.url)

    async def _close_stream(self, row: StreamingReply | None, session_id: str) -> None:
        """Replace the streaming row with the stored message (complete, or partial)."""
        pane = self._pane
        transcript = pane.transcript
        if row is not None and row.is_attached:
            await row.finish()
            await row.remove()
        if transcript.session_id == session_id:
            transcript.streaming_after = None
            pane.load_newer(session_id, transcript.last_id or 0)
        pane.screen.refresh_bindings()


async def show_failure(pane: ChatPane, event: ReplyFailed) -> None:
    """In the transcript when the session is open, else as a notification."""
    error = event.error
    if event.session_id == pane.open_id:
        await pane.transcript.add_row(ErrorRow(str(error)))
    else:
        pane.notify(str(error), title=error.title, severity="error", markup=False)
    pane.screen.refresh_bindings()
