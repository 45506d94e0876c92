"""The conversation of the open session: newest at the bottom, older pages on scroll-up.

Only a window of the history is ever mounted: the last page when a session opens, and older
pages one at a time as the reader reaches the top (keyset paging in the core).
"""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.message import Message as TextualMessage
from textual.widgets import Static

from ...core.models import Message
from .message_view import MessageView

PAGE_SIZE = 40


class Transcript(VerticalScroll, can_focus=True):
    class NeedOlder(TextualMessage):
        """The reader reached the top and older messages exist."""

        def __init__(self, session_id: str, before_id: int) -> None:
            super().__init__()
            self.session_id = session_id
            self.before_id = before_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session_id: str | None = None
        self.has_older = False
        self._loading_older = False

    def on_mount(self) -> None:
        self.anchor()

    @property
    def views(self) -> list[MessageView]:
        return list(self.query_children(MessageView))

    @property
    def first_id(self) -> int | None:
        views = self.views
        return views[0].message.id if views else None

    @property
    def last_id(self) -> int | None:
        views = self.views
        return views[-1].message.id if views else None

    async def show(self, session_id: str, messages: list[Message], has_older: bool) -> None:
        """Replace the transcript with the last page of another session."""
        self.session_id = session_id
        self.has_older = has_older
        self._loading_older = False
        await self.remove_children()
        widgets: list[Static] = [MessageView(message) for message in messages]
        if not messages:
            widgets.append(
                Static(
                    "No messages yet. Type below and press enter; /help lists commands.",
                    classes="transcript-empty",
                )
            )
        await self.mount_all(widgets)
        self.anchor()
        self.scroll_end(animate=False, immediate=True)

    async def append(self, messages: list[Message]) -> None:
        """New messages at the bottom (ours, or written by another process)."""
        if not messages:
            return
        await self.query(".transcript-empty").remove()
        known = {view.message.id: view for view in self.views}
        fresh = []
        for message in messages:
            if message.id in known:
                known[message.id].set_message(message)
            else:
                fresh.append(MessageView(message))
        if fresh:
            await self.mount_all(fresh)

    async def prepend(self, messages: list[Message], has_older: bool) -> None:
        """An older page above what is shown, keeping the reader's place."""
        self.has_older = has_older
        self._loading_older = False
        if not messages:
            return
        before_height = self.virtual_size.height
        first = self.views[0] if self.views else None
        widgets = [MessageView(message) for message in messages]
        if first is None:
            await self.mount_all(widgets)
        else:
            await self.mount_all(widgets, before=first)

        def keep_place() -> None:
            added = self.virtual_size.height - before_height
            self.scroll_to(y=self.scroll_y + added, animate=False, immediate=True)

        self.call_after_refresh(keep_place)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value <= 1 and self.has_older and not self._loading_older:
            first = self.first_id
            if self.session_id is not None and first is not None:
                self._loading_older = True
                self.post_message(self.NeedOlder(self.session_id, first))
