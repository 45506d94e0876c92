"""State and live data shared by the main screen's parts: the sessions, the open session,
the clock tick, the sweep and the `PRAGMA data_version` poll.

Blocking store calls run in thread workers and come back with `ui(...)`; the per-second tick
only moves `now` (countdowns are derived, never queried).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from ...core.durations import format_countdown
from ...core.errors import AgentsessError
from ...core.models import Message, Session
from ...core.phases import earliest, next_due
from ...core.text import one_line
from ...core.tokens import mask
from ..widgets.chat_header import ChatHeader
from ..widgets.memory_inspector import MemoryInspector
from ..widgets.session_list import SessionList
from ..widgets.transcript import NEWER_PAGE, PAGE_SIZE, Transcript
from .modals import ConfirmModal

if TYPE_CHECKING:
    from ..app import AgentsessApp

POLL_SECONDS = 0.5
# Cursor moves closer together than this are a scroll: open the session where it stops.
SCROLL_PAUSE = 0.15
# Sessions shown before all of them are loaded: more than any terminal has rows.
FIRST_ROWS = 100


@dataclass(frozen=True)
class Page:
    """A window of a transcript, and whether more exists on either side."""

    messages: list[Message]
    has_older: bool
    has_newer: bool
    around: int | None


class LiveScreen(Screen[None]):
    # Bound to the widgets that show time; the screen itself draws nothing with it.
    now: reactive[int] = reactive(0, repaint=False)

    def __init__(self) -> None:
        super().__init__()
        self._data_version: int | None = None
        # The change stamp of the sessions shown: reloads fetch only what is newer.
        self._change_seq = -1  # below every stamp: the first load fetches everything
        self._total_hint: int | None = None
        self._last_highlight = 0.0
        self._poll_timer: Timer | None = None
        self._open_timer: Timer | None = None
        self._sessions: dict[str, Session] = {}
        self._loaded_once = False
        self._warned_seen: set[tuple[str, int]] = set()
        self._sweeping = False
        self._next_due: int | None = None
        self.open_session_id: str | None = None
        self._tokens: dict[str, str | None] = {}
        self._pending_select: str | None = None
        self._transcript_request = 0

    @property
    def agentsess(self) -> AgentsessApp:
        return cast("AgentsessApp", self.app)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers do not take the app down on an unexpected error; it is reported instead.
        if event.state == WorkerState.ERROR:
            self.agentsess.report_unexpected(event.worker.error)

    def ui(self, callback: Callable[..., object], *args: object) -> None:
        """From a worker thread: run `callback(*args)` on the UI thread and wait for it."""
        self.app.call_from_thread(callback, *args)

    # -- time and live updates -------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: move `now` (countdowns redraw themselves); sweep when due."""
        self.now = self.agentsess.clock.now_ms()
        if self._next_due is not None and self.now >= self._next_due:
            self.run_sweep()

    def poll_changes(self) -> None:
        """Reload when another connection committed (microseconds when nothing changed)."""
        try:
            version = self.agentsess.store.data_version()
        except AgentsessError as error:
            self.agentsess.show_error(error)
            return
        if version != self._data_version:
            self._data_version = version
            self.reload_sessions()
            transcript = self.query_one(Transcript)
            if self.open_session_id is not None and transcript.session_id == self.open_session_id:
                self.load_newer(self.open_session_id, transcript.last_id or 0)

    @work(thread=True, exit_on_error=False, exclusive=True, group="sweep")
    def run_sweep(self) -> None:
        if self._sweeping:
            return
        self._sweeping = True
        try:
            result = self.agentsess.store.sweep()
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        finally:
            self._sweeping = False
        self.ui(self._after_sweep, result.next_due_at, bool(result.expired or result.warned))

    def _after_sweep(self, next_due: int | None, changed: bool) -> None:
        self._next_due = next_due
        if changed:
            self.poll_changes()

    def first_screenful(self) -> list[Session]:
        """For the very first frame: a screenful of sessions in sidebar order (a few ms);
        all of them follow from a worker."""
        store = self.agentsess.store
        try:
            sessions = store.list_sessions(limit=FIRST_ROWS)
            self._total_hint = store.count_sessions() if len(sessions) == FIRST_ROWS else None
        except AgentsessError as error:
            self.call_later(self.agentsess.show_error, error)
            return []
        self._sessions = {session.id: session for session in sessions}
        return sessions

    def reload_sessions(self) -> None:
        """Fetch what changed since the last load (everything the first time)."""
        self._load_sessions(self._change_seq)

    @work(thread=True, exit_on_error=False, group="sessions")
    def _load_sessions(self, since: int) -> None:
        try:
            changed, deleted, seq = self.agentsess.store.session_changes(since)
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        self.ui(self._show_sessions, changed, deleted, seq)

    def _show_sessions(self, changed: list[Session], deleted: list[str], seq: int) -> None:
        if seq <= self._change_seq and self._loaded_once:
            return  # an older snapshot than what is shown (overlapping loads)
        self._change_seq = seq
        first = not self._loaded_once
        previous = {s.id: self._sessions[s.id] for s in changed if s.id in self._sessions}
        for session_id in deleted:
            self._sessions.pop(session_id, None)
        for session in changed:
            self._sessions[session.id] = session
        self._announce_changes(previous, changed)
        sessions = list(self._sessions.values())
        self._next_due = earliest(next_due(s, self.now) for s in sessions)
        session_list = self.query_one(SessionList)
        session_list.set_sessions(sessions)
        if self._pending_select is not None and session_list.select_id(self._pending_select):
            self._pending_select = None
        self._update_status()
        empty = not sessions
        self.query_one("#welcome").display = empty
        for widget_id in ("#chat-header", "#transcript", "#chat-input"):
            self.query_one(widget_id).display = not empty
        if self.open_session_id in self._sessions:
            self._refresh_header()
        elif self.open_session_id is not None:
            self.open_session_id = None
        if self.open_session_id is None and session_list.highlighted is not None:
            self.open_session(session_list.highlighted.id)
        self.refresh_bindings()
        if first:
            self.agentsess.first_load_shown()

    def _announce_changes(self, previous: dict[str, Session], sessions: list[Session]) -> None:
        """Notifications for the one-time warning and for expiry, whoever set them."""
        first = not self._loaded_once
        self._loaded_once = True
        for session in sessions:
            if session.warned_at is not None:
                key = (session.id, session.warned_at)
                if key not in self._warned_seen:
                    self._warned_seen.add(key)
                    if not first and session.state == "active":
                        left = format_countdown(session.expires_at - self.now)
                        self.notify(
                            f"“{one_line(session.title, 40)}” expires in {left}. "
                            "Press e to extend or E to choose how long.",
                            title="Session expiring",
                            severity="warning",
                            timeout=10,
                            markup=False,
                        )
            old = previous.get(session.id)
            if not first and old is not None and old.state == "active":
                if session.state == "expired":
                    self.notify(
                        f"“{one_line(session.title, 40)}” expired. Press r to resume it.",
                        title="Session expired",
                        severity="error",
                        timeout=10,
                        markup=False,
                    )

    def _update_status(self) -> None:
        self.query_one("#sidebar-status", Static).update(
            self.status_text(self.query_one(SessionList))
        )

    def status_text(self, session_list: SessionList) -> Content:
        shown, total = len(session_list.sessions), session_list.total
        if not self._loaded_once and self._total_hint is not None:
            shown = total = self._total_hint  # the first screenful; the rest is loading
        counts = f"{shown} of {total}" if shown != total else f"{total}"
        return Content.styled(
            f"{counts} session{'' if total == 1 else 's'} · sorted by {session_list.sort_mode}",
            "$text-muted",
        )

    # -- the open session ------------------------------------------------------------------

    @on(SessionList.Highlighted)
    def _highlighted(self, event: SessionList.Highlighted) -> None:
        self.refresh_bindings()
        if event.session is None:
            return
        # Follow the cursor at once, but not on every key of a fast scroll: a move soon after
        # the previous one waits until the keys stop.
        session_id = event.session.id
        now = time.monotonic()
        scrolling = now - self._last_highlight < SCROLL_PAUSE
        self._last_highlight = now
        if self._open_timer is not None:
            self._open_timer.stop()
            self._open_timer = None
        if scrolling:
            self._open_timer = self.set_timer(SCROLL_PAUSE, lambda: self.open_session(session_id))
        else:
            self.open_session(session_id)

    @on(SessionList.Opened)
    def _opened(self, event: SessionList.Opened) -> None:
        self.open_session(event.session.id)
        self.query_one("#chat-input", Input).focus()

    def open_session(self, session_id: str, around: int | None = None) -> None:
        """Show a session in the chat pane: its last page, or the page around a message."""
        if session_id == self.open_session_id and around is None:
            return
        self.open_session_id = session_id
        self.query_one(SessionList).open_id = session_id
        self._refresh_header()
        self._hide_notice()
        session = self._sessions.get(session_id)
        self.query_one(MemoryInspector).show_agent(session.agent_id if session else None)
        # Only the latest request may fill the transcript (loads finish in any order).
        self._transcript_request += 1
        self.load_transcript(session_id, around, self._transcript_request)

    @work(thread=True, exit_on_error=False, group="transcript")
    def load_transcript(self, session_id: str, around: int | None, request: int) -> None:
        store = self.agentsess.store
        half = PAGE_SIZE // 2
        try:
            if around is None:
                older = store.messages(session_id, limit=PAGE_SIZE + 1)
                newer = []
            else:
                older = store.messages(session_id, before_id=around + 1, limit=half + 1)
                newer = store.messages(session_id, after_id=around, limit=half)
            session = store.get_session(session_id)
            token = mask(store.session_token(session_id)) if session.is_live(store.now()) else None
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        keep = PAGE_SIZE if around is None else half
        page = Page(older[-keep:] + newer, len(older) > keep, len(newer) == half, around)
        self.ui(self._show_transcript, session, token, page, request)

    async def _show_transcript(
        self, session: Session, token: str | None, page: Page, request: int
    ) -> None:
        if request != self._transcript_request:
            return
        self._sessions[session.id] = session
        self._tokens[session.id] = token
        self._refresh_header()
        transcript = self.query_one(Transcript)
        await transcript.show(
            session.id, page.messages, page.has_older, page.has_newer, point_at=page.around
        )

    def jump_to_message(self, session_id: str, message_id: int) -> None:
        """From a search hit: select the session and show the page around the message."""
        self.jump_to(session_id)
        self.open_session(session_id, around=message_id)

    @on(Transcript.NeedNewer)
    def _need_newer(self, event: Transcript.NeedNewer) -> None:
        self.load_newer(event.session_id, event.after_id)

    @on(Transcript.NeedOlder)
    def _need_older(self, event: Transcript.NeedOlder) -> None:
        self.load_older(event.session_id, event.before_id)

    @work(thread=True, exit_on_error=False, group="transcript-older")
    def load_older(self, session_id: str, before_id: int) -> None:
        try:
            messages = self.agentsess.store.messages(
                session_id, before_id=before_id, limit=PAGE_SIZE + 1
            )
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        self.ui(self._prepend, session_id, messages[-PAGE_SIZE:], len(messages) > PAGE_SIZE)

    async def _prepend(self, session_id: str, messages: list[Message], has_older: bool) -> None:
        if session_id == self.open_session_id:
            await self.query_one(Transcript).prepend(messages, has_older)

    @work(thread=True, exit_on_error=False, group="transcript-newer")
    def load_newer(self, session_id: str, after: int) -> None:
        """Messages that arrived after the last one shown (ours or another process's)."""
        try:
            messages = self.agentsess.store.messages(session_id, after_id=after, limit=NEWER_PAGE)
        except AgentsessError as error:
            self.ui(self.agentsess.show_error, error)
            return
        if messages:
            self.ui(self._append, session_id, messages)

    async def _append(self, session_id: str, messages: list[Message]) -> None:
        if session_id == self.open_session_id:
            await self.query_one(Transcript).append(messages)

    def _refresh_header(self) -> None:
        session = self._sessions.get(self.open_session_id or "")
        token = self._tokens.get(session.id) if session else None
        if session is not None and not session.is_live(self.now):
            token = None
        self.query_one(ChatHeader).show(session, token)

    # -- shared helpers --------------------------------------------------------------------

    @property
    def selected(self) -> Session | None:
        return self.query_one(SessionList).highlighted

    @property
    def sessions_by_id(self) -> dict[str, Session]:
        return self._sessions

    @property
    def visible_sessions(self) -> list[Session]:
        return self.query_one(SessionList).sessions

    def jump_to(self, session_id: str) -> None:
        """Select and open a session, clearing a filter that would hide it."""
        session_list = self.query_one(SessionList)
        if not session_list.select_id(session_id):
            self.query_one("#filter", Input).value = ""
            session_list.set_filter("")
            self.query_one("#filter").display = False
            session_list.select_id(session_id)
        self.open_session(session_id)
        session_list.focus()

    def _after_write(self, select: str | None = None) -> None:
        """Our own write landed: reload now rather than on the next poll."""
        self.now = self.agentsess.clock.now_ms()  # countdowns agree with what was just done
        if select is not None:
            self._pending_select = select
        self.poll_changes()

    # -- helpers ---------------------------------------------------------------------------

    def _confirm(self, title: str, body: str, label: str, then: Callable[[], object]) -> None:
        def decided(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmModal(title, body, label), decided)

    def _show_notice(self, text: str) -> None:
        notice = self.query_one("#chat-notice", Static)
        notice.update(Content(text))
        notice.display = True

    def _hide_notice(self) -> None:
        self.query_one("#chat-notice").display = False
