"""The TUI benchmark's database: 10,000 sessions and 1,000,000 messages at `--scale 1`.

Up to `--scale 100` (1,000,000 sessions) only the history grows: messages, memories and live
sessions stay at their scale-1 sizes, as for a support team whose bot opens a session per
ticket. About 100 history titles hold the rare word `walrus` at every scale (the filter
benchmark); a quarter start with `Review` (a frequent word).

One session holds 100,000 messages. The sidebar's default order (expiring first, then by expiry)
puts two known sessions on top: row 1, a short chat, and row 2, the 100k-message one, so the
benchmark reaches it with one arrow key. Every active session's countdown ticks; a handful are
in the expiring phase (already warned, so no start-up toasts), the rest have hours left.

The schema comes from the real migrations (a `Store` opens the new file); rows are bulk-inserted
with raw `executemany`, with the FTS triggers dropped during the load and the indexes rebuilt
with FTS5's `rebuild` (then the triggers are recreated from the SQL the migration stored).

Times are generated relative to a fixed `GEN_NOW`, and the file is cached under `bench/data/`
keyed by `DATA_VERSION`, the schema's migrations and the scale (a new migration means a new
file: rows inserted under the old schema would miss what its triggers maintain). Each
benchmark run works on a copy whose times are moved by `now - GEN_NOW` (`working_copy`), so
the cached file never goes stale and never changes.

The rows themselves (the two benchmark sessions, the history, messages, memories) are built
in tui_rows.py.

    python bench/tui_data.py [--scale 0.01 … 100] [--rebuild]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bulk import (
    SESSION_COLUMNS,
    BulkLoad,
    Dataset,
    cached_build,
    remove_db,
    timeline,
)
from tui_rows import (
    BIG_LAST_TEXT,
    EXPIRING_EXTRA,
    FIRST_LAST_TEXT,
    FREQUENT_WORD,
    GEN_NOW,
    HISTORY_MS,
    RARE_WORD,
    Text,
    insert_memories,
    insert_messages,
    session_rows,
)

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.clock import DAY_MS
from agentsess_tui.core.ids import use_random
from agentsess_tui.core.schema import MIGRATIONS

# Bump when the generated data changes shape: old cached files are then ignored.
DATA_VERSION = 3
DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_SCALE = 100
SESSION_TIME_COLUMNS = (
    "created_at",
    "activated_at",
    "last_activity_at",
    "expires_at",
    "warn_at",
    "cap_at",
    "warned_at",
    "ended_at",
)


@dataclass(frozen=True)
class Sizes:
    scale: float
    agents: int
    sessions: int
    active: int
    messages: int
    big_session_messages: int
    memories: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        if not 0 < scale <= MAX_SCALE:
            raise SystemExit(f"--scale must be in (0, {MAX_SCALE}], got {scale}")
        sessions = max(20, round(10_000 * scale))
        # Beyond scale 1 only the history grows.
        small = min(scale, 1.0)
        messages = max(400, round(1_000_000 * small))
        return cls(
            scale=scale,
            agents=max(4, min(40, round(40 * small**0.5))),
            sessions=sessions,
            active=max(EXPIRING_EXTRA + 4, min(sessions // 2, round(300 * small))),
            messages=messages,
            big_session_messages=min(messages // 2, max(100, round(100_000 * small))),
            memories=max(50, round(20_000 * small)),
        )

    @property
    def tag(self) -> str:
        return f"tui-v{DATA_VERSION}-{schema_tag()}-s{self.scale:g}".replace(".", "_")


def schema_tag() -> str:
    """Short fingerprint of the migrations the current code applies."""
    names = ",".join(migration.__name__ for migration in MIGRATIONS)
    return (
        f"m{len(MIGRATIONS)}{hashlib.sha1(names.encode(), usedforsecurity=False).hexdigest()[:6]}"
    )


def ensure_dataset(
    data_dir: Path,
    scale: float,
    *,
    rebuild: bool = False,
    log: Callable[[str], None] = print,
) -> Dataset:
    """The cached database for `scale`, built first when missing (or when `rebuild`)."""
    sizes = Sizes.for_scale(scale)
    return cached_build(
        data_dir / f"{sizes.tag}.db",
        data_dir / f"{sizes.tag}.json",
        lambda path: build(path, sizes, log),
        rebuild=rebuild,
        log=log,
    )


def working_copy(dataset: Dataset, dest: Path, now_ms: int) -> float:
    """Copy the cached file to `dest` and move every time by `now - GEN_NOW`.

    Returns the seconds it took. Runs write to the copy (sweeps, the external-write test),
    never to the cache.
    """
    started = time.perf_counter()
    remove_db(dest)
    shutil.copyfile(dataset.path, dest)
    delta = now_ms - GEN_NOW
    conn = sqlite3.connect(dest, isolation_level=None)
    # Rewriting every message row through the WAL would double the work: rollback journal off
    # for this one-off rewrite of a throw-away copy, WAL again afterwards (the app needs it).
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    # At a million sessions the UPDATE moves entries of several indexes at random: with the
    # default 2 MB cache it rewrote tens of GB; the whole file fits in this cache.
    conn.execute("PRAGMA cache_size = -2000000")
    conn.execute("BEGIN")
    moved = ", ".join(f"{c} = {c} + :d" for c in SESSION_TIME_COLUMNS)
    conn.execute(f"UPDATE sessions SET {moved}", {"d": delta})  # noqa: S608 (fixed names)
    conn.execute("UPDATE agents SET created_at = created_at + :d", {"d": delta})
    conn.execute("UPDATE events SET at = at + :d", {"d": delta})
    conn.execute("UPDATE messages SET created_at = created_at + :d", {"d": delta})
    conn.execute(
        "UPDATE memories SET created_at = created_at + :d, updated_at = updated_at + :d",
        {"d": delta},
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    return time.perf_counter() - started


# -- building ----------------------------------------------------------------------------------


def build(path: Path, sizes: Sizes, log: Callable[[str], None]) -> dict[str, Any]:
    rng = random.Random(20260115)
    use_random(random.Random(7))  # reproducible session ids
    t0 = time.perf_counter()

    def step(what: str) -> None:
        log(f"  {time.perf_counter() - t0:6.1f} s  {what}")

    log(f"building {path.name}: {sizes}")
    store = Store(path, clock=ManualClock(GEN_NOW - HISTORY_MS - DAY_MS), key=b"bench" * 8)
    agents = [f"agent-{i:02d}" for i in range(sizes.agents)]
    for agent_id in agents:
        store.add_agent(agent_id, f"Bench agent {agent_id[6:]}")
    store.close()
    step(f"schema and {len(agents)} agents through the Store")

    load = BulkLoad(path)
    conn = load.conn

    sessions = session_rows(rng, sizes, agents)
    first, big = sessions[0], sessions[1]
    load.insert("sessions", SESSION_COLUMNS, [s.values for s in sessions])
    load.insert("events", "session_id, at, kind, detail", timeline(sessions))
    step(f"{len(sessions)} sessions and their events")

    text = Text(rng)
    insert_messages(load, rng, text, sizes, sessions, first, big)
    step(f"{sizes.messages} messages")
    insert_memories(load, rng, text, sizes, sessions)
    step(f"{sizes.memories} memories")
    load.finish(step)
    conn.execute("ANALYZE")
    counts = {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in ("agents", "sessions", "messages", "memories", "events")
    }
    counts["active_sessions"] = conn.execute(
        "SELECT count(*) FROM sessions WHERE state = 'active'"
    ).fetchone()[0]
    counts["big_session_messages"] = conn.execute(
        "SELECT count(*) FROM messages WHERE session_id = ?", (big.id,)
    ).fetchone()[0]
    conn.close()
    use_random(None)
    return {
        "data_version": DATA_VERSION,
        "schema": [migration.__name__ for migration in MIGRATIONS],
        "scale": sizes.scale,
        "gen_now": GEN_NOW,
        "sizes": asdict(sizes),
        "counts": counts,
        "first_session": {"id": first.id, "title": first.title, "last_text": FIRST_LAST_TEXT},
        "big_session": {"id": big.id, "title": big.title, "last_text": BIG_LAST_TEXT},
        "filter": {"rare": RARE_WORD, "frequent": FREQUENT_WORD},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    dataset = ensure_dataset(args.data_dir, args.scale, rebuild=args.rebuild)
    print(json.dumps({"path": str(dataset.path), **dataset.info}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
