"""The TUI benchmark's shared state: `Bench` (the working copy, the environment both apps run
in, the markers waited for, the figures measured so far), the bare Textual app it compares
with, and the method notes of the report. Part of bench/tui.py.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tui_data
import tui_rows
from pty_terminal import Terminal
from tui_report import Figure

COLUMNS, ROWS = 120, 36

# Markers, searched in the output with escape sequences removed.
FOOTER_MARKER = "palette"  # the footer's "^p palette" key: both apps draw it in their first frame
SORTED_MARKER = "sorted by activity"  # the status line after `s`, the key pressed after paint
IDLE_WINDOWS = 3  # the idle span is reported as consecutive windows, to show its spread


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
            "first_title": tui_rows.FIRST_TITLE,
        }

    def spawn(self, which: str) -> Terminal:
        argv = [sys.executable, str(self.bare_script)] if which == "bare" else self.app_argv
        return Terminal(argv, self.env, self.args.size)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        summary = figure.as_dict()
        verdict = "" if summary["pass"] is None else (" PASS" if summary["pass"] else " FAIL")
        self.log(f"  {figure.label}: {summary['value']} {figure.unit}{verdict}")


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


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="agentsess-tui-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
