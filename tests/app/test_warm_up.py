"""What the first streamed reply needs is imported on a thread once the first listing is on
screen, not on the loop when the reply's row is composed (app/warmup.py)."""

from __future__ import annotations

import sys

from agentsess_tui.app import warmup
from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.core import Store

from .helpers import settle, until


async def test_the_markdown_widget_is_imported_on_a_thread_after_the_first_listing(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Chat")
    async with app.run_test() as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.warmed_up, "the warm-up thread to finish")
        thread = app.warm_up_thread
        assert thread is not None and thread.name == "agentsess-warm-up"
        assert all(name in sys.modules for name in warmup.MODULES)
        started = thread
        await settle(pilot)
        assert app.warm_up_thread is started  # once per app, not once per listing
