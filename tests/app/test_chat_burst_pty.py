"""Typing fast in a real terminal: enter on the list, a slash command, enter and more text in
one write (as tmux or a fast typist sends them) all land in the chat prompt, in order, and no
session key fires.

Before issue 12 item 1, enter was a binding that ran after the keys behind it had been typed
in, and /resume then moved the focus to the session list, where `e`, `x`, `d` are keys.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentsess_tui.core import Store

from .test_e2e_pty import APP, PtyApp, env, listed

__all__ = ["env"]

LIST_KEYS = "⏎ Open  ? Help  n New"  # the footer while the session list has the focus
PROMPT_KEYS = "⏎ Send"  # the footer while the chat prompt has the focus


@pytest.mark.slow
def test_a_burst_of_command_enter_and_text_lands_in_the_prompt(env: dict[str, str]) -> None:
    assert APP.exists(), f"{APP} is missing: install the project (pip install -e .)"
    db = Path(env["AGENTSESS_DB"])
    store = Store(db, key_file=Path(env["AGENTSESS_HOME"]) / "secret.key")
    store.add_agent("burst-bot", "Burst bot")
    live = store.create_session("burst-bot", "Alive and well").session
    ended = store.create_session("burst-bot", "Finished work").session
    store.end_session(ended.id)
    before = store.get_session(live.id)
    store.close()

    app = PtyApp([str(APP)], env)
    try:
        app.wait_for(listed(2))
        app.wait_for(LIST_KEYS)
        # enter opens the selected (live) session; the rest of the write waits for its prompt.
        after = app.send("\r/status\rhello edx\r/resume Finished work\rstill typing e x d")
        app.wait_for(PROMPT_KEYS, after=after)
        app.wait_for("State:", after=after)  # /status answered
        app.wait_for("still typing e x d", after=after)  # the rest is in the prompt
        app.wait_for("Resumed", after=after)
        app.send("\x11")  # ctrl+q: quit from anywhere
        code = app.wait_exit()
    finally:
        app.kill()

    assert code == 0, app.text[-2000:]
    assert "Traceback" not in app.text
    store = Store(db, key_file=Path(env["AGENTSESS_HOME"]) / "secret.key")
    try:
        after_live = store.get_session(live.id)
        assert after_live.state == "active"
        assert after_live.expires_at >= before.expires_at  # never ended; activity may renew
        assert "extended" not in [e.kind for e in store.events(live.id)]
        assert [m.content for m in store.messages(live.id) if m.role == "user"] == ["hello edx"]
        assert store.get_session(ended.id).state == "active"  # /resume, not a stray `r`
        assert {s.id for s in store.list_sessions()} == {live.id, ended.id}  # nothing deleted
    finally:
        store.close()
