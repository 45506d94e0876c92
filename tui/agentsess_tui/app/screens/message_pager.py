"""The whole of one long message, full screen, as plain text: "show all" from the transcript.

Only the rows on screen are painted (`TextPager`), so a 1 MiB message opens as fast as a short
one; the transcript keeps showing its bounded preview underneath.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.models import Message
from ..widgets.message_view import ROLE_LABEL, size_label, stamp
from ..widgets.text_pager import TextPager


class MessagePager(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", id="pager_close", tooltip="Back to the chat"),
    ]

    def __init__(self, message: Message, now: int | None = None) -> None:
        super().__init__(classes="message-pager")
        self.message = message
        self.now = now

    def compose(self) -> ComposeResult:
        message = self.message
        role = ROLE_LABEL.get(message.role, message.role)
        lines = message.content.count("\n") + 1
        yield Static(
            Content.assemble(
                (role, "bold"),
                (f"  {stamp(message.created_at, self.now)}", "$text-muted"),
                f"  · {size_label(len(message.content))}, {lines:,} lines",
                ("  · ↑↓ pgup pgdn home end · esc closes", "italic $text-muted"),
            ),
            id="pager-title",
        )
        yield TextPager(message.content, id="pager-text")

    def on_mount(self) -> None:
        self.query_one(TextPager).focus()
