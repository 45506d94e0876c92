"""No agent text reaches the terminal raw: the installed app in a real pseudo-terminal, on a
database where every text field the core stores holds terminal escape sequences.

Each payload carries an OSC 2 (set the window title) and an OSC 52 (write the clipboard)
sequence and a bidi override. The app is driven to show every field: the sidebar and header
(titles, the end reason), /status (the session, its system prompt), a failed reply (the chat
server's error text), the "ended" notice and the resume dialog (typing into an ended
session), and the memory inspector (memory titles, content, tags). Then the bytes the app
wrote must not contain any payload's raw sequence, while their escaped forms were on screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from chat_server import ChatServer

from agentsess_tui.agents.hosts import confirm_host
from agentsess_tui.core import Store

from .test_e2e_pty import APP, PtyApp, env, listed

__all__ = ["env"]  # the fixture, shared with the other end-to-end test

# Compared with the output lowercased: the core stores tags lowercased.
RAW = [b"\x1b]2;pwned", b"\x1b]52;c;", "\u202e".encode()]


def payload(tag: str) -> str:
    """A field value: its tag (to find it on screen), then the hostile sequences."""
    return f"{tag}\x1b]2;PWNED\x1b\\ \x1b]52;c;UFdORUQ=\x07 \u202erevo"


def shown(tag: str) -> str:
    """How the escaped payload starts on screen."""
    return f"{tag}\\x1b]2;PWNED"


# The footer while the session list has the focus, and while a text field has it.
LIST_KEYS = "⏎ Open  ? Help  n New"  # the footer while the session list has the focus
FIELD_KEYS = "esc Back"


def focus_chat(app: PtyApp) -> None:
    """Enter on the selected session; wait until the chat input has the focus (the footer
    shows only esc), so that what is typed next goes there."""
    after = app.send("\r")
    app.wait_for(FIELD_KEYS, after=after)


def type_line(app: PtyApp, line: str) -> int:
    """Type `line` and enter in one write, as a fast typist or tmux does; returns the offset
    to wait from (the prompt keeps typing order, issue 12 item 1)."""
    return app.send(line + "\r")


def focus_list(app: PtyApp) -> None:
    """Escape to the session list; wait until the footer shows the list's keys."""
    after = app.send("\x1b")
    app.wait_for(LIST_KEYS, after=after)


@pytest.mark.slow
def test_hostile_text_in_every_field_never_reaches_the_terminal_raw(
    env: dict[str, str], chat_server: ChatServer
) -> None:
    assert APP.exists(), f"{APP} is missing: install the project (pip install -e .)"
    db = Path(env["AGENTSESS_DB"])
    env = {**env, "NO_PROXY": "127.0.0.1,localhost"}
    store = Store(db, key_file=Path(env["AGENTSESS_HOME"]) / "secret.key")
    store.add_agent("hostile-bot", payload("AN"))
    live = store.create_session(
        "hostile-bot", payload("TB"), system_prompt=payload("SP"), metadata={"note": payload("MD")}
    ).session
    store.update_session_metadata(
        live.id,
        {"responder": {"backend": "openai", "base_url": chat_server.url, "model": "m"}},
    )
    # A session's own host is used only once the person confirmed it (issue 10, item 1).
    confirm_host(Path(env["AGENTSESS_HOME"]) / "ui-state.json", chat_server.url)
    ended = store.create_session("hostile-bot", payload("TA")).session
    store.end_session(ended.id, payload("RE"))
    store.remember(payload("MC"), agent_id="hostile-bot", title=payload("MT"), tags=[payload("TG")])
    store.close()
    chat_server.error = (500, {"error": {"message": payload("ER")}})

    app = PtyApp([str(APP)], env)
    try:
        app.wait_for(listed(2))
        app.wait_for(shown("TB"))  # the sidebar and the header of the selected session
        app.wait_for(LIST_KEYS)  # the list has the focus

        focus_chat(app)  # open it
        after = type_line(app, "/status")
        app.wait_for("State:", after=after)

        after = app.send("hello\r")  # the chat server answers with a hostile error
        app.wait_for(shown("ER"), after=after)

        focus_list(app)
        after = app.send("j")  # the ended session: its header quotes the end reason
        app.wait_for(shown("RE"), after=after)
        focus_chat(app)
        after = type_line(app, "hi")  # typing into an ended session: the notice and the dialog
        app.wait_for("Resume and send", after=after)
        app.wait_for(shown("TA"), after=after)
        after = app.send("n")
        # The dialog closed: the screen under it is drawn again, with the notice.
        app.wait_for("still in the box", after=after)
        focus_list(app)
        after = app.send("m")  # the memory inspector: title, tags, content
        app.wait_for(shown("MT"), after=after)
        app.wait_for(shown("tg").lower(), after=after)
        app.wait_for(shown("MC"), after=after)

        focus_list(app)
        app.send("q")
        code = app.wait_exit()
    finally:
        app.kill()

    assert code == 0, app.text[-2000:]
    written = bytes(app.raw).lower()
    for sequence in RAW:
        assert sequence not in written, f"{sequence!r} reached the terminal raw"
