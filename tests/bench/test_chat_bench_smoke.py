"""The streaming benchmark runs end to end at a tiny size (the figures are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_chat_benchmark_smoke(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "chat.py"),
            "--chunks",
            "150",
            "--history",
            "50",
            "--runs",
            "1",
            "--rate",
            "1000",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "chat.json").read_text())
    assert summary["chunks"] == 150 and summary["unpaced_chunks_per_s"] > 0
    assert "chunks per second" in (tmp_path / "chat.md").read_text()
