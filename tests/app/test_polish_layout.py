"""Issue 12, polish: what a demanding first hour turned up, each driven with Pilot against a
real database and a manual clock. This file: layout and keys (the memory inspector at 80 and
160 columns, its search, filter and 0 for every agent, escape on the sidebar filter, themes
on demo data, g and G, remapped keys and help in the footer)."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList, Select

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.panes.chat import ChatPane
from agentsess_tui.app.panes.memories import MemoryInspector
from agentsess_tui.app.widgets.session_list import SessionList
from agentsess_tui.app.widgets.transcript import FIRST_PAGE, PAGE_SIZE, Transcript
from agentsess_tui.core import ManualClock, Store

from .conftest import INSTANT
from .helpers import SIZE, notices, settle, sidebar_rows


async def test_at_80_columns_the_inspector_replaces_the_chat_and_m_closes_it(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Narrow")
    store.remember("Prefers tea", agent_id=agent)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        chat = app.screen.query_one("#chat")
        inspector = app.screen.query_one("#memories")
        assert not chat.display or chat.size.width == 0
        assert inspector.size.width >= 40
        assert "m: back to the chat" in app.export_screenshot().replace("&#160;", " ")
        await pilot.press("m")  # a second m closes: it is not typed into the search
        await settle(pilot)
        assert not inspector.display
        assert app.screen.query_one("#memory-search", Input).value == ""
        assert app.screen.query_one("#chat").size.width > 40
        await pilot.press("m", "escape")  # escape goes back to the chat too
        await settle(pilot)
        assert not inspector.display


async def test_at_160_columns_the_inspector_stands_beside_the_chat(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Wide")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert app.screen.query_one("#chat").size.width >= 54
        assert app.screen.query_one("#memories").display


async def test_the_memory_search_and_type_filter_do_not_follow_to_another_agent(
    app: AgentsessApp, store: Store
) -> None:
    store.add_agent("alpha")
    store.add_agent("beta")
    store.create_session("alpha", "A")
    store.create_session("beta", "B")
    store.remember("alpha likes tea", agent_id="alpha", type="preference")
    store.remember("beta likes coffee", agent_id="beta", type="fact")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m", "slash", *"tea")
        await settle(pilot)
        search = app.screen.query_one("#memory-search", Input)
        assert search.value == "tea"
        app.screen.query_one("#memory-type", Select).value = "preference"
        await settle(pilot)
        first = app.screen.query_one("#memories", MemoryInspector).agent_id
        app.screen.query_one("#sessions").focus()
        await pilot.press("right_square_bracket")
        await settle(pilot)
        inspector = app.screen.query_one("#memories", MemoryInspector)
        assert inspector.agent_id != first
        assert search.value == ""
        assert app.screen.query_one("#memory-type", Select).is_blank()
        listed = app.screen.query_one("#memory-list", OptionList)
        assert listed.option_count == 1


async def test_zero_shows_every_agents_memories(app: AgentsessApp, store: Store) -> None:
    store.add_agent("alpha")
    store.add_agent("beta")
    store.create_session("alpha", "A")
    store.remember("alpha likes tea", agent_id="alpha")
    store.remember("beta likes coffee", agent_id="beta")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        listed = app.screen.query_one("#memory-list", OptionList)
        assert listed.option_count == 1
        await pilot.press("0")
        await settle(pilot)
        assert listed.option_count == 2
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "Memories of all agents" in shown and "beta" in shown
        await pilot.press("0")
        await settle(pilot)
        assert listed.option_count == 1


async def test_escape_clears_the_filter_and_the_chat_follows_the_filtered_list(
    app: AgentsessApp, store: Store
) -> None:
    store.add_agent("alpha")
    store.add_agent("beta")
    store.create_session("alpha", "Quarterly report", options={"window_minutes": 30})
    triage = store.create_session("beta", "Bug triage").session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.query_one(ChatPane).open_id != triage.id  # the first listed is open
        await pilot.press("slash", *"triage")
        await settle(pilot)
        assert len(sidebar_rows(app)) == 1
        assert screen.query_one(ChatPane).open_id == triage.id  # not the hidden one
        await pilot.press("escape")
        await settle(pilot)
        filter_box = screen.query_one("#filter", Input)
        assert filter_box.value == "" and not filter_box.display
        assert len(sidebar_rows(app)) == 2
        assert isinstance(screen.focused, SessionList)
        # Applied with enter, escape from the list clears it too.
        await pilot.press("slash", *"report", "enter")
        await settle(pilot)
        assert len(sidebar_rows(app)) == 1 and isinstance(screen.focused, SessionList)
        await pilot.press("escape")
        await settle(pilot)
        assert len(sidebar_rows(app)) == 2 and not filter_box.display


async def test_a_theme_picked_on_demo_data_is_not_saved(store: Store, clock: ManualClock) -> None:
    from agentsess_tui.app.main import make_app
    from agentsess_tui.core import resolve_paths

    paths = resolve_paths()
    demo = make_app(store, clock=clock, paths=paths, blink=False, demo=True)
    async with demo.run_test(size=SIZE) as pilot:
        await settle(pilot)
        demo.theme = "agentsess-light"
        await settle(pilot)
    assert not paths.state_file.exists() or "agentsess-light" not in paths.state_file.read_text()
    real = make_app(store, clock=clock, paths=paths, blink=False)
    async with real.run_test(size=SIZE):
        assert real.theme == "agentsess-dark"


async def test_g_and_shift_g_go_to_the_top_and_the_bottom(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    for number in range(6):
        store.create_session(agent, f"S{number}", options={"window_minutes": 30 + number})
    newest = store.list_sessions(limit=1)[0]
    for number in range(60):
        store.add_message(newest.id, f"message {number}")
    for number in range(5):
        store.remember(f"memory {number}", agent_id=agent)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session_list = app.screen.query_one(SessionList)
        await pilot.press("G")
        assert session_list.cursor == 5
        await pilot.press("g")
        assert session_list.cursor == 0
        await settle(pilot)
        transcript = app.screen.query_one(Transcript)
        transcript.focus()
        await settle(pilot)
        assert transcript.scroll_y == transcript.max_scroll_y > 0
        assert app.focused is transcript, app.focused
        # Each g goes to the top of what is shown and loads the page above, as at home.
        older_pages = -(-(60 - FIRST_PAGE) // PAGE_SIZE)
        for _ in range(older_pages + 1):
            await pilot.press("g")
            await settle(pilot)
        assert transcript.scroll_y == 0
        assert transcript.views[0].message.content == "message 0"
        await pilot.press("G")
        await settle(pilot)
        assert transcript.scroll_y == transcript.max_scroll_y
        session_list.focus()
        await pilot.press("m")
        await settle(pilot)
        memories = app.screen.query_one("#memory-list", OptionList)
        await pilot.press("G")
        assert memories.highlighted == 4
        await pilot.press("g")
        assert memories.highlighted == 0


def footer_keys(app: AgentsessApp) -> list[tuple[str, str]]:
    from textual.widgets._footer import FooterKey

    return [(key.key_display, key.description) for key in app.screen.query(FooterKey)]


async def test_remapped_keys_keep_their_place_in_the_footer_and_the_welcome_says_them(
    store: Store, clock: ManualClock
) -> None:
    from agentsess_tui.app.main import make_app
    from agentsess_tui.app.widgets.welcome import Welcome
    from agentsess_tui.core import resolve_paths
    from agentsess_tui.core.config import Settings

    settings = Settings(keymap={"new_session": "N", "extend": "f", "no_such_binding": "z"})
    app = make_app(
        store, clock=clock, settings=settings, paths=resolve_paths(), blink=False, delays=INSTANT
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        welcome = str(app.screen.query_one(Welcome).render())
        assert "Press N to create your first session." in welcome
        assert "Press n " not in welcome
        said = notices(app)
        assert any("no_such_binding" in n and "Unknown key bindings" in n for n in said), said
        assert not any("'extend'" in n for n in said)
    store.add_agent("bot")
    store.create_session("bot", "Remapped")
    again = make_app(
        store, clock=clock, settings=settings, paths=resolve_paths(), blink=False, delays=INSTANT
    )
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app = again
        descriptions = [description for _, description in footer_keys(app)]
        # In their usual place, not moved behind Quit where the footer cuts them off.
        assert descriptions.index("New") < descriptions.index("Clear")
        assert descriptions.index("Extend") < descriptions.index("Clear")
        assert ("f", "Extend") in footer_keys(app)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_help_is_always_in_the_visible_part_of_the_footer(
    app: AgentsessApp, store: Store, agent: str, size: tuple[int, int]
) -> None:
    store.create_session(agent, "Visible")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        from textual.widgets import Footer

        footer = app.screen.query_one(Footer)
        visible = [
            key
            for key in footer.query("FooterKey")
            if key.region.right <= footer.region.right and key.region.width > 0
        ]
        assert any("Help" in str(key.description) for key in visible)  # type: ignore[attr-defined]
