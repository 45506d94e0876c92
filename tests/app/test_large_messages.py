"""A 1 MiB message never freezes the transcript: its start is shown at once, bounded, with a
"show all" row; the rest opens in a pager that paints only the lines on screen. Asserted on
what is rendered and how much of it (lines, widgets), never on wall time (bench/tui.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from chat_server import WAIT, ChatServer, reply_script
from textual.geometry import Region
from textual.widgets import Markdown

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.screens.message_pager import MessagePager
from agentsess_tui.app.widgets.chat_input import ChatInput
from agentsess_tui.app.widgets.chat_rows import (
    STREAM_MARKDOWN_LIMIT,
    STREAM_TABLE_ROWS,
    TAIL_CHARS,
    TAIL_LINES,
    StreamingReply,
)
from agentsess_tui.app.widgets.message_view import PREVIEW_CHARS, PREVIEW_LINES, MessageView
from agentsess_tui.app.widgets.text_pager import TextPager
from agentsess_tui.app.widgets.transcript import Transcript
from agentsess_tui.core import Store

from .helpers import settle, until
from .test_chat import use_server

SIZE = (120, 40)
MIB = 1024 * 1024
END = "THE-VERY-END"


def fill(lines: list[str], last: str) -> str:
    """`lines` cut at a line end to leave room for `last`: 1 MiB, the store's limit."""
    body = "\n".join(lines)
    body = body[: body.rindex("\n", 0, MIB - len(last) - 1)]
    return f"{body}\n{last}"


def markdown_table() -> str:
    rows = ["| id | name | value | note |", "|---|---|---|---|"]
    rows += [f"| {i} | item {i} | {i * 7} | a note about row {i} |" for i in range(MIB // 40)]
    return fill(rows, f"| {END} | | | |")


def plain_lines() -> str:
    return fill(
        [f"line {n}: the quick brown fox jumps over the lazy dog" for n in range(MIB // 50)], END
    )


def one_long_line() -> str:
    return ("word " * (MIB // 5))[: MIB - len(END)] + END


SHAPES: dict[str, Callable[[], str]] = {
    "markdown table": markdown_table,
    "plain text": plain_lines,
    "one long line": one_long_line,
}


def row_bound(view: MessageView) -> int:
    """Rows a preview may take: PREVIEW_LINES, or PREVIEW_CHARS wrapped at the view's width;
    plus the role line and the "show all" row."""
    return max(PREVIEW_LINES, PREVIEW_CHARS // max(1, view.content_size.width)) + 3


def painted(widget: MessageView) -> list[str]:
    width, height = widget.size
    return [strip.text for strip in widget.render_lines(Region(0, 0, width, height))]


@pytest.mark.parametrize("shape", SHAPES)
async def test_a_huge_message_shows_its_start_and_the_rest_on_demand(
    app: AgentsessApp, store: Store, agent: str, shape: str
) -> None:
    session = store.create_session(agent, "Huge").session
    store.add_message(session.id, "show me everything")
    text = SHAPES[shape]()
    assert MIB - 100 <= len(text) <= MIB
    store.add_message(session.id, text, role="assistant")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        transcript = app.screen.query_one(Transcript)
        view = transcript.query(MessageView).last()
        assert view.message.content == text and view.truncated
        # Bounded: a few screenfuls of rows, whatever the size of the message.
        assert view.size.height <= row_bound(view)
        lines = painted(view)
        assert sum(len(line.strip()) for line in lines) <= PREVIEW_CHARS + 4 * len(lines)
        shown = "\n".join(lines)
        first_words = text[:14] if shape != "markdown table" else "name"
        assert first_words in shown
        assert END not in shown
        assert "more" in lines[-1] and "show all" in lines[-1]
        assert "KiB" in lines[-1] or "MiB" in lines[-1]

        # enter in the transcript opens the pager on the long message that is on screen.
        transcript.focus()
        await pilot.press("end")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MessagePager)
        pager = app.screen.query_one(TextPager)
        assert app.focused is pager
        top = pager.visible_text()
        assert len(top) == pager.size.height  # paints one screen of rows, not the message
        assert top[0].startswith(text[:20])
        await pilot.press("end")
        await settle(pilot)
        assert END in "".join(pager.visible_text()[-3:])
        assert pager.row_count >= len(text) // pager.size.width
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, MessagePager)
        assert app.screen.query(MessageView).last().truncated


async def test_a_click_on_a_long_message_opens_the_pager(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Huge").session
    store.add_message(session.id, plain_lines(), role="assistant")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.screen.query(MessageView).last()
        # Its last rows (the "show all" row) are on screen: the transcript opens at the end.
        await pilot.click(view, offset=(4, view.outer_size.height - 1))
        await settle(pilot)
        assert isinstance(app.screen, MessagePager)
        assert app.screen.message.id == view.message.id


async def test_short_messages_are_whole_and_a_mid_sized_table_is_plain(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Mixed").session
    store.add_message(session.id, "| a | b |\n|---|---|\n| 1 | 2 |", role="assistant")
    store.add_message(session.id, markdown_table()[:20_000], role="assistant")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        small, mid = list(app.screen.query(MessageView))
        assert not small.truncated and not small.can_focus
        drawn = painted(small)  # a table drawn by Markdown: a rule, no pipes
        assert any("─" in line for line in drawn) and not any("|" in line for line in drawn)
        assert mid.truncated
        # Above the Markdown limit the table is shown as the text it is.
        assert any("| 0 | item 0 | 0 |" in line for line in painted(mid))


async def test_hostile_text_in_a_huge_message_is_escaped_in_preview_and_pager(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Hostile").session
    text = "\x1b]52;c;cHduZWQ=\x07start\u202e\n" + plain_lines() + "\x1b[2J"
    store.add_message(session.id, text, role="assistant")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.screen.query(MessageView).last()
        shown = "\n".join(painted(view))
        assert "\x1b" not in shown and "\u202e" not in shown
        assert "\\x1b]52;c;" in shown and "\\u202e" in shown
        await pilot.click(view, offset=(4, view.outer_size.height - 1))
        await settle(pilot)
        pager = app.screen.query_one(TextPager)
        assert pager.visible_text()[0].startswith("\\x1b]52;c;")
        await pilot.press("end")
        rows = "".join(pager.visible_text())
        assert "\x1b" not in rows and "\\x1b[2J" in rows


@pytest.mark.parametrize("shape", SHAPES)
async def test_a_huge_reply_streams_bounded_and_ends_as_a_bounded_message(
    app: AgentsessApp, store: Store, agent: str, chat_server: ChatServer, shape: str
) -> None:
    session = store.create_session(agent, "Chat").session
    use_server(store, session, chat_server.url)
    text = SHAPES[shape]()
    pieces = [text[i : i + 16 * 1024] for i in range(0, len(text), 16 * 1024)]
    chat_server.script = [*reply_script(*pieces)[:-2], ("wait",), *reply_script()[-2:]]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat_input = app.screen.query_one("#chat-input", ChatInput)
        chat_input.focus()
        chat_input.put("a big table please")
        await pilot.press("enter")
        assert await asyncio.to_thread(chat_server.stalled.wait, WAIT)

        def all_sent_is_shown() -> bool:
            rows = app.screen.query(StreamingReply)
            return bool(rows) and rows.first().received >= len(text)

        await until(pilot, all_sent_is_shown, "the streamed table to reach the row")
        row = app.screen.query(StreamingReply).first()
        assert row.plain
        markdown = row.query_one(Markdown)
        assert len(markdown.source) <= STREAM_MARKDOWN_LIMIT  # fed no further
        # A table's rows are widgets: one piece brings ~400 rows, the Markdown gets a few.
        assert markdown.source.count("\n|") <= STREAM_TABLE_ROWS
        tail = row.query_one(".streaming-tail")

        def tail_text() -> str:
            return "\n".join(s.text for s in tail.render_lines(Region(0, 0, *tail.size)))

        # The tail is laid out on the next refresh after the last piece arrived.
        await until(pilot, lambda: END in tail_text(), "the tail to show the end")
        # TAIL_LINES lines of TAIL_CHARS at most (one long line wraps), and the note.
        assert tail.display and tail.size.height <= TAIL_LINES + TAIL_CHARS // tail.size.width + 2
        assert "more so far" in tail_text()
        chat_server.release.set()
        await settle(pilot)
        assert not app.screen.query(StreamingReply)
        assert store.messages(session.id)[-1].content == text
        view = app.screen.query(MessageView).last()
        assert view.message.content == text and view.truncated
        assert view.size.height <= row_bound(view)


async def test_the_pager_wraps_without_losing_a_character() -> None:
    from textual.app import App, ComposeResult

    text = "short\n" + "x" * 50 + "\n" + "漢字" * 12 + "\n\tend"

    class PagerApp(App[None]):
        def compose(self) -> ComposeResult:
            yield TextPager(text)

    app = PagerApp()
    async with app.run_test(size=(20, 30)) as pilot:
        await pilot.pause()
        pager = app.query_one(TextPager)
        cjk = "漢字" * 12
        # Wide characters wrap at half the width (20 cells): each row fits its cells.
        assert pager.visible_text() == [
            "short",
            "x" * 20,
            "x" * 20,
            "x" * 10,
            cjk[:10],
            cjk[10:20],
            cjk[20:],
            "    end",
        ]
        assert pager.row_count == 8
