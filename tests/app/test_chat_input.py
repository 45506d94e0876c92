"""The chat prompt: typing order in a fast burst, focus, newlines, paste, history, completion,
and the chat's own keys (copy, regenerate, edit the last message)."""

from __future__ import annotations

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.panes.chat import ChatPane
from agentsess_tui.app.screens import handoff
from agentsess_tui.app.widgets.chat_input import ChatInput, completions
from agentsess_tui.app.widgets.chat_rows import Note
from agentsess_tui.app.widgets.session_list import SessionList
from agentsess_tui.core import Store

from .helpers import settle, until

SIZE = (120, 40)


def burst(app: AgentsessApp, *keys: str) -> None:
    """Keys as the terminal driver hands them over in one read: all queued at once, none
    waiting for what the one before caused (unlike `pilot.press`)."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(_character_to_key(key), key))
        else:
            app.post_message(events.Key(key, "\r" if key == "enter" else None))


def prompt(app: AgentsessApp) -> ChatInput:
    return app.screen.query_one(ChatInput)


def notes(app: AgentsessApp) -> list[str]:
    return [note.markdown for note in app.screen.query(Note)]


async def into_chat(pilot: Pilot[None]) -> ChatInput:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    chat_input = prompt(pilot.app)  # type: ignore[arg-type]
    assert pilot.app.focused is chat_input
    return chat_input


async def test_a_burst_after_a_command_stays_in_the_prompt_and_fires_no_session_key(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Live").session
    ended = store.create_session(agent, "Ended").session
    store.end_session(ended.id)
    async with app.run_test(size=SIZE) as pilot:
        chat_input = await into_chat(pilot)
        burst(app, *"/status", "enter", *"hello edx", "enter", *"/resume ended", "enter")
        burst(app, *"again e x d")
        await settle(pilot)
        assert app.focused is chat_input
        assert chat_input.text == "again e x d"
        assert store.get_session(ended.id).state == "active"  # /resume did its work
        for sid in (session.id, ended.id):
            kinds = [event.kind for event in store.events(sid)]
            assert "extended" not in kinds and "ended" not in kinds[-1:], kinds
        assert store.get_session(session.id).state == "active"
        assert [m.content for m in store.messages(session.id) if m.role == "user"] == ["hello edx"]
        assert any("State:" in note for note in notes(app))


@pytest.mark.parametrize("slow_open", [False, True])
async def test_keys_typed_right_after_enter_on_the_list_wait_for_the_prompt(
    app: AgentsessApp, store: Store, agent: str, monkeypatch: pytest.MonkeyPatch, slow_open: bool
) -> None:
    session = store.create_session(agent, "Live").session
    expires = session.expires_at
    if slow_open:
        # On a loaded machine the open outlasted the hold's clock and the keys went to the
        # list (CI, stop 19). Here the clock runs out right after the open has started,
        # before its `Opened` message is handled (what the timer calls, queued at that point).
        action_open = SessionList.action_open

        def clock_runs_out_mid_open(self: SessionList) -> None:
            action_open(self)
            hand_off: handoff.HandOff = self.screen.handoff
            self.app.call_later(hand_off._waited, self.app)

        monkeypatch.setattr(SessionList, "action_open", clock_runs_out_mid_open)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "enter", *"hello edx")  # e extends, d deletes, x ends on the list
        await settle(pilot)
        assert app.focused is prompt(app)
        assert prompt(app).text == "hello edx"
        assert store.get_session(session.id).expires_at == expires
        assert [event.kind for event in store.events(session.id)] == ["created"]


async def test_an_enter_that_opens_nothing_gives_the_keys_back_at_once(
    app: AgentsessApp, store: Store, agent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.create_session(agent, "Live")
    monkeypatch.setattr(SessionList, "action_open", lambda self: None)  # opens nothing
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        burst(app, "enter", "j")
        await settle(pilot)  # well before HOLD_AT_MOST
        assert not main.handoff.pending and not main.handoff.held  # type: ignore[attr-defined]
        assert isinstance(app.focused, SessionList)


async def test_every_slash_command_leaves_the_focus_in_the_prompt(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Main")
    async with app.run_test(size=SIZE) as pilot:
        chat_input = await into_chat(pilot)
        for command in ("/status", "/sessions", "/help", "/recall x", "/nosuch", "/resume main"):
            burst(app, *command, "enter", *"typed on")
            await settle(pilot)
            assert app.focused is chat_input, command
            assert chat_input.text == "typed on", command
            chat_input.clear()


async def test_a_command_answer_survives_a_reload_of_the_transcript(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    """The hostile-text pty race: a transcript load that lands after /status answered used
    to replace the transcript, answer included."""
    session = store.create_session(agent, "Main").session
    async with app.run_test(size=SIZE) as pilot:
        await into_chat(pilot)
        burst(app, *"/status", "enter")
        await settle(pilot)
        assert any("State:" in note for note in notes(app))
        app.screen.query_one(ChatPane).reopen(session.id)  # a load finishing late
        await settle(pilot)
        assert sum("State:" in note for note in notes(app)) == 1


async def test_newlines_paste_and_the_box_growing_then_scrolling(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Main").session
    async with app.run_test(size=SIZE) as pilot:
        chat_input = await into_chat(pilot)
        assert chat_input.outer_size.height == 3  # one line and the border
        await pilot.press("a", "shift+enter", "b", "ctrl+j", "c")
        assert chat_input.text == "a\nb\nc"
        await pilot.pause()
        assert chat_input.outer_size.height == 5
        chat_input.post_message(events.Paste("\r\nline 1\r\nline 2\nline 3\x1b]52;c;QQ==\x07\r"))
        await pilot.pause()
        assert chat_input.text == "a\nb\nc\nline 1\nline 2\nline 3\\x1b]52;c;QQ==\\x07\n"
        await pilot.pause()
        assert chat_input.outer_size.height == 8  # six lines at most, then it scrolls
        await pilot.press("enter")
        await settle(pilot)
        sent = [m.content for m in store.messages(session.id) if m.role == "user"]
        assert sent == ["a\nb\nc\nline 1\nline 2\nline 3\\x1b]52;c;QQ==\\x07\n"]
        assert chat_input.text == ""


async def test_up_and_down_walk_through_what_was_sent(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Main").session
    # Written by another process, hostile: shown in the box escaped, never raw.
    store.add_message(session.id, "from an earlier run\x1b]2;pwned\x07", role="user")
    async with app.run_test(size=SIZE) as pilot:
        chat_input = await into_chat(pilot)
        for text in ("first", "/status", "two\nlines"):
            chat_input.put(text)
            await pilot.press("enter")
            await settle(pilot)
        await pilot.press(*"draft")
        await pilot.press("up")
        assert chat_input.text == "two\nlines"
        await pilot.press("up")  # the cursor is on the last line: first up to the first line
        assert chat_input.text == "two\nlines"
        await pilot.press("up")
        assert chat_input.text == "/status"
        await pilot.press("up", "up")
        assert chat_input.text == "from an earlier run\\x1b]2;pwned\\x07"
        await pilot.press("up")  # the oldest: stays
        assert chat_input.text == "from an earlier run\\x1b]2;pwned\\x07"
        await pilot.press("down", "down")
        assert chat_input.text == "/status"
        await pilot.press("down", "down")
        assert chat_input.text == "draft"


def test_completions_are_command_names_only_before_an_argument() -> None:
    assert completions("/st") == ["status"]
    assert completions("/re") == ["resume", "remember", "recall"]
    assert completions("/status now") == []
    assert completions("hello") == []


async def test_tab_completes_and_cycles_command_names(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Main")
    async with app.run_test(size=SIZE) as pilot:
        chat_input = await into_chat(pilot)
        await pilot.press("slash", "s", "t", "tab")
        assert chat_input.text == "/status "
        assert app.focused is chat_input
        chat_input.clear()
        await pilot.press("slash", "r", "e", "tab")
        assert chat_input.text == "/resume"
        assert "/remember" in str(chat_input.border_subtitle)
        await pilot.press("tab")
        assert chat_input.text == "/remember"
        await pilot.press("tab", "tab")
        assert chat_input.text == "/resume"
        await pilot.press("space", *"x")
        assert chat_input.text == "/resume x"
        assert not chat_input.border_subtitle
        chat_input.put("hello")
        await pilot.press("tab")  # nothing to complete: tab moves the focus on, as usual
        assert app.focused is not chat_input


async def test_copy_regenerate_and_edit_the_last_message(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Main").session
    store.add_message(session.id, "show me code", role="user")
    store.add_message(
        session.id,
        "Here:\n\n```python\nprint('one')\n```\n\nand\n\n~~~\nlast = 2\n~~~\n",
        role="assistant",
    )
    async with app.run_test(size=SIZE) as pilot:
        chat_input = await into_chat(pilot)
        footer = {b.binding.key for b in app.screen.active_bindings.values() if b.enabled}
        assert {"ctrl+r", "ctrl+g", "ctrl+o", "ctrl+t"} <= footer
        await pilot.press("ctrl+t")
        assert app.clipboard == "last = 2\n"
        await pilot.press("ctrl+o")
        assert app.clipboard.startswith("Here:") and app.clipboard.endswith("~~~\n")
        await pilot.press("ctrl+g")
        assert chat_input.text == "show me code"
        chat_input.clear()
        await pilot.press("ctrl+r")  # the offline agent answers the last message again
        await settle(pilot)
        await until(
            pilot,
            lambda: (
                [m.role for m in store.messages(session.id)] == ["user", "assistant", "assistant"]
            ),
            "a second reply",
        )
