"""The core benchmark's results: the machine's description, and `core.json` / `core.md` (with
`--only`, merged with the earlier rows of the sections not run). Part of bench/core.py.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "ops/s":
        return f"{value:,.0f}"
    if unit == "errors":
        return f"{value:.0f}"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


# Why a target is missed, shown under the table when it is (found with EXPLAIN QUERY PLAN,
# the diagnostic rows and prototypes of the alternatives).
MISSED_NOTES = {
    "mass expiry": (
        "**Mass expiry**: the sweep writes overdue sessions in chunks, each its own short "
        "transaction, with a pause between chunks for other writers; the rows above say which "
        "bound was missed (reads are right before any sweep: the phase is derived on read)."
    ),
    "memory search": (
        "**Memory search** is bounded below by bm25, which counts the documents of every "
        "searched word once per query: 15–25 ms for a word in most of the 1M memories (the, of). "
        "Agent filters are cheap since m003 indexes the agent beside the words (FTS5 intersects "
        "the agent's postings with the word's in about 3 ms); a miss here means a slower machine "
        "or a query of several stopwords."
    ),
}


def merge_previous(
    path: Path, payload: dict[str, Any], wanted: list[str], sections: Sequence[str]
) -> dict[str, Any]:
    """With --only, keep the earlier results of the sections not run (same dataset scale), so
    re-measuring a few rows never drops the others; the note says which rows are from when."""
    if not path.exists():
        return payload
    previous = json.loads(path.read_text())
    if previous["dataset"]["scale"] != payload["dataset"]["scale"]:
        return payload
    kept = [r for r in previous["results"] if r["section"] not in wanted]
    order = {section: index for index, section in enumerate(sections)}
    results = sorted(kept + payload["results"], key=lambda r: order[r["section"]])
    remark = (
        f"{', '.join(wanted)} re-measured on {payload['machine']['date']}; the other rows are "
        f"from {previous['machine']['date']} (`python bench/core.py {previous['args']}`)"
    )
    note = "; ".join(text for text in (payload["note"], remark) if text)
    return {**payload, "results": results, "note": note}


def write_reports(out: Path, payload: dict[str, Any], name: str = "core") -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    machine, dataset = payload["machine"], payload["dataset"]
    counts = dataset["counts"]
    lines = [
        "# Core benchmarks",
        "",
        f"`python bench/core.py {payload['args']}`".replace(" `", "`"),
        "",
        f"- Machine: {machine['cpu_count']} CPUs ({machine['cpu']}), {machine['platform']}",
        f"- Python {machine['python']}, SQLite {machine['sqlite']}, run {machine['date']}, "
        f"took {payload['seconds']:.0f} s",
        f"- Load average (1 min) at start / end: {payload['load'][0]:.2f} / "
        f"{payload['load'][1]:.2f}" + (f" — {payload['note']}" if payload["note"] else ""),
        f"- Dataset (scale {dataset['scale']:g}): {counts['agents']:,} agents, "
        f"{counts['sessions']:,} sessions ({counts['active_sessions']:,} active), "
        f"{counts['messages']:,} messages (one session with "
        f"{dataset['sizes']['big_session_messages']:,}), {counts['memories']:,} memories, "
        f"{counts['events']:,} events; {dataset['file_mb']:,} MB; built in "
        f"{dataset['build_seconds']} s" + (" (cached)" if payload["cached"] else ""),
        "- Times in milliseconds through the real `Store` API (`time.perf_counter`), after a "
        "warm-up; p95 is nearest-rank.",
        "",
        "| Measurement | Target | Median | p95 | Unit | n | Result | Notes |",
        "|---|---|---:|---:|---|---:|---|---|",
    ]
    for r in payload["results"]:
        verdict = "" if r["passed"] is None else ("pass" if r["passed"] else "**FAIL**")
        lines.append(
            f"| {r['name']} | {r['target']} | {fmt(r['median'], r['unit'])} | "
            f"{fmt(r['p95'], r['unit'])} | {r['unit']} | {r['n']:,} | {verdict} | {r['note']} |"
        )
    missed = [r["name"] for r in payload["results"] if r["passed"] is False]
    notes = [text for key, text in MISSED_NOTES.items() if any(key in n for n in missed)]
    lines += [
        "",
        "Whole words are searched with a trailing space (an exact term), prefixes as typed "
        "(`abc` → `abc*`); agent-filtered searches rotate between the agents with the most, the "
        "median and the fewest memories. The FTS indexes were built with FTS5 `rebuild`, so "
        "their segments may be fewer than in a database grown row by row.",
    ]
    if notes:
        lines += ["", "## Targets missed", ""] + [f"- {text}" for text in notes]
    (out / f"{name}.md").write_text("\n".join(lines) + "\n")
