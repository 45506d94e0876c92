"""The TUI benchmark's cold start: both apps started alternately in pseudo-terminals, until
the first frame, the sessions listed, a key answered and the first chat shown; ratios to the
bare Textual app. Part of bench/tui.py.
"""

from __future__ import annotations

import statistics
import time

from tui_bench import FOOTER_MARKER, SORTED_MARKER, Bench
from tui_report import Figure

# -- 1. cold start -----------------------------------------------------------------------


def start_once(bench: Bench, which: str) -> dict[str, float]:
    term = bench.spawn(which)
    try:
        times = {"frame": term.wait_for(FOOTER_MARKER, bench.timeout) - term.started}
        times["frame_cpu"] = term.cpu_seconds()
        if which == "ours":
            times["sessions"] = term.wait_for(bench.sidebar_pattern, bench.timeout) - term.started
            # CPU used until then: less sensitive than wall time to other load.
            times["sessions_cpu"] = term.cpu_seconds()
            # A key 100 ms after first paint (issue 11): is the app still busy?
            term.drain(0.1)
            mark = len(term.text)
            sent = time.perf_counter()
            term.send(b"s")
            times["key"] = term.wait_for(SORTED_MARKER, bench.timeout, start=mark) - sent
            times["chat"] = term.wait_for(bench.first_text, bench.timeout) - term.started
    finally:
        code = term.close()
    if code != 0 or b"Traceback" in term.raw:
        raise SystemExit(
            f"{which} exited with {code}:\n{term.text[-2000:].decode('utf-8', 'replace')}"
        )
    return times


def cold_start(bench: Bench) -> None:
    bench.log(f"cold start: 1 warm-up + {bench.args.runs} runs of each, alternating")
    start_once(bench, "bare")
    start_once(bench, "ours")
    bare: list[float] = []
    bare_cpu: list[float] = []
    ours: list[dict[str, float]] = []
    for index in range(bench.args.runs):
        # bare, ours, ours, bare, …: neither always goes first.
        order = ("bare", "ours") if index % 2 == 0 else ("ours", "bare")
        for which in order:
            times = start_once(bench, which)
            if which == "bare":
                bare.append(times["frame"])
                bare_cpu.append(times["frame_cpu"])
            else:
                ours.append(times)
    sessions = [t["sessions"] for t in ours]
    frames = [t["frame"] for t in ours]
    bare_median = statistics.median(bare)
    bench.add(
        Figure(
            "bare_first_paint_s",
            "Bare Textual app (Header + Footer): first paint",
            "s",
            bare,
            note=f"marker {FOOTER_MARKER!r}",
        )
    )
    bench.add(
        Figure(
            "first_frame_s",
            "agentsess-tui: first frame (footer drawn)",
            "s",
            frames,
            note=f"marker {FOOTER_MARKER!r}",
        )
    )
    bench.add(
        Figure(
            "first_paint_s",
            "agentsess-tui: first paint with the sessions listed",
            "s",
            sessions,
            note=f"marker `{bench.sidebar_marker}` (a regular expression; sidebar status)",
        )
    )
    bench.add(
        Figure(
            "first_chat_s",
            "agentsess-tui: first session's chat on screen",
            "s",
            [t["chat"] for t in ours],
            note=f"marker {bench.first_text!r} (last message of row 1, opened at start)",
        )
    )
    bench.add(
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
    bench.add(
        Figure(
            "first_frame_ratio",
            "First frame (footer drawn) ÷ bare app",
            "×",
            [o / b for o, b in zip(frames, bare, strict=True)],
            value=statistics.median(frames) / bare_median,
            note="same marker for both apps; ratio of the medians",
        )
    )
    bench.add(
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
    bench.add(
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
