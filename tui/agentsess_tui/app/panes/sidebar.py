"""The sidebar pane: the session list, its filter and status line, and the live feed behind
them. It owns the live sessions (`LiveFeed`) and the rows (`SessionRows`: history paged in
where the person looks), and posts `Sidebar.Chosen` when a session should open.
"""

from __future__ import annotations

import time
from collections import ChainMap
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import Worker

from ...core.errors import AgentsessError
from ...core.models import Session, SidebarChanges
from ..live_feed import Batch, LiveFeed
from ..messages import FilterMatched, RowsPaged, SessionsChanged
from ..session_rows import PAGE, PageRequest, Run, SessionRows
from ..widgets.session_list import SessionList
from ..workers import run_store_call

if TYPE_CHECKING:
    from ...core.store import Store
    from ..app import AgentsessApp

# A filter's matches held at most (the status says "500+" beyond): more than anyone scrolls.
FILTER_LIMIT = 500


class Sidebar(Vertical):
    # Bound from the screen's `now`, and on to the list's countdowns.
    now: reactive[int] = reactive(0, repaint=False)

    class Chosen(Message):
        """The cursor settled on a session: open it (after a fast scroll, where it stops)."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    class Filtered(Message):
        """The filter's whole answer is listed (`empty`: nothing matches `needle`)."""

        def __init__(self, needle: str, empty: bool) -> None:
            super().__init__()
            self.needle = needle
            self.empty = empty

    class Located(Message):
        """Where the store lists a session in run `at` of a layout (`offset` rows in)."""

        def __init__(self, session_id: str, at: int, run: Run, offset: int | None) -> None:
            super().__init__()
            self.session_id, self.at, self.run, self.offset = session_id, at, run, offset

    class Listed(Message):
        """A change batch was applied and shown."""

        def __init__(self, batch: Batch) -> None:
            super().__init__()
            self.batch = batch

    def __init__(self, app: AgentsessApp, now: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.feed = LiveFeed()
        self.set_reactive(Sidebar.now, now)
        self._store: Store = app.store
        self._pending_select: str | None = None
        self._last_highlight = 0.0
        self._open_timer: Timer | None = None
        # One filter query at a time; typed on meanwhile, only the newest text waits.
        self._filtering: Worker[None] | None = None
        self._filter_next: str | None = None
        self._scroll_pause = app.delays.scroll_pause
        # Sessions seen outside the live ones, by id (the open one stays pinned).
        self.pinned: dict[str, Session] = {}
        self.rows = SessionRows()
        # The first frame already lists sessions: the live ones and a page of history are
        # read right here (a few indexed reads, the same at any size).
        self._first_screenful(app)
        self.session_list = SessionList(self.rows, now, id="sessions")

    @property
    def agentsess(self) -> AgentsessApp:
        return cast("AgentsessApp", self.app)

    def _first_screenful(self, app: AgentsessApp) -> None:
        rows = self.rows
        try:
            start = self._store.sidebar_start()
            rows.set_counts(start.counts)
            rows.set_live(start.live)
            rows.layout(self.now)
            for request in rows.wanted(0, PAGE):
                rows.put(request, self._page(request))
        except AgentsessError as error:
            app.call_later(app.show_error, error)
            return
        self.feed.start(start.live, start.seq)

    def _page(self, request: PageRequest) -> list[Session]:
        return self._store.sidebar_page(
            request.state,
            agent_id=request.agent_id,
            offset=request.offset,
            limit=request.limit,
            after=request.after,
            from_end=request.from_end,
        )

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

    @property
    def sessions_by_id(self) -> ChainMap[str, Session]:
        """The sessions the app holds: live ones, then what is listed or open."""
        listed = {s.id: s for s in self.rows.known()}
        return ChainMap(self.feed.sessions, listed, self.pinned)

    def pin(self, session: Session | None) -> None:
        """Keep the open session at hand, wherever the list is scrolled."""
        self.pinned = {session.id: session} if session is not None else {}

    def reload(self) -> None:
        """Fetch what changed since the last load."""
        since = self.feed.seq
        run_store_call(
            self,
            lambda: self._store.sidebar_changes(since),
            lambda result: SessionsChanged(since, result),
            group="sessions",
        )

    def select_when_listed(self, session_id: str) -> None:
        self._pending_select = session_id

    @on(SessionsChanged)
    def _changed(self, event: SessionsChanged) -> None:
        event.stop()
        changes: SidebarChanges = event.changes
        batch = self.feed.apply(changes.changed, changes.deleted, changes.seq, self.now)
        if batch is None:
            return  # an older snapshot than what is shown (overlapping loads)
        for notice in batch.notices:
            self.notify(
                notice.text, title=notice.title, severity=notice.severity, timeout=10, markup=False
            )
        if batch.notices and self.agentsess.settings.ui.bell:
            self.app.bell()  # once per batch: a mass expiry is one bell, not a hundred
        for session in changes.changed:
            if session.id in self.pinned:
                self.pinned[session.id] = session
        for session_id in changes.deleted:
            self.pinned.pop(session_id, None)
        self.rows.set_counts(changes.counts)
        if self.rows.changed(changes.changed, changes.deleted) and self.rows.filtered:
            self._ask_filter(self.rows.needle)
        self.session_list.refresh_rows()
        if self._pending_select is not None and self.session_list.select_id(self._pending_select):
            self._pending_select = None
        self.update_status()
        self.post_message(self.Listed(batch))

    @on(SessionList.NeedRows)
    def _need_rows(self, event: SessionList.NeedRows) -> None:
        event.stop()
        for request in event.requests:
            run_store_call(
                self,
                lambda request=request: self._page(request),  # type: ignore[misc]
                lambda rows, request=request: RowsPaged(request, rows),  # type: ignore[misc]
                group="pages",
            )

    @on(SessionList.Locate)
    def _locate(self, event: SessionList.Locate) -> None:
        """A re-sort put the highlighted session in a page not loaded: ask the store for its
        place in the new order (two counts over the run's index)."""
        event.stop()
        session_id = event.session_id
        session = self.sessions_by_id.get(session_id)
        found = self.rows.run_of(session) if session is not None else None
        if found is None:
            self.session_list.located(session_id, None)
            return
        at, run = found
        run_store_call(
            self,
            lambda: self._store.sidebar_offset(session_id, run.state, agent_id=run.agent_id),
            lambda offset: self.Located(session_id, at, run, offset),
            failed=lambda _error: self.Located(session_id, at, run, None),
            group="locate",
            exclusive=True,
        )

    @on(Located)
    def _located(self, event: Located) -> None:
        event.stop()
        start = self.rows.run_start(event.at, event.run)
        if start is None or event.offset is None:
            self.session_list.located(event.session_id, None)
        else:
            self.session_list.located(event.session_id, start + event.offset)

    @on(RowsPaged)
    def _paged(self, event: RowsPaged) -> None:
        event.stop()
        if self.rows.put(event.request, event.rows):
            self.session_list.refresh_rows()
            if self._pending_select is not None and self.session_list.select_id(
                self._pending_select
            ):
                self._pending_select = None

    def update_status(self) -> None:
        self.query_one("#sidebar-status", Static).update(self.status_text())

    def status_text(self) -> Content:
        rows = self.rows
        total = rows.total
        if rows.filtered:
            more = "" if rows.complete else "+"
            counts = f"{len(rows)}{more} of {total}"
        else:
            counts = f"{total}"
        return Content.styled(
            f"{counts} session{'' if total == 1 else 's'} · sorted by {rows.mode}",
            "$text-muted",
        )

    def jump_to(self, session_id: str, *, focus: bool = True) -> None:
        """Select a session; one not listed (filtered out, or history not loaded) is shown
        by filtering on its id. `focus` moves the focus to the list."""
        if not self.session_list.select_id(session_id):
            filter_input = self.query_one("#filter", Input)
            filter_input.display = True
            filter_input.value = session_id  # the filter runs (Input.Changed)
            self._pending_select = session_id
        if focus:
            self.session_list.focus()

    # -- following the cursor --------------------------------------------------------------

    @on(SessionList.Highlighted)
    def _highlighted(self, event: SessionList.Highlighted) -> None:
        # The screen refreshes its bindings too: the event bubbles on.
        if event.session is None:
            return
        # Follow the cursor at once, but not on every key of a fast scroll: a move soon after
        # the previous one waits until the keys stop. So do the keys of the filter.
        now = time.monotonic()
        scrolling = now - self._last_highlight < self._scroll_pause
        self._last_highlight = now
        typing = self.query_one("#filter", Input).has_focus
        self.follow(event.session.id, wait=scrolling or typing)

    def follow(self, session_id: str, *, wait: bool) -> None:
        """Open `session_id` in the chat: now, or (`wait`) once the keys have paused, unless
        another follows first."""
        self.stop_following()
        if wait and self._scroll_pause > 0:  # tests run with no pause (delays.INSTANT)
            self._open_timer = self.set_timer(
                self._scroll_pause, lambda: self.post_message(self.Chosen(session_id))
            )
        else:
            self.post_message(self.Chosen(session_id))

    @property
    def following(self) -> bool:
        """A `follow` waits for the keys to pause."""
        return self._open_timer is not None

    def stop_following(self) -> None:
        """Drop a `follow` still waiting for the keys to pause."""
        if self._open_timer is not None:
            self._open_timer.stop()
            self._open_timer = None

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
        needle = event.value.strip().lower()
        # The live matches at once; the history's from the index, a moment later.
        self.rows.set_filter(needle, None, complete=not needle)
        self.session_list.refresh_rows()
        self.update_status()
        if needle:
            self._ask_filter(needle)

    def _ask_filter(self, needle: str) -> None:
        """Ask the store for the matches of `needle`. While a query runs, the text typed
        meanwhile waits, only the newest: a burst of keys ("walrus" pasted or typed fast) costs
        two queries, not one per key (the short prefixes are the slow ones)."""
        if self._filtering is not None and not self._filtering.is_finished:
            self._filter_next = needle
            return
        self._filter_next = None
        self._filtering = run_store_call(
            self,
            lambda: self._store.find_sessions(needle, FILTER_LIMIT),
            lambda found: FilterMatched(needle, found),
            group="filter",
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._filtering and event.worker.is_finished:
            self._filtering = None
            waiting, self._filter_next = self._filter_next, None
            if waiting is not None and waiting == self.rows.needle:
                self._ask_filter(waiting)

    @on(FilterMatched)
    def _filter_matched(self, event: FilterMatched) -> None:
        event.stop()
        if event.needle != self.rows.needle:
            return  # typed on since
        self.rows.set_filter(event.needle, event.found.sessions, event.found.complete)
        self.session_list.refresh_rows()
        if self._pending_select is not None and self.session_list.select_id(self._pending_select):
            self._pending_select = None
        self.update_status()
        empty = len(self.rows) == 0
        if empty:
            self.stop_following()  # a match of a shorter prefix, no longer listed
        self.post_message(self.Filtered(event.needle, empty=empty))

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.session_list.focus()

    def cycle_sort(self) -> str:
        mode = self.session_list.cycle_sort()
        self.update_status()
        return mode
