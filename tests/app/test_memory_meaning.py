"""The memory inspector searches by words and by meaning: each hit says why it matched, and a
memory that replaced a near-duplicate says which one."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.core import Store

from .helpers import settle, until

SIZE = (120, 36)


def _detail(app: AgentsessApp) -> str:
    return str(app.screen.query_one("#memory-detail", Static).render())


async def test_search_by_meaning_says_why_and_what_was_superseded(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Memories")
    diet = store.remember("I'm vegetarian: no meat or fish for me.", agent_id=agent)
    store.remember("The printer on the second floor jams on Mondays.", agent_id=agent)
    old = store.remember("I am allergic to peanuts.", agent_id=agent, embed=True)
    new = store.remember("I'm allergic to peanuts.", agent_id=agent, embed=True)
    assert new.supersedes == old.id
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        search = app.screen.query_one("#memory-search", Input)
        search.focus()
        search.value = "what food should I avoid ordering?"  # no word of the memory
        option_list = app.screen.query_one("#memory-list", OptionList)
        await until(
            pilot,
            lambda: (
                option_list.option_count > 0
                and option_list.get_option_at_index(0).id == str(diet.id)
            ),
            "the search by meaning",
        )
        await until(pilot, lambda: "match (meaning 0." in _detail(app), "the reason shown")
        search.value = "allergic to peanuts"
        await until(
            pilot,
            lambda: (
                option_list.option_count > 0
                and option_list.get_option_at_index(0).id == str(new.id)
            ),
            "the keyword search",
        )
        await until(pilot, lambda: f"supersedes #{old.id}" in _detail(app), "supersedes")
        assert "match (keyword" in _detail(app)
