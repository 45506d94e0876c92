"""Snapshot tests of dialogs that are not `make screenshots` scenes, at 80x24 (the smallest
terminal we support): everything fits or scrolls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from agentsess_tui.app.screens.modals import ConfirmModal
from agentsess_tui.app.screenshots import SMALL, Scene, build_app, settle
from agentsess_tui.app.widgets.chat_input import ChatInput

from .helpers import until


def test_host_confirmation_at_80x24(home: Path, snap_compare: Callable[..., bool]) -> None:
    app = build_app(Scene("dialog-host", "Another host at 80×24", size=SMALL), home)
    first = app.store.list_sessions(limit=1)[0]
    app.store.update_session_metadata(
        first.id,
        {"responder": {"backend": "openai", "base_url": "https://llm.example.net:8443/v1"}},
    )

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        chat_input = app.screen.query_one("#chat-input", ChatInput)
        chat_input.focus()
        chat_input.put("hello")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the host dialog")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)
