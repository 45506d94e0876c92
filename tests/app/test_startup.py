"""Start-up stays lean: with nothing configured, the app is built without importing
pydantic (validation is imported when there is something to validate) or markdown-it; what
start-up and the first load build is kept out of the garbage collector's way."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from fresh_python import run_python

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.delays import Delays
from agentsess_tui.app.main import make_app
from agentsess_tui.app.widgets.session_list import SessionList
from agentsess_tui.core import ManualClock, Store

from .helpers import settle, until


def test_building_the_app_imports_neither_pydantic_nor_markdown(home: Path) -> None:
    from agentsess_tui.core import Store

    seeded = Store(home / "agentsess.db")
    seeded.add_agent("bot")
    seeded.create_session("bot", "Already here")
    seeded.close()
    code = (
        "import sys\n"
        "from agentsess_tui.app.main import make_app\n"
        "from agentsess_tui.core.config import load_settings, resolve_paths\n"
        "from agentsess_tui.core.opening import open_store\n"
        "paths = resolve_paths()\n"
        "settings = load_settings(paths)\n"
        "store = open_store(None, settings=settings, paths=paths)\n"
        "assert store.list_sessions(limit=100)[0].title == 'Already here'\n"
        "make_app(store, settings=settings, paths=paths)\n"
        "names = ('pydantic', 'markdown_it', 'jwt', 'httpx')\n"
        "heavy = sorted(m for m in names if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    output = run_python(code)
    assert output == ""


def test_a_configured_value_is_still_validated(home: Path) -> None:
    (home / "config.toml").write_text("busy_timeout_ms = -5\n")
    code = (
        "from agentsess_tui.core.config import load_settings\n"
        "from agentsess_tui.core.errors import InvalidInput\n"
        "try:\n"
        "    load_settings()\n"
        "except InvalidInput as error:\n"
        "    print(error)\n"
    )
    output = run_python(code)
    assert "busy_timeout_ms" in output and "greater than or equal to 0" in output


@pytest.mark.parametrize("freeze", [True, False])
async def test_the_first_full_load_is_frozen_only_when_main_asks(
    app: AgentsessApp, store: Store, agent: str, freeze: bool
) -> None:
    store.create_session(agent, "Here")
    app.freeze_after_load = freeze  # `main` sets it; tests share a process and leave it off
    gc.unfreeze()
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert [s.title for s in app.screen.query_one(SessionList).sessions] == ["Here"]
            assert (gc.get_freeze_count() > 0) is freeze
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("freeze", [True, False])
async def test_what_start_up_built_ahead_is_collected_then_frozen(
    store: Store, clock: ManualClock, agent: str, freeze: bool
) -> None:
    store.create_session(agent, "Here")
    app = make_app(store, clock=clock, remember_theme=False, blink=False, delays=Delays.instant())
    app.freeze_after_load = freeze
    gc.unfreeze()
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            loaded = gc.get_freeze_count()
            garbage = Cycle()
            dead = weakref.ref(garbage)
            gc.collect(1)  # old enough that only a full collection frees it
            del garbage
            assert not app.settled
            app.prebuild()  # as `Delays.prebuild` after the first listing
            await until(pilot, lambda: app.settled, "start-up settled")
            assert (gc.get_freeze_count() > loaded) is freeze
            # Collected before the freeze, not kept in the frozen objects for ever.
            assert (dead() is None) is freeze
    finally:
        gc.unfreeze()
        gc.collect()


class Cycle:
    def __init__(self) -> None:
        self.me = self
