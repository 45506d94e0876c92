"""The chat of the main screen: sending, the streamed reply (cancel with escape, retry after a
failure), and what happens when a session is not live (the text stays, resuming is offered)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual import on, work
from textual.widgets import Input
from textual.worker import Worker

from ...agents import ResponderSettings, as_message, build_request, responder_for, run_reply
from ...core.errors import AgentsessError, SessionEnded, SessionExpired
from ...core.models import Message
from ...core.tokens import mask
from ..widgets.chat_rows import ErrorRow, StreamingReply
from ..widgets.transcript import Transcript
from .modals import ConfirmModal
from .session_actions import SessionActions


@dataclass(frozen=True)
class PendingReply:
    """What a reply answers: kept to retry it after a failure."""

    session_id: str
    text: str
    after_id: int


class ChatActions(SessionActions):
    def __init__(self) -> None:
        super().__init__()
        self._replies: dict[str, Worker[None]] = {}
        self._failed: dict[str, PendingReply] = {}

    # -- sending ---------------------------------------------------------------------------

    def send_text(self, session_id: str, text: str) -> None:
        """A message typed in the chat (not a slash command)."""
        if self.is_replying(session_id):
            self.notify(
                "A reply is still coming: wait for it, or press escape to stop it.",
                title="Replying",
                severity="warning",
            )
            return
        self.send_message(session_id, as_message(text))

    @work(thread=True, exit_on_error=False, group="send")
    def send_message(self, session_id: str, text: str) -> None:
        try:
            message = self.agentsess.store.add_message(session_id, text, role="user")
        except (SessionExpired, SessionEnded) as error:
            self.ui(self._offer_resume, session_id, text, error)
            return
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        self.ui(self._sent, message)

    def _sent(self, message: Message) -> None:
        chat_input = self.query_one("#chat-input", Input)
        if chat_input.value.strip() and as_message(chat_input.value) == message.content:
            chat_input.value = ""
        self._hide_notice()
        self.poll_changes()
        self.start_reply(PendingReply(message.session_id, message.content, message.id))

    def _offer_resume(self, session_id: str, text: str, error: AgentsessError) -> None:
        """The text stays in the box; say why it was not sent and offer to resume."""
        self.poll_changes()
        self._show_notice(f"{error.message} Your message was not sent and is still in the box.")

        def decided(resume: bool | None) -> None:
            if resume:
                self.resume_and_send(session_id, text)

        self.app.push_screen(
            ConfirmModal(
                "Session is not active",
                f"{error.message}\n\nResume it (a new window and token; the conversation is "
                "kept) and send your message?",
                "Resume and send",
                danger=False,
            ),
            decided,
        )

    @work(thread=True, exit_on_error=False, group="write")
    def resume_and_send(self, session_id: str, text: str) -> None:
        store = self.agentsess.store
        try:
            activation = store.resume_session(session_id)
            message = store.add_message(session_id, text, role="user")
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        self.ui(self._resumed, activation.session, mask(activation.token))
        self.ui(self._sent, message)

    # -- replies ---------------------------------------------------------------------------

    def is_replying(self, session_id: str | None) -> bool:
        worker = self._replies.get(session_id or "")
        return worker is not None and worker.is_running

    def start_reply(self, pending: PendingReply) -> None:
        self._failed.pop(pending.session_id, None)
        if pending.session_id == self.open_session_id:
            self.query_one(Transcript).query(ErrorRow).remove()
        self._replies[pending.session_id] = self.run_worker(
            self._reply(pending),
            group=f"reply-{pending.session_id}",
            exclusive=True,
            exit_on_error=False,
        )
        self.refresh_bindings()

    async def _reply(self, pending: PendingReply) -> None:
        """Build the context, stream the reply into the transcript and the database."""
        app = self.agentsess
        store = app.store
        chat = app.settings.chat
        row: StreamingReply | None = None
        transcript = self.query_one(Transcript)
        try:
            session = await asyncio.to_thread(store.get_session, pending.session_id)
            settings = ResponderSettings.resolve(chat, session)
            request = await asyncio.to_thread(
                build_request, store, pending.session_id, pending.text, settings
            )
            responder = responder_for(session, chat, store)
            if pending.session_id == self.open_session_id:
                row = StreamingReply(f"assistant · {settings.describe()}")
                transcript.streaming_after = pending.after_id
                await transcript.add_row(row)
            await run_reply(
                store,
                pending.session_id,
                responder,
                request,
                on_chunk=row.feed if row is not None else None,
            )
        except asyncio.CancelledError:
            await self._close_stream(row, pending.session_id)
            self.notify("Stopped. What arrived is kept, marked incomplete.", title="Reply stopped")
            raise
        except AgentsessError as error:
            await self._close_stream(row, pending.session_id)
            self._failed[pending.session_id] = pending
            if pending.session_id == self.open_session_id:
                await transcript.add_row(ErrorRow(str(error)))
            else:
                self.notify(str(error), title=error.title, severity="error", markup=False)
            self.refresh_bindings()
            return
        await self._close_stream(row, pending.session_id)

    async def _close_stream(self, row: StreamingReply | None, session_id: str) -> None:
        """Replace the streaming row with the stored message (complete, or partial)."""
        transcript = self.query_one(Transcript)
        if row is not None and row.is_attached:
            await row.finish()
            await row.remove()
        if transcript.session_id == session_id:
            transcript.streaming_after = None
            self.load_newer(session_id, transcript.last_id or 0)
        self.refresh_bindings()

    def action_cancel_reply(self) -> None:
        worker = self._replies.get(self.open_session_id or "")
        if worker is not None and worker.is_running:
            worker.cancel()

    def action_retry_reply(self) -> None:
        pending = self._failed.get(self.open_session_id or "")
        if pending is not None:
            self.start_reply(pending)

    # -- the input -------------------------------------------------------------------------

    @on(Input.Submitted, "#chat-input")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value
        if not text.strip() or self.open_session_id is None:
            return
        self.handle_input(self.open_session_id, text)

    def handle_input(self, session_id: str, text: str) -> None:
        """Overridden by the slash-command layer; plain text is a message."""
        self.send_text(session_id, text)
