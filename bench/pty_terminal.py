"""A program in a real pseudo-terminal (`os.forkpty`, a fixed size), its output read as it
arrives with `select` and kept with escape sequences stripped, so a benchmark can wait for a
marker's text; and the /proc readers for its CPU time and memory. Part of bench/tui.py.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import termios
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")

# Keys as a terminal sends them.
DOWN, UP, ENTER, ESCAPE, CTRL_Q = b"\x1b[B", b"\x1b[A", b"\r", b"\x1b", b"\x11"

LOOKBACK = 200  # bytes searched again when more output arrives (a marker may straddle reads)

# Complete escape sequences: CSI, OSC (BEL or ST), DCS/APC/PM/SOS, then the short ones.
ESCAPE_SEQUENCE = re.compile(
    rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[P_^X][^\x1b]*\x1b\\"
    # Two-byte (and nF) ones, not the introducers above: a CSI cut by a read stays pending.
    rb"|[ -/]*[0-OQ-WYZ\\`-~])"
)


class Terminal:
    """A program in a pseudo-terminal of a fixed size; its output collected as it arrives."""

    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int]) -> None:
        columns, rows = size
        self.started = time.perf_counter()
        pid, fd = os.forkpty()
        if pid == 0:  # the child: set the size before the program can ask for it
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid = pid
        self.fd = fd
        self.raw = bytearray()
        self.text = bytearray()  # the output without escape sequences
        self._pending = b""
        self.eof = False
        self.exit_code: int | None = None

    # -- reading ---------------------------------------------------------------------------

    def pump(self, timeout: float) -> bool:
        """Wait up to `timeout` for output and take what is there. False on timeout or EOF."""
        if self.eof:
            return False
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return False
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:  # EIO: the child closed the terminal (it exited)
            data = b""
        if not data:
            self.eof = True
            return False
        self.raw += data
        self._strip(data)
        return True

    def _strip(self, data: bytes) -> None:
        data = self._pending + data
        self._pending = b""
        cut = data.rfind(b"\x1b")
        if cut != -1 and len(data) - cut < 4096 and not ESCAPE_SEQUENCE.match(data, cut):
            data, self._pending = data[:cut], data[cut:]  # an escape sequence split by a read
        self.text += ESCAPE_SEQUENCE.sub(b"", data)

    def wait_for(self, marker: str | re.Pattern[bytes], timeout: float, start: int = 0) -> float:
        """`perf_counter()` when `marker` (text, or a pattern no longer than `LOOKBACK`) shows
        up after text offset `start`."""
        pattern = (
            marker if isinstance(marker, re.Pattern) else re.compile(re.escape(marker.encode()))
        )
        deadline = time.perf_counter() + timeout
        searched = start
        while True:
            if pattern.search(self.text, searched) is not None:
                return time.perf_counter()
            searched = max(start, len(self.text) - LOOKBACK)
            left = deadline - time.perf_counter()
            if left <= 0 or self.eof:
                tail = bytes(self.text[-1500:]).decode("utf-8", "replace")
                raise TimeoutError(
                    f"no {pattern.pattern!r} within {timeout} s; last output:\n{tail}"
                )
            self.pump(left)

    def drain(self, seconds: float) -> None:
        """Keep reading (so the program never blocks on a full terminal) for `seconds`."""
        deadline = time.perf_counter() + seconds
        while (left := deadline - time.perf_counter()) > 0:
            self.pump(left)

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    # -- the process -----------------------------------------------------------------------

    def close(self, keys: bytes = CTRL_Q, timeout: float = 15.0) -> int:
        """Ask the program to quit, read to EOF, reap it; killed if it does not exit."""
        if not self.eof:
            with contextlib.suppress(OSError):
                self.send(keys)
        deadline = time.perf_counter() + timeout
        while not self.eof and time.perf_counter() < deadline:
            self.pump(deadline - time.perf_counter())
        if not self.eof:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        self.exit_code = os.waitstatus_to_exitcode(status)
        return self.exit_code

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process (all its threads)."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def memory_mb(self) -> dict[str, float]:
        values = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                values[key] = int(rest.split()[0]) / 1024
        return values


def system_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    numbers = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = numbers[3] + numbers[4]  # idle + iowait
    return sum(numbers) - idle, sum(numbers)
