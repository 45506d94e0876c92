"""The TUI benchmark's results: `Figure` (one measured row), the machine and code measured, and
`tui.json` / `tui.md` (the Markdown report). Part of bench/tui.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sqlite3
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    id: str
    label: str
    unit: str
    runs: list[float]
    target: float | None = None
    note: str = ""
    value: float | None = None  # defaults to the median of the runs

    def as_dict(self) -> dict[str, Any]:
        value = self.value if self.value is not None else statistics.median(self.runs)
        out: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "unit": self.unit,
            "value": round(value, 4),
            "n": len(self.runs),
            "target": self.target,
            "pass": None if self.target is None else bool(value <= self.target),
            "runs": [round(r, 4) for r in self.runs],
        }
        if len(self.runs) > 1:
            out["min"] = round(min(self.runs), 4)
            out["max"] = round(max(self.runs), 4)
        if self.note:
            out["note"] = self.note
        return out


def machine_info() -> dict[str, Any]:
    import textual

    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().splitlines()[0].split()[1])
        memory = f"{kib / 1024**2:.1f} GiB RAM"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "textual": textual.__version__,
        "sqlite": sqlite3.sqlite_version,
    }


def code_version() -> dict[str, Any]:
    """The commit measured, and the app files that differ from it (others edit concurrently)."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
        return done.stdout if done.returncode == 0 else ""

    changed = [line[3:] for line in git("status", "--porcelain", "--", "tui").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "uncommitted": changed}


def write_results(out: Path, report: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "tui.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (out / "tui.md").write_text(markdown(report))


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "ms":
        return f"{value:.0f} ms"
    if unit == "×":
        return f"{value:.2f}×"
    if unit.startswith("%"):
        return f"{value:.2f} %"
    return f"{value:.1f} {unit}"


def _large_header(report: dict[str, Any]) -> list[str]:
    """When the large-message rows were run on their own (`--only large`): when, and on what."""
    large = report.get("large")
    if not large:
        return []
    changed = large["code"]["uncommitted"]
    before, after = large["loadavg_before"][0], large["loadavg_after"][0]
    return [
        f"The `large_*` rows were run on their own on {large['date']} (`{large['command']}`), "
        f"commit {large['code']['commit'] or '?'}"
        + (f" with uncommitted changes to {', '.join(changed)}" if changed else "")
        + f"; load average {before:.2f} before, {after:.2f} after.",
        "",
    ]


def markdown(report: dict[str, Any]) -> str:
    m, d, method = report["machine"], report["dataset"], report["method"]
    counts = d["counts"]
    lines = [
        "# TUI benchmark (`bench/tui.py`)",
        "",
        f"Run {report['date']} on {m['cpu'] or 'an unknown CPU'}, {m['cores']} cores, "
        f"{m['memory']}; {m['os']}; Python {m['python']}, Textual {m['textual']}, "
        f"SQLite {m['sqlite']}.",
        "",
        f"Code: commit {report['code']['commit'] or '?'}"
        + (
            f" with uncommitted changes to {', '.join(report['code']['uncommitted'])}."
            if report["code"]["uncommitted"]
            else "."
        ),
        "",
        f"Load: {report['load']['note']}",
        "",
        *_large_header(report),
        f"Dataset (scale {d['scale']:g}): {counts['sessions']:,} sessions "
        f"({counts['active_sessions']} active), {counts['messages']:,} messages "
        f"({counts['big_session_messages']:,} in one session), {counts['memories']:,} memories, "
        f"{d['file_mb']} MB.",
        "",
        "| Measurement | Target | Median | N | Min – max | Result |",
        "|---|---|---|---|---|---|",
    ]
    for f in report["figures"]:
        target = "—" if f["target"] is None else f"≤ {_fmt(f['target'], f['unit'])}"
        spread = f"{_fmt(f['min'], f['unit'])} – {_fmt(f['max'], f['unit'])}" if "min" in f else ""
        result = "" if f["pass"] is None else ("**pass**" if f["pass"] else "**FAIL**")
        lines.append(
            f"| {f['label']} | {target} | {_fmt(f['value'], f['unit'])} | {f['n']} | {spread} "
            f"| {result} |"
        )
    lines += ["", "## Method", ""]
    lines += [f"- {item}" for item in method["notes"]]
    lines += ["", "## Notes on the figures", ""]
    lines += [f"- **{f['label']}**: {f['note']}" for f in report["figures"] if f.get("note")]
    lines += [
        "",
        f"Raw runs and details: `tui.json`. Reproduce with `{method['command']}`.",
        "",
    ]
    return "\n".join(lines)


def keep_large(path: Path, report: dict[str, Any]) -> None:
    """Without large runs, the large-message rows of the last `--only large` run stay."""
    if not path.exists():
        return
    previous = json.loads(path.read_text())
    rows = [f for f in previous["figures"] if f["id"].startswith("large_")]
    if not rows:
        return
    # Rows from a whole run carry that run's date, code and load; say so beside them.
    report["large"] = previous.get("large") or {
        "date": previous["date"],
        "code": previous["code"],
        "machine": previous["machine"],
        "loadavg_before": previous["load"]["loadavg_before"],
        "loadavg_after": previous["load"]["loadavg_after"],
        "command": previous["method"]["command"],
    }
    report["figures"] += rows
