"""The TUI benchmark's long-running instance: idle CPU and memory (and the bare app's), then,
in the same app, switching to the 100k-message session, writes by another process, and the
sidebar over a long history (tui_history). Part of bench/tui.py.
"""

from __future__ import annotations

import random
import statistics
import time

import tui_dialogs
import tui_history
from pty_terminal import DOWN, ENTER, ESCAPE, UP, Terminal, system_busy
from tui_bench import FOOTER_MARKER, IDLE_WINDOWS, Bench
from tui_report import Figure

from agentsess_tui.core import Store

# -- 2. idle, memory -------------------------------------------------------------------


def idle(term: Terminal, seconds: float) -> tuple[float, dict[str, float], float, int]:
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


def bare_reference(bench: Bench) -> None:
    seconds = min(bench.args.idle, 10.0)
    bench.log(f"bare app idle and memory ({seconds:g} s)")
    term = bench.spawn("bare")
    try:
        term.wait_for(FOOTER_MARKER, bench.timeout)
        term.drain(bench.args.settle)
        percent, memory, _machine, _out = idle(term, seconds)
    finally:
        term.close()
    bench.add(Figure("bare_idle_cpu_percent", "Bare app: idle CPU", "% of a core", [percent]))
    bench.add(Figure("bare_rss_mb", "Bare app: RSS", "MB", [memory["VmRSS"]]))


# -- 3. the long-running instance ------------------------------------------------------


def live(bench: Bench) -> None:
    term = bench.spawn("ours")
    try:
        term.wait_for(bench.sidebar_pattern, bench.timeout)
        term.wait_for(bench.first_text, bench.timeout)
        term.drain(bench.args.settle)
        windows = IDLE_WINDOWS
        bench.log(
            f"idle with every countdown ticking ({windows} × {bench.args.idle / windows:g} s)"
        )
        parts = [idle(term, bench.args.idle / windows) for _ in range(windows)]
        percent = statistics.fmean(part[0] for part in parts)  # equal windows: the whole
        memory = parts[-1][1]
        machine = statistics.fmean(part[2] for part in parts)
        out = sum(part[3] for part in parts)
        bench.extra["idle"] = {
            "seconds": bench.args.idle,
            "machine_busy_percent": round(machine, 1),
            "terminal_bytes_per_second": round(out / bench.args.idle),
            "memory_mb": {k: round(v, 1) for k, v in memory.items()},
        }
        bench.add(
            Figure(
                "idle_cpu_percent",
                "Idle CPU, every countdown ticking",
                "% of a core",
                [part[0] for part in parts],
                target=1.0,
                value=percent,
                note=(
                    f"utime+stime over {bench.args.idle:g} s, as {windows} consecutive windows "
                    f"(runs); the value is the whole span; machine busy {machine:.0f} %"
                ),
            )
        )
        bench.add(
            Figure(
                "rss_mb",
                "RSS after start-up and idle",
                "MB",
                [memory["VmRSS"]],
                target=80.0,
                note=f"VmRSS; peak (VmHWM) {memory['VmHWM']:.1f} MB",
            )
        )
        switching(bench, term)
        external_writes(bench, term)
        for figure in tui_history.measure(term, bench.db, bench.info_for_history(), bench.log):
            bench.add(Figure(**figure))
        for figure in tui_dialogs.measure(term, bench.info_for_history(), bench.log):
            bench.add(Figure(**figure))
        code = term.close(b"q")
    finally:
        if term.exit_code is None:
            term.close()
    bench.extra["quit"] = {"key": "q", "exit_code": code, "traceback": b"Traceback" in term.raw}
    if code != 0 or b"Traceback" in term.raw:
        raise SystemExit(
            f"agentsess-tui exited with {code}:\n{term.text[-3000:].decode('utf-8', 'replace')}"
        )


def _switch(bench: Bench, term: Terminal, keys: bytes, marker: str) -> float:
    mark = len(term.text)
    sent = time.perf_counter()
    term.send(keys)
    return 1000 * (term.wait_for(marker, bench.timeout, start=mark) - sent)


def switching(bench: Bench, term: Terminal) -> None:
    """Row 1 (30 messages) is open; row 2 is the 100k-message session."""
    runs = bench.args.switch_runs
    bench.log(f"switching to the 100k-message session: {runs} × 2 ways")
    follow: list[float] = []
    opened: list[float] = []
    back: list[float] = []
    for _ in range(runs):
        # The chat follows the cursor at once (only fast scrolling is debounced).
        follow.append(_switch(bench, term, DOWN, bench.big_text))
        term.drain(0.4)
        back.append(_switch(bench, term, UP, bench.first_text))
        term.drain(0.4)
        # enter opens at once (explicitly); escape returns to the list.
        opened.append(_switch(bench, term, DOWN + ENTER, bench.big_text))
        term.drain(0.4)
        term.send(ESCAPE)
        term.drain(0.4)
        _switch(bench, term, UP, bench.first_text)
        term.drain(0.4)
    bench.add(
        Figure(
            "switch_ms",
            "Switch to the 100k-message session (↓, chat follows the cursor)",
            "ms",
            follow,
            target=100.0,
            note="a single move opens at once; until its last message is written",
        )
    )
    bench.add(
        Figure(
            "switch_open_ms",
            "Switch to the 100k-message session (↓ enter, opened at once)",
            "ms",
            opened,
            target=100.0,
            note="opened explicitly; until its last message is written",
        )
    )
    bench.add(
        Figure(
            "switch_small_ms",
            "Switch back to a 30-message session (↑, follows the cursor)",
            "ms",
            back,
            note="a single move opens at once",
        )
    )


def external_writes(bench: Bench, term: Terminal) -> None:
    """Another process (this one, through the core) adds a message to the open session."""
    runs = bench.args.write_runs
    bench.log(f"external writes: {runs}")
    _switch(bench, term, DOWN, bench.big_text)
    term.drain(0.5)
    store = Store(bench.db, key_file=bench.home / "secret.key")
    rng = random.Random(1)
    latencies = []
    try:
        for index in range(runs):
            marker = f"external-write-{index}-{rng.randrange(10**9):09d}"
            mark = len(term.text)
            sent = time.perf_counter()
            store.add_message(bench.big_id, f"{marker} from another process", role="user")
            latencies.append(term.wait_for(marker, bench.timeout, start=mark) - sent)
            # Land the next write anywhere in the 0.5 s poll cycle.
            term.drain(0.3 + rng.uniform(0, 0.5))
    finally:
        store.close()
    bench.add(
        Figure(
            "external_write_s",
            "External write until visible (message added by another process)",
            "s",
            latencies,
            target=1.0,
            note="from the add_message call to its text in the terminal; 0.5 s poll",
        )
    )
