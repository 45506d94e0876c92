"""Build the benchmark database: 100k sessions, 1M messages, 1M memories at `--scale 1`;
1M sessions, 10M messages, 1M memories at `--scale 10` (only the history grows past 1).

The schema comes from the real migrations (a `Store` is opened on the new file); rows are then
bulk-inserted with raw `executemany`. The FTS triggers are dropped for the load, both indexes are
rebuilt with FTS5's `rebuild` command, and the triggers are recreated from the very SQL the
migration stored in `sqlite_master`, so the result is what the app would have built row by row.

Everything is relative to a fixed `BENCH_NOW` (the benchmarks run on a `ManualClock` set to it),
so a cached database never goes stale. The file is cached under `bench/data/` keyed by the
generator version and the scale; a sidecar JSON says what is in it and which words to search.

    python bench/generate.py --scale 0.1 [--rebuild]
    python bench/generate.py --scale 10     # the 1M set: 5.2 GB, 34 min on 2 busy cores
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import sqlite3
import string
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulk import BATCH, BulkLoad, Dataset, SessionRow, cached_build, timeline

from agentsess_tui.core import ManualClock, Policy, Store
from agentsess_tui.core.clock import DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS
from agentsess_tui.core.ids import new_session_id
from agentsess_tui.core.models import MEMORY_TYPES

# Bump when the generated data changes shape: old cached files are then ignored.
GEN_VERSION = 3
BENCH_NOW = ManualClock().now_ms()  # 2026-01-15T09:00:00Z, the tests' start time too
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
HISTORY_MS = 90 * DAY_MS

# The most frequent words are real ones, so the frequent-word queries look like what people type.
COMMON_WORDS = (
    "the of and to in is that for it with as was on be at by this have from or an but not are "
    "user agent data file project api should when use need will task test config error run "
    "model deploy release server review prefers wants likes team build code issue meeting"
).split()
TAGS = (
    "python rust infra deploy billing research ux docs security perf onboarding api "
    "customer internal urgent later idea bug design ops"
).split()
# Policies the active sessions are created with: defaults, a short auto-renewing idle timeout,
# a day-long window, and a tight one.
POLICY_VARIANTS: tuple[dict[str, Any], ...] = (
    {},
    {"window_minutes": 60, "auto_renew": True},
    {"window_minutes": 1440, "warning_minutes": 60},
    {"window_minutes": 30, "warning_minutes": 5, "max_lifetime_minutes": 240, "auto_renew": True},
)
END_REASONS = ("ended by user", "ended by user", "task finished", "agent finished")


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


class Words:
    """A Zipf-distributed vocabulary (s = 1): a few very frequent words, a long tail of rare
    ones, and syllable-built words so many share their first three letters."""

    def __init__(self, rng: random.Random, size: int) -> None:
        onsets = [*"bcdfghjklmnprstvwz", "br", "ch", "dr", "gr", "kr", "pl", "sh", "st", "tr"]
        vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou"]
        codas = ["", "", "", "n", "r", "s", "l", "m", "t", "x"]
        seen = set(COMMON_WORDS)
        words = list(COMMON_WORDS)
        while len(words) < size:
            word = "".join(
                rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))
            )
            if len(word) >= 3 and word not in seen:
                seen.add(word)
                words.append(word)
        self.words = words
        self.cum_weights = list(itertools.accumulate(1 / rank for rank in range(1, size + 1)))
        self.rng = rng

    def texts(self, lengths: Sequence[int]) -> list[str]:
        drawn = self.rng.choices(self.words, cum_weights=self.cum_weights, k=sum(lengths))
        out: list[str] = []
        pos = 0
        for n in lengths:
            text = " ".join(drawn[pos : pos + n])
            out.append(text[0].upper() + text[1:] + ".")
            pos += n
        return out


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
    sessions, big = _sessions(rng, sizes, agents)
    _insert(load, "sessions", [s.values for s in sessions])
    _insert(load, "events", timeline(sessions))
    step(f"{len(sessions)} sessions and their events")
    _insert_messages(load, rng, words, sizes, sessions, big)
    step(f"{sizes.messages} messages")
    _insert_memories(load, rng, words, sizes, sessions, agents)
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


def _sessions(
    rng: random.Random, sizes: Sizes, agents: list[str]
) -> tuple[list[SessionRow], SessionRow]:
    # Some agents are much busier than others.
    agent_weights = [1 / (i + 1) ** 0.8 for i in range(len(agents))]
    policies = [Policy(**variant) for variant in POLICY_VARIANTS]
    rows: list[SessionRow] = []
    for index in range(sizes.sessions):
        agent_id = rng.choices(agents, agent_weights)[0]
        is_active = index < sizes.active
        # The first one, with the default policy, will hold the big transcript.
        policy = policies[rng.randrange(len(policies))] if 0 < index < sizes.active else policies[0]
        window = policy.window_minutes * MINUTE_MS
        cap_span = policy.max_lifetime_minutes * MINUTE_MS
        resumes = 0
        renewals = 0
        ended_at = end_reason = None
        if is_active:
            # Live now, with anything from a minute to a full window left.
            expires_at = BENCH_NOW + rng.randint(MINUTE_MS, window)
            activated_at = expires_at - window
            if policy.auto_renew and rng.random() < 0.7:
                renewals = rng.randint(1, 20)
                activated_at -= rng.randint(0, cap_span - window)
            created_at = activated_at
            if rng.random() < 0.2:
                resumes = rng.randint(1, 5)
                created_at -= rng.randint(HOUR_MS, 20 * DAY_MS)
            state = "active"
            end_at = BENCH_NOW
        else:
            created_at = BENCH_NOW - rng.randint(2 * DAY_MS, HISTORY_MS)
            activated_at = created_at
            if rng.random() < 0.1:
                resumes = 1
                activated_at += rng.randint(HOUR_MS, DAY_MS)
            expires_at = activated_at + window
            if rng.random() < 0.15:  # extended a few times
                expires_at = min(expires_at + rng.randint(1, 6) * HOUR_MS, activated_at + cap_span)
            if rng.random() < 0.72:
                state = "expired"
                end_at = expires_at
            else:
                state = "ended"
                ended_at = activated_at + rng.randint(MINUTE_MS, expires_at - activated_at)
                end_reason = rng.choice(END_REASONS)
                end_at = ended_at
        warn_at = expires_at - policy.warning_minutes * MINUTE_MS
        warned_at = warn_at + rng.randint(0, 900) * SECOND_MS if warn_at <= end_at else None
        if warned_at is not None and warned_at > end_at:
            warned_at = end_at
        rows.append(
            SessionRow(
                id=new_session_id(created_at),
                agent_id=agent_id,
                title=f"{rng.choice(COMMON_WORDS[20:]).title()} {rng.randint(1, 999)}",
                state=state,
                created_at=created_at,
                activated_at=activated_at,
                last_activity_at=rng.randint(activated_at, end_at),
                expires_at=expires_at,
                warn_at=warn_at,
                cap_at=activated_at + cap_span,
                renewal_count=renewals,
                resume_count=resumes,
                warned_at=warned_at,
                ended_at=ended_at,
                end_reason=end_reason,
                token_jti="".join(rng.choices(string.ascii_letters + string.digits, k=16)),
                window_minutes=policy.window_minutes,
                policy=policy.model_dump_json(),
                metadata="{}",
                end_at=end_at,
            )
        )
    # The big transcript belongs to a live session with the default policy that has been
    # resumed for a month: a person scrolls it in the TUI while an agent keeps logging to it.
    big = rows[0]
    big.created_at = BENCH_NOW - 30 * DAY_MS
    big.title = "Long-running agent log"
    big.resume_count = max(big.resume_count, 12)
    rows.sort(key=lambda s: s.created_at)  # rowid order is creation order, as in real use
    return rows, big


def _insert(load: BulkLoad, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    columns = {
        "sessions": "id, agent_id, title, state, created_at, activated_at, last_activity_at, "
        "expires_at, warn_at, cap_at, renewal_count, resume_count, warned_at, ended_at, "
        "end_reason, token_jti, window_minutes, policy, metadata",
        "events": "session_id, at, kind, detail",
        "messages": "session_id, role, content, created_at",
        "memories": "agent_id, session_id, type, title, content, tags, confidence, status, "
        "created_at, updated_at",
    }[table]
    load.insert(table, columns, rows)


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_messages(
    load: BulkLoad,
    rng: random.Random,
    words: Words,
    sizes: Sizes,
    sessions: list[SessionRow],
    big: SessionRow,
) -> None:
    # The rest spread over all sessions, some chats much longer than others.
    weights = [rng.lognormvariate(0, 1) for _ in sessions]
    owners = rng.choices(sessions, weights, k=sizes.messages - sizes.big_session_messages)
    owners += [big] * sizes.big_session_messages
    # Messages of all chats interleave in time, and ids follow time.
    stamped = sorted((rng.randint(s.created_at, s.end_at), s.id) for s in owners)
    del owners
    roles = ("user", "assistant", "assistant", "tool", "system")
    for chunk in _chunks(stamped):
        lengths = [max(2, min(120, int(rng.lognormvariate(2.6, 0.7)))) for _ in chunk]
        texts = words.texts(lengths)
        rows = [
            (session_id, rng.choice(roles), text, at)
            for (at, session_id), text in zip(chunk, texts, strict=True)
        ]
        _insert(load, "messages", rows)


def _insert_memories(
    load: BulkLoad,
    rng: random.Random,
    words: Words,
    sizes: Sizes,
    sessions: list[SessionRow],
    agents: list[str],
) -> None:
    by_agent: dict[str, list[SessionRow]] = {agent_id: [] for agent_id in agents}
    for s in sessions:
        by_agent[s.agent_id].append(s)
    agent_weights = [1 / (i + 1) ** 0.8 for i in range(len(agents))]
    plan: list[tuple[int, str, str | None]] = []
    for agent_id in rng.choices(agents, agent_weights, k=sizes.memories):
        own = by_agent[agent_id]
        if own and rng.random() < 0.75:
            origin = rng.choice(own)
            plan.append((rng.randint(origin.created_at, origin.end_at), agent_id, origin.id))
        else:
            plan.append((BENCH_NOW - rng.randint(0, HISTORY_MS), agent_id, None))
    # By time, then agent; a tie there (likely at 1M sessions) must not compare None with str.
    plan.sort(key=lambda item: (item[0], item[1], item[2] or ""))
    type_weights = [8, 4, 2, 2, 2, 3, 3, 2, 1, 3, 5, 1, 1][: len(MEMORY_TYPES)]
    for chunk in _chunks(plan):
        lengths = [rng.randint(6, 40) for _ in chunk]
        texts = words.texts(lengths)
        rows = []
        for (at, agent_id, session_id), text in zip(chunk, texts, strict=True):
            title = (
                words.texts([rng.randint(2, 6)])[0][:-1]
                if rng.random() < 0.2
                else (text if len(text) <= 50 else text[:49] + "…")
            )
            tags = json.dumps(rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2, 3))))
            roll = rng.random()
            status = "active" if roll < 0.92 else "superseded" if roll < 0.97 else "deleted"
            rows.append(
                (
                    agent_id,
                    session_id,
                    rng.choices(MEMORY_TYPES, type_weights)[0],
                    title,
                    text,
                    tags,
                    round(rng.uniform(0.3, 1.0), 2),
                    status,
                    at,
                    at,
                )
            )
        _insert(load, "memories", rows)


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
