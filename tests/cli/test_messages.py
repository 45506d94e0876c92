"""`agentsess messages add|tail`: a session's conversation from the shell."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time

import pytest

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.validate import MAX_MESSAGE_BYTES

from .helpers import SCRIPT, START, Cli, counts


def test_add_and_tail(run: Cli, sid: str, db: Store) -> None:
    out = run.ok("messages", "add", sid, "Find papers on X")
    assert "Added message 1 (user)" in out.stdout
    run.now = "2026-01-15T09:05:00Z"
    run.ok("messages", "add", sid, "--role", "assistant", "Found two:\n- A\n- B")
    lines = run.ok("messages", "tail", sid).stdout.splitlines()
    assert lines[0] == "2026-01-15 09:00:00 UTC  user       Find papers on X"
    assert lines[1] == "2026-01-15 09:05:00 UTC  assistant  Found two:"
    # Continuation lines are indented under the text.
    assert lines[2] == " " * 36 + "- A"
    assert lines[3] == " " * 36 + "- B"
    assert [m.content for m in db.messages(sid)] == ["Find papers on X", "Found two:\n- A\n- B"]


def test_add_reads_stdin_for_a_dash(run: Cli, sid: str, db: Store) -> None:
    run.ok("messages", "add", sid, "--role", "tool", "-", input="line one\nline two\n")
    [message] = db.messages(sid)
    assert (message.role, message.content) == ("tool", "line one\nline two\n")


def test_add_json(run: Cli, sid: str) -> None:
    data = run.ok("messages", "add", sid, "hello", "--json").json()
    assert data["session_id"] == sid
    assert data["content"] == "hello"
    assert data["created_at"] == "2026-01-15T09:00:00.000Z"


def test_add_is_activity(run: Cli, bot: str, db: Store) -> None:
    sid = run.new_session(bot, "--window", "1h", "--auto-renew")
    run.now = "2026-01-15T09:45:00Z"
    run.ok("messages", "add", sid, "still here")
    assert db.get_session(sid).expires_at == ManualClock("2026-01-15T10:45:00Z").now_ms()


@pytest.mark.parametrize("how", ["argument", "stdin"])
def test_a_10_mb_message_is_refused_with_the_limit(run: Cli, sid: str, db: Store, how: str) -> None:
    big = "x" * (10 * 1024 * 1024)
    before = counts(db)
    if how == "argument":
        out = run("messages", "add", sid, big)
    else:
        out = run("messages", "add", sid, "-", input=big)
    assert out.code == 4
    line = out.error_line
    assert "1.0 MiB" in line and f"{MAX_MESSAGE_BYTES:,} bytes" in line
    assert len(line) < 400  # the message itself is not echoed back
    assert counts(db) == before


def test_a_message_at_the_limit_is_accepted(run: Cli, sid: str, db: Store) -> None:
    run.ok("messages", "add", sid, "-", input="y" * MAX_MESSAGE_BYTES)
    assert db.count_messages(sid) == 1


def test_empty_and_undecodable_messages(run: Cli, sid: str, db: Store) -> None:
    assert run("messages", "add", sid, "   ").code == 4
    out = run("messages", "add", sid, "-", input=b"\xff\xfe not utf-8")
    assert out.code == 4
    assert "UTF-8" in out.error_line
    assert db.count_messages(sid) == 0


def test_add_with_unknown_role_or_session(run: Cli, sid: str) -> None:
    assert run("messages", "add", sid, "--role", "robot", "x").code == 2
    assert run("messages", "add", "sess_missing", "x").code == 3
    assert run("messages", "add", "not a session id", "x").code == 4
    assert run("messages", "add", "sess_missing", "-", input="x").code == 3
    assert run("messages", "add", sid, "too", "many").code == 2


def test_tail_last_n_and_json(run: Cli, sid: str) -> None:
    for index in range(5):
        run.ok("messages", "add", sid, f"message {index}")
    lines = run.ok("messages", "tail", sid, "-n", "2").stdout.splitlines()
    assert [line.split()[-1] for line in lines] == ["3", "4"]
    data = run.ok("messages", "tail", sid, "-n", "3", "--json").json()
    assert [m["content"] for m in data] == ["message 2", "message 3", "message 4"]
    assert run.ok("messages", "tail", sid, "--json", "-n", "1").json()[0]["id"] == 5
    assert run("messages", "tail", sid, "-n", "0").code == 2


def test_tail_of_a_missing_session(run: Cli) -> None:
    out = run("messages", "tail", "sess_missing")
    assert out.code == 3
    assert out.stdout == ""


def read_line(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> str:
    """One line of the child's stdout, or fail after `timeout` (never hangs the suite)."""
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no line from the child within {timeout}s (got {line!r})"
        if selector.select(remaining):
            chunk = os.read(proc.stdout.fileno(), 1)
            assert chunk, f"the child closed stdout (got {line!r})"
            line += chunk
    return line.decode()


@pytest.mark.slow
@pytest.mark.parametrize("as_json", [False, True])
def test_follow_prints_new_messages_and_ends_cleanly_on_ctrl_c(
    run: Cli, sid: str, db: Store, as_json: bool
) -> None:
    run.ok("messages", "add", sid, "before")
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "agentsess_tui.cli"]
    extra = ["--json"] if as_json else []
    proc = subprocess.Popen(
        [*command, "messages", "tail", sid, "-f", "--poll-interval", "0.05", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "AGENTSESS_FAKE_NOW": START},
        # As in a terminal: a job started in the background by a shell without job control
        # (`make test &` in a CI script) inherits SIGINT ignored, and ctrl+c would not arrive.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )
    try:
        assert "before" in read_line(proc)
        db.add_message(sid, "written by another process", role="assistant")
        line = read_line(proc)
        assert "written by another process" in line
        if as_json:
            assert '"role":"assistant"' in line
        db.add_message(sid, "and one more")
        assert "and one more" in read_line(proc)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert b"Traceback" not in stderr
    assert b"KeyboardInterrupt" not in stderr
