"""The sidebar: sessions with a live countdown, drawn line by line.

A `ScrollView` with `render_line` paints only the rows on screen, so a million sessions cost
the same per tick as 30 (see PERF-NOTES: OptionList and DataTable clear their caches per
update). The rows come from `SessionRows`: live sessions in memory, history a page at a time;
a row not loaded yet is drawn as a placeholder and asked for (`NeedRows`). Countdowns come
from `expires_at` and the screen's `now`; nothing here touches the database.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.models import Session
from ...core.phases import earliest, next_boundary, time_left
from ..session_rows import PAGE, SORT_MODES, PageRequest, SessionRows
from .row_painter import BAR_CELLS, RowPainter

ROW_HEIGHT = 2


class SessionList(ScrollView, can_focus=True):
    """Sessions, two lines each: state mark, title, countdown / agent and a bar of time left."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
        Binding(
            "enter",
            "open",
            "Open",
            id="open",
            tooltip="Open the selected session in the chat pane",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "session-list--active",
        "session-list--expiring",
        "session-list--expired",
        "session-list--ended",
        "session-list--agent",
        "session-list--bar-empty",
        "session-list--cursor",
        "session-list--open",
    }

    now: reactive[int] = reactive(0, always_update=False, layout=False, repaint=False)
    cursor: reactive[int] = reactive(0, repaint=False)

    class Highlighted(Message):
        """The cursor moved to another session."""

        def __init__(self, session: Session | None) -> None:
            super().__init__()
            self.session = session

    class Opened(Message):
        """The user asked to open a session (enter or click)."""

        def __init__(self, session: Session) -> None:
            super().__init__()
            self.session = session

    class Locate(Message):
        """The highlighted session's row is not loaded in the new order: find where it is."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    class NeedRows(Message):
        """Rows on screen (or about to be) whose pages are not loaded: fetch them."""

        def __init__(self, requests: list[PageRequest]) -> None:
            super().__init__()
            self.requests = requests

    def __init__(self, rows: SessionRows, now: int = 0, *, id: str | None = None) -> None:
        """`rows`: what the very first frame shows already (more pages follow on demand)."""
        super().__init__(id=id)
        self.rows = rows
        self.opens = 0  # how many times `open` ran (the key hand-off reads it)
        self.set_reactive(SessionList.now, now)
        rows.layout(now)
        self.open_id: str | None = None
        self._line_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._next_boundary: int | None = None
        first = rows.row(0)
        self._highlighted_id: str | None = first.id if first else None
        self._painter = RowPainter(lambda: self.rich_style, self.get_component_rich_style)
        self._bar_cells: dict[str, int] = {}
        self._asking = False
        # After a re-sort: the session the cursor keeps while its row is found and loaded.
        self._finding: str | None = None
        self._found_at: int | None = None  # where the store said it is (its page asked)

    # -- data ------------------------------------------------------------------------------

    @property
    def sort_mode(self) -> str:
        return self.rows.mode

    @property
    def sessions(self) -> list[Session]:
        """The first rows shown, in order, as far as they are loaded (at most a few pages)."""
        return self.rows.prefix(PAGE)

    @property
    def count(self) -> int:
        """Rows in the list (after the filter), loaded or not."""
        return len(self.rows)

    @property
    def total(self) -> int:
        return self.rows.total

    @property
    def highlighted(self) -> Session | None:
        """The session under the cursor (None while a re-sort is still finding its row)."""
        if self._finding is not None:
            return None
        return self.rows.row(self.cursor)

    def refresh_rows(self) -> None:
        """The data changed (a reload, a page, the filter): keep the cursor on its session."""
        self._rebuild()

    def cycle_sort(self) -> str:
        """The next order; the cursor stays on its session (found in the store if its row is
        in a page not loaded yet), as sorting a list does anywhere else."""
        self.rows.mode = SORT_MODES[(SORT_MODES.index(self.rows.mode) + 1) % len(SORT_MODES)]
        self.rows.layout(self.now)
        keep = self._highlighted_id
        if keep is not None and self.rows.index_of(keep) is None and not self.rows.filtered:
            self._finding, self._found_at = keep, None
            self.post_message(self.Locate(keep))
        self._rebuild()
        return self.rows.mode

    def located(self, session_id: str, index: int | None) -> None:
        """Where the sidebar found the kept session (None: nowhere, the cursor's row wins)."""
        if self._finding != session_id:
            return  # the person moved on meanwhile
        if index is None or not 0 <= index < len(self.rows):
            self._finding = None
        else:
            self._found_at = index
            self.set_reactive(SessionList.cursor, index)
        self._rebuild()

    def select_id(self, session_id: str) -> bool:
        index = self.rows.index_of(session_id)
        if index is None:
            return False
        self.cursor = index
        return True

    def _rebuild(self) -> None:
        keep = self._highlighted_id
        rows = self.rows
        rows.layout(self.now)
        self._next_boundary = self._boundary(self.now)
        self._line_cache.clear()
        self.virtual_size = Size(self.size.width, len(rows) * ROW_HEIGHT)
        index = rows.index_of(keep) if keep is not None else None
        if index is not None:
            self._finding = None
        elif self._found_at is not None and rows.row(self._found_at) is not None:
            self._finding = None  # its row is loaded and holds another session: give up
        if self._finding is None:
            self._found_at = None
        if index is None:
            index = min(self.cursor, max(0, len(rows) - 1))
        self.set_reactive(SessionList.cursor, index)
        if self._finding is None:
            self._announce()
        self.scroll_to_cursor(animate=False)
        self.refresh()
        self._ask_rows()

    def _boundary(self, now: int) -> int | None:
        """The next time a phase changes (so the order may change): re-sort only then."""
        return earliest(next_boundary(s, now) for s in self.rows.live.values())

    def _ask_rows(self) -> None:
        """Ask for the pages of the rows on screen, a screen above and below (after the
        refresh, when the scroll position is settled)."""
        if not self._asking:
            self._asking = True
            self.call_after_refresh(self._post_wanted)

    def _post_wanted(self) -> None:
        self._asking = False
        screen_rows = max(1, self.size.height // ROW_HEIGHT)
        top = int(self.scroll_offset.y) // ROW_HEIGHT
        wanted = self.rows.wanted(top - screen_rows, top + 2 * screen_rows + 1)
        if wanted:
            self.post_message(self.NeedRows(wanted))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._ask_rows()

    # -- time ------------------------------------------------------------------------------

    def watch_now(self, now: int) -> None:
        if self._next_boundary is not None and now >= self._next_boundary:
            self._rebuild()
            return
        # Repaint only the lines on screen that change this tick: a live row's first line every
        # second ("expired 3m ago" once a minute), its bar line when the bar loses a cell.
        scroll_y = int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        top = scroll_y // ROW_HEIGHT
        bottom = min(len(self.rows), top + self.size.height // ROW_HEIGHT + 2)
        regions: list[Region] = []
        for index in range(top, bottom):
            session = self.rows.row(index)
            if session is None:
                continue
            y = index * ROW_HEIGHT - scroll_y  # on screen
            if session.state == "active":
                regions.append(Region(0, y, width, 1))
                cells = round(session.window_fraction(now) * BAR_CELLS)
                if self._bar_cells.get(session.id) != cells:
                    self._bar_cells[session.id] = cells
                    regions.append(Region(0, y + 1, width, 1))
            else:
                since = session.ended_at if session.state == "ended" else session.expires_at
                if (now - (since or 0)) % 60_000 < 1_000:
                    regions.append(Region(0, y, width, 1))
        if regions:
            self.refresh(*regions)

    # -- cursor ----------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        count = len(self.rows)
        return max(0, min(value, count - 1)) if count else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self._finding = self._found_at = None  # the person moved the cursor
        self._announce()
        self.scroll_to_cursor()
        self.refresh()

    def _announce(self) -> None:
        session = self.highlighted
        new_id = session.id if session else None
        if new_id != self._highlighted_id:
            self._highlighted_id = new_id
            self.post_message(self.Highlighted(session))

    def scroll_to_cursor(self, animate: bool = False) -> None:
        if not len(self.rows):
            return
        region = Region(0, self.cursor * ROW_HEIGHT, self.size.width, ROW_HEIGHT)
        self.scroll_to_region(region, animate=animate, force=True, immediate=True)

    def action_cursor(self, step: int) -> None:
        self.cursor += step

    def action_page(self, direction: int) -> None:
        rows = max(1, self.scrollable_content_region.height // ROW_HEIGHT)
        self.cursor += direction * rows

    def action_jump(self, index: int) -> None:
        self.cursor = index if index >= 0 else len(self.rows) - 1

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.highlighted is not None
        return True

    def action_open(self) -> None:
        session = self.highlighted
        if session is not None:
            self.opens += 1  # the hand-off of keys typed behind it reads this (handoff.py)
            self.post_message(self.Opened(session))

    async def _on_click(self, event: events.Click) -> None:
        index = (event.y + int(self.scroll_offset.y)) // ROW_HEIGHT
        if 0 <= index < len(self.rows):
            self.cursor = index
            if event.chain >= 2:
                self.action_open()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows) * ROW_HEIGHT)
        self._line_cache.clear()
        self._ask_rows()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_cache.clear()
        self._painter.clear()

    # -- painting --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        line = y + scroll_y
        index, part = divmod(line, ROW_HEIGHT)
        width = self.scrollable_content_region.width
        if index >= len(self.rows) or width <= 0:
            return Strip.blank(width, self.rich_style)
        session = self.rows.row(index)
        if session is None:  # its page is on its way
            self._ask_rows()
            return self._painter.placeholder(part, index == self.cursor, width)
        now = self.now
        phase = session.phase(now)
        # Each line is cached by exactly what it shows: the countdown changes line one every
        # second, the bar (line two) only when it loses a cell.
        if part == 0:
            label = time_left(session, now)
            shown: tuple[object, ...] = (session.title, label)
        else:
            label = ""
            shown = (session.agent_id, round(session.window_fraction(now) * BAR_CELLS))
        selected = index == self.cursor
        key = (
            session.id,
            part,
            phase,
            shown,
            selected,
            self.has_focus,
            session.id == self.open_id,
            width,
        )
        strip = self._line_cache.get(key)
        if strip is None:
            fraction = round(session.window_fraction(now) * BAR_CELLS)
            strip = self._painter.paint(
                session,
                phase,
                part,
                label,
                fraction,
                is_cursor=selected,
                is_open=session.id == self.open_id,
                width=width,
            )
            self._line_cache[key] = strip
        return strip.crop(scroll_x, scroll_x + width)
