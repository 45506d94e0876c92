"""The core benchmark script runs end to end at a tiny scale (it is not a timed test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"


def _listing() -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in RESULTS.iterdir()} if RESULTS.is_dir() else {}


def test_core_benchmark_runs_at_tiny_scale(tmp_path: Path) -> None:
    before = _listing()
    out = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "core.py"),
            "--scale",
            "0.001",
            "--no-write",
            "--data-dir",
            str(tmp_path / "data"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    report = json.loads((out / "core.json").read_text())
    sections = {result["section"] for result in report["results"]}
    assert sections == {"page", "search", "chats", "sweep"}
    assert report["dataset"]["counts"]["sessions"] == 100
    assert all(result["median"] >= 0 for result in report["results"])
    assert "| Measurement |" in (out / "core.md").read_text()
    # The committed results are never touched by a test run.
    assert _listing() == before
    # The working copy is removed; only the cached database and its sidecar stay.
    assert sorted(p.suffix for p in (tmp_path / "data").iterdir()) == [".db", ".json"]


def test_read_only_sections_and_the_cli_benchmark_run_at_tiny_scale(tmp_path: Path) -> None:
    before = _listing()
    data, out = tmp_path / "data", tmp_path / "results"
    core = [sys.executable, str(ROOT / "bench" / "core.py"), "--data-dir", str(data)]
    done = subprocess.run(
        [*core, "--scale", "0.001", "--only", "page,chats", "--out", str(out), "--name", "ro"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((out / "ro.json").read_text())
    assert {result["section"] for result in report["results"]} == {"page", "chats"}
    # Read-only sections ran on the cached file: no working copy was made (or left).
    assert not list(data.glob("*.work.db*"))

    done = subprocess.run(
        [*core, "--scale", "0.001", "--only", "procs", "--out", str(out), "--name", "procs"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    names = [r["name"] for r in json.loads((out / "procs.json").read_text())["results"]]
    assert "4 processes: write latency p99, worst process" in names
    assert "4 processes: write latency max" in names

    cli = [sys.executable, str(ROOT / "bench" / "cli.py"), "--data-dir", str(data)]
    done = subprocess.run(
        [*cli, "--runs", "2", "--warmup", "0", "--no-llm", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    startup = json.loads((out / "cli.json").read_text())
    assert startup["dataset"]["ls_rows"] == 20
    assert {t["name"] for t in startup["targets"]} == {
        "agentsess --version / python -c pass",
        "agentsess sessions ls / sqlite3 script",
    }
    assert all(s["n"] == 2 for s in startup["stats"].values())
    assert _listing() == before
