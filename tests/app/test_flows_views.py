"""Every key flow around the sessions, driven with Pilot against a real database and a manual
clock: the chat and its header, the sidebar's filter, keys and countdowns, writes from another
process, the memory inspector, the theme from the palette, hostile agent text shown literally,
and a database locked by another process."""

from __future__ import annotations

import time

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, TextArea

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.screens.modals import ConfirmModal
from agentsess_tui.app.widgets.chat_header import ChatHeader
from agentsess_tui.app.widgets.chat_input import ChatInput
from agentsess_tui.app.widgets.message_view import MessageView
from agentsess_tui.app.widgets.session_list import SessionList
from agentsess_tui.core import ManualClock, Store

from .helpers import SIZE, main_screen, notices, settle, sidebar_rows, until


async def palette_lists(pilot: Pilot[None], text: str, *, first: bool = False) -> None:
    """Wait until the command palette lists `text` (as its highlighted option: `first`)."""
    from textual.command import CommandList

    def listed() -> bool:
        lists = pilot.app.screen.query(CommandList)
        if not lists:
            return False
        options = lists.first()
        if first:
            option = options.highlighted_option
            return option is not None and text in str(option.prompt)
        return any(
            text in str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
        )

    await until(pilot, listed, f"{text!r} in the palette")


async def test_open_and_send_a_message(app: AgentsessApp, store: Store, agent: str) -> None:
    session = store.create_session(agent, "Chat").session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        assert isinstance(app.focused, ChatInput)
        await pilot.press(*"hello there", "enter")
        await settle(pilot)
        stored = store.messages(session.id)
        assert [(m.role, m.content) for m in stored][0] == ("user", "hello there")
        assert [m.role for m in stored] == ["user", "assistant"]  # the offline agent replied
        views = app.screen.query(MessageView)
        assert [v.message.content for v in views] == [m.content for m in stored]
        assert app.screen.query_one("#chat-input", ChatInput).text == ""


async def test_the_chat_header_shows_the_expiry_and_leaves_the_countdown_to_the_sidebar(
    app: AgentsessApp, store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(
        agent, "Work", options={"window_minutes": 10, "warning_minutes": 5}
    ).session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        header = app.screen.query_one(ChatHeader)

        def header_text() -> str:
            return str(header.render())

        # One countdown format, in one place: the header says when (UTC in tests), not how
        # long (it said "(4m left)" beside the sidebar's "0:05:00").
        expires = time.strftime("%H:%M", time.gmtime(session.expires_at / 1000))
        assert f"expires {expires}" in header_text() and "left" not in header_text()
        shown = header.visual
        clock.advance(seconds=30)
        main_screen(app).pulse.tick()
        await pilot.pause()
        assert "0:09:30" in sidebar_rows(app)[0]  # the sidebar ticks by the second
        assert header.visual is shown  # the header's line is unchanged: no repaint
        clock.advance(seconds=555)  # 15 s left
        main_screen(app).pulse.tick()
        await pilot.pause()
        assert f"expires {expires}" in header_text() and "0:00:15" in sidebar_rows(app)[0]


async def test_filter_by_title_agent_or_id(app: AgentsessApp, store: Store) -> None:
    store.add_agent("alpha")
    store.add_agent("beta")
    store.create_session("alpha", "Quarterly report")
    target = store.create_session("beta", "Bug triage").session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(sidebar_rows(app)) == 2
        await pilot.press("slash", *"triage")
        assert [row.split("|")[0].strip()[:12] for row in sidebar_rows(app)] == ["● Bug triage"]
        app.screen.query_one("#filter", Input).value = "alpha"
        await pilot.pause()
        assert "Quarterly report" in sidebar_rows(app)[0] and len(sidebar_rows(app)) == 1
        app.screen.query_one("#filter", Input).value = target.id[-8:]
        await pilot.pause()
        assert len(sidebar_rows(app)) == 1 and "Bug triage" in sidebar_rows(app)[0]


async def test_an_external_write_shows_up(
    app: AgentsessApp, store: Store, agent: str, db_path: object
) -> None:
    session = store.create_session(agent, "Watched").session
    other = Store(store.path, clock=store.clock)  # another connection, like the CLI
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        other.add_message(session.id, "written by an agent process", role="assistant")
        other.create_session(agent, "Started by a script")
        main_screen(app).pulse.poll()
        await settle(pilot)
        titles = " ".join(sidebar_rows(app))
        assert "Started by a script" in titles
        contents = [v.message.content for v in app.screen.query(MessageView)]
        assert "written by an agent process" in contents
    other.close()


async def test_memory_add_search_edit_forget(app: AgentsessApp, store: Store, agent: str) -> None:
    store.create_session(agent, "Memories")
    store.remember("The deploy window is Tuesday mornings", agent_id=agent, type="fact")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        # add
        app.screen.query_one("#sessions").focus()
        await pilot.press("a")
        content = app.screen.query_one("#content", TextArea)
        content.text = "Prefers short answers"
        app.screen.query_one("#tags", Input).value = "style"
        await pilot.press("ctrl+s")
        await settle(pilot)
        memories = store.list_memories(agent_id=agent)
        assert [m.content for m in memories] == [
            "Prefers short answers",
            "The deploy window is Tuesday mornings",
        ]
        added = memories[0]
        assert added.tags == ["style"]
        # search narrows the list
        search = app.screen.query_one("#memory-search", Input)
        search.focus()
        await pilot.press(*"deplo")
        await settle(pilot)
        option_list = app.screen.query_one("#memory-list", OptionList)
        assert option_list.option_count == 1
        # edit the highlighted one
        option_list.focus()
        await pilot.press("enter")
        await settle(pilot)
        area = app.screen.query_one("#content", TextArea)
        # typing goes on from the end of what is there, as in any editor's text field
        await pilot.press(*" (UTC)")
        assert area.text == "The deploy window is Tuesday mornings (UTC)"
        area.text = "The deploy window is Wednesday mornings"
        await pilot.press("ctrl+s")
        await settle(pilot)
        deploy = [m for m in store.list_memories(agent_id=agent) if "deploy" in m.content]
        assert deploy[0].content == "The deploy window is Wednesday mornings"
        # forget asks first
        option_list.focus()
        await pilot.press("delete")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert store.get_memory(deploy[0].id).status == "deleted"
        assert [m.content for m in store.list_memories(agent_id=agent)] == ["Prefers short answers"]


async def test_previous_and_next_keys_move_the_selection(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "First", options={"window_minutes": 60})
    store.create_session(agent, "Second", options={"window_minutes": 120})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session_list = app.screen.query_one(SessionList)
        assert session_list.highlighted is not None
        assert session_list.highlighted.title == "First"
        await pilot.press("right_square_bracket")
        assert session_list.highlighted.title == "Second"
        await pilot.press("left_square_bracket")
        assert session_list.highlighted.title == "First"


async def test_theme_switch_from_the_palette_is_remembered(
    store: Store, clock: ManualClock
) -> None:
    from agentsess_tui.app.main import make_app
    from agentsess_tui.core import resolve_paths

    paths = resolve_paths()
    app = make_app(store, clock=clock, paths=paths, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "agentsess-dark"
        await pilot.press("ctrl+p")
        await pilot.press(*"theme")
        await palette_lists(pilot, "Theme", first=True)
        await pilot.press("enter")
        await palette_lists(pilot, "agentsess-light")
        await pilot.press(*"agentsess-light")
        await palette_lists(pilot, "agentsess-light", first=True)
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "agentsess-light"
    again = make_app(store, clock=clock, paths=paths, blink=False)
    async with again.run_test(size=SIZE) as pilot:
        assert again.theme == "agentsess-light"


@pytest.mark.parametrize(
    "hostile",
    [
        "[bold red]not bold[/] [@click=app.quit]click me[/]",
        "before \x1b]52;c;ZXZpbA==\x07 after \x1b[2J\x1b[31m",
        "rtl \u202eexe.txt",
    ],
)
async def test_agent_text_is_shown_literally(
    app: AgentsessApp, store: Store, agent: str, hostile: str
) -> None:
    session = store.create_session(agent, hostile).session
    store.add_message(session.id, hostile, role="assistant")
    store.add_message(session.id, hostile, role="user")
    store.remember(hostile, agent_id=agent, title=hostile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        screenshot = app.export_screenshot()
        assert "\x1b" not in screenshot and "\x07" not in screenshot
        assert "\u202e" not in screenshot
        if "[bold" in hostile:
            assert "[bold red]not bold[/]" in screenshot.replace("&#160;", " ")
            assert app.is_running  # nothing was clicked into quitting
        else:
            assert "\\x1b" in screenshot or "\\u202e" in screenshot


async def test_countdowns_redraw_on_screen_also_when_the_list_is_scrolled(
    app: AgentsessApp, store: Store, agent: str, clock: ManualClock
) -> None:
    for minutes in range(30):
        store.create_session(agent, f"Row {minutes:02d}", options={"window_minutes": 60 + minutes})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("end")  # the last rows: the list scrolls
        await pilot.pause()
        screen_text = app.export_screenshot().replace("&#160;", " ")
        assert "Row 29" in screen_text and "Row 00" not in screen_text
        assert "1:29:00" in screen_text
        clock.advance(seconds=5)
        main_screen(app).pulse.tick()
        await pilot.pause()
        screen_text = app.export_screenshot().replace("&#160;", " ")
        assert "1:28:55" in screen_text and "1:29:00" not in screen_text


async def test_a_database_locked_by_another_process_is_a_message_not_a_crash(
    store: Store, clock: ManualClock, agent: str, db_path: object
) -> None:
    import sqlite3

    from agentsess_tui.app.main import make_app
    from agentsess_tui.core import Settings, resolve_paths

    session = store.create_session(agent, "Busy").session
    impatient = Store(store.path, clock=clock, settings=Settings(busy_timeout_ms=100))
    app = make_app(impatient, clock=clock, paths=resolve_paths(), blink=False, remember_theme=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        holder = sqlite3.connect(store.path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        await pilot.press("e")
        await settle(pilot)
        assert app.is_running
        assert any(n.startswith("Database busy") and "locked" in n for n in notices(app))
        assert store.get_session(session.id).expires_at == session.expires_at
        holder.execute("ROLLBACK")
        holder.close()
        await pilot.press("e")
        await settle(pilot)
        assert store.get_session(session.id).expires_at == session.expires_at + 60 * 60_000
