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

This file is the entry point. The measurements: tui_start.py (cold start), tui_live.py (idle,
switching, external writes; tui_history.py), tui_large.py (large messages), on the shared
`Bench` of tui_bench.py; pty_terminal.py runs the apps in pseudo-terminals, tui_report.py
writes the results.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tui_data  # the generator next to this file
import tui_live  # the long-running instance: idle, switching, writes, history
import tui_start  # cold start, against a bare Textual app
from tui_bench import COLUMNS, FOOTER_MARKER, ROWS, Bench, method_notes, workdir
from tui_large import LARGE_METHOD, large_child, large_messages
from tui_report import code_version, keep_large, machine_info, write_results

RESULTS_DIR = Path(__file__).resolve().parent / "results"


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
    with workdir() as work:
        seconds = tui_data.working_copy(dataset, work / "bench.db", int(time.time() * 1000))
        log(f"working copy of {dataset.path.name} ready in {seconds:.1f} s")
        bench = Bench(args, dataset, work, log)
        tui_start.cold_start(bench)
        tui_live.bare_reference(bench)
        tui_live.live(bench)
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
        keep_large(args.out / "tui.json", report)
    write_results(args.out, report)
    log(f"wrote {args.out / 'tui.json'} and {args.out / 'tui.md'}")
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
