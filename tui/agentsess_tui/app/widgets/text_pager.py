"""Plain text of any size, read-only: a `ScrollView` that paints only the lines on screen.

A 1 MiB message laid out by Rich (or loaded into a `TextArea`) takes seconds; here the text is
split and wrapped once per width with string slicing (no per-character measuring for ASCII),
sanitized once up front (~25 ms per MiB), so an escape never straddles two rows.
"""

from __future__ import annotations

from array import array
from typing import ClassVar

from rich.segment import Segment
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.text import visible

TAB = "    "


class TextPager(ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "scroll_up", "Up", id="pager_up", show=False),
        Binding("down,j", "scroll_down", "Down", id="pager_down", show=False),
        Binding("pageup,b", "page_up", "Page up", id="pager_page_up", show=False),
        Binding("pagedown,space", "page_down", "Page down", id="pager_page_down", show=False),
        Binding("home,g", "scroll_home", "Top", id="pager_home", show=False),
        Binding("end,G", "scroll_end", "Bottom", id="pager_end", show=False),
    ]

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines = visible(text).replace("\t", TAB).split("\n")
        # Row r shows line _row_line[r] from character _row_start[r] (wrapped at _width).
        self._row_line = array("I")
        self._row_start = array("I")
        self._width = 0

    @property
    def row_count(self) -> int:
        return len(self._row_line)

    def _wrap(self, width: int) -> None:
        """Where each screen row starts, for `width` cells. ASCII lines wrap every `width`
        characters; others every `width // 2`, so wide characters (two cells) always fit."""
        self._width = width
        row_line = array("I")
        row_start = array("I")
        narrow = max(1, width // 2)
        for index, line in enumerate(self._lines):
            step = width if line.isascii() else narrow
            if len(line) <= step:
                row_line.append(index)
                row_start.append(0)
                continue
            starts = range(0, len(line), step)
            row_line.extend([index] * len(starts))
            row_start.extend(starts)
        self._row_line, self._row_start = row_line, row_start
        self.virtual_size = Size(width, len(row_line))

    def on_resize(self) -> None:
        width = max(1, self.scrollable_content_region.width)
        if width != self._width:
            self._wrap(width)
        self.refresh()

    def visible_text(self) -> list[str]:
        """The rows on screen, as painted (for tests and screen readers of the text)."""
        top = round(self.scroll_y)
        return [
            self._row_text(row) for row in range(top, min(self.row_count, top + self.size.height))
        ]

    def _row_text(self, row: int) -> str:
        line = self._lines[self._row_line[row]]
        start = self._row_start[row]
        step = self._width if line.isascii() else max(1, self._width // 2)
        return line[start : start + step]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = y + round(self.scroll_y)
        if width <= 0 or row >= self.row_count or self._width == 0:
            return Strip.blank(width, self.rich_style)
        text = self._row_text(row)
        return Strip([Segment(text, self.rich_style)]).crop_extend(0, width, self.rich_style)
