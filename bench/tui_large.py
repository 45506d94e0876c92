"""The TUI benchmark's large messages (issue 10): the real app headless in a fresh interpreter
per run (`tui.py --large-child`), UI loop lag and RSS added while opening, paging, receiving
and streaming 1 MiB of three shapes. Part of bench/tui.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui_bench import COLUMNS, ROWS, workdir
from tui_report import Figure

from agentsess_tui.core import Store

# Each run is `tui.py --large-child …`, the benchmark's own entry point.
TUI_SCRIPT = Path(__file__).with_name("tui.py")

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

    from agentsess_tui.app.main import gc_paused, make_app
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
    # Built as `agentsess-tui` builds it (app/main.py `run`): the collector paused meanwhile,
    # then what was built frozen, frozen again once the first listing is shown and once
    # start-up has settled; full collections paced by the app (collector.py).
    with gc_paused():
        app = make_app(store, clock=clock, remember_theme=False, blink=False)
    app.freeze_after_load = True
    lags: list[float] = []
    async with contextlib.AsyncExitStack() as stack:
        stack.enter_context(app.collector.pacing())
        pilot = await stack.enter_async_context(app.run_test(size=(COLUMNS, ROWS)))
        await settle(pilot)
        screen = app.screen
        session_list = screen.query_one(SessionList)
        session_list.select_id(big.id if scenario != "open" else small.id)
        await settle(pilot)
        await pilot.pause(0.3)
        # A running app, not its first seconds: what start-up imports on a thread is done,
        # and so is what it builds ahead (`AgentsessApp.start_up_settled`).
        await _wait(pilot, lambda: app.warmed_up and app.settled)

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
            # Another process: its write (1 MiB through the full-text index) is not the app's.
            writer = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _WRITER, str(db), big.id, shape, str(Path(__file__).parent)
            )
            assert await writer.wait() == 0, "the writing process failed"
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


# The "write" scenario's other process: the same text, added to the big session.
_WRITER = """
import sys
sys.path.insert(0, sys.argv[4])
from tui_large import large_text
from agentsess_tui.core import ManualClock, Store
store = Store(sys.argv[1], clock=ManualClock("2026-03-02T09:00:00Z"))
store.add_message(sys.argv[2], large_text(sys.argv[3]), role="assistant")
store.close()
"""


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
    with workdir() as work:
        for scenario in LARGE_SCENARIOS:
            for shape in LARGE_SHAPES:
                results = []
                for _ in range(runs):
                    done = subprocess.run(
                        [
                            sys.executable,
                            str(TUI_SCRIPT),
                            "--large-child",
                            shape,
                            scenario,
                            str(work),
                        ],
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
