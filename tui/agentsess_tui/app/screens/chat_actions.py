"""The chat of the main screen: sending messages, and what happens when a session is not
live (the text stays in the box and resuming is offered)."""

from __future__ import annotations

from textual import on, work
from textual.widgets import Input

from ...core.errors import AgentsessError, SessionEnded, SessionExpired
from ...core.tokens import mask
from .modals import ConfirmModal
from .session_actions import SessionActions


class ChatActions(SessionActions):
    # -- sending ---------------------------------------------------------------------------

    @on(Input.Submitted, "#chat-input")
    def _send(self, event: Input.Submitted) -> None:
        text = event.value
        if not text.strip() or self.open_session_id is None:
            return
        self.send_message(self.open_session_id, text)

    @work(thread=True, group="send")
    def send_message(self, session_id: str, text: str) -> None:
        try:
            self.agentsess.store.add_message(session_id, text, role="user")
        except (SessionExpired, SessionEnded) as error:
            self.ui(self._offer_resume, session_id, text, error)
            return
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        self.ui(self._sent, session_id, text)

    def _sent(self, session_id: str, text: str) -> None:
        chat_input = self.query_one("#chat-input", Input)
        if chat_input.value == text:
            chat_input.value = ""
        self._hide_notice()
        self.poll_changes()

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

    @work(thread=True, group="write")
    def resume_and_send(self, session_id: str, text: str) -> None:
        store = self.agentsess.store
        try:
            activation = store.resume_session(session_id)
            store.add_message(session_id, text, role="user")
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        self.ui(self._resumed, activation.session, mask(activation.token))
        self.ui(self._sent, session_id, text)
