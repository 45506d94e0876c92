"""Every key flow of a session's life, driven with Pilot against a real database and a manual
clock: creating one (and the form's inline errors), extending it, expiry and resume, the
warning, ending (with or without a summary), clearing and deleting. The chat, the sidebar, the
memory inspector and the rest of the app are in test_flows_views.py."""

from __future__ import annotations

from textual.widgets import Input

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.screens.forms import NewSessionModal
from agentsess_tui.app.screens.modals import ConfirmModal
from agentsess_tui.app.screens.session_dialogs import ExtendModal
from agentsess_tui.app.widgets.chat_input import ChatInput
from agentsess_tui.app.widgets.message_view import MessageView
from agentsess_tui.app.widgets.welcome import Welcome
from agentsess_tui.core import ManualClock, Store

from .helpers import SIZE, main_screen, notices, settle, sidebar_rows


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


async def test_extend_moves_the_countdown_by_exactly_the_step(
    app: AgentsessApp, store: Store, agent: str, clock: ManualClock
) -> None:
    store.create_session(agent, "Work", options={"extend_step_minutes": 45})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        clock.advance(minutes=30)
        main_screen(app).pulse.tick()
        await pilot.pause()
        assert "5:30:00" in sidebar_rows(app)[0]
        await pilot.press("e")
        await settle(pilot)
        assert "6:15:00" in sidebar_rows(app)[0]
        assert any("Extended" in n and "+45m" in n for n in notices(app))


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
        main_screen(app).pulse.tick()
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
        main_screen(app).pulse.tick()
        await settle(pilot)
        assert not [n for n in notices(app) if "expiring" in n.lower()]
        clock.advance(minutes=2)
        main_screen(app).pulse.tick()
        await settle(pilot)
        for _ in range(3):
            clock.advance(seconds=30)
            main_screen(app).pulse.tick()
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
