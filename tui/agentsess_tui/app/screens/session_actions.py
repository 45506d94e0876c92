"""Session actions of the main screen: new, extend, extend by…, resume, end, clear, delete,
copy token. Each runs through the core in a thread worker and reports in a notification."""

from __future__ import annotations

from typing import Any

from textual import work

from ...agents import ResponderSettings, session_responder, update_responder_settings
from ...core.durations import format_countdown, format_minutes, format_span
from ...core.errors import AgentsessError
from ...core.models import Session
from ...core.text import one_line
from ...core.tokens import mask
from .live import LiveScreen
from .modals import (
    ExtendModal,
    NewSessionModal,
    NewSessionRequest,
    ResponderChoice,
    ResponderModal,
    clipboard_report,
)


class SessionActions(LiveScreen):
    def action_new_session(self) -> None:
        store = self.agentsess.store
        try:
            agents = [agent.id for agent in store.list_agents()]
        except AgentsessError as error:
            self.agentsess.show_error(error)
            return
        session = self.selected
        modal = NewSessionModal(
            agents,
            session.agent_id if session else None,
            self.agentsess.settings.chat.backend,
            store.preview_policy,
        )
        self.app.push_screen(modal, self._create_session)

    def _create_session(self, request: NewSessionRequest | None) -> None:
        if request is not None:
            self.create_session(request)

    @work(thread=True, exit_on_error=False, group="write")
    def create_session(self, request: NewSessionRequest) -> None:
        store = self.agentsess.store
        try:
            store.ensure_agent(request.agent_id)
            metadata: dict[str, Any] = {}
            if request.responder:
                metadata["responder"] = dict(request.responder)
            activation = store.create_session(
                request.agent_id,
                request.title,
                options=request.options,
                metadata=metadata,
                system_prompt=request.system_prompt,
            )
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        session = activation.session
        self.ui(self._created, session, mask(activation.token), activation.superseded)

    def _created(self, session: Session, token: str, superseded: list[str]) -> None:
        self._sessions[session.id] = session
        self._tokens[session.id] = token
        extra = f" Ended {len(superseded)} other session(s) of this agent." if superseded else ""
        self.notify(
            f"Created “{one_line(session.title, 40)}” for {session.agent_id}: "
            f"{format_minutes(session.window_minutes)} window.{extra}",
            title="Session created",
            markup=False,
        )
        self._after_write(select=session.id)

    def action_extend(self) -> None:
        session = self.selected
        if session is not None:
            self.extend_session(session.id, None)

    def action_extend_by(self) -> None:
        session = self.selected
        if session is None:
            return

        def chosen(minutes: int | None) -> None:
            if minutes is not None:
                self.extend_session(session.id, minutes)

        self.app.push_screen(ExtendModal(session, self.now), chosen)

    @work(thread=True, exit_on_error=False, group="write")
    def extend_session(self, session_id: str, minutes: int | None) -> None:
        try:
            result = self.agentsess.store.extend_session(session_id, minutes)
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            self.ui(self.poll_changes)
            return
        added = format_span(result.added_ms)
        note = " (capped by the lifetime limit)" if result.capped else ""
        left = format_countdown(result.session.expires_at - self.agentsess.clock.now_ms())
        self.notify(
            f"+{added}{note}: {left} left.",
            title=f"Extended “{one_line(result.session.title, 30)}”",
            markup=False,
        )
        self.ui(self._after_write)

    def action_resume(self) -> None:
        session = self.selected
        if session is not None:
            self.resume_session(session.id)

    @work(thread=True, exit_on_error=False, group="write")
    def resume_session(self, session_id: str) -> None:
        store = self.agentsess.store
        try:
            activation = store.resume_session(session_id)
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        self.ui(self._resumed, activation.session, mask(activation.token))

    def _resumed(self, session: Session, token: str) -> None:
        self._tokens[session.id] = token
        self._sessions[session.id] = session
        left = format_countdown(session.expires_at - self.agentsess.clock.now_ms())
        self.notify(
            f"{left} left in the new window; the old token no longer works.",
            title=f"Resumed “{one_line(session.title, 30)}”",
            markup=False,
        )
        self._after_write()

    def action_end(self) -> None:
        session = self.selected
        if session is None:
            return
        self._confirm(
            "End session?",
            f"End “{one_line(session.title, 50)}” now? Its token stops working; the conversation "
            "and memories are kept, and you can resume it later.",
            "End session",
            lambda: self.end_session(session.id),
        )

    @work(thread=True, exit_on_error=False, group="write")
    def end_session(self, session_id: str) -> None:
        try:
            summary = self.agentsess.store.end_session(session_id, "ended in the app")
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        self.notify(
            f"After {format_span(summary.duration_ms)}: {summary.messages} messages, "
            f"{summary.memories} memories made in it (kept).",
            title=f"Ended “{one_line(summary.session.title, 30)}”",
            markup=False,
        )
        self.ui(self._after_write)

    def action_clear(self) -> None:
        session = self.selected
        if session is None:
            return
        self._confirm(
            "Clear history?",
            f"Delete the conversation of “{one_line(session.title, 50)}” (system messages "
            "stay)? The agent's memories are not touched.",
            "Clear history",
            lambda: self.clear_session(session.id),
        )

    @work(thread=True, exit_on_error=False, group="write")
    def clear_session(self, session_id: str) -> None:
        try:
            deleted = self.agentsess.store.clear_session(session_id)
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        self.notify(f"Deleted {deleted} messages; memories kept.", title="History cleared")
        self.ui(self._reopen, session_id)

    def _reopen(self, session_id: str) -> None:
        if self.open_session_id == session_id:
            self.open_session_id = None
            self.open_session(session_id)
        self._after_write()

    def action_delete(self) -> None:
        session = self.selected
        if session is None:
            return
        self._confirm(
            "Delete session?",
            f"Delete “{one_line(session.title, 50)}”, its messages and its timeline? This "
            "cannot be undone. Memories made in it stay with the agent.",
            "Delete",
            lambda: self.delete_session(session.id),
        )

    @work(thread=True, exit_on_error=False, group="write")
    def delete_session(self, session_id: str) -> None:
        try:
            result = self.agentsess.store.delete_session(session_id)
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        self.notify(
            f"Deleted {result['messages']} messages; kept {result['memories_kept']} memories.",
            title="Session deleted",
        )
        self.ui(self._after_write)

    def action_copy_token(self) -> None:
        session = self.selected
        if session is None:
            return
        try:
            token = self.agentsess.store.session_token(session.id)
        except AgentsessError as error:
            self.agentsess.show_error(error)
            return
        self.app.copy_to_clipboard(token)
        # OSC 52 may reach nothing (tmux's default): say what was done, offer "Show token".
        self.notify(
            clipboard_report(session.title, mask(token)),
            title="Token sent to the terminal",
            markup=False,
            timeout=10,
        )

    # -- responder settings ----------------------------------------------------------------

    def action_responder_settings(self) -> None:
        session = self.selected
        if session is None:
            return
        chat = self.agentsess.settings.chat
        current = {key: str(value) for key, value in session_responder(session).items()}
        defaults = {"backend": chat.backend, "model": chat.model, "base_url": chat.base_url}

        def chosen(choice: ResponderChoice | None) -> None:
            if choice is not None:
                self.save_responder(session.id, choice)

        self.app.push_screen(ResponderModal(session, current, defaults), chosen)

    @work(thread=True, exit_on_error=False, group="write")
    def save_responder(self, session_id: str, choice: ResponderChoice) -> None:
        chat = self.agentsess.settings.chat
        try:
            session = update_responder_settings(
                self.agentsess.store,
                session_id,
                # The configured backend is the default: store only a real choice.
                backend=None if choice.backend == chat.backend else choice.backend,
                model=choice.model,
                base_url=choice.base_url,
                system_prompt=choice.system_prompt,
            )
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        described = ResponderSettings.resolve(chat, session).describe()
        self.notify(f"Replies now come from the {described}.", title="Responder", markup=False)
        self.ui(self._after_write)
