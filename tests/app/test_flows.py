"""Every key flow of the app, driven with Pilot against a real database and a manual clock."""

from __future__ import annotations

import time

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, TextArea

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.screens.forms import NewSessionModal
from agentsess_tui.app.screens.main import MainScreen
from agentsess_tui.app.screens.modals import ConfirmModal, ExtendModal
from agentsess_tui.app.widgets.chat_header import ChatHeader
from agentsess_tui.app.widgets.chat_input import ChatInput
from agentsess_tui.app.widgets.message_view import MessageView
from agentsess_tui.app.widgets.session_list import SessionList
from agentsess_tui.app.widgets.welcome import Welcome
from agentsess_tui.core import ManualClock, Store

from .helpers import notices, settle, sidebar_rows, until

SIZE = (120, 36)


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


def main_screen(app: AgentsessApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen), f"expected the main screen, got {screen!r}"
    return screen


async def test_first_launch_shows_welcome_and_n_creates_a_session(
    app: AgentsessApp, store: Store
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one(Welcome).display
        await pilot.press("n")
        assert isinstance(app.screen, NewSessionModal)
        agent = app.screen.query_one("#agent", Input)
        agent.value = "writer"
        await pilot.click("#title")
        await pilot.press(*"Draft the launch post")
        await pilot.press("enter")
        await settle(pilot)
        sessions = store.list_sessions()
        assert [(s.agent_id, s.title, s.state) for s in sessions] == [
            ("writer", "Draft the launch post", "active")
        ]
        assert not app.screen.query_one(Welcome).display
        rows = sidebar_rows(app)
        assert rows[0].startswith("● Draft the launch post")
        assert "6:00:00" in rows[0]  # the default window, with the clock frozen


async def test_new_session_form_rejects_bad_values_inline(app: AgentsessApp, store: Store) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        modal = app.screen
        modal.query_one("#agent", Input).value = "Not An Id!"
        await pilot.press("enter")
        assert isinstance(app.screen, NewSessionModal)
        assert "not a valid agent id" in str(modal.query_one(".dialog-error").render())
        modal.query_one("#agent", Input).value = "ok-agent"
        modal.query_one("#window", Input).value = "3d"
        await pilot.press("enter")
        assert isinstance(app.screen, NewSessionModal)
        error = str(modal.query_one(".dialog-error").render())
        assert "window_minutes" in error and "5–1440" in error
        # A short window needs a shorter warning than the default 15 minutes: said inline.
        modal.query_one("#window", Input).value = "5m"
        await pilot.press("enter")
        assert isinstance(app.screen, NewSessionModal)
        assert "warning_minutes" in str(modal.query_one(".dialog-error").render())
        assert store.list_sessions() == []
        modal.query_one("#warning", Input).value = "2m"
        await pilot.press("enter")
        await settle(pilot)
        (created,) = store.list_sessions()
        assert (created.agent_id, created.window_minutes, created.policy.warning_minutes) == (
            "ok-agent",
            5,
            2,
        )


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


async def test_extend_moves_the_countdown_by_exactly_the_step(
    app: AgentsessApp, store: Store, agent: str, clock: ManualClock
) -> None:
    store.create_session(agent, "Work", options={"extend_step_minutes": 45})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        clock.advance(minutes=30)
        main_screen(app).tick()
        await pilot.pause()
        assert "5:30:00" in sidebar_rows(app)[0]
        await pilot.press("e")
        await settle(pilot)
        assert "6:15:00" in sidebar_rows(app)[0]
        assert any("Extended" in n and "+45m" in n for n in notices(app))


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
        main_screen(app).tick()
        await pilot.pause()
        assert "0:09:30" in sidebar_rows(app)[0]  # the sidebar ticks by the second
        assert header.visual is shown  # the header's line is unchanged: no repaint
        clock.advance(seconds=555)  # 15 s left
        main_screen(app).tick()
        await pilot.pause()
        assert f"expires {expires}" in header_text() and "0:00:15" in sidebar_rows(app)[0]


async def test_extend_by_modal_accepts_hours_and_minutes(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Work").session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("E")
        assert isinstance(app.screen, ExtendModal)
        await pilot.press(*"1h30m")
        assert "+1h 30m" in str(app.screen.query_one("#preview").render())
        await pilot.press("enter")
        await settle(pilot)
        assert "7:30:00" in sidebar_rows(app)[0]
        assert store.get_session(session.id).expires_at == session.expires_at + 90 * 60_000


async def test_extend_by_rejects_nonsense_and_keeps_the_modal(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Work").session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("E", *"soon", "enter")
        assert isinstance(app.screen, ExtendModal)
        assert "not a duration" in str(app.screen.query_one(".dialog-error").render())
        await pilot.press("escape")
        await settle(pilot)
        assert store.get_session(session.id).expires_at == session.expires_at


async def test_expiry_then_resume(
    app: AgentsessApp, store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent, "Short", options={"window_minutes": 30}).session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        clock.advance(minutes=31)
        main_screen(app).tick()
        await settle(pilot)
        assert store.get_session(session.id).state == "expired"
        assert "expired 1m ago" in sidebar_rows(app)[0]
        assert any("Session expired" in n for n in notices(app))
        await pilot.press("r")
        await settle(pilot)
        resumed = store.get_session(session.id)
        assert resumed.state == "active" and resumed.resume_count == 1
        assert "0:30:00" in sidebar_rows(app)[0]


async def test_warning_fires_once_when_the_clock_crosses_the_threshold(
    app: AgentsessApp, store: Store, agent: str, clock: ManualClock
) -> None:
    store.create_session(agent, "Deadline", options={"window_minutes": 60, "warning_minutes": 10})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        clock.advance(minutes=49)
        main_screen(app).tick()
        await settle(pilot)
        assert not [n for n in notices(app) if "expiring" in n.lower()]
        clock.advance(minutes=2)
        main_screen(app).tick()
        await settle(pilot)
        for _ in range(3):
            clock.advance(seconds=30)
            main_screen(app).tick()
            await settle(pilot)
        warnings = [n for n in notices(app) if n.startswith("Session expiring")]
        assert len(warnings) == 1
        assert "Deadline" in warnings[0]
        assert sidebar_rows(app)[0].startswith("◐")


async def test_end_asks_then_ends(app: AgentsessApp, store: Store, agent: str) -> None:
    session = store.create_session(agent, "Done soon").session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert store.get_session(session.id).state == "active"
        await pilot.press("x", "y")
        await settle(pilot)
        assert store.get_session(session.id).state == "ended"
        assert sidebar_rows(app)[0].startswith("■")
        assert store.list_memories(session_id=session.id) == []  # no tick, no summary


async def test_end_with_s_writes_a_summary_memory(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    """The end dialog's checkbox (`s`) does what `end --summarize` does; unticked, no summary."""
    session = store.create_session(agent, "Trip plans").session
    store.remember("The trip is to Porto in May", session_id=session.id)
    store.add_message(session.id, "Book the train, not the plane")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("s", "s", "s")  # ticked, unticked, ticked
        await pilot.press("y")
        await settle(pilot)
        assert store.get_session(session.id).state == "ended"
        summaries = [m for m in store.list_memories(session_id=session.id) if m.tags == ["summary"]]
        assert len(summaries) == 1 and "Porto" in summaries[0].content
        assert any(f"#{summaries[0].id}" in n for n in notices(app))


async def test_clear_keeps_memories(app: AgentsessApp, store: Store, agent: str) -> None:
    session = store.create_session(agent, "Noisy").session
    store.add_message(session.id, "one")
    store.add_message(session.id, "two", role="assistant")
    memory = store.remember("keep me", session_id=session.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c", "y")
        await settle(pilot)
        assert store.messages(session.id) == []
        assert store.get_memory(memory.id).status == "active"
        assert not app.screen.query(MessageView)


async def test_delete_keeps_memories_without_origin(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Throwaway").session
    memory = store.remember("still true", session_id=session.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d", "y")
        await settle(pilot)
        assert store.list_sessions() == []
        assert store.get_memory(memory.id).session_id is None
        assert app.screen.query_one(Welcome).display


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


async def test_sending_to_an_expired_session_keeps_the_text_and_offers_resume(
    app: AgentsessApp, store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(
        agent, "Late", options={"window_minutes": 10, "warning_minutes": 5}
    ).session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        clock.advance(minutes=11)
        await pilot.press(*"are you there?", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert store.messages(session.id) == []
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#chat-input", ChatInput).text == "are you there?"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert store.messages(session.id)[0].content == "are you there?"
        assert store.get_session(session.id).state == "active"
        assert app.screen.query_one("#chat-input", ChatInput).text == ""


async def test_an_external_write_shows_up(
    app: AgentsessApp, store: Store, agent: str, db_path: object
) -> None:
    session = store.create_session(agent, "Watched").session
    other = Store(store.path, clock=store.clock)  # another connection, like the CLI
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        other.add_message(session.id, "written by an agent process", role="assistant")
        other.create_session(agent, "Started by a script")
        main_screen(app).poll_changes()
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
        area = app.screen.query_one("#content", TextArea)
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
        main_screen(app).tick()
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
