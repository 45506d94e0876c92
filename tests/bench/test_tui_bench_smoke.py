"""The TUI benchmark runs end to end at a tiny scale (a smoke test, not a timed one)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
FIGURES = {
    "bare_first_paint_s",
    "first_frame_s",
    "first_paint_s",
    "first_chat_s",
    "start_ratio",
    "first_frame_ratio",
    "start_cpu_ratio",
    "bare_idle_cpu_percent",
    "bare_rss_mb",
    "idle_cpu_percent",
    "rss_mb",
    "switch_ms",
    "switch_open_ms",
    "switch_small_ms",
    "external_write_s",
    "key_after_paint_ms",
    "history_end_ms",
    "history_home_ms",
    "filter_rare_ms",
    "filter_frequent_ms",
    "dialog_new_ms",
    "dialog_help_ms",
}
# The targets; the other figures are context (the bare app, first frame, …).
TARGETS = {
    "start_ratio",
    "idle_cpu_percent",
    "rss_mb",
    "switch_ms",
    "switch_open_ms",
    "external_write_s",
    "key_after_paint_ms",
    "history_end_ms",
    "filter_rare_ms",
    "filter_frequent_ms",
    "dialog_new_ms",
    "dialog_help_ms",
}


def _committed() -> dict[str, int]:
    if not RESULTS.is_dir():
        return {}
    return {p.name: p.stat().st_mtime_ns for p in RESULTS.glob("tui.*")}


@pytest.mark.slow
def test_tui_benchmark_runs_at_tiny_scale(tmp_path: Path) -> None:
    before = _committed()
    out = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "tui.py"),
            "--scale",
            "0.001",
            "--runs",
            "1",
            "--switch-runs",
            "1",
            "--write-runs",
            "1",
            "--history-runs",
            "1",
            "--idle",
            "1",
            "--settle",
            "0.2",
            "--large-runs",
            "0",
            "--data-dir",
            str(tmp_path / "data"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    report = json.loads((out / "tui.json").read_text())
    figures = {figure["id"]: figure for figure in report["figures"]}
    assert set(figures) == FIGURES
    for figure in figures.values():
        assert figure["value"] >= 0 and figure["n"] >= 1, figure
        assert (figure["target"] is not None) == (figure["id"] in TARGETS), figure
        assert figure["pass"] in (True, False, None)
    assert report["dataset"]["counts"]["sessions"] == 20
    assert re.search(report["method"]["markers"]["first_paint"], "20 sessions · sorted by expiry")
    assert report["details"]["quit"] == {"key": "q", "exit_code": 0, "traceback": False}
    table = (out / "tui.md").read_text()
    assert "| Measurement | Target | Median |" in table
    assert "Cold start to first paint" in table
    # The committed results are never touched by a test run.
    assert _committed() == before
