"""Changing the order keeps the cursor, and the chat, on the session they were on, also when
its row in the new order is in a page of history not loaded yet."""

from __future__ import annotations

from many_sessions import many_sessions
from textual.pilot import Pilot

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.panes.chat import ChatPane
from agentsess_tui.app.session_rows import PAGE
from agentsess_tui.app.widgets.session_list import SessionList
from agentsess_tui.core import ManualClock, Store

from .helpers import settle, until

SIZE = (120, 36)
HISTORY = 3 * PAGE


async def _cycle_and_check(pilot: Pilot[None], app: AgentsessApp, chosen: str) -> None:
    session_list = app.screen.query_one(SessionList)
    chat = app.screen.query_one(ChatPane)
    for mode in ("activity", "agent", "expiry"):
        await pilot.press("s")
        await until(
            pilot,
            lambda mode=mode: (
                session_list.sort_mode == mode  # type: ignore[misc]
                and session_list.highlighted is not None
                and session_list.highlighted.id == chosen
            ),
            f"the cursor still on {chosen} sorted by {mode}",
        )
        await settle(pilot)
        assert session_list.highlighted is not None and session_list.highlighted.id == chosen
        assert chat.open_id == chosen, mode
        # The row drawn under the cursor is that session's.
        assert session_list.rows.row(session_list.cursor).id == chosen  # type: ignore[union-attr]


async def test_sort_keeps_a_live_session(
    app: AgentsessApp, store: Store, clock: ManualClock
) -> None:
    many_sessions(store, clock, HISTORY, live=12)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session_list = app.screen.query_one(SessionList)
        session_list.focus()
        await pilot.press("down", "down", "down")
        await settle(pilot)
        chosen = session_list.highlighted
        assert chosen is not None and chosen.state == "active"
        await _cycle_and_check(pilot, app, chosen.id)


async def test_sort_finds_a_history_session_whose_page_is_not_loaded(
    app: AgentsessApp, store: Store, clock: ManualClock
) -> None:
    many_sessions(store, clock, HISTORY, live=12)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session_list = app.screen.query_one(SessionList)
        session_list.focus()
        await pilot.press("end")
        await until(
            pilot,
            lambda: (
                session_list.highlighted is not None and session_list.highlighted.state != "active"
            ),
            "the last (oldest history) session highlighted",
        )
        await settle(pilot)
        chosen = session_list.highlighted
        assert chosen is not None
        await _cycle_and_check(pilot, app, chosen.id)


def test_sidebar_offset_counts_the_rows_before_a_session(store: Store, clock: ManualClock) -> None:
    many_sessions(store, clock, 250, live=5)
    for state in ("expired", "ended", None):
        listed: list[str] = []
        offset = 0
        while page := store.sidebar_page(state, offset=offset, limit=100):
            listed.extend(s.id for s in page)
            offset += len(page)
        assert listed, state
        for index in (0, 1, len(listed) // 2, len(listed) - 1):
            assert store.sidebar_offset(listed[index], state) == index, (state, index)
    one = store.sidebar_page("ended", limit=1)[0]
    agent_run = [s.id for s in store.sidebar_page("ended", agent_id=one.agent_id, limit=1000)]
    assert store.sidebar_offset(one.id, "ended", agent_id=one.agent_id) == agent_run.index(one.id)
    assert store.sidebar_offset(one.id, "expired") is None
    assert store.sidebar_offset(one.id, "ended", agent_id="someone-else") is None
    assert store.sidebar_offset("no-such-session", None) is None
