"""Issue 12, polish: what a demanding first hour turned up, each driven with Pilot against a
real database and a manual clock."""

from __future__ import annotations

import pytest
from chat_server import API_KEY, ChatServer
from textual.widgets import Input, OptionList, Select

from agentsess_tui.agents.hosts import confirmed_hosts, host_of
from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.panes.memories import MemoryInspector
from agentsess_tui.app.screens.modals import ConfirmModal
from agentsess_tui.app.widgets.chat_rows import ErrorRow
from agentsess_tui.core import ManualClock, Store

from .helpers import notices, settle, until

SIZE = (120, 36)


async def test_resume_of_an_active_session_says_nothing_changed(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Busy").session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat = app.screen.query_one("#chat-input")
        chat.focus()
        await pilot.press(*"/resume", "enter")
        await settle(pilot)
    after = store.get_session(session.id)
    assert (after.resume_count, after.activated_at, after.token_jti) == (
        session.resume_count,
        session.activated_at,
        session.token_jti,
    )
    said = notices(app)
    assert any("already active" in n and "nothing changed" in n for n in said), said
    assert not any("no longer works" in n for n in said), said


async def test_session_keys_that_do_not_apply_say_why(
    app: AgentsessApp, store: Store, agent: str, clock: ManualClock
) -> None:
    store.create_session(agent, "Short", options={"window_minutes": 30})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert any("Already active" in n for n in notices(app)), notices(app)
        clock.advance(minutes=31)
        app.screen.tick()  # type: ignore[attr-defined]
        await settle(pilot)
        for key in ("e", "x"):
            before = len(notices(app))
            await pilot.press(key)
            await settle(pilot)
            new = notices(app)[before:]
            assert any("has expired" in n and "Press r" in n for n in new), (key, new)


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


async def test_a_session_asking_for_another_host_needs_a_confirmation_and_never_gets_the_key(
    app: AgentsessApp,
    store: Store,
    agent: str,
    chat_server: ChatServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    session = store.create_session(agent, "Elsewhere").session
    store.update_session_metadata(
        session.id,
        {"responder": {"backend": "openai", "base_url": chat_server.url, "model": "m"}},
    )
    host = host_of(chat_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat_input = app.screen.query_one("#chat-input", Input)
        chat_input.focus()
        chat_input.value = "hi"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the host dialog")
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "127.0.0.1" in shown
        assert app.screen.focused is not None and app.screen.focused.id == "cancel"
        await pilot.press("enter")  # Cancel has the focus: a stray enter sends nothing
        await settle(pilot)
        assert chat_server.requests == []
        assert host not in confirmed_hosts()
        assert any("Not sent" in str(row.render()) for row in app.screen.query(ErrorRow))
        app.screen.query_one("#sessions").focus()
        await pilot.press("ctrl+r")  # asked again
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the dialog again")
        assert chat_server.requests == []
        await pilot.press("y")
        await until(pilot, lambda: len(store.messages(session.id)) == 2, "the reply")
    assert len(chat_server.requests) == 1
    # Confirmed, not configured: the key never goes there (agents/hosts.py).
    headers = {k.lower(): v for k, v in chat_server.requests[0].headers.items()}
    assert API_KEY not in headers.get("authorization", "")
    assert host in confirmed_hosts()
    assert store.messages(session.id)[-1].content == "Hello there!"
