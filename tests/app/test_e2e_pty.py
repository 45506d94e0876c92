"""End to end: the installed `agentsess-tui` in a real pseudo-terminal, driven by keys.

The database is prepared through the core; the app runs as its own process on the wall clock;
the test reads the terminal output (waiting for markers with a timeout, never sleeping), sends
keys as a terminal would, and checks the database afterwards.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from agentsess_tui.core import Store

APP = Path(sys.executable).parent / "agentsess-tui"
COLUMNS, ROWS = 120, 36
TIMEOUT = 60.0  # generous: other test processes may be busy on the same cores


def listed(count: int) -> re.Pattern[str]:
    """The sidebar's status line once `count` sessions are listed."""
    return re.compile(rf"\b{count} sessions? · sorted by")


ESCAPE_SEQUENCE = re.compile(
    rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[P_^X][^\x1b]*\x1b\\"
    # Two-byte (and nF) ones, not the introducers above: a CSI cut by a read stays pending.
    rb"|[ -/]*[0-OQ-WYZ\\`-~])"
)


class PtyApp:
    """A program in a pseudo-terminal; what it writes is collected as it arrives."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        pid, fd = os.forkpty()
        if pid == 0:  # the child: a fixed size before the program asks for it
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.raw = bytearray()
        self.eof = False

    @property
    def text(self) -> str:
        """Everything written so far, escape sequences removed."""
        return ESCAPE_SEQUENCE.sub(b"", bytes(self.raw)).decode("utf-8", "replace")

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:  # EIO once the program has exited
            data = b""
        if data:
            self.raw += data
        else:
            self.eof = True

    def wait_for(self, marker: str | re.Pattern[str], *, after: int = 0) -> int:
        """Wait until `marker` (text or pattern) appears in the output after text offset
        `after`; returns where it ends."""
        pattern = marker if isinstance(marker, re.Pattern) else re.compile(re.escape(marker))
        deadline = time.monotonic() + TIMEOUT
        while True:
            text = self.text
            found = pattern.search(text, after)
            if found is not None:
                return found.end()
            if self.eof or time.monotonic() > deadline:
                pytest.fail(
                    f"{pattern.pattern!r} never appeared; the screen ended with:\n{text[-2000:]}"
                )
            self._read(deadline - time.monotonic())

    def send(self, keys: str) -> int:
        """Type `keys`; returns the text offset before them, to wait for what they cause."""
        offset = len(self.text)
        os.write(self.fd, keys.encode())
        return offset

    def wait_exit(self) -> int:
        deadline = time.monotonic() + TIMEOUT
        while not self.eof and time.monotonic() < deadline:
            self._read(deadline - time.monotonic())
        if not self.eof:
            os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)

    def kill(self) -> None:
        with contextlib.suppress(ChildProcessError, ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self.fd)


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    """The app's environment: the test's AGENTSESS_HOME (see tests/conftest.py) and a db in it."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AGENTSESS_", "TEXTUAL")) and key not in ("COLUMNS", "LINES")
    }
    return {
        **clean,
        "TERM": "xterm-256color",
        "AGENTSESS_HOME": str(home),
        "AGENTSESS_DB": str(home / "e2e.db"),
    }


@pytest.mark.slow
def test_keys_in_a_real_terminal_change_the_database(env: dict[str, str]) -> None:
    assert APP.exists(), f"{APP} is missing: install the project (pip install -e .)"
    db = Path(env["AGENTSESS_DB"])
    store = Store(db, key_file=Path(env["AGENTSESS_HOME"]) / "secret.key")
    store.add_agent("e2e-bot", "E2E bot")
    existing = store.create_session("e2e-bot", "Existing chat").session
    step_ms = existing.policy.extend_step_minutes * 60_000
    store.close()

    app = PtyApp([str(APP)], env)
    try:
        # First paint: the sidebar lists the session (and selects it).
        app.wait_for(listed(1))
        app.wait_for("Existing chat")

        after = app.send("e")  # extend by the step
        app.wait_for("Extended", after=after)

        after = app.send("n")  # new session: the dialog focuses the title field
        app.wait_for("What is this session for?", after=after)
        app.send("Made in a pty")
        after = app.send("\r")
        app.wait_for(listed(2), after=after)

        app.send("q")
        code = app.wait_exit()
    finally:
        app.kill()

    assert code == 0, app.text[-2000:]
    assert "Traceback" not in app.text

    store = Store(db, key_file=Path(env["AGENTSESS_HOME"]) / "secret.key")
    try:
        extended = store.get_session(existing.id)
        assert extended.expires_at == existing.expires_at + step_ms
        assert [e.kind for e in store.events(existing.id)].count("extended") == 1
        created = [s for s in store.list_sessions() if s.id != existing.id]
        assert [(s.title, s.agent_id, s.state) for s in created] == [
            ("Made in a pty", "e2e-bot", "active")
        ]
    finally:
        store.close()
