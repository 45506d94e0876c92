"""How one session's two lines look in the sidebar: a painter the `SessionList` owns.

Line one: state mark, title, time left. Line two: agent and a bar of the window left. The
painter keeps the component styles resolved once per style change (not once per line); the
list decides which lines to paint and caches the strips.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ...core.models import Phase, Session
from ...core.text import one_line

BAR_CELLS = 10
PHASE_MARK = {Phase.ACTIVE: "●", Phase.EXPIRING: "◐", Phase.EXPIRED: "○", Phase.ENDED: "■"}


class RowPainter:
    """`base`: the widget's own style; `component`: its `get_component_rich_style`."""

    def __init__(self, base: Callable[[], Style], component: Callable[[str], Style]) -> None:
        self._base = base
        self._component = component
        self._styles: dict[str, Style] = {}

    def clear(self) -> None:
        """The styles changed (a new theme, a focus class): resolve them again."""
        self._styles.clear()

    def style(self, name: str) -> Style:
        """Only the foreground and weight of a component class, to layer on a row's base
        (resolved against the widget, so translucent colours like $text-muted blend right)."""
        style = self._styles.get(name)
        if style is None:
            if name == "base":
                # The widget's own style walks every ancestor: once per style change, not
                # once per painted line.
                self._styles[name] = style = self._base()
                return style
            full = self._component(f"session-list--{name}")
            style = full if name in ("cursor", "open") else Style(color=full.color, bold=full.bold)
            self._styles[name] = style
        return style

    def placeholder(self, part: int, is_cursor: bool, width: int) -> Strip:
        """A row whose page has not arrived yet."""
        base = self.style("base")
        if is_cursor:
            base += self.style("cursor")
        text = "   …" if part == 0 else ""
        return Strip([Segment(text, base + self.style("agent"))]).adjust_cell_length(width, base)

    def paint(
        self,
        session: Session,
        phase: Phase,
        part: int,
        label: str,
        filled: int,
        *,
        is_cursor: bool,
        is_open: bool,
        width: int,
    ) -> Strip:
        """Line `part` (0 or 1) of `session`'s row; `label` is its time left, `filled` the
        bar's cells."""
        style = self.style
        base = style("base")
        if is_cursor:
            base += style("cursor")
        elif is_open:
            base += style("open")
        phase_style = base + style(phase.value)
        if part == 0:
            right = f" {label} "
            title_width = max(1, width - 3 - len(right))
            title = one_line(session.title, title_width)
            segments = [
                Segment(f" {PHASE_MARK[phase]} ", phase_style),
                Segment(title.ljust(title_width), base + Style(bold=is_cursor)),
                Segment(right, phase_style),
            ]
        else:
            bar_width = BAR_CELLS if width >= 24 else 0
            agent_width = max(1, width - 4 - bar_width - 1)
            agent = one_line(session.agent_id, agent_width)
            if phase in (Phase.EXPIRED, Phase.ENDED):
                filled = 0
            segments = [
                Segment("   " + agent.ljust(agent_width) + " ", base + style("agent")),
                Segment("━" * filled, phase_style),
                Segment("━" * (bar_width - filled), base + style("bar-empty")),
                Segment(" ", base),
            ]
        return Strip(segments).adjust_cell_length(width, base)
