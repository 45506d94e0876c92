"""Where a mass-expiry chunk spends its time (issue 10): the events insert, the update of the
sessions (row and index entries) and the commit, timed apart, for the sweep's own statements
and a few alternatives. bench/core.py measures the whole sweep; this says why it is slow.

    python bench/sweep_profile.py            # on a copy of bench/data/core-v3-s1.db

Each trial arms every session overdue (as after a machine was off for days, the same way as
bench/core.py), then times `--chunks` chunks one by one. Results: bench/results/sweep_profile
.{json,md}, with the load average (a shared host makes every figure noisy).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import BENCH_NOW, DATA_DIR  # noqa: E402

from agentsess_tui.core import ManualClock, Store  # noqa: E402
from agentsess_tui.core.repo.sweep import _EVENT_COLUMNS, _STEPS  # noqa: E402

RESULTS_DIR = HERE / "results"
SHARED = Path("/work/main/bench/data/core-v3-s1.db")

# The sweep's chunk picked in rowid order instead of expiry order: table pages together,
# index entries scattered (the opposite of the sweep's own order).
_BY_ROWID = (
    "SELECT rowid FROM sessions WHERE state = 'active' AND expires_at <= :now "
    "ORDER BY rowid LIMIT :chunk"
)
# (events, update). Since m010 the sweep also adjusts the per-agent counts after the update,
# which these trials leave out.
ALTERNATIVES: dict[str, tuple[str, str]] = {
    "sweep's statements": _STEPS["expired"],
    "no events insert (update alone)": ("SELECT 1", _STEPS["expired"][1]),
    "chunk picked in rowid order": (
        f"INSERT INTO events ({_EVENT_COLUMNS}) SELECT id, expires_at, 'expired', '{{}}' "  # noqa: S608
        f"FROM sessions WHERE rowid IN ({_BY_ROWID})",
        "UPDATE sessions SET state = 'expired', "  # noqa: S608
        "change_seq = (SELECT seq + 1 FROM change_log WHERE id = 1) "
        f"WHERE rowid IN ({_BY_ROWID}) RETURNING id",
    ),
}
# (statements, chunk, page cache in KiB)
TRIALS = [
    ("sweep's statements", 1000, 1024),
    ("sweep's statements", 500, 1024),
    ("sweep's statements", 250, 1024),
    ("sweep's statements", 1000, 16384),
    ("no events insert (update alone)", 1000, 1024),
    ("chunk picked in rowid order", 1000, 1024),
]


def arm(raw: sqlite3.Connection, mark: int) -> None:
    raw.execute("BEGIN IMMEDIATE")
    raw.execute("DELETE FROM events WHERE id > ?", (mark,))
    raw.execute(
        "UPDATE sessions SET state = 'active', "
        "expires_at = min(expires_at, :now - 1000 - (rowid % 86400) * 1000)",
        {"now": BENCH_NOW},
    )
    raw.execute("COMMIT")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def trial(path: Path, name: str, chunk: int, cache_kib: int, chunks: int) -> dict[str, Any]:
    events, update = ALTERNATIVES[name]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA cache_size = -{cache_kib}")
    params = {"now": BENCH_NOW, "chunk": chunk}
    parts: dict[str, list[float]] = {"events": [], "update": [], "commit": [], "total": []}
    for _ in range(chunks):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(events, params)
        inserted = time.perf_counter()
        conn.execute(update, params).fetchall()
        conn.execute("UPDATE change_log SET seq = seq + 1 WHERE id = 1")
        updated = time.perf_counter()
        conn.execute("COMMIT")
        end = time.perf_counter()
        for key, ms in (
            ("events", inserted - start),
            ("update", updated - inserted),
            ("commit", end - updated),
            ("total", end - start),
        ):
            parts[key].append(ms * 1000)
    conn.close()
    median = {key: round(statistics.median(values), 1) for key, values in parts.items()}
    return {
        "statements": name,
        "chunk": chunk,
        "cache_kib": cache_kib,
        "chunks_timed": chunks,
        **{f"{key}_ms": value for key, value in median.items()},
        "max_total_ms": round(max(parts["total"]), 1),
        "us_per_session": round(median["total"] / chunk * 1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=15_000, help="sessions timed a trial")
    args = parser.parse_args()
    dataset = DATA_DIR / "core-v3-s1.db"
    if not dataset.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        os.link(SHARED, dataset)
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="agentsess-sweep-") as tmp:
        path = Path(tmp) / "core.db"
        shutil.copyfile(dataset, path)  # never write the shared file
        path.chmod(0o600)
        Store(path, clock=ManualClock(BENCH_NOW)).close()  # this version's schema
        raw = sqlite3.connect(path, isolation_level=None)
        mark = raw.execute("SELECT max(id) FROM events").fetchone()[0]
        for name, chunk, cache in TRIALS:
            arm(raw, mark)
            row = trial(path, name, chunk, cache, max(4, args.sessions // chunk))
            rows.append(row)
            print(row, flush=True)
        raw.close()
    meta = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "sqlite": sqlite3.sqlite_version,
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "how": "median per chunk of the first chunks of a 100k mass expiry, each statement "
        "timed apart in its own BEGIN IMMEDIATE … COMMIT",
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "sweep_profile.json").write_text(
        json.dumps({"meta": meta, "results": rows}, indent=2) + "\n"
    )
    lines = [
        "# Where a mass-expiry chunk spends its time",
        "",
        f"Measured {meta['when']} (SQLite {meta['sqlite']}), load average "
        f"{meta['load_average_before'][0]} before, {meta['load_average_after'][0]} after "
        "(a shared 2-core host: every figure is noisy). How: " + meta["how"] + ".",
        "",
        "| statements | chunk | cache | events | update | commit | total | max | per session |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['statements']} | {r['chunk']} | {r['cache_kib']} KiB | {r['events_ms']} ms "
            f"| {r['update_ms']} ms | {r['commit_ms']} ms | {r['total_ms']} ms "
            f"| {r['max_total_ms']} ms | {r['us_per_session']} µs |"
        )
    (RESULTS_DIR / "sweep_profile.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
