"""Dialogs as a demanding user meets them: typed into at once, at 80x24, with a stray enter."""

from __future__ import annotations

import pytest
from textual.binding import Binding
from textual.command import CommandList
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Select, Static
from textual.widgets._footer import FooterKey

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.screens.forms import MemoryModal, NewSessionModal
from agentsess_tui.app.screens.help import HelpScreen
from agentsess_tui.app.screens.main import MainScreen
from agentsess_tui.app.screens.modals import ConfirmModal, Dialog
from agentsess_tui.app.screens.session_dialogs import ExtendModal, TokenModal, clipboard_report
from agentsess_tui.app.widgets.chat_input import ChatInput
from agentsess_tui.core import Store

from .helpers import notices, settle, type_fast, until

SMALL = (80, 24)


async def palette_highlights(pilot: Pilot[None], text: str) -> None:
    """Wait until the palette's highlighted hit (the one `enter` runs) is `text`."""

    def highlighted() -> bool:
        lists = pilot.app.screen.query(CommandList)
        option = lists.first().highlighted_option if lists else None
        return option is not None and text in str(option.prompt)

    await until(pilot, highlighted, f"{text!r} highlighted in the palette")


def footer_text(screen: Screen[object]) -> str:
    """The screen's own footer as the user reads it."""
    footer = screen.query_one(Footer)
    return "  ".join(str(key.render()).strip() for key in footer.query(FooterKey))


async def test_typing_right_after_n_lands_every_key_in_the_title(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Existing")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        type_fast(app, "n", *"Hello e x")
        await settle(pilot)
        assert isinstance(app.screen, NewSessionModal)
        assert app.screen.query_one("#title", Input).value == "Hello e x"
        # `e` and `x` were not taken as Extend / End on the session list either.
        (session,) = store.list_sessions()
        assert session.state == "active" and session.expires_at == session.activated_at + (
            session.window_minutes * 60_000
        )
        type_fast(app, "enter")
        await settle(pilot)
        titles = sorted(s.title for s in store.list_sessions())
        assert titles == ["Existing", "Hello e x"]


async def test_an_escape_typed_at_once_closes_the_dialog_and_nothing_else(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Keep me")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        type_fast(app, "d", "escape", "x")
        await settle(pilot)
        # `x` came after the dialog closed: it asks to end the session (a new dialog).
        assert isinstance(app.screen, ConfirmModal)
        assert "End" in str(app.screen.query_one("#confirm", Button).label)
        assert len(store.list_sessions()) == 1


async def test_the_new_session_dialog_fits_at_80x24_with_its_buttons(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, NewSessionModal)
        for button in ("#submit", "#cancel"):
            region = screen.query_one(button).region
            assert region.height == 1 and screen.region.contains_region(region), button
        footer = screen.query_one(Footer).region
        assert screen.query_one(".dialog").region.bottom <= footer.y
        # The fields scroll instead: the last one is reachable with tab.
        await pilot.press("tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab")
        focused = screen.focused
        assert focused is not None and focused.id == "system-prompt"
        assert screen.query_one(".dialog-fields").region.contains_region(focused.region)


async def test_destructive_confirms_focus_cancel_so_enter_changes_nothing(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Precious").session
    store.add_message(session.id, "hello")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for key in ("d", "c", "x"):
            type_fast(app, key, "enter")
            await settle(pilot)
            assert not isinstance(app.screen, ConfirmModal), key
        kept = store.get_session(session.id)
        assert kept.state == "active" and len(store.messages(session.id)) == 1
        await pilot.press("d")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmModal), (app.focused, notices(app))
        assert modal.focused is modal.query_one("#cancel", Button)
        assert "y Delete" in footer_text(modal) and "n Cancel" in footer_text(modal)
        assert "New" not in footer_text(modal)
        await pilot.press("y")
        await settle(pilot)
        assert store.list_sessions() == []


async def test_enter_in_any_one_line_field_submits_the_memory_form(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Memories")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, MemoryModal)
        type_fast(app, *"Likes tea")
        await settle(pilot)
        confidence = app.screen.query_one("#confidence", Input)
        confidence.focus()
        await until(pilot, lambda: app.screen.focused is confidence, "the confidence field")
        await pilot.press("end", "backspace", "backspace", "backspace", "backspace")
        await pilot.press(*"0.5", "enter")
        await settle(pilot)
        (memory,) = store.list_memories(agent_id=agent)
        assert (memory.content, memory.confidence) == ("Likes tea", 0.5)


async def test_a_bad_confidence_keeps_the_form_open_and_says_why(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Memories")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        type_fast(app, *"x")
        await settle(pilot)
        app.screen.query_one("#confidence", Input).value = "lots"
        app.screen.query_one("#confidence", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MemoryModal)
        error = app.screen.query_one(".dialog-error", Static)
        assert error.display and "number between 0 and 1" in str(error.render())
        assert store.list_memories(agent_id=agent) == []


async def test_the_agent_field_lists_existing_agents_to_pick(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.add_agent("writer")
    store.create_session(agent, "One")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        pick = app.screen.query_one("#agent-pick", Select)
        pick.focus()
        await pilot.press("enter")  # opens the list
        await settle(pilot)
        overlay = pick.query_one("SelectOverlay")
        options = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]  # type: ignore[attr-defined]
        assert "bot" in options and "writer" in options
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert app.screen.query_one("#agent", Input).value in {"bot", "writer"}
        assert app.screen.query_one("#agent", Input).value == pick.value


async def test_each_dialog_has_its_own_footer_and_text_areas_say_how_to_submit(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Footers")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for key, kind, submit in (
            ("n", NewSessionModal, "Create"),
            ("E", ExtendModal, "Extend"),
            ("a", MemoryModal, "Save"),
        ):
            await pilot.press(key)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, kind)
            shown = footer_text(screen)
            assert f"^s {submit}" in shown and "esc Cancel" in shown and "New" not in shown
            text = " ".join(str(label.render()) for label in screen.query("Label"))
            if screen.query("TextArea"):
                assert "ctrl+s" in text
            await pilot.press("escape")
            await settle(pilot)


def test_the_clipboard_report_says_what_was_done_not_that_it_worked() -> None:
    plain = clipboard_report("T", "…abc.…", env={})
    assert "Asked the terminal" in plain and "OSC 52" in plain and "Show token" in plain
    assert "Copied" not in plain
    in_tmux = clipboard_report("T", "…abc.…", env={"TMUX": "/tmp/tmux-0/default,1,0"})
    assert "set-clipboard on" in in_tmux


async def test_y_reports_honestly_and_the_palette_shows_the_whole_token(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Tokens").session
    token = store.session_token(session.id)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        said = notices(app)[-1]
        assert "Asked the terminal" in said and token not in said
        assert "Token copied" not in said
        await pilot.press("ctrl+p")
        await pilot.press(*"show token")
        await palette_highlights(pilot, "Show token")
        await pilot.press("enter")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, TokenModal)
        assert token in str(modal.query_one("#token-text", Static).render()).replace("\n", "")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, Dialog)


async def test_the_palette_offers_session_actions_from_the_chat_box(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "From the chat").session
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # into the chat box
        await settle(pilot)
        assert isinstance(app.screen.focused, ChatInput)
        await pilot.press("ctrl+p", *"extend by")
        await palette_highlights(pilot, "Extend by")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExtendModal)
        await pilot.press(*"2h", "enter")
        await settle(pilot)
        extended = store.get_session(session.id)
        assert extended.expires_at > session.expires_at


@pytest.mark.parametrize("size", [(200, 50), (120, 40), (80, 24)])
async def test_help_shows_every_description_whole(
    demo_app: AgentsessApp, size: tuple[int, int]
) -> None:
    async with demo_app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        screen = demo_app.screen
        assert isinstance(screen, HelpScreen)
        shown = screen.query_one("#help-text", Static)
        text = str(shown.render())
        # Nothing is cut off: every line fits the width the text has on screen ...
        assert max(len(line) for line in text.splitlines()) <= shown.content_region.width
        assert screen.region.contains_region(screen.query_one("#help-body").region)
        # ... and every key's description is there in full (wrapped under its column).
        flowing = " ".join(text.split())
        for binding in MainScreen.BINDINGS:
            assert isinstance(binding, Binding)
            assert " ".join(binding.tooltip.split()) in flowing
        # The panes' own keys too: the inspector's 0 (every agent), g and G.
        for binding_id in ("memory_all_agents", "memory_first", "memory_last", "open"):
            assert binding_id in flowing, binding_id
        assert "esc Close" in footer_text(screen)
