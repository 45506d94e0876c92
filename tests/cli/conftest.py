"""Fixtures of the CLI tests: an in-process `agentsess`, an agent, a session, the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsess_tui.core import ManualClock, Store

from .helpers import START, Cli


@pytest.fixture
def run() -> Cli:
    return Cli()


@pytest.fixture
def bot(run: Cli) -> str:
    run.ok("agents", "add", "bot", "--name", "Test bot")
    return "bot"


@pytest.fixture
def sid(run: Cli, bot: str) -> str:
    return run.new_session(bot)


@pytest.fixture
def db(db_path: Path) -> Iterator[Store]:
    """The database the CLI wrote, opened by the test to check what is (not) in it."""
    store = Store(db_path, clock=ManualClock(START))
    yield store
    store.close()
