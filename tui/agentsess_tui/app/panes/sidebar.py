"""The sidebar pane: the session list, its filter and status line, and the live feed behind
them. It owns the sessions (`LiveFeed`) and posts `Sidebar.Chosen` when a session should open.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, Static

from ...core.errors import AgentsessError
from ...core.models import Session
from ..live_feed import Batch, LiveFeed
from ..messages import SessionsChanged
from ..widgets.session_list import SessionList
from ..workers import run_store_call

if TYPE_CHECKING:
    from ..app import AgentsessApp

# Sessions shown before all of them are loaded: more than any terminal has rows.
FIRST_ROWS = 100


class Sidebar(Vertical):
    # Bound from the screen's `now`, and on to the list's countdowns.
    now: reactive[int] = reactive(0, repaint=False)

    class Chosen(Message):
        """The cursor settled on a session: open it (after a fast scroll, where it stops)."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    class Listed(Message):
        """A change batch was applied and shown."""

        def __init__(self, batch: Batch) -> None:
            super().__init__()
            self.batch = batch

    def __init__(self, app: AgentsessApp, now: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.feed = LiveFeed()
        self.set_reactive(Sidebar.now, now)
        self._pending_select: str | None = None
        self._last_highlight = 0.0
        self._open_timer: Timer | None = None
        self._scroll_pause = app.delays.scroll_pause
        # The first frame already lists sessions: a screenful is read right here (a few ms).
        self.session_list = SessionList(self._first_screenful(app), now, id="sessions")

    @property
    def agentsess(self) -> AgentsessApp:
        return cast("AgentsessApp", self.app)

    def _first_screenful(self, app: AgentsessApp) -> list[Session]:
        store = app.store
        try:
            sessions = store.list_sessions(limit=FIRST_ROWS)
            total = store.count_sessions() if len(sessions) == FIRST_ROWS else None
        except AgentsessError as error:
            app.call_later(app.show_error, error)
            return []
        self.feed.start(sessions, total)
        return sessions

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Filter: title, agent or id", id="filter")
        yield self.session_list.data_bind(Sidebar.now)
        yield Static(self.status_text(), id="sidebar-status")

    def on_mount(self) -> None:
        self.query_one("#filter").display = False

    # -- data ------------------------------------------------------------------------------

    @property
    def selected(self) -> Session | None:
        return self.session_list.highlighted

    def reload(self) -> None:
        """Fetch what changed since the last load (everything the first time)."""
        since = self.feed.seq
        run_store_call(
            self,
            lambda: self.agentsess.store.session_changes(since),
            lambda result: SessionsChanged(since, *result),
            group="sessions",
        )

    def select_when_listed(self, session_id: str) -> None:
        self._pending_select = session_id

    @on(SessionsChanged)
    def _changed(self, event: SessionsChanged) -> None:
        event.stop()
        batch = self.feed.apply(event.changed, event.deleted, event.seq, self.now)
        if batch is None:
            return  # an older snapshot than what is shown (overlapping loads)
        for notice in batch.notices:
            self.notify(
                notice.text, title=notice.title, severity=notice.severity, timeout=10, markup=False
            )
        if batch.notices and self.agentsess.settings.ui.bell:
            self.app.bell()  # once per batch: a mass expiry is one bell, not a hundred
        self.session_list.set_sessions(list(self.feed.sessions.values()))
        if self._pending_select is not None and self.session_list.select_id(self._pending_select):
            self._pending_select = None
        self.update_status()
        self.post_message(self.Listed(batch))

    def update_status(self) -> None:
        self.query_one("#sidebar-status", Static).update(self.status_text())

    def status_text(self) -> Content:
        session_list = self.session_list
        shown, total = len(session_list.sessions), session_list.total
        if not self.feed.loaded_once and self.feed.total_hint is not None:
            shown = total = self.feed.total_hint  # the first screenful; the rest is loading
        counts = f"{shown} of {total}" if shown != total else f"{total}"
        return Content.styled(
            f"{counts} session{'' if total == 1 else 's'} · sorted by {session_list.sort_mode}",
            "$text-muted",
        )

    def jump_to(self, session_id: str, *, focus: bool = True) -> None:
        """Select a session, clearing a filter that would hide it; `focus` the list."""
        if not self.session_list.select_id(session_id):
            self.query_one("#filter", Input).value = ""
            self.session_list.set_filter("")
            self.query_one("#filter").display = False
            self.session_list.select_id(session_id)
        if focus:
            self.session_list.focus()

    # -- following the cursor --------------------------------------------------------------

    @on(SessionList.Highlighted)
    def _highlighted(self, event: SessionList.Highlighted) -> None:
        # The screen refreshes its bindings too: the event bubbles on.
        if event.session is None:
            return
        # Follow the cursor at once, but not on every key of a fast scroll: a move soon after
        # the previous one waits until the keys stop.
        session_id = event.session.id
        now = time.monotonic()
        scrolling = now - self._last_highlight < self._scroll_pause
        self._last_highlight = now
        if self._open_timer is not None:
            self._open_timer.stop()
            self._open_timer = None
        if scrolling:
            self._open_timer = self.set_timer(
                self._scroll_pause, lambda: self.post_message(self.Chosen(session_id))
            )
        else:
            self.post_message(self.Chosen(session_id))

    # -- filter and sort -------------------------------------------------------------------

    def show_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.display = True
        filter_input.focus()

    @property
    def filter_shown(self) -> bool:
        return bool(self.query_one("#filter").display)

    def back(self) -> None:
        """Escape: from the filter (or from the list while a filter applies) clear and close
        it, as in k9s and lazygit; from any other field, back to the list."""
        filter_input = self.query_one("#filter", Input)
        if filter_input.has_focus or (self.session_list.has_focus and filter_input.display):
            filter_input.value = ""  # Input.Changed re-lists every session
            filter_input.display = False
        self.session_list.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.session_list.set_filter(event.value)
        self.update_status()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.session_list.focus()

    def cycle_sort(self) -> str:
        mode = self.session_list.cycle_sort()
        self.update_status()
        return mode
