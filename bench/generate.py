"""Build the benchmark database: 100k sessions, 1M messages, 1M memories at `--scale 1`;
1M sessions, 10M messages, 1M memories at `--scale 10` (only the history grows past 1).

The schema comes from the real migrations (a `Store` is opened on the new file); rows are then
bulk-inserted with raw `executemany`. The FTS triggers are dropped for the load, both indexes are
rebuilt with FTS5's `rebuild` command, and the triggers are recreated from the very SQL the
migration stored in `sqlite_master`, so the result is what the app would have built row by row.

Everything is relative to a fixed `BENCH_NOW` (the benchmarks run on a `ManualClock` set to it),
so a cached database never goes stale. The file is cached under `bench/data/` keyed by the
generator version and the scale; a sidecar JSON says what is in it and which words to search.
The rows themselves (sessions, messages, memories, the vocabulary) are built in
generate_rows.py.

    python bench/generate.py --scale 0.1 [--rebuild]
    python bench/generate.py --scale 10     # the 1M set: 5.2 GB, 34 min on 2 busy cores
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulk import BulkLoad, Dataset, cached_build, timeline
from generate_rows import (
    BENCH_NOW,
    HISTORY_MS,
    Words,
    insert_memories,
    insert_messages,
    insert_rows,
    session_rows,
)

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.clock import DAY_MS

# Bump when the generated data changes shape: old cached files are then ignored.
GEN_VERSION = 3
BENCH_KEY = b"agentsess-bench-signing-key-0001"
DATA_DIR = Path(__file__).resolve().parent / "data"

FULL_SESSIONS = 100_000
FULL_MESSAGES = 1_000_000
FULL_BIG_SESSION = 100_000
FULL_MEMORIES = 1_000_000
FULL_AGENTS = 300
FULL_VOCABULARY = 200_000
MAX_SCALE = 10  # 1M sessions, 10M messages
ACTIVE_SHARE = 0.03


@dataclass(frozen=True)
class Sizes:
    scale: float
    agents: int
    sessions: int
    active: int
    messages: int
    big_session_messages: int
    memories: int
    vocabulary: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        """Up to 1 everything shrinks together; above 1 only the history grows (sessions and
        messages), as it does in use: the live sessions, the agents, their memories, the
        vocabulary and the one long transcript stay at their full size. `--scale 10` is the
        1M-session, 10M-message, 1M-memory set."""
        if not 0 < scale <= MAX_SCALE:
            raise SystemExit(f"--scale must be in (0, {MAX_SCALE:g}], got {scale}")
        sessions = max(20, round(FULL_SESSIONS * scale))
        messages = max(200, round(FULL_MESSAGES * scale))
        within = min(1.0, scale)
        return cls(
            scale=scale,
            # A few hundred agents at full size; fewer (but never a handful) when scaled down.
            agents=max(5, min(FULL_AGENTS, round(FULL_AGENTS * math.sqrt(within)))),
            sessions=sessions,
            active=max(5, round(FULL_SESSIONS * within * ACTIVE_SHARE)),
            messages=messages,
            big_session_messages=min(messages // 2, max(100, round(FULL_BIG_SESSION * within))),
            memories=max(200, round(FULL_MEMORIES * within)),
            vocabulary=max(3_000, round(FULL_VOCABULARY * math.sqrt(within))),
        )

    @property
    def tag(self) -> str:
        return f"v{GEN_VERSION}-s{self.scale:g}".replace(".", "_")


def dataset_paths(data_dir: Path, sizes: Sizes) -> tuple[Path, Path]:
    stem = f"core-{sizes.tag}"
    return data_dir / f"{stem}.db", data_dir / f"{stem}.json"


def ensure_dataset(
    data_dir: Path,
    scale: float,
    *,
    rebuild: bool = False,
    log: Callable[[str], None] = print,
) -> Dataset:
    """The cached database for `scale`, built first if missing (or if `rebuild`)."""
    sizes = Sizes.for_scale(scale)
    db_path, info_path = dataset_paths(data_dir, sizes)
    return cached_build(
        db_path, info_path, lambda path: build(path, sizes, log), rebuild=rebuild, log=log
    )


# -- building ----------------------------------------------------------------------------------


def build(path: Path, sizes: Sizes, log: Callable[[str], None]) -> dict[str, Any]:
    rng = random.Random(20260115)
    t0 = time.perf_counter()

    def step(what: str) -> None:
        log(f"  {time.perf_counter() - t0:6.1f} s  {what}")

    log(f"building {path.name}: {sizes}")
    store = Store(path, clock=ManualClock(BENCH_NOW - HISTORY_MS - DAY_MS), key=BENCH_KEY)
    agents = [f"agent-{i:03d}" for i in range(sizes.agents)]
    for agent_id in agents:
        store.add_agent(agent_id, f"Agent {agent_id[6:]}")
    store.close()
    step(f"schema and {len(agents)} agents through the Store")

    words = Words(rng, sizes.vocabulary)
    load = BulkLoad(path, cache_kib=1_000_000)
    sessions, big = session_rows(rng, sizes, agents)
    insert_rows(load, "sessions", [s.values for s in sessions])
    insert_rows(load, "events", timeline(sessions))
    step(f"{len(sessions)} sessions and their events")
    insert_messages(load, rng, words, sizes, sessions, big)
    step(f"{sizes.messages} messages")
    insert_memories(load, rng, words, sizes, sessions, agents)
    step(f"{sizes.memories} memories")
    load.finish(step)
    load.conn.close()

    counts, queries = _describe(path, rng)
    step("query words chosen")
    return {
        "generator_version": GEN_VERSION,
        "scale": sizes.scale,
        "bench_now": BENCH_NOW,
        "sizes": sizes.__dict__,
        "counts": counts,
        "big_session": big.id,
        "agents_by_memories": queries.pop("agents_by_memories"),
        "queries": queries,
    }


def _describe(path: Path, rng: random.Random) -> tuple[dict[str, int], dict[str, Any]]:
    """Row counts, and the words the benchmarks search for, chosen from the real index."""
    conn = sqlite3.connect(path)
    counts = {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in ("agents", "sessions", "messages", "memories", "events")
    }
    counts["active_sessions"] = conn.execute(
        "SELECT count(*) FROM sessions WHERE state = 'active'"
    ).fetchone()[0]
    queries: dict[str, Any] = {}
    for table, prefix in (("memories_fts", "memory"), ("messages_fts", "message")):
        conn.execute(f"CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, {table}, row)")
        terms = conn.execute(
            "SELECT term, doc FROM temp.vocab WHERE term GLOB '[a-z][a-z]*' ORDER BY doc DESC"
        ).fetchall()
        conn.execute("DROP TABLE temp.vocab")
        frequent = [term for term, _doc in terms[:10]]
        rare_pool = [term for term, doc in terms if doc <= 10] or [t for t, _ in terms[-50:]]
        rare = sorted(rng.sample(rare_pool, min(10, len(rare_pool))))
        queries[f"{prefix}_frequent"] = {term: doc for term, doc in terms[:10] if term in frequent}
        queries[f"{prefix}_rare"] = {term: doc for term, doc in terms if term in set(rare)}
        if prefix == "memory":
            # The busiest 3-letter prefixes (worst case) and a random sample of the rest.
            weight: dict[str, int] = {}
            for term, doc in terms:
                if len(term) >= 3:
                    weight[term[:3]] = weight.get(term[:3], 0) + doc
            ordered = sorted(weight, key=weight.__getitem__, reverse=True)
            picked = ordered[:5] + sorted(rng.sample(ordered[5:], min(15, len(ordered) - 5)))
            queries["memory_prefixes"] = {p: weight[p] for p in picked}
    queries["agents_by_memories"] = [
        row[0]
        for row in conn.execute(
            "SELECT agent_id FROM memories GROUP BY agent_id ORDER BY count(*) DESC, agent_id"
        )
    ]
    conn.close()
    return counts, queries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    dataset = ensure_dataset(args.data_dir, args.scale, rebuild=args.rebuild)
    summary = {key: value for key, value in dataset.info.items() if key != "agents_by_memories"}
    print(json.dumps({"path": str(dataset.path), "cached": dataset.cached, **summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
