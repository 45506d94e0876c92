"""Dialogs opening fast (issue 12): built once and kept, emptied for each use, focused once."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen
from textual.widgets import Input, Select, Static, TextArea

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.delays import Delays
from agentsess_tui.app.main import make_app
from agentsess_tui.app.screens.forms import NewSessionModal
from agentsess_tui.app.screens.help import HelpScreen
from agentsess_tui.app.screens.main import MainScreen
from agentsess_tui.app.screens.modals import Dialog
from agentsess_tui.core import Store
from agentsess_tui.core.clock import ManualClock

from .helpers import settle, type_fast, until

SMALL = (80, 24)


async def test_the_new_session_dialog_opens_again_empty_with_the_agents_of_now(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    # One dialog is kept and emptied for each new session (issue 12: building it was most of
    # its opening); nothing typed into it before may show again, and early keys still wait.
    store.create_session(agent, "Existing")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        type_fast(app, "n", *"first")
        await settle(pilot)
        first = app.screen
        assert isinstance(first, NewSessionModal)
        first.query_one("#agent", Input).value = "Not an id!"
        first.query_one("#window", Input).value = "2h"
        first.query_one("#auto-renew", Select).value = False
        first.query_one("#model", Input).value = "some-model"
        first.query_one("#system-prompt", TextArea).load_text("Be brief.")
        type_fast(app, "enter")
        await settle(pilot)
        assert first.query_one(".dialog-error", Static).display  # refused inline
        type_fast(app, "escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        store.add_agent("newcomer", "Newcomer")
        type_fast(app, "n", *"Second e x")
        await settle(pilot)
        again = app.screen
        assert again is first  # the same dialog, opened again
        assert again.query_one("#title", Input).value == "Second e x"
        assert app.focused is again.query_one("#title")
        assert again.query_one("#agent", Input).value == agent
        assert again.query_one("#window", Input).value == ""
        assert again.query_one("#auto-renew", Select).is_blank()
        assert again.query_one("#model", Input).value == ""
        assert again.query_one("#system-prompt", TextArea).text == ""
        assert not again.query_one(".dialog-error", Static).display
        picks = again.query_one("#agent-pick", Select)
        assert "newcomer" in [value for _, value in picks._options]
        type_fast(app, "enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        created = {s.title: s for s in store.list_sessions()}
        assert set(created) == {"Existing", "Second e x"}
        assert created["Second e x"].agent_id == agent
        assert created["Second e x"].window_minutes == created["Existing"].window_minutes
        # Opened again with the same agents: the pick list is kept, and nothing stays picked.
        type_fast(app, "n")
        await settle(pilot)
        assert app.screen is first
        first.query_one("#agent-pick", Select).value = "newcomer"
        await settle(pilot)
        type_fast(app, "escape")
        await settle(pilot)
        type_fast(app, "n")
        await settle(pilot)
        assert app.screen is first
        assert first.query_one("#agent-pick", Select).is_blank()
        assert "newcomer" in [value for _, value in first.query_one("#agent-pick", Select)._options]
        assert first.query_one("#agent", Input).value == app.screen_stack[-2].selected.agent_id


async def test_the_kept_dialog_takes_a_new_theme(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Existing")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        before = dialog.query_one(".dialog").styles.background
        await pilot.press("escape")
        await settle(pilot)
        app.theme = "textual-light" if app.current_theme.dark else "textual-dark"
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is dialog
        assert dialog.query_one(".dialog").styles.background != before


async def test_the_help_opens_again_at_its_top_and_fits_a_new_width(
    demo_app: AgentsessApp,
) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        help_screen = demo_app.screen
        assert isinstance(help_screen, HelpScreen)
        body = help_screen.query_one("#help-body")
        await pilot.press("end")
        await settle(pilot)
        assert body.scroll_y > 0
        await pilot.press("escape")
        await settle(pilot)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        type_fast(demo_app, "question_mark", "down")  # the second key waits for the body
        await settle(pilot)
        assert demo_app.screen is help_screen  # the same help, kept
        assert demo_app.focused is body
        assert body.scroll_y == 1  # from the top, then one line down
        shown = help_screen.query_one("#help-text", Static)
        text = str(shown.render())
        assert max(len(line) for line in text.splitlines()) <= shown.content_region.width


async def test_a_dialog_focuses_its_first_field_once_and_is_styled_once_as_it_opens(
    app: AgentsessApp, store: Store, agent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Opening cost (issue 12): each focus move restyled the dialog's widgets (the fields'
    # scrolling container had the focus first), and Textual restyled the whole dialog once
    # more when it became the current screen.
    store.create_session(agent, "Main")
    focused: list[str] = []
    restyled: list[str] = []
    set_focus = Screen.set_focus
    update_nodes = Stylesheet.update_nodes

    def recording_set_focus(self: Screen[object], widget: Any, *args: Any, **kw: Any) -> Any:
        if isinstance(self, Dialog) and widget is not None:
            focused.append(f"{type(widget).__name__}#{widget.id}")
        return set_focus(self, widget, *args, **kw)

    def recording_update_nodes(self: Stylesheet, nodes: Any, animate: bool = False) -> None:
        nodes = list(nodes)
        if len(nodes) > 1 and isinstance(app.screen, Dialog):
            restyled.append(f"{type(nodes[0]).__name__} and {len(nodes) - 1} more")
        update_nodes(self, nodes, animate)

    monkeypatch.setattr(Screen, "set_focus", recording_set_focus)
    monkeypatch.setattr(Stylesheet, "update_nodes", recording_update_nodes)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NewSessionModal), "the dialog")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#title")
        assert focused == ["Input#title"]
        assert [one for one in restyled if one.startswith(("NewSessionModal", "Vertical"))] == []
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)


async def test_the_dialogs_built_ahead_open_without_being_built_again(
    store: Store, agent: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first `n` used to compose the new-session dialog's ~50 widgets (~0.6 s with the
    # rest of its first opening): the app builds it, and the help, once the list is shown.
    store.add_agent("aaa-listed-first")
    store.create_session(agent, "Main")
    composed: list[str] = []
    for screen_class in (NewSessionModal, HelpScreen):
        compose = screen_class.compose

        def recording(self: Any, compose: Any = compose) -> Any:
            composed.append(type(self).__name__)
            return compose(self)

        monkeypatch.setattr(screen_class, "compose", recording)
    delays = replace(Delays.instant(), prebuild=0.0)
    app = make_app(store, clock=clock, remember_theme=False, blink=False, delays=delays)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: len(composed) == 2, "the dialogs built ahead")
        await settle(pilot)
        assert sorted(composed) == ["HelpScreen", "NewSessionModal"]
        assert isinstance(app.screen, MainScreen)  # built, not shown
        built = app.screen.actions.new_session_dialog()
        assert built.query_one("#agent", Input).value == agent  # the selected session's
        # ...and laid out and drawn once at the terminal's size, into nothing.
        await until(pilot, lambda: built.size == app.size, "the dialog laid out ahead")
        assert built.query_one("#title", Input).region.width > 0
        assert isinstance(app.screen, MainScreen)
        store.add_agent("newcomer")
        type_fast(app, "n", *"Early")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewSessionModal)
        assert len(composed) == 2
        assert dialog.query_one("#title", Input).value == "Early"  # held while it opened
        assert app.focused is dialog.query_one("#title")
        picks = dialog.query_one("#agent-pick", Select)
        assert "newcomer" in [value for _, value in picks._options]  # the agents of now
        type_fast(app, "escape", "question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert len(composed) == 2
        assert app.focused is app.screen.query_one("#help-body")
    # A lay-out-ahead timer that fires as the app closes finds no screens: nothing to do
    # (it raised ScreenStackError when a benchmark quit within its first seconds).
    app._lay_out_ahead([built], 3)


def blinking(screen: Screen[Any]) -> list[str]:
    """The text fields of `screen` whose cursor-blink timer runs."""
    timers = [(field, field._blink_timer) for field in screen.query(Input)]
    timers += [(area, area.blink_timer) for area in screen.query(TextArea)]
    return [
        f"{type(field).__name__}#{field.id}"
        for field, timer in timers
        if timer is not None and timer._active.is_set()
    ]


async def test_a_dialog_not_on_screen_blinks_no_cursor(store: Store, agent: str) -> None:
    # Idle CPU: the new-session dialog built ahead had its title focused, unseen, and its
    # cursor's timer woke the app twice a second all run long; a closed dialog kept it too.
    store.create_session(agent, "Main")
    delays = replace(Delays.instant(), prebuild=0.0)
    app = make_app(store, clock=ManualClock(), remember_theme=False, blink=True, delays=delays)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: app.settled, "the dialogs built and laid out ahead")
        built = app.screen.actions.new_session_dialog()
        assert isinstance(app.screen, MainScreen)
        assert blinking(built) == []
        type_fast(app, "n")
        await settle(pilot)
        assert app.screen is built and app.focused is built.query_one("#title")
        assert blinking(built) == ["Input#title"]  # shown: the focused field blinks
        type_fast(app, "tab")
        await settle(pilot)
        type_fast(app, "escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert blinking(built) == []
        type_fast(app, "n")
        await settle(pilot)
        assert app.focused is built.query_one("#title") and blinking(built) == ["Input#title"]


async def test_a_dialog_covered_by_the_palette_gets_its_field_back(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    # A dialog gives up its focus when another screen covers it (no cursor blinks unseen):
    # back on top, the keys go on into the field they were typed into.
    store.create_session(agent, "Main")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        type_fast(app, "n", *"Hello")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewSessionModal)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert app.screen is not dialog
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is dialog
        type_fast(app, *"X")
        await settle(pilot)
        assert dialog.query_one("#title", Input).value == "HelloX"
