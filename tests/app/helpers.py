"""Helpers for app tests: wait for workers (`settle`), read what the user sees."""

from __future__ import annotations

import time
from collections.abc import Callable
from weakref import WeakKeyDictionary

from textual import events
from textual.app import App
from textual.pilot import Pilot

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.screens.main import MainScreen
from agentsess_tui.app.screenshots import settle
from agentsess_tui.app.widgets.session_list import ROW_HEIGHT, SessionList

__all__ = ["NOTIFIED", "SIZE", "main_screen", "notices", "settle", "sidebar_rows", "until"]

# The terminal the test_flows_*.py and test_polish_*.py Pilot tests run in.
SIZE = (120, 36)

# How long `until` waits for what the app does on its own (other test processes share the CPU).
WAIT_SECONDS = 30.0

# What each app was told to show, filled by the `record_notifications` fixture.
NOTIFIED: WeakKeyDictionary[App[None], list[str]] = WeakKeyDictionary()


def sidebar_rows(app: AgentsessApp) -> list[str]:
    """The sidebar as the user sees it: one string per session (both of its lines)."""
    session_list = app.screen.query_one(SessionList)
    rows = []
    for index in range(len(session_list.sessions)):
        lines = [
            session_list.render_line(index * ROW_HEIGHT + part - int(session_list.scroll_y)).text
            for part in range(ROW_HEIGHT)
        ]
        rows.append(" | ".join(line.strip() for line in lines))
    return rows


def main_screen(app: AgentsessApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen), f"expected the main screen, got {screen!r}"
    return screen


def notices(app: AgentsessApp) -> list[str]:
    """Every notification the app handed to Textual (after its sanitizer), newest last, as
    "title: message" (recorded by the `record_notifications` fixture in conftest.py)."""
    return list(NOTIFIED.get(app, []))


async def until(pilot: Pilot[None], condition: Callable[[], object], what: str) -> None:
    """Let the app run (a frame at a time, no fixed sleep) until `condition()` holds; fail
    with `what` after WAIT_SECONDS. For things that finish on their own: a stream, a layout."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause()


def type_fast(app: AgentsessApp, *keys: str) -> None:
    """Keys as a terminal delivers a burst (tmux send-keys, a paste, a fast typist): all read
    before the app has handled the first one. `pilot.press` waits for idle after each key."""
    assert app._driver is not None
    for key in keys:
        character = key if len(key) == 1 else {"enter": "\r", "space": " "}.get(key)
        app._driver.send_message(events.Key(key, character))
