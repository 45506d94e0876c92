"""The server benchmark runs end to end at a tiny scale (it is not a timed test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_server_benchmark_runs_at_tiny_scale(tmp_path: Path) -> None:
    out = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "server.py"),
            "--scale",
            "0.001",
            "--requests",
            "5",
            "--data-dir",
            str(tmp_path / "data"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((out / "server.json").read_text())
    routes = {(r["route"], r["clients"]) for r in report["results"]}
    assert len(routes) == 15 and ("remember", 64) in routes
    assert all(r["errors"] == 0 for r in report["results"]), report["results"]
    assert "| Route | Clients |" in (out / "server.md").read_text()
