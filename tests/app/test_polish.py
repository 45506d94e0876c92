"""Issue 12, polish: what a demanding first hour turned up, each driven with Pilot against a
real database and a manual clock."""

from __future__ import annotations

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.core import ManualClock, Store

from .helpers import notices, settle

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
