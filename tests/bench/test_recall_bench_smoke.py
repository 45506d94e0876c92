"""The recall benchmark script runs end to end at a tiny scale (it is not a timed test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_recall_benchmark_runs_at_tiny_scale(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "recall.py"),
            "--scale",
            "0.001",
            "--data-dir",
            str(tmp_path / "data"),
            "--out",
            str(tmp_path / "results"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = (tmp_path / "results" / "recall.md").read_text()
    assert "| hybrid | " in report
    assert "(2,000 memories;" in report
    assert "memories/s" in report
