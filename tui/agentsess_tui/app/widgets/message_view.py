"""One message of the transcript: a role line and the text (never markup, never raw escapes)."""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from ...core.models import Message
from ...core.text import visible
from ..format import local_datetime

ROLE_LABEL = {"user": "you", "assistant": "assistant", "system": "system", "tool": "tool"}


# Something Markdown would render differently from plain text: emphasis, code, headings,
# quotes, tables, links, lists. Plain replies skip the Markdown parser (and its import).
_MARKDOWN = re.compile(r"[*_`#>|\[\]]|^\s*(?:[-+]|\d+[.)])\s", re.MULTILINE)


def render_body(message: Message) -> RenderableType:
    text = visible(message.content)
    if message.role == "assistant" and _MARKDOWN.search(text):
        # Imported on first use: markdown-it costs ~40 ms, not needed for the first frame.
        from rich.markdown import Markdown as RichMarkdown

        # Rich's Markdown does not interpret console markup; control characters are escaped.
        return RichMarkdown(text, code_theme="ansi_dark", hyperlinks=False)
    return Text(text)


class MessageView(Static):
    """A message in the transcript. Rendered with Rich renderables: cheap to mount."""

    def __init__(self, message: Message) -> None:
        super().__init__(classes=f"message -{message.role}")
        self.message = message
        if message.metadata.get("incomplete"):
            self.add_class("-incomplete")
        self.update(self._renderable())

    def set_message(self, message: Message) -> None:
        self.message = message
        self.set_class(bool(message.metadata.get("incomplete")), "-incomplete")
        self.update(self._renderable())

    def _renderable(self) -> RenderableType:
        message = self.message
        label = Text(ROLE_LABEL.get(message.role, message.role), style="bold")
        label.append(f"  {local_datetime(message.created_at)}", style="dim")
        if message.metadata.get("cancelled"):
            label.append("  · cancelled, incomplete", style="italic")
        elif message.metadata.get("incomplete"):
            label.append("  · incomplete", style="italic")
        if message.metadata.get("error"):
            label.append(f"  · {visible(str(message.metadata['error']))[:120]}", style="italic")
        return Group(label, render_body(message))
