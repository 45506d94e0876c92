"""TUI benchmark: the installed `agentsess-tui` in real pseudo-terminals, on 10k sessions and
1M messages (`bench/tui_data.py`). Writes `tui.json` and `tui.md` to `--out`.

Measured, medians of repeated runs:
- cold start to first paint, as a ratio to a bare Textual app (Header + Footer) started
  alternately in the same run;
- idle CPU with every countdown ticking, and RSS;
- switching to the 100k-message session until its last message is on screen;
- a write by another process until it is on screen;
- large messages (1 MiB of three shapes): UI loop lag and RSS added while opening, paging,
  receiving and streaming one (headless, in-process: see LARGE_METHOD).

"On screen" means: the text was written to the terminal. The output is read as it comes
(`select`, no busy loop), escape sequences are removed, and the benchmark waits for a marker.

    python bench/tui.py [--scale 0.1] [--runs 9] [--idle 30] [--rebuild] [--out DIR]
    python bench/tui.py --only large [--large-runs 3]   # just the large-message rows
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import os
import platform
import random
import re
import select
import shlex
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tui_data  # the generator next to this file
import tui_history  # the sidebar over a long history: end, home, filter

from agentsess_tui.core import Store

RESULTS_DIR = Path(__file__).resolve().parent / "results"
COLUMNS, ROWS = 120, 36
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Keys as a terminal sends them.
DOWN, UP, ENTER, ESCAPE, CTRL_Q = b"\x1b[B", b"\x1b[A", b"\r", b"\x1b", b"\x11"

# Markers, searched in the output with escape sequences removed.
FOOTER_MARKER = "palette"  # the footer's "^p palette" key: both apps draw it in their first frame
SORTED_MARKER = "sorted by activity"  # the status line after `s`, the key pressed after paint
IDLE_WINDOWS = 3  # the idle span is reported as consecutive windows, to show its spread
LOOKBACK = 200  # bytes searched again when more output arrives (a marker may straddle reads)


def sidebar_marker(count: int) -> str:
    """The sidebar's status line once the sessions are listed: "10000 sessions · sorted by …".

    The count tells the loaded list from the empty first state; singular or plural, with or
    without a thousands separator.
    """
    numbers = "|".join(sorted({str(count), f"{count:,}"}))
    return rf"\b(?:{numbers}) sessions? · sorted by"


BARE_APP = '''\
"""The baseline: a bare Textual app, Header and Footer only."""
from textual.app import App, ComposeResult
from textual.widgets import Footer, Header


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Footer()


if __name__ == "__main__":
    Bare().run()
'''

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


# -- the run -----------------------------------------------------------------------------------


@dataclass
class Figure:
    id: str
    label: str
    unit: str
    runs: list[float]
    target: float | None = None
    note: str = ""
    value: float | None = None  # defaults to the median of the runs

    def as_dict(self) -> dict[str, Any]:
        value = self.value if self.value is not None else statistics.median(self.runs)
        out: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "unit": self.unit,
            "value": round(value, 4),
            "n": len(self.runs),
            "target": self.target,
            "pass": None if self.target is None else bool(value <= self.target),
            "runs": [round(r, 4) for r in self.runs],
        }
        if len(self.runs) > 1:
            out["min"] = round(min(self.runs), 4)
            out["max"] = round(max(self.runs), 4)
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Bench:
    args: argparse.Namespace
    dataset: tui_data.Dataset
    work: Path
    log: Callable[[str], None]
    figures: list[Figure] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.home = self.work / "home"
        self.home.mkdir()
        self.db = self.work / "bench.db"
        self.bare_script = self.work / "bare_app.py"
        self.bare_script.write_text(BARE_APP)
        console_script = Path(sys.executable).parent / "agentsess-tui"
        self.app_argv = shlex.split(self.args.app) if self.args.app else [str(console_script)]
        if not Path(self.app_argv[0]).exists():
            raise SystemExit(
                f"{self.app_argv[0]} is missing: install the project (make bench-tui)."
            )
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("AGENTSESS_", "TEXTUAL", "PYTHON"))
            and key not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "COLORTERM", "TERM")
        }
        self.env.update(
            TERM="xterm-256color",
            TZ="UTC",
            AGENTSESS_HOME=str(self.home),
            AGENTSESS_DB=str(self.db),
        )
        info = self.dataset.info
        self.sidebar_marker = sidebar_marker(info["counts"]["sessions"])
        self.sidebar_pattern = re.compile(self.sidebar_marker.encode())
        self.first_text = info["first_session"]["last_text"]
        self.big_text = info["big_session"]["last_text"]
        self.big_id = info["big_session"]["id"]
        self.timeout = self.args.timeout

    def info_for_history(self) -> dict[str, Any]:
        return {
            "sessions": self.dataset.info["counts"]["sessions"],
            "filter": self.dataset.info.get("filter", {}),
            "runs": self.args.history_runs,
            "timeout": self.timeout,
            "first_title": tui_data.FIRST_TITLE,
        }

    def spawn(self, which: str) -> Terminal:
        argv = [sys.executable, str(self.bare_script)] if which == "bare" else self.app_argv
        return Terminal(argv, self.env, self.args.size)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        summary = figure.as_dict()
        verdict = "" if summary["pass"] is None else (" PASS" if summary["pass"] else " FAIL")
        self.log(f"  {figure.label}: {summary['value']} {figure.unit}{verdict}")

    # -- 1. cold start -----------------------------------------------------------------------

    def start_once(self, which: str) -> dict[str, float]:
        term = self.spawn(which)
        try:
            times = {"frame": term.wait_for(FOOTER_MARKER, self.timeout) - term.started}
            times["frame_cpu"] = term.cpu_seconds()
            if which == "ours":
                times["sessions"] = term.wait_for(self.sidebar_pattern, self.timeout) - term.started
                # CPU used until then: less sensitive than wall time to other load.
                times["sessions_cpu"] = term.cpu_seconds()
                # A key 100 ms after first paint (issue 11): is the app still busy?
                term.drain(0.1)
                mark = len(term.text)
                sent = time.perf_counter()
                term.send(b"s")
                times["key"] = term.wait_for(SORTED_MARKER, self.timeout, start=mark) - sent
                times["chat"] = term.wait_for(self.first_text, self.timeout) - term.started
        finally:
            code = term.close()
        if code != 0 or b"Traceback" in term.raw:
            raise SystemExit(
                f"{which} exited with {code}:\n{term.text[-2000:].decode('utf-8', 'replace')}"
            )
        return times

    def cold_start(self) -> None:
        self.log(f"cold start: 1 warm-up + {self.args.runs} runs of each, alternating")
        self.start_once("bare")
        self.start_once("ours")
        bare: list[float] = []
        bare_cpu: list[float] = []
        ours: list[dict[str, float]] = []
        for index in range(self.args.runs):
            # bare, ours, ours, bare, …: neither always goes first.
            order = ("bare", "ours") if index % 2 == 0 else ("ours", "bare")
            for which in order:
                times = self.start_once(which)
                if which == "bare":
                    bare.append(times["frame"])
                    bare_cpu.append(times["frame_cpu"])
                else:
                    ours.append(times)
        sessions = [t["sessions"] for t in ours]
        frames = [t["frame"] for t in ours]
        bare_median = statistics.median(bare)
        self.add(
            Figure(
                "bare_first_paint_s",
                "Bare Textual app (Header + Footer): first paint",
                "s",
                bare,
                note=f"marker {FOOTER_MARKER!r}",
            )
        )
        self.add(
            Figure(
                "first_frame_s",
                "agentsess-tui: first frame (footer drawn)",
                "s",
                frames,
                note=f"marker {FOOTER_MARKER!r}",
            )
        )
        self.add(
            Figure(
                "first_paint_s",
                "agentsess-tui: first paint with the sessions listed",
                "s",
                sessions,
                note=f"marker `{self.sidebar_marker}` (a regular expression; sidebar status)",
            )
        )
        self.add(
            Figure(
                "first_chat_s",
                "agentsess-tui: first session's chat on screen",
                "s",
                [t["chat"] for t in ours],
                note=f"marker {self.first_text!r} (last message of row 1, opened at start)",
            )
        )
        self.add(
            Figure(
                "start_ratio",
                "Cold start to first paint (sessions listed) ÷ bare app",
                "×",
                [o / b for o, b in zip(sessions, bare, strict=True)],
                target=1.4,
                value=statistics.median(sessions) / bare_median,
                note="ratio of the medians; runs are the per-pair ratios",
            )
        )
        self.add(
            Figure(
                "first_frame_ratio",
                "First frame (footer drawn) ÷ bare app",
                "×",
                [o / b for o, b in zip(frames, bare, strict=True)],
                value=statistics.median(frames) / bare_median,
                note="same marker for both apps; ratio of the medians",
            )
        )
        self.add(
            Figure(
                "key_after_paint_ms",
                "A key pressed 100 ms after first paint: answered",
                "ms",
                [1000 * t["key"] for t in ours],
                target=50.0,
                note=f"`s` (sort order) sent 0.1 s after the sessions are listed; until the "
                f"status line says {SORTED_MARKER!r}",
            )
        )
        sessions_cpu = [t["sessions_cpu"] for t in ours]
        self.add(
            Figure(
                "start_cpu_ratio",
                "CPU time until first paint (sessions listed) ÷ bare app's",
                "×",
                [o / b for o, b in zip(sessions_cpu, bare_cpu, strict=True)],
                value=statistics.median(sessions_cpu) / statistics.median(bare_cpu),
                note=(
                    f"utime+stime when the marker arrives: {statistics.median(sessions_cpu):.2f} s "
                    f"against {statistics.median(bare_cpu):.2f} s (10 ms ticks); less sensitive "
                    "than wall time to other load on the machine"
                ),
            )
        )

    # -- 2. idle, memory -------------------------------------------------------------------

    def idle(self, term: Terminal, seconds: float) -> tuple[float, dict[str, float], float, int]:
        """CPU % of one core over `seconds` of idle, memory after it, machine load, bytes out."""
        cpu0, busy0, wall0, out0 = (
            term.cpu_seconds(),
            system_busy(),
            time.perf_counter(),
            len(term.raw),
        )
        term.drain(seconds)
        cpu1, busy1, wall1 = term.cpu_seconds(), system_busy(), time.perf_counter()
        percent = 100 * (cpu1 - cpu0) / (wall1 - wall0)
        machine = 100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
        return percent, term.memory_mb(), machine, len(term.raw) - out0

    def bare_reference(self) -> None:
        seconds = min(self.args.idle, 10.0)
        self.log(f"bare app idle and memory ({seconds:g} s)")
        term = self.spawn("bare")
        try:
            term.wait_for(FOOTER_MARKER, self.timeout)
            term.drain(self.args.settle)
            percent, memory, _machine, _out = self.idle(term, seconds)
        finally:
            term.close()
        self.add(Figure("bare_idle_cpu_percent", "Bare app: idle CPU", "% of a core", [percent]))
        self.add(Figure("bare_rss_mb", "Bare app: RSS", "MB", [memory["VmRSS"]]))

    # -- 3. the long-running instance ------------------------------------------------------

    def live(self) -> None:
        term = self.spawn("ours")
        try:
            term.wait_for(self.sidebar_pattern, self.timeout)
            term.wait_for(self.first_text, self.timeout)
            term.drain(self.args.settle)
            windows = IDLE_WINDOWS
            self.log(
                f"idle with every countdown ticking ({windows} × {self.args.idle / windows:g} s)"
            )
            parts = [self.idle(term, self.args.idle / windows) for _ in range(windows)]
            percent = statistics.fmean(part[0] for part in parts)  # equal windows: the whole
            memory = parts[-1][1]
            machine = statistics.fmean(part[2] for part in parts)
            out = sum(part[3] for part in parts)
            self.extra["idle"] = {
                "seconds": self.args.idle,
                "machine_busy_percent": round(machine, 1),
                "terminal_bytes_per_second": round(out / self.args.idle),
                "memory_mb": {k: round(v, 1) for k, v in memory.items()},
            }
            self.add(
                Figure(
                    "idle_cpu_percent",
                    "Idle CPU, every countdown ticking",
                    "% of a core",
                    [part[0] for part in parts],
                    target=1.0,
                    value=percent,
                    note=(
                        f"utime+stime over {self.args.idle:g} s, as {windows} consecutive windows "
                        f"(runs); the value is the whole span; machine busy {machine:.0f} %"
                    ),
                )
            )
            self.add(
                Figure(
                    "rss_mb",
                    "RSS after start-up and idle",
                    "MB",
                    [memory["VmRSS"]],
                    target=80.0,
                    note=f"VmRSS; peak (VmHWM) {memory['VmHWM']:.1f} MB",
                )
            )
            self.switching(term)
            self.external_writes(term)
            for figure in tui_history.measure(term, self.db, self.info_for_history(), self.log):
                self.add(Figure(**figure))
            code = term.close(b"q")
        finally:
            if term.exit_code is None:
                term.close()
        self.extra["quit"] = {"key": "q", "exit_code": code, "traceback": b"Traceback" in term.raw}
        if code != 0 or b"Traceback" in term.raw:
            raise SystemExit(
                f"agentsess-tui exited with {code}:\n{term.text[-3000:].decode('utf-8', 'replace')}"
            )

    def _switch(self, term: Terminal, keys: bytes, marker: str) -> float:
        mark = len(term.text)
        sent = time.perf_counter()
        term.send(keys)
        return 1000 * (term.wait_for(marker, self.timeout, start=mark) - sent)

    def switching(self, term: Terminal) -> None:
        """Row 1 (30 messages) is open; row 2 is the 100k-message session."""
        runs = self.args.switch_runs
        self.log(f"switching to the 100k-message session: {runs} × 2 ways")
        follow: list[float] = []
        opened: list[float] = []
        back: list[float] = []
        for _ in range(runs):
            # The chat follows the cursor at once (only fast scrolling is debounced).
            follow.append(self._switch(term, DOWN, self.big_text))
            term.drain(0.4)
            back.append(self._switch(term, UP, self.first_text))
            term.drain(0.4)
            # enter opens at once (explicitly); escape returns to the list.
            opened.append(self._switch(term, DOWN + ENTER, self.big_text))
            term.drain(0.4)
            term.send(ESCAPE)
            term.drain(0.4)
            self._switch(term, UP, self.first_text)
            term.drain(0.4)
        self.add(
            Figure(
                "switch_ms",
                "Switch to the 100k-message session (↓, chat follows the cursor)",
                "ms",
                follow,
                target=100.0,
                note="a single move opens at once; until its last message is written",
            )
        )
        self.add(
            Figure(
                "switch_open_ms",
                "Switch to the 100k-message session (↓ enter, opened at once)",
                "ms",
                opened,
                target=100.0,
                note="opened explicitly; until its last message is written",
            )
        )
        self.add(
            Figure(
                "switch_small_ms",
                "Switch back to a 30-message session (↑, follows the cursor)",
                "ms",
                back,
                note="a single move opens at once",
            )
        )

    def external_writes(self, term: Terminal) -> None:
        """Another process (this one, through the core) adds a message to the open session."""
        runs = self.args.write_runs
        self.log(f"external writes: {runs}")
        self._switch(term, DOWN, self.big_text)
        term.drain(0.5)
        store = Store(self.db, key_file=self.home / "secret.key")
        rng = random.Random(1)
        latencies = []
        try:
            for index in range(runs):
                marker = f"external-write-{index}-{rng.randrange(10**9):09d}"
                mark = len(term.text)
                sent = time.perf_counter()
                store.add_message(self.big_id, f"{marker} from another process", role="user")
                latencies.append(term.wait_for(marker, self.timeout, start=mark) - sent)
                # Land the next write anywhere in the 0.5 s poll cycle.
                term.drain(0.3 + rng.uniform(0, 0.5))
        finally:
            store.close()
        self.add(
            Figure(
                "external_write_s",
                "External write until visible (message added by another process)",
                "s",
                latencies,
                target=1.0,
                note="from the add_message call to its text in the terminal; 0.5 s poll",
            )
        )


# -- 4. large messages (issue 10): in-process, headless, one fresh interpreter per run ---------

MIB = 1024 * 1024
LARGE_SHAPES = ("table", "lines", "longline")
LARGE_SCENARIOS = ("open", "pager", "write", "stream")
LARGE_LAG_TARGET_MS = 100.0
LARGE_RSS_TARGET_MB = 50.0
LAG_TICK = 0.01  # the probe: a 10 ms timer on the app's loop; lag = how late each tick fires
SHAPE_LABEL = {
    "table": "a markdown table",
    "lines": "plain text with newlines",
    "longline": "one long line",
}
SCENARIO_LABEL = {
    "open": "opening a session whose last message is",
    "pager": "show all (the pager) on, then end, for",
    "write": "another process writing (received live)",
    "stream": "a reply streamed live (1 KiB chunks) that is",
}


def large_text(shape: str) -> str:
    """1 MiB (the store's limit) of one shape, ending in a marker."""
    end = "LARGE-MESSAGE-END"
    if shape == "longline":
        return ("word " * (MIB // 5))[: MIB - len(end)] + end
    if shape == "table":
        rows = ["| id | name | value | note |", "|---|---|---|---|"]
        rows += [f"| {i} | item {i} | {i * 7} | a note about row {i} |" for i in range(MIB // 40)]
    else:
        rows = [f"line {n}: the quick brown fox jumps over the lazy dog" for n in range(MIB // 50)]
    body = "\n".join(rows)
    body = body[: body.rindex("\n", 0, MIB - len(end) - 1)]
    return f"{body}\n{end}"


def _rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux: "5" to clear_refs), so the peak is this step's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def _large_run(shape: str, scenario: str, work: Path) -> dict[str, Any]:
    """One scenario in this (fresh) interpreter: the real app headless, a real database."""
    import gc

    from agentsess_tui.app.main import make_app
    from agentsess_tui.app.panes import replies
    from agentsess_tui.app.screenshots import settle
    from agentsess_tui.app.widgets.chat_input import ChatInput
    from agentsess_tui.app.widgets.message_view import MessageView
    from agentsess_tui.app.widgets.session_list import SessionList
    from agentsess_tui.app.widgets.text_pager import TextPager
    from agentsess_tui.core import ManualClock

    text = large_text(shape)
    clock = ManualClock("2026-03-02T09:00:00Z")
    db = work / f"large-{shape}-{scenario}-{time.perf_counter_ns()}.db"
    store = Store(db, clock=clock, key=b"bench-key-not-a-secret-32-bytes!")
    store.add_agent("bench")
    small = store.create_session("bench", "Small", options={"window_minutes": 1440}).session
    for n in range(20):
        store.add_message(small.id, f"small message {n}")
    big = store.create_session("bench", "Huge", options={"window_minutes": 1440}).session
    for n in range(10):
        store.add_message(big.id, f"before the big one {n}")
    if scenario in ("open", "pager"):
        store.add_message(big.id, text, role="assistant")

    class StandIn:
        backend = "bench"
        model = "stand-in"

        async def reply(self, request: Any) -> Any:
            for start in range(0, len(text), 1024):
                await asyncio.sleep(0)
                yield text[start : start + 1024]

    replies.responder_for = lambda *args, **kwargs: StandIn()  # type: ignore[assignment]
    app = make_app(store, clock=clock, remember_theme=False, blink=False)
    lags: list[float] = []
    async with app.run_test(size=(COLUMNS, ROWS)) as pilot:
        await settle(pilot)
        screen = app.screen
        session_list = screen.query_one(SessionList)
        session_list.select_id(big.id if scenario != "open" else small.id)
        await settle(pilot)
        await pilot.pause(0.3)

        def shown() -> bool:
            views = screen.query(MessageView)
            return bool(views) and views.last().message.content == text

        if scenario == "pager":
            await _wait(pilot, shown)
        gc.collect()
        rss_before, _ = _rss_mb()
        peak_reset = _reset_peak()
        last = time.perf_counter()

        def tick() -> None:
            nonlocal last
            now = time.perf_counter()
            lags.append(max(0.0, now - last - LAG_TICK))
            last = now

        timer = app.set_interval(LAG_TICK, tick)
        await pilot.pause(0.1)
        started = time.perf_counter()
        if scenario == "open":
            session_list.select_id(big.id)  # the chat follows the cursor
            await _wait(pilot, shown)
        elif scenario == "pager":
            screen.query(MessageView).last().action_show_all()
            await _wait(pilot, lambda: bool(app.screen.query(TextPager)))
            await pilot.pause(0.1)
            await pilot.press("end")
            await _wait(
                pilot,
                lambda: (
                    "LARGE-MESSAGE-END" in "".join(app.screen.query_one(TextPager).visible_text())
                ),
            )
        elif scenario == "write":
            other = Store(db, clock=clock)
            other.add_message(big.id, text, role="assistant")
            other.close()
            await _wait(pilot, shown)  # the 0.5 s data_version poll notices it
        else:
            chat_input = screen.query_one("#chat-input", ChatInput)
            chat_input.focus()
            chat_input.put("a big one please")
            await pilot.press("enter")
            await _wait(pilot, shown, timeout=120)
        elapsed = time.perf_counter() - started
        await pilot.pause(0.5)  # paints and layouts that follow
        timer.stop()
        rss_after, peak = _rss_mb()
        mounted = len(list(app.screen.walk_children()))
    store.close()
    lags.sort()
    return {
        "lag_max_ms": lags[-1] * 1000 if lags else 0.0,
        "lag_p95_ms": lags[int(0.95 * (len(lags) - 1))] * 1000 if lags else 0.0,
        "rss_delta_mb": rss_after - rss_before,
        "peak_delta_mb": (peak - rss_before) if peak_reset else float("nan"),
        "elapsed_s": elapsed,
        "widgets": mounted,
        "ticks": len(lags),
    }


async def _wait(pilot: Any, done: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise RuntimeError("the large message did not show within the time limit")
        await pilot.pause(0.01)


def large_child(shape: str, scenario: str, work: Path) -> int:
    """`--large-child`: one run, its figures as JSON on stdout."""
    import asyncio as _asyncio

    result = _asyncio.run(_large_run(shape, scenario, work))
    print(json.dumps(result))
    return 0


def large_messages(args: argparse.Namespace, log: Callable[[str], None]) -> list[Figure]:
    """Every shape × scenario, `--large-runs` fresh interpreters each; medians."""
    figures: list[Figure] = []
    runs = args.large_runs
    with _workdir() as work:
        for scenario in LARGE_SCENARIOS:
            for shape in LARGE_SHAPES:
                results = []
                for _ in range(runs):
                    done = subprocess.run(
                        [sys.executable, __file__, "--large-child", shape, scenario, str(work)],
                        capture_output=True,
                        text=True,
                        timeout=600,
                        check=False,
                    )
                    if done.returncode != 0:
                        raise SystemExit(f"large {shape}/{scenario} failed:\n{done.stderr[-3000:]}")
                    results.append(json.loads(done.stdout.strip().splitlines()[-1]))
                what = f"{SCENARIO_LABEL[scenario]} 1 MiB, {SHAPE_LABEL[shape]}"
                lags = [r["lag_max_ms"] for r in results]
                rss = [r["rss_delta_mb"] for r in results]
                peaks = [r["peak_delta_mb"] for r in results]
                shown_s = statistics.median(r["elapsed_s"] for r in results)
                note = (
                    f"worst tick of a {LAG_TICK * 1000:.0f} ms timer per run (p95 "
                    f"{statistics.median(r['lag_p95_ms'] for r in results):.0f} ms); shown in "
                    f"{shown_s:.2f} s; {results[0]['widgets']} widgets on the screen after"
                )
                figures.append(
                    Figure(
                        f"large_{scenario}_{shape}_lag_ms",
                        f"UI loop lag: {what}",
                        "ms",
                        lags,
                        target=LARGE_LAG_TARGET_MS,
                        note=note,
                    )
                )
                figures.append(
                    Figure(
                        f"large_{scenario}_{shape}_rss_mb",
                        f"RSS added: {what}",
                        "MB",
                        rss,
                        target=LARGE_RSS_TARGET_MB,
                        note=f"VmRSS after − before (gc'd); peak (VmHWM) added "
                        f"{statistics.median(peaks):.1f} MB",
                    )
                )
                log(
                    f"  {what}: lag {statistics.median(lags):.0f} ms, "
                    f"RSS +{statistics.median(rss):.1f} MB (peak +{statistics.median(peaks):.1f})"
                )
    return figures


LARGE_METHOD = (
    "Large messages (`large_*` rows): the real app (`make_app`, a real SQLite file) runs "
    "headless in a fresh interpreter per run (`run_test`, 120×36: Textual lays out and renders "
    "every frame, nothing is written to a terminal). A 10 ms timer on the app's loop measures "
    "lag (how late each tick fires); the figure is each run's worst tick, from just before the "
    "action until 0.5 s after the message is on screen; RSS is VmRSS after − before, and the peak "
    "(VmHWM, reset through /proc/self/clear_refs). Shapes: a 1 MiB Markdown table, 1 MiB of "
    "50-character lines, one 1 MiB line. Scenarios: opening the session (the chat follows the "
    "sidebar cursor), show all (the pager) then end, another process writing the message "
    "(noticed by the 0.5 s poll), and a reply streamed by a stand-in responder in 1 KiB chunks "
    "through the real reply worker (stored as it streams) until it ends as a stored message. "
    "Run alone with `python bench/tui.py --only large`, which keeps the other rows of tui.json."
)


# -- results -------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    import textual

    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().splitlines()[0].split()[1])
        memory = f"{kib / 1024**2:.1f} GiB RAM"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "textual": textual.__version__,
        "sqlite": sqlite3.sqlite_version,
    }


def code_version() -> dict[str, Any]:
    """The commit measured, and the app files that differ from it (others edit concurrently)."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
        return done.stdout if done.returncode == 0 else ""

    changed = [line[3:] for line in git("status", "--porcelain", "--", "tui").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "uncommitted": changed}


def write_results(out: Path, report: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "tui.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (out / "tui.md").write_text(markdown(report))


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "ms":
        return f"{value:.0f} ms"
    if unit == "×":
        return f"{value:.2f}×"
    if unit.startswith("%"):
        return f"{value:.2f} %"
    return f"{value:.1f} {unit}"


def _large_header(report: dict[str, Any]) -> list[str]:
    """When the large-message rows were run on their own (`--only large`): when, and on what."""
    large = report.get("large")
    if not large:
        return []
    changed = large["code"]["uncommitted"]
    before, after = large["loadavg_before"][0], large["loadavg_after"][0]
    return [
        f"The `large_*` rows were run on their own on {large['date']} (`{large['command']}`), "
        f"commit {large['code']['commit'] or '?'}"
        + (f" with uncommitted changes to {', '.join(changed)}" if changed else "")
        + f"; load average {before:.2f} before, {after:.2f} after.",
        "",
    ]


def markdown(report: dict[str, Any]) -> str:
    m, d, method = report["machine"], report["dataset"], report["method"]
    counts = d["counts"]
    lines = [
        "# TUI benchmark (`bench/tui.py`)",
        "",
        f"Run {report['date']} on {m['cpu'] or 'an unknown CPU'}, {m['cores']} cores, "
        f"{m['memory']}; {m['os']}; Python {m['python']}, Textual {m['textual']}, "
        f"SQLite {m['sqlite']}.",
        "",
        f"Code: commit {report['code']['commit'] or '?'}"
        + (
            f" with uncommitted changes to {', '.join(report['code']['uncommitted'])}."
            if report["code"]["uncommitted"]
            else "."
        ),
        "",
        f"Load: {report['load']['note']}",
        "",
        *_large_header(report),
        f"Dataset (scale {d['scale']:g}): {counts['sessions']:,} sessions "
        f"({counts['active_sessions']} active), {counts['messages']:,} messages "
        f"({counts['big_session_messages']:,} in one session), {counts['memories']:,} memories, "
        f"{d['file_mb']} MB.",
        "",
        "| Measurement | Target | Median | N | Min – max | Result |",
        "|---|---|---|---|---|---|",
    ]
    for f in report["figures"]:
        target = "—" if f["target"] is None else f"≤ {_fmt(f['target'], f['unit'])}"
        spread = f"{_fmt(f['min'], f['unit'])} – {_fmt(f['max'], f['unit'])}" if "min" in f else ""
        result = "" if f["pass"] is None else ("**pass**" if f["pass"] else "**FAIL**")
        lines.append(
            f"| {f['label']} | {target} | {_fmt(f['value'], f['unit'])} | {f['n']} | {spread} "
            f"| {result} |"
        )
    lines += ["", "## Method", ""]
    lines += [f"- {item}" for item in method["notes"]]
    lines += ["", "## Notes on the figures", ""]
    lines += [f"- **{f['label']}**: {f['note']}" for f in report["figures"] if f.get("note")]
    lines += [
        "",
        f"Raw runs and details: `tui.json`. Reproduce with `{method['command']}`.",
        "",
    ]
    return "\n".join(lines)


def method_notes(bench: Bench) -> list[str]:
    args = bench.args
    columns, rows = args.size
    return [
        f"Both apps run as real processes in pseudo-terminals of {columns}×{rows} "
        "(`os.forkpty`, size set with TIOCSWINSZ before exec), `TERM=xterm-256color`; "
        "the installed console script `agentsess-tui` and `python bare_app.py` "
        "(a Textual `App` with `Header()` and `Footer()` only).",
        "Output is read with `select` as it arrives; escape sequences are stripped and the "
        "time recorded is when a marker's bytes arrive. Clocks start just before the fork "
        "(cold start) or just before the keys are written (switch, external write).",
        f"Cold start: one warm-up run of each (bytecode and page cache warm), then {args.runs} "
        "runs of each, alternating bare/ours/ours/bare…; medians. First-paint markers: "
        f"bare app {FOOTER_MARKER!r} (footer); agentsess-tui "
        f"`{bench.sidebar_marker}` (a regular expression on the sidebar status line, written "
        "once the sessions are listed; "
        f"the footer's {FOOTER_MARKER!r} is reported too as the first frame).",
        f"Idle: after the first session's chat is on screen and {args.settle:g} s of settling, "
        f"utime+stime from /proc/<pid>/stat over {args.idle:g} s while every countdown "
        "(visible sidebar rows, chat header) ticks once a second; RSS is VmRSS from "
        "/proc/<pid>/status right after.",
        "Switch: the sidebar's default order puts a 30-message session on row 1 (opened at "
        "start) and the 100k-message session on row 2. ↓ moves the cursor and the chat follows "
        "at once (the sidebar debounces only fast scrolling); ↓ enter opens it explicitly. "
        "Measured until "
        f"the 100k session's last message ({bench.big_text!r}) is written to the terminal. "
        f"{args.switch_runs} runs each, 0.4 s pauses between keys.",
        "External write: the benchmark process opens the same file with `agentsess_tui.core."
        "Store` and calls `add_message` on the open session with a unique text; measured until "
        f"that text is written to the terminal. {args.write_runs} runs, 0.3–0.8 s apart so "
        "writes land anywhere in the app's 0.5 s `PRAGMA data_version` poll cycle.",
        "The dataset is cached under `bench/data/` (generated by `bench/tui_data.py`); each run "
        "works on a copy with every time moved to the present.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="dataset scale, (0, 100]; 100 = 1M sessions"
    )
    parser.add_argument("--runs", type=int, default=9, help="cold starts of each app")
    parser.add_argument("--switch-runs", type=int, default=15)
    parser.add_argument("--write-runs", type=int, default=15)
    parser.add_argument("--history-runs", type=int, default=7, help="end/home and filter runs")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle to measure")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds before measuring idle")
    parser.add_argument("--timeout", type=float, default=60.0, help="give up on a marker after")
    parser.add_argument("--size", type=_size, default=(COLUMNS, ROWS), help="e.g. 120x36")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the cached dataset")
    parser.add_argument("--data-dir", type=Path, default=tui_data.DATA_DIR)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results directory")
    parser.add_argument(
        "--app",
        help="command to measure instead of the installed agentsess-tui (to compare a variant; "
        "its first word must be a path)",
    )
    parser.add_argument(
        "--only",
        choices=("all", "large"),
        default="all",
        help="large: only the large-message rows, merged into the results already in --out",
    )
    parser.add_argument(
        "--large-runs", type=int, default=3, help="runs of each large scenario (0: none)"
    )
    parser.add_argument("--large-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.large_child:
        shape, scenario, work_dir = args.large_child
        return large_child(shape, scenario, Path(work_dir))

    def log(text: str) -> None:
        print(text, flush=True)

    if args.only == "large":
        return only_large(args, argv, log)
    dataset = tui_data.ensure_dataset(args.data_dir, args.scale, rebuild=args.rebuild, log=log)
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    code = code_version()  # what the app processes run (others may commit meanwhile)
    with _workdir() as work:
        seconds = tui_data.working_copy(dataset, work / "bench.db", int(time.time() * 1000))
        log(f"working copy of {dataset.path.name} ready in {seconds:.1f} s")
        bench = Bench(args, dataset, work, log)
        bench.cold_start()
        bench.bare_reference()
        bench.live()
        if args.large_runs > 0:  # 0 skips them (the smoke test: they take minutes)
            log(f"large messages: {args.large_runs} runs of each shape and scenario")
            for figure in large_messages(args, log):
                bench.add(figure)
    load_after = os.getloadavg()
    busy = bench.extra["idle"]["machine_busy_percent"]
    report: dict[str, Any] = {
        "benchmark": "tui",
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        "code": code,
        "load": {
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after],
            "machine_busy_percent_during_idle": busy,
            "note": (
                f"load average {load_before[0]:.2f} before and {load_after[0]:.2f} after the run; "
                f"the machine's cores were {busy:.0f} % busy during the idle window "
                "(the app's own share is the idle CPU figure)"
                + (
                    ": other processes were running, absolute times are pessimistic."
                    if load_before[0] > 0.5 or busy > 10
                    else "."
                )
            ),
        },
        "dataset": {
            "generator": "bench/tui_data.py",
            "scale": dataset.info["scale"],
            "data_version": dataset.info["data_version"],
            "counts": dataset.info["counts"],
            "file_mb": dataset.info["file_mb"],
            "big_session": dataset.info["big_session"],
            "first_session": dataset.info["first_session"],
        },
        "method": {
            "terminal": {"columns": args.size[0], "rows": args.size[1], "TERM": "xterm-256color"},
            "runs": args.runs,
            "switch_runs": args.switch_runs,
            "write_runs": args.write_runs,
            "idle_seconds": args.idle,
            "app": args.app or "agentsess-tui (console script)",
            "markers": {
                "bare_first_paint": FOOTER_MARKER,
                "first_frame": FOOTER_MARKER,
                "first_paint": bench.sidebar_marker,
                "first_chat": bench.first_text,
                "switch": bench.big_text,
                "external_write": "external-write-<n>-<random>",
            },
            "notes": [*method_notes(bench), LARGE_METHOD],
            "command": "make bench-tui"
            if argv is None and sys.argv[1:] == []
            else "python bench/tui.py " + " ".join(sys.argv[1:] if argv is None else argv),
        },
        "details": bench.extra,
        "figures": [f.as_dict() for f in bench.figures],
    }
    if args.large_runs == 0:
        _keep_large(args.out / "tui.json", report)
    write_results(args.out, report)
    log(f"wrote {args.out / 'tui.json'} and {args.out / 'tui.md'}")
    return 0


def _keep_large(path: Path, report: dict[str, Any]) -> None:
    """Without large runs, the large-message rows of the last `--only large` run stay."""
    if not path.exists():
        return
    previous = json.loads(path.read_text())
    if "large" not in previous:
        return
    report["large"] = previous["large"]
    report["figures"] += [f for f in previous["figures"] if f["id"].startswith("large_")]


def only_large(args: argparse.Namespace, argv: list[str] | None, log: Callable[[str], None]) -> int:
    """The large-message rows alone, replacing those in the existing results (others kept)."""
    path = args.out / "tui.json"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run the whole benchmark once first.")
    report = json.loads(path.read_text())
    started = datetime.now(UTC)
    code = code_version()
    load_before = os.getloadavg()
    log(f"large messages: {args.large_runs} runs of each shape and scenario")
    figures = large_messages(args, log)
    load_after = os.getloadavg()
    report["figures"] = [f for f in report["figures"] if not f["id"].startswith("large_")]
    report["figures"] += [f.as_dict() for f in figures]
    notes = [n for n in report["method"]["notes"] if not n.startswith("Large messages")]
    report["method"]["notes"] = [*notes, LARGE_METHOD]
    report["large"] = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "code": code,
        "machine": machine_info(),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        "command": "python bench/tui.py " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    write_results(args.out, report)
    log(f"wrote {path} and {args.out / 'tui.md'}")
    return 0


def _size(text: str) -> tuple[int, int]:
    columns, _, rows = text.partition("x")
    return int(columns), int(rows)


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="agentsess-tui-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
