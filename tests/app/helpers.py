"""Helpers for app tests: wait for workers (`settle`), read what the user sees."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from textual.app import App

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.screenshots import settle
from agentsess_tui.app.widgets.session_list import ROW_HEIGHT, SessionList

__all__ = ["NOTIFIED", "notices", "settle", "sidebar_rows"]

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


def notices(app: AgentsessApp) -> list[str]:
    """Every notification the app handed to Textual (after its sanitizer), newest last, as
    "title: message" (recorded by the `record_notifications` fixture in conftest.py)."""
    return list(NOTIFIED.get(app, []))
