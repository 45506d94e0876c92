"""Rows of the transcript that are not stored messages: a reply while it streams, notes from
slash commands, and the error row of a failed reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from ...core.text import visible
from .message_view import size_label

if TYPE_CHECKING:
    from textual.widgets.markdown import MarkdownStream

# Chunks are coalesced and handed to the Markdown stream at most this often: feeding it every
# chunk costs several times the CPU and lags (PERF-NOTES, streaming).
FLUSH_SECONDS = 0.1
# Markdown re-parses the open block on every write (a table is one block): past this many
# characters a reply stops feeding it and shows plain text instead. The stored message is
# whole; once the reply ends, the transcript shows it bounded like any other (MessageView).
STREAM_MARKDOWN_LIMIT = 8 * 1024
# Textual's Markdown table is a grid with a widget per cell, laid out again as the block
# grows: a streamed table goes plain after this many rows. The first layout of 8 rows took
# ~100 ms of one frame, of 3 rows ~60 ms (bench/tui.py large rows). Once the reply ends, the
# stored message shows it as any other (a table of up to 8 KiB rendered: MessageView).
STREAM_TABLE_ROWS = 3
# Past the limit, the newest text is shown plain: at most this much, at most this many lines.
TAIL_CHARS = 2 * 1024
TAIL_LINES = 12


class StreamingReply(Vertical):
    """The assistant's reply as it arrives, rendered with Textual's Markdown streaming up to
    STREAM_MARKDOWN_LIMIT characters; beyond, a bounded plain tail of the newest lines."""

    def __init__(self, label: str) -> None:
        super().__init__(classes="message -assistant -streaming")
        self.label = label
        self.chunks = 0
        self._buffer: list[str] = []
        self._stream: MarkdownStream | None = None  # (markdown-it is imported on first use)
        self._timer: Timer | None = None
        self.received = 0  # characters (sanitized) handed to the view so far
        self.fed = 0  # of which the Markdown stream has had
        self.plain = False  # past a limit: the newest text is shown plain, bounded
        self._table_rows = 0
        self._tail = ""  # the newest text past the limit, at most TAIL_CHARS

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown

        yield Static(
            Content.assemble(
                (self.label, "bold"), ("  replying… (esc stops)", "italic $text-muted")
            ),
            classes="streaming-label",
        )
        yield Markdown(open_links=False)
        tail = Static(classes="streaming-tail")
        tail.display = False
        yield tail

    def on_mount(self) -> None:
        from textual.widgets import Markdown

        self._stream = Markdown.get_stream(self.query_one(Markdown))
        self._timer = self.set_interval(FLUSH_SECONDS, self.flush)

    def feed(self, chunk: str) -> None:
        """Called for every chunk; cheap: the text waits for the next flush."""
        self.chunks += 1
        self._buffer.append(visible(chunk))

    async def flush(self) -> None:
        if not self._buffer:
            return
        text = "".join(self._buffer)
        self._buffer.clear()
        self.received += len(text)
        if not self.plain:
            part = self._markdown_part(text)
            self.plain = len(part) < len(text)
            if part and self._stream is not None:
                self.fed += len(part)
                await self._stream.write(part)
            if not self.plain:
                return
            text = text[len(part) :]
            if self._stream is not None:
                await self._stream.stop()
                self._stream = None
        self._tail = (self._tail + text)[-TAIL_CHARS:]
        self._show_tail()

    def _markdown_part(self, text: str) -> str:
        """What of `text` the Markdown stream may still have: up to STREAM_MARKDOWN_LIMIT
        characters in all, and ending before the table row past STREAM_TABLE_ROWS (one
        flush can bring hundreds of rows: each a row of widgets)."""
        part = text[: max(0, STREAM_MARKDOWN_LIMIT - self.fed)]
        at = -1
        while (at := part.find("\n|", at + 1)) >= 0:
            self._table_rows += 1
            if self._table_rows > STREAM_TABLE_ROWS:
                return part[:at]
        return part

    def _show_tail(self) -> None:
        lines = self._tail.split("\n")[-TAIL_LINES:]
        more = self.received - self.fed
        tail = self.query_one(".streaming-tail", Static)
        tail.update(
            Text.assemble(
                (
                    f"… {size_label(more)} more so far, plain text (all of it is kept); "
                    "the newest lines:",
                    "italic",
                ),
                "\n",
                "\n".join(lines),
            )
        )
        tail.display = True

    async def finish(self) -> None:
        """Write what is buffered and stop the stream (before the row is replaced)."""
        if self._timer is not None:
            self._timer.stop()
        await self.flush()
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None


class Note(Static):
    """Output of a slash command, shown in the transcript but not stored."""

    def __init__(self, markdown: str, *, title: str = "") -> None:
        super().__init__(classes="note")
        self.markdown = markdown
        self.title_text = title

    def on_mount(self) -> None:
        from rich.markdown import Markdown as RichMarkdown

        body = RichMarkdown(visible(self.markdown), hyperlinks=False)
        if self.title_text:
            from rich.console import Group

            self.update(Group(Text(self.title_text, style="bold"), body))
        else:
            self.update(body)


class ErrorRow(Static):
    """A reply that failed: the cause, and how to retry. The user's message is kept."""

    def __init__(self, message: str, retry_key: str = "ctrl+r") -> None:
        super().__init__(classes="error-row")
        self.message = message
        self.update(
            Content.assemble(
                ("⚠ The reply failed: ", "bold"),
                visible(message),
                "\n",
                (
                    f"Your message is kept. Press {retry_key} to retry, or change the responder "
                    "with /backend or /model.",
                    "italic",
                ),
            )
        )
