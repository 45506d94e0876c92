"""One message of the transcript: a role line and the text (never markup, never raw escapes).

Rendering is bounded whatever the size of the message: only a prefix (a few screenfuls) is laid
out, Markdown only for messages below a size, and the rest is one key or click away in a pager
that paints only the lines on screen (`MessagePager`).
"""

from __future__ import annotations

import re
import time
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.widgets import Static

from ...core.models import Message
from ...core.phases import local_when
from ...core.text import visible

ROLE_LABEL = {"user": "you", "assistant": "assistant", "system": "system", "tool": "tool"}

# Rich's Markdown parses the whole text and lays out tables cell by cell: ~20 ms per KiB of
# table on this machine (a 1 MiB table froze the UI for 55 s). Above this, plain text.
MARKDOWN_LIMIT = 8 * 1024
# What a message shows before "show all": a few screenfuls. Plain text costs ~1.5 ms per KiB.
PREVIEW_LINES = 150
PREVIEW_CHARS = 12 * 1024


# Something Markdown would render differently from plain text: emphasis, code, headings,
# quotes, tables, links, lists. Plain replies skip the Markdown parser (and its import).
_MARKDOWN = re.compile(r"[*_`#>|\[\]]|^\s*(?:[-+]|\d+[.)])\s", re.MULTILINE)


def preview(text: str) -> str:
    """The start of `text` that a message shows: at most PREVIEW_LINES lines and
    PREVIEW_CHARS characters (a long single line is cut too). Never scans past the cut."""
    head = text[:PREVIEW_CHARS]
    end = -1
    for _ in range(PREVIEW_LINES):
        end = head.find("\n", end + 1)
        if end < 0:
            return head
    return head[:end]


def stamp(ms: int, now: int | None) -> str:
    """When a message was written, as every time is shown: the date only when not today."""
    return local_when(ms, int(time.time() * 1000) if now is None else now)


def size_label(chars: int) -> str:
    if chars < 1024:
        return f"{chars:,} characters"
    if chars < 1024 * 1024:
        return f"{chars / 1024:,.0f} KiB"
    return f"{chars / 1024 / 1024:,.1f} MiB"


def render_body(message: Message, shown: str | None = None) -> RenderableType:
    """The text of `message` (or the part of it `shown`), sanitized."""
    text = visible(message.content if shown is None else shown)
    if (
        message.role == "assistant"
        and len(message.content) <= MARKDOWN_LIMIT
        and _MARKDOWN.search(text)
    ):
        # Imported on first use: markdown-it costs ~40 ms, not needed for the first frame.
        from rich.markdown import Markdown as RichMarkdown

        # Rich's Markdown does not interpret console markup; control characters are escaped.
        return RichMarkdown(text, code_theme="ansi_dark", hyperlinks=False)
    return Text(text)


class MessageView(Static):
    """A message in the transcript. Rendered with Rich renderables: cheap to mount. A long
    message shows its start and a "show all" row (enter or click opens the pager)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "show_all",
            "Show all",
            id="show_all",
            tooltip="Read the whole message in a pager (only the lines on screen are drawn)",
        ),
    ]

    def __init__(self, message: Message, now: int | None = None) -> None:
        super().__init__(classes=f"message -{message.role}")
        self.message = message
        # What "today" is for the stamp (the screen's clock); None: this machine's.
        self.now = now
        self.truncated = False
        self._apply()

    def set_message(self, message: Message) -> None:
        self.message = message
        self._apply()

    def _apply(self) -> None:
        message = self.message
        self.set_class(bool(message.metadata.get("incomplete")), "-incomplete")
        shown = preview(message.content)
        self.truncated = len(shown) < len(message.content)
        self.set_class(self.truncated, "-truncated")
        # Focusable only when there is more to show: tab reaches it, enter opens the pager.
        self.can_focus = self.truncated
        self.update(self._renderable(shown))

    def _renderable(self, shown: str) -> RenderableType:
        message = self.message
        label = Text(ROLE_LABEL.get(message.role, message.role), style="bold")
        label.append(f"  {stamp(message.created_at, self.now)}", style="dim")
        if message.metadata.get("cancelled"):
            label.append("  · cancelled, incomplete", style="italic")
        elif message.metadata.get("incomplete"):
            label.append("  · incomplete", style="italic")
        if message.metadata.get("error"):
            label.append(f"  · {visible(str(message.metadata['error']))[:120]}", style="italic")
        if not self.truncated:
            return Group(label, render_body(message))
        rest = message.content[len(shown) :]
        lines = rest.count("\n")
        more = Text(f"… {size_label(len(rest))} more", style="bold")
        if lines:
            more.append(f" ({lines:,} lines)")
        more.append(" · enter or click: show all", style="italic")
        return Group(label, render_body(message, shown), more)

    def action_show_all(self) -> None:
        if not self.truncated:
            return
        from ..screens.message_pager import MessagePager

        self.app.push_screen(MessagePager(self.message, self.now))

    def on_click(self, event: Click) -> None:
        if self.truncated:
            event.stop()
            self.action_show_all()
