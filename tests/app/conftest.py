"""Driving the real app against a real temporary database and a manual clock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.delays import Delays
from agentsess_tui.app.demo import build_demo
from agentsess_tui.app.main import make_app

# Screens show local times: pin the zone so runs agree everywhere.
from agentsess_tui.app.screenshots import DEMO_NOW
from agentsess_tui.core import ManualClock, Store, resolve_paths

from .helpers import NOTIFIED

# No debouncing in tests: each key acts at once, so no test waits for a timer.
INSTANT = Delays.instant()


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


@pytest.fixture(autouse=True)
def record_notifications(monkeypatch: pytest.MonkeyPatch) -> None:
    """Record what reaches Textual's `App.notify` (the toast text, already sanitized by the
    app), for `helpers.notices`: the app itself keeps no log for tests."""
    original = App.notify

    def notify(self: App[None], message: str, *, title: str = "", **options: Any) -> None:
        NOTIFIED.setdefault(self, []).append(f"{title}: {message}")
        original(self, message, title=title, **options)

    monkeypatch.setattr(App, "notify", notify)


@pytest.fixture
def app(store: Store, clock: ManualClock) -> AgentsessApp:
    return make_app(
        store, clock=clock, paths=resolve_paths(), remember_theme=False, blink=False, delays=INSTANT
    )


@pytest.fixture
def demo_app(home: Path) -> AgentsessApp:
    clock = ManualClock(DEMO_NOW)
    store = build_demo(home / "demo.db", clock.now_ms())
    store.clock = clock
    return make_app(
        store, clock=clock, paths=resolve_paths(), remember_theme=False, blink=False, delays=INSTANT
    )
