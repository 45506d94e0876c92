"""The conversation of the open session: newest at the bottom, older pages on scroll-up.

Only a window of the history is ever mounted: the last page when a session opens (or the page
around a search hit), older pages one at a time as the reader reaches the top and newer ones as
they reach the bottom (keyset paging in the core). The keys page both ways too: pgdn/↓ at the
bottom of a window asks for the next page, end for the newest page, pgup/↑/home at the top for
the previous one. Keys scroll without animation: a page arriving mid-animation would fight it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.widget import Widget
from textual.widgets import Static

from ...core.models import Message
from .message_view import MessageView

# Messages mounted when a session opens: a screenful or more (a page that does not fill the
# view asks for the next at once), never the whole history. Each message is a widget to mount
# and lay out while the person waits: 30 took 100 ms on the benchmark host, 15 take 70.
FIRST_PAGE = 15
# Messages mounted at a time above (scrolling up) and around a search hit.
PAGE_SIZE = 30
# Messages fetched at a time below the last one shown (live updates, or scrolling down).
NEWER_PAGE = 200


class Transcript(VerticalScroll, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "show_all",
            "Show all",
            id="transcript_show_all",
            show=False,
            tooltip="Open the long message on screen in a pager",
        ),
        # vim/less/lazygit: g the top (older pages load as at home), G the newest message.
        Binding("g", "scroll_home", "Top", id="transcript_top", show=False),
        Binding("G", "scroll_end", "Bottom", id="transcript_bottom", show=False),
    ]

    class NeedOlder(TextualMessage):
        """The reader reached the top and older messages exist."""

        def __init__(self, session_id: str, before_id: int) -> None:
            super().__init__()
            self.session_id = session_id
            self.before_id = before_id

    class NeedNewer(TextualMessage):
        """The reader reached the bottom of a window that does not end at the last message."""

        def __init__(self, session_id: str, after_id: int) -> None:
            super().__init__()
            self.session_id = session_id
            self.after_id = after_id

    class NeedLatest(TextualMessage):
        """The reader asked for the end (end key) of a window that does not reach it."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session_id: str | None = None
        self.has_older = False
        self.has_newer = False
        self._loading_older = False
        self._loading_newer = False
        # While a reply streams into this session, its assistant message (stored as it
        # arrives) is shown by the streaming row, not appended a second time.
        self.streaming_after: int | None = None

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

    async def show(
        self,
        session_id: str,
        messages: list[Message],
        has_older: bool,
        has_newer: bool = False,
        point_at: int | None = None,
    ) -> None:
        """Replace the transcript with a page of a session: its last page, or the page around
        a message (`point_at`, e.g. a search hit), which is marked and centred."""
        self.session_id = session_id
        self.has_older = has_older
        self.has_newer = has_newer
        self.streaming_after = None
        # No paging until the new page has been laid out and placed.
        self._loading_older = self._loading_newer = True
        # Pointing at a message: not stuck to the bottom (an anchor follows new content).
        self.anchor(point_at is None)
        await self.remove_children()
        widgets: list[Static] = [MessageView(message, self._now()) for message in messages]
        if not messages:
            widgets.append(
                Static(
                    "No messages yet. Type below and press enter; /help lists commands.",
                    classes="transcript-empty",
                )
            )
        await self.mount_all(widgets)
        target = next(
            (w for w in widgets if isinstance(w, MessageView) and w.message.id == point_at), None
        )
        if target is None:
            self.anchor()
            self.scroll_end(animate=False, immediate=True)
            self.call_after_refresh(self._paging_on)
            return
        target.add_class("-found")

        def centre() -> None:
            self.scroll_to_center(target, animate=False, immediate=True)
            self.call_after_refresh(self._paging_on)

        self._when_laid_out(target, centre)

    def _when_laid_out(
        self, widget: Widget, callback: Callable[[], None], tries: int = 100
    ) -> None:
        """Run `callback` once `widget` has a place: freshly mounted rows get one only after
        a layout pass, which may take a few frames on a busy machine."""
        if widget.virtual_region.height or tries <= 0:
            callback()
        else:
            self.set_timer(0.01, lambda: self._when_laid_out(widget, callback, tries - 1))

    def _paging_on(self) -> None:
        """Allow paging again; a page that does not fill the view asks for more at once."""
        self._loading_older = self._loading_newer = False
        self.watch_scroll_y(self.scroll_y, self.scroll_y)

    async def append(self, messages: list[Message]) -> None:
        """New messages at the bottom (ours, or written by another process)."""
        self._loading_newer = False
        if not messages:
            return
        if self.has_newer and messages:
            self.has_newer = len(messages) >= NEWER_PAGE
        await self.query(".transcript-empty").remove()
        known = {view.message.id: view for view in self.views}
        fresh = []
        for message in messages:
            if (
                self.streaming_after is not None
                and message.role == "assistant"
                and message.id > self.streaming_after
            ):
                continue
            if message.id in known:
                known[message.id].set_message(message)
            else:
                fresh.append(MessageView(message, self._now()))
        if fresh:
            # New messages go above a reply that is still streaming, notes stay in order.
            streaming = self.query_children(".-streaming")
            if streaming:
                await self.mount_all(fresh, before=streaming.first())
            else:
                await self.mount_all(fresh)

    def _now(self) -> int | None:
        """The screen's clock (the main screen's `now`), for the messages' stamps."""
        now = getattr(self.screen, "now", None)
        return now if isinstance(now, int) else None

    async def show_text(self, text: str) -> None:
        """No session shown: a line of (sanitized) text in place of the transcript."""
        self.session_id = None
        self.has_older = self.has_newer = False
        self.streaming_after = None
        await self.remove_children()
        await self.mount(Static(Content(text), classes="transcript-empty"))

    async def add_row(self, row: Widget) -> None:
        """A note, an error row or a streaming reply, at the bottom."""
        await self.query(".transcript-empty").remove()
        await self.mount(row)
        self.scroll_end(animate=False)

    async def prepend(self, messages: list[Message], has_older: bool) -> None:
        """An older page above what is shown, keeping the reader's place."""
        self.has_older = has_older
        if not messages:
            self._loading_older = False
            return
        first = self.views[0] if self.views else None
        widgets = [MessageView(message, self._now()) for message in messages]
        if first is None:
            await self.mount_all(widgets)
            self._loading_older = False
            return
        # Keep the message that was on top where it was on screen.
        offset = first.virtual_region.y - self.scroll_y
        await self.mount_all(widgets, before=first)

        def keep_place() -> None:
            self.scroll_to(y=first.virtual_region.y - offset, animate=False, immediate=True)
            self.call_after_refresh(self._paging_on)

        self._when_laid_out(widgets[0], keep_place)

    # -- keys ------------------------------------------------------------------------------

    def _at_bottom(self) -> bool:
        return self.scroll_y >= self.max_scroll_y - 1

    def _ask_newer(self) -> None:
        last = self.last_id
        if self.session_id is not None and last is not None and not self._loading_newer:
            self._loading_newer = True
            self.post_message(self.NeedNewer(self.session_id, last))

    def _ask_older(self) -> None:
        first = self.first_id
        if self.session_id is not None and first is not None and not self._loading_older:
            self._loading_older = True
            self.post_message(self.NeedOlder(self.session_id, first))

    def action_scroll_end(self) -> None:
        if self.has_newer and self.session_id is not None:
            # The newest page replaces the window (what end means), not 200 more at a time.
            self._loading_newer = True
            self.post_message(self.NeedLatest(self.session_id))
            return
        if not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_end(animate=False)

    def action_page_down(self) -> None:
        if self.has_newer and self._at_bottom():
            self._ask_newer()
        elif not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_page_down(animate=False)

    def action_scroll_down(self) -> None:
        if self.has_newer and self._at_bottom():
            self._ask_newer()
        elif not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_down(animate=False)

    def action_page_up(self) -> None:
        if self.has_older and self.scroll_y <= 1:
            self._ask_older()
        elif not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_page_up(animate=False)

    def action_scroll_up(self) -> None:
        if self.has_older and self.scroll_y <= 1:
            self._ask_older()
        elif not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_up(animate=False)

    def action_scroll_home(self) -> None:
        if self.has_older and self.scroll_y <= 1:
            self._ask_older()
        elif not self.allow_vertical_scroll:
            raise SkipAction()
        self.scroll_home(animate=False)

    def action_show_all(self) -> None:
        """enter: the pager for the first long message that is (partly) on screen."""
        shown = self.content_region
        for view in self.views:
            if view.truncated and view.region.overlaps(shown):
                view.action_show_all()
                return

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        at_bottom = new_value >= self.max_scroll_y - 1
        if at_bottom and not self.has_newer and not self._anchored and not self._loading_newer:
            self.anchor()  # caught up with the newest message: follow new ones again
        if at_bottom and self.has_newer:
            self._ask_newer()
        if new_value <= 1 and self.has_older:
            self._ask_older()
