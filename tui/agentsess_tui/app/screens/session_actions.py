"""What the session keys do: new, extend, extend by…, resume, end, clear, delete, copy token,
responder settings. A plain class the main screen owns; each change runs through the core in a
thread worker and answers with `SessionWritten` (or `StoreFailed`, `WriteRefused`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ...agents import ResponderSettings, session_responder, update_responder_settings
from ...core.durations import format_countdown, format_minutes, format_span
from ...core.errors import AgentsessError
from ...core.models import Session
from ...core.text import one_line
from ...core.tokens import mask
from ..messages import Notice, SessionWritten, StoreFailed, WriteRefused
from ..workers import run_store_call
from .forms import NewSessionModal, NewSessionRequest, ResponderChoice, ResponderModal
from .modals import confirm
from .session_dialogs import ExtendModal, clipboard_report

if TYPE_CHECKING:
    from ...core.models import Activation
    from ...core.store import Store
    from .main import MainScreen

T = TypeVar("T")
# The name the kept new-session dialog is installed under (`App.install_screen`).
NEW_SESSION_DIALOG = "new-session"


def same(written: SessionWritten) -> SessionWritten:
    return written


class SessionActions:
    def __init__(self, screen: MainScreen) -> None:
        self._screen = screen
        self._new_session: NewSessionModal | None = None

    @property
    def _store(self) -> Store:
        return self._screen.agentsess.store

    def _write(
        self,
        call: Callable[[], T],
        answer: Callable[[T], SessionWritten],
        *,
        refused: bool = False,
    ) -> None:
        """A write in a thread; the screen handles what it answers. `refused`: a failure
        reloads what is shown (the session may have changed under us)."""
        failed = WriteRefused if refused else StoreFailed
        run_store_call(self._screen, call, answer, group="write", failed=failed)

    def _now(self) -> int:
        return self._screen.agentsess.clock.now_ms()

    # -- new -------------------------------------------------------------------------------

    def new(self) -> None:
        screen = self._screen
        store = screen.agentsess.store
        try:
            agents = [agent.id for agent in store.list_agents()]
        except AgentsessError as error:
            screen.agentsess.show_error(error)
            return
        session = screen.selected

        def chosen(request: NewSessionRequest | None) -> None:
            if request is not None:
                self._create(request)

        default_agent = session.agent_id if session else None
        backend = screen.agentsess.settings.chat.backend
        modal = self._new_session
        if modal is None or not modal.is_mounted:
            modal = self.new_session_dialog(agents, default_agent)
        else:
            modal.reset(agents, default_agent, backend)
        screen.app.push_screen(modal, chosen)

    def new_session_dialog(
        self, agents: list[str] | None = None, default_agent: str | None = None
    ) -> NewSessionModal:
        """The one new-session dialog, built and installed on first use (or ahead of it,
        `AgentsessApp.prebuild`) and emptied for each new session after that: building it was
        most of the time `n` took to show it."""
        if self._new_session is None:
            screen = self._screen
            store = screen.agentsess.store
            if agents is None:  # built ahead: the agents and the selection of now
                agents = [agent.id for agent in store.list_agents()]
                selected = screen.selected
                default_agent = selected.agent_id if selected else None
            backend = screen.agentsess.settings.chat.backend
            modal = NewSessionModal(agents, default_agent, backend, store.preview_policy)
            screen.app.install_screen(modal, NEW_SESSION_DIALOG)
            self._new_session = modal
        return self._new_session

    def _create(self, request: NewSessionRequest) -> None:
        store = self._store

        def create() -> Activation:
            store.ensure_agent(request.agent_id)
            metadata: dict[str, Any] = {}
            if request.responder:
                metadata["responder"] = dict(request.responder)
            return store.create_session(
                request.agent_id,
                request.title,
                options=request.options,
                metadata=metadata,
                system_prompt=request.system_prompt,
            )

        self._write(create, created)

    # -- extend, resume --------------------------------------------------------------------

    def extend(self, session: Session, minutes: int | None = None) -> None:
        session_id = session.id

        def extend() -> SessionWritten:
            result = self._store.extend_session(session_id, minutes)
            note = " (capped by the lifetime limit)" if result.capped else ""
            left = format_countdown(result.session.expires_at - self._now())
            return SessionWritten(
                Notice(
                    f"Extended “{one_line(result.session.title, 30)}”",
                    f"+{format_span(result.added_ms)}{note}: {left} left.",
                ),
                result.session,
            )

        self._write(extend, same, refused=True)

    def extend_by(self, session: Session) -> None:
        def chosen(minutes: int | None) -> None:
            if minutes is not None:
                self.extend(session, minutes)

        self._screen.app.push_screen(ExtendModal(session, self._screen.now), chosen)

    def resume(self, session_id: str) -> None:
        def resume() -> SessionWritten:
            before = self._store.get_session(session_id)
            if before.is_live(self._now()):
                # The core returns the current activation unchanged: say so, not "resumed".
                return SessionWritten(already_active(before, self._now()), before)
            activation = self._store.resume_session(session_id)
            session = activation.session
            left = format_countdown(session.expires_at - self._now())
            return SessionWritten(
                Notice(
                    f"Resumed “{one_line(session.title, 30)}”",
                    f"{left} left in the new window; the old token no longer works.",
                ),
                session,
                mask(activation.token),
            )

        self._write(resume, same)

    def explain(self, session: Session, action: str) -> None:
        """A session key pressed in a phase where it does nothing: say why, and what does."""
        now = self._now()
        if action == "resume":
            notice = already_active(session, now)
        else:
            verb = {"extend": "extend", "extend_by": "extend", "end": "end"}.get(action)
            what = f"nothing to {verb}" if verb else "its token no longer works"
            ended = session.state == "ended"
            state = "is ended" if ended else "has expired"
            notice = Notice(
                "Session ended" if ended else "Session expired",
                f"“{one_line(session.title, 30)}” {state}: {what}. "
                "Press r to resume it (a new window and a new token).",
            )
        self._screen.notify(notice.text, title=notice.title, markup=False)

    # -- end, clear, delete (each asks first) ----------------------------------------------

    def end(self, session: Session) -> None:
        session_id = session.id

        def end(summarize: bool = False) -> SessionWritten:
            text = None
            if summarize:  # the chat model's summary (None offline), asked before the ending
                from ...agents.summary import summary_for_end

                text = summary_for_end(self._store, session_id)
            summary = self._store.end_session(
                session_id, "ended in the app", summarize=summarize, summary_text=text
            )
            written = "" if summary.summary is None else f" Summary: memory #{summary.summary.id}."
            return SessionWritten(
                Notice(
                    f"Ended “{one_line(summary.session.title, 30)}”",
                    f"After {format_span(summary.duration_ms)}: {summary.messages} messages, "
                    f"{summary.memories} memories made in it (kept).{written}",
                )
            )

        confirm(
            self._screen.app,
            "End session?",
            f"End “{one_line(session.title, 50)}” now? Its token stops working; the conversation "
            "and memories are kept, and you can resume it later.",
            "End session",
            lambda: self._write(end, same),
            option=("Write a summary memory", lambda: self._write(lambda: end(True), same)),
        )

    def clear(self, session: Session) -> None:
        session_id = session.id

        def clear() -> SessionWritten:
            deleted = self._store.clear_session(session_id)
            return SessionWritten(
                Notice("History cleared", f"Deleted {deleted} messages; memories kept."),
                reopen=session_id,
            )

        confirm(
            self._screen.app,
            "Clear history?",
            f"Delete the conversation of “{one_line(session.title, 50)}” (system messages "
            "stay)? The agent's memories are not touched.",
            "Clear history",
            lambda: self._write(clear, same),
        )

    def delete(self, session: Session) -> None:
        session_id = session.id

        def delete() -> SessionWritten:
            result = self._store.delete_session(session_id)
            return SessionWritten(
                Notice(
                    "Session deleted",
                    f"Deleted {result['messages']} messages; "
                    f"kept {result['memories_kept']} memories.",
                )
            )

        confirm(
            self._screen.app,
            "Delete session?",
            f"Delete “{one_line(session.title, 50)}”, its messages and its timeline? This "
            "cannot be undone. Memories made in it stay with the agent.",
            "Delete",
            lambda: self._write(delete, same),
        )

    # -- token, responder ------------------------------------------------------------------

    def copy_token(self, session: Session) -> None:
        app = self._screen.agentsess
        try:
            token = app.store.session_token(session.id)
        except AgentsessError as error:
            app.show_error(error)
            return
        app.copy_to_clipboard(token)
        # OSC 52 may reach nothing (tmux's default): say what was done, offer "Show token".
        app.notify(
            clipboard_report(session.title, mask(token)),
            title="Token sent to the terminal",
            timeout=10,
        )

    def responder_settings(self, session: Session) -> None:
        chat = self._screen.agentsess.settings.chat
        current = {key: str(value) for key, value in session_responder(session).items()}
        defaults = {"backend": chat.backend, "model": chat.model, "base_url": chat.base_url}

        def chosen(choice: ResponderChoice | None) -> None:
            if choice is not None:
                self._save_responder(session.id, choice)

        self._screen.app.push_screen(ResponderModal(session, current, defaults), chosen)

    def _save_responder(self, session_id: str, choice: ResponderChoice) -> None:
        chat = self._screen.agentsess.settings.chat

        def save() -> SessionWritten:
            session = update_responder_settings(
                self._store,
                session_id,
                # The configured backend is the default: store only a real choice.
                backend=None if choice.backend == chat.backend else choice.backend,
                model=choice.model,
                base_url=choice.base_url,
                system_prompt=choice.system_prompt,
            )
            described = ResponderSettings.resolve(chat, session).describe()
            return SessionWritten(
                Notice("Responder", f"Replies now come from the {described}."), session
            )

        self._write(save, same)


def already_active(session: Session, now: int) -> Notice:
    left = format_countdown(session.expires_at - now)
    return Notice(
        "Already active",
        f"“{one_line(session.title, 30)}” is already active ({left} left): nothing changed; "
        "its token still works.",
    )


def created(activation: Activation) -> SessionWritten:
    """A new session (from `n` or `/new`): select it once it is listed."""
    session = activation.session
    superseded = activation.superseded
    extra = f" Ended {len(superseded)} other session(s) of this agent." if superseded else ""
    return SessionWritten(
        Notice(
            "Session created",
            f"Created “{one_line(session.title, 40)}” for {session.agent_id}: "
            f"{format_minutes(session.window_minutes)} window.{extra}",
        ),
        session,
        mask(activation.token),
        select=True,
    )
