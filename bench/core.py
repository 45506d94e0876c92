"""Benchmarks of the headless core on a large database, through the real `Store` API.

At `--scale 1` the database holds 100k sessions, 1M messages (one session with 100k) and 1M
memories (see generate.py). Each run works on a fresh copy of the cached database, so the
measurements that write never change the cache. Results are printed and written to
`bench/results/core.json` and `core.md`; these are recorded figures, not timed tests.

    python bench/core.py                    # full size (builds bench/data/ on first run)
    python bench/core.py --scale 0.1        # a quicker run
    python bench/core.py --only sweep,search --no-write
    python bench/core.py --scale 10 --only page,search,chats --name core-1m   # the 1M set

Sections that only read (page, search, chats) run on the cached file itself when nothing else
is asked for: copying the 1M set (5.2 GB) would take longer than measuring it.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import random
import shlex
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bulk import Dataset, remove_db
from generate import BENCH_KEY, BENCH_NOW, DATA_DIR, ensure_dataset

from agentsess_tui.core import AgentsessError, DatabaseLocked, ManualClock, Store
from agentsess_tui.core.repo.sweep import CHUNK, PAUSE_SECONDS, Sweeper

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SECTIONS = ("page", "search", "chats", "sweep", "create", "procs")
WRITE_SECTIONS = ("create", "procs")
READ_ONLY_SECTIONS = ("page", "search", "chats")
PAGE_SIZE = 100  # the Store's default page
WORKERS = 4


@dataclass
class Result:
    section: str
    name: str
    unit: str
    median: float
    p95: float | None = None
    n: int = 0
    target: str = ""
    passed: bool | None = None
    note: str = ""


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 100 samples is the 95th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return (time.perf_counter() - start) * 1000, value


def latency(
    section: str,
    name: str,
    samples: list[float],
    *,
    target_ms: float | None = None,
    on: str = "median",
    note: str = "",
) -> Result:
    median = statistics.median(samples)
    p95 = percentile(samples, 95)
    result = Result(section, name, "ms", median, p95, len(samples), note=note)
    if target_ms is not None:
        result.target = f"{on} ≤ {target_ms:g} ms"
        result.passed = (median if on == "median" else p95) <= target_ms
    return result


class Bench:
    def __init__(self, dataset: Dataset, work: Path, scale: float) -> None:
        self.info = dataset.info
        self.work = work
        self.scale = scale
        self.rng = random.Random(7)
        self.clock = ManualClock(BENCH_NOW)
        self.store = Store(work, clock=self.clock, key=BENCH_KEY)
        # Set-up and restore statements run on their own plain connection, never timed.
        self.raw = sqlite3.connect(work, isolation_level=None)
        self.raw.execute("PRAGMA busy_timeout = 10000")
        self.results: list[Result] = []

    def repeats(self, full: int, minimum: int) -> int:
        return max(minimum, round(full * min(1.0, self.scale * 10)))

    def add(self, result: Result) -> None:
        self.results.append(result)
        shown = f"{result.median:10.3f}" + (f" {result.p95:10.3f}" if result.p95 else " " * 11)
        verdict = "" if result.passed is None else ("  PASS" if result.passed else "  FAIL")
        print(f"  {result.name:<52} {shown} {result.unit:<6}{verdict}", flush=True)

    # -- 2. transcript pages -----------------------------------------------------------------

    def page(self) -> None:
        big = self.info["big_session"]
        ids = [
            row[0]
            for row in self.raw.execute(
                "SELECT id FROM messages WHERE session_id = ? ORDER BY id", (big,)
            )
        ]
        runs = self.repeats(300, 50)
        self.store.messages(big, limit=PAGE_SIZE)  # warm-up
        samples = []
        for _ in range(runs):
            ms, page = timed(lambda: self.store.messages(big, limit=PAGE_SIZE))
            assert len(page) == PAGE_SIZE and page[-1].id == ids[-1]
            samples.append(ms)
        self.add(
            latency(
                "page",
                f"last page ({PAGE_SIZE}) of a {len(ids):,}-message session",
                samples,
                target_ms=5,
            )
        )
        samples = []
        for before in self.rng.sample(ids[PAGE_SIZE:], min(runs, len(ids) - PAGE_SIZE)):
            ms, page = timed(
                lambda b=before: self.store.messages(big, before_id=b, limit=PAGE_SIZE)
            )
            assert len(page) == PAGE_SIZE and page[-1].id < before
            samples.append(ms)
        self.add(latency("page", "older page via keyset (before_id), random depth", samples))

    # -- 3. memory search --------------------------------------------------------------------

    def search(self) -> None:
        queries = self.info["queries"]
        # Whole words are typed with a trailing space (an exact term); a bare 3-letter prefix is
        # what search-as-you-type sends after three keystrokes (`abc*`).
        classes = {
            "frequent words": [f"{word} " for word in queries["memory_frequent"]],
            "rare words": [f"{word} " for word in queries["memory_rare"]],
            "3-letter prefixes": list(queries["memory_prefixes"]),
        }
        ranked = self.info["agents_by_memories"]
        # Heaviest, median and a light agent in turn: the inspector always filters by agent.
        agents = [ranked[0], ranked[len(ranked) // 2], ranked[-1]]
        reps = self.repeats(10, 3)
        for label, texts in classes.items():
            for filtered in (False, True):
                samples: list[float] = []
                hits = 0
                for rep in range(reps + 1):
                    for index, text in enumerate(texts):
                        agent = agents[index % len(agents)] if filtered else None
                        ms, found = timed(
                            lambda t=text, a=agent: self.store.search_memories(t, agent_id=a)
                        )
                        if rep:  # the first round warms the caches
                            samples.append(ms)
                            hits += len(found)
                name = f"memory search, {label}" + (", agent filter" if filtered else "")
                note = f"{len(texts)} queries x {reps}; {hits / len(samples):.1f} hits avg"
                self.add(latency("search", name, samples, target_ms=50, on="p95", note=note))

    # -- 6. chats: message search and the sidebar load ----------------------------------------

    def chats(self) -> None:
        queries = self.info["queries"]
        reps = self.repeats(5, 2)
        for label, key in (("frequent words", "message_frequent"), ("rare words", "message_rare")):
            texts = [f"{word} " for word in queries[key]]
            samples = []
            for rep in range(reps + 1):
                for text in texts:
                    ms, _hits = timed(lambda t=text: self.store.search_messages(t))
                    if rep:
                        samples.append(ms)
            name = f"message search across chats, {label}"
            self.add(latency("chats", name, samples, target_ms=50, on="p95"))
        samples = []
        count = 0
        # The whole list is what grows with history (10 s a load at 1M): fewer runs past 1.
        for _ in range(3 if self.scale > 1 else self.repeats(5, 3)):
            ms, sessions = timed(self.store.list_sessions)
            samples.append(ms)
            count = len(sessions)
        self.add(latency("chats", f"list_sessions() of all {count:,} (sidebar load)", samples))

    # -- 1. expiry sweeps ----------------------------------------------------------------------

    def sweep(self) -> None:
        raw = self.raw
        mark = raw.execute("SELECT max(id) FROM events").fetchone()[0]
        raw.execute(
            "CREATE TEMP TABLE saved AS "
            "SELECT id, state, expires_at, warn_at, warned_at, cap_at FROM sessions"
        )
        clock = ManualClock(BENCH_NOW)
        store = Store(self.work, clock=clock, key=BENCH_KEY)
        try:
            self._steady_sweep(store, clock, mark)
            self._mass_sweep(store, clock, mark)
        finally:
            store.close()
            self._restore(mark)
            raw.execute("DROP TABLE temp.saved")

    def _steady_sweep(self, store: Store, clock: ManualClock, mark: int) -> None:
        ticks = self.repeats(300, 100)
        store.sweep()  # warm-up, and nothing is due at BENCH_NOW
        idle: list[float] = []
        due: list[float] = []
        for _ in range(ticks):
            clock.advance(seconds=1)
            ms, result = timed(store.sweep)
            (due if result.expired or result.warned else idle).append(ms)
        live = self.info["counts"]["active_sessions"]
        for samples, what in ((idle, "nothing due"), (due, "a few due")):
            if samples:
                self.add(
                    latency(
                        "sweep",
                        f"steady 1 Hz sweep, {live:,} live sessions, {what}",
                        samples,
                        note=f"{len(samples)} of {ticks} ticks as the live sessions age",
                    )
                )
        # A busier second: three sessions expire and three enter the warning phase every tick.
        self._restore(mark)
        clock.set(BENCH_NOW)
        start = BENCH_NOW
        victims = [
            row[0]
            for row in self.raw.execute(
                "SELECT id FROM sessions WHERE state != 'active' ORDER BY rowid DESC LIMIT ?",
                (6 * ticks,),
            )
        ]
        self.raw.execute("BEGIN IMMEDIATE")
        for index, session_id in enumerate(victims):
            second = start + (index // 6) * 1000 + 500
            expires = second if index % 2 == 0 else second + 3_600_000
            warn = expires - 900_000 if index % 2 == 0 else second
            warned = warn if index % 2 == 0 else None
            self.raw.execute(
                "UPDATE sessions SET state = 'active', expires_at = ?, warn_at = ?, "
                "warned_at = ?, cap_at = ? WHERE id = ?",
                (expires, warn, warned, expires + 86_400_000, session_id),
            )
        self.raw.execute("COMMIT")
        samples, expired, warned = [], 0, 0
        for _ in range(ticks):
            clock.advance(seconds=1)
            ms, result = timed(store.sweep)
            samples.append(ms)
            expired += len(result.expired)
            warned += len(result.warned)
        self.add(
            latency(
                "sweep",
                "steady 1 Hz sweep, +3 expiring and +3 warned a tick",
                samples,
                note=f"{ticks} ticks: {expired} expired, {warned} warned",
            )
        )

    def _mass_sweep(self, store: Store, clock: ManualClock, mark: int) -> None:
        """100k overdue sessions at once (a machine that was off for days): reads must be
        right before any sweep, and the sweep must never hold the write lock long."""
        total = self.info["counts"]["sessions"]
        repeats = self.repeats(5, 3)
        self._arm_all_overdue(mark)
        clock.set(BENCH_NOW)
        listed_active = len(store.list_sessions(state="active"))
        listed_expired = len(store.list_sessions(phase="expired"))
        self.add(
            Result(
                "sweep",
                f"mass expiry: reads before the sweep, {total:,} overdue",
                "sessions",
                listed_active,
                n=listed_expired,
                target="0 listed active, all expired",
                passed=listed_active == 0 and listed_expired == total,
                note=f"list_sessions(state='active') gave {listed_active}, "
                f"list_sessions(phase='expired') {listed_expired:,}",
            )
        )
        alone: list[float] = []
        with_writer: list[float] = []
        holds: list[float] = []
        waits: list[float] = []
        for run in range(2 * repeats):
            self._arm_all_overdue(mark)
            clock.set(BENCH_NOW)
            writer = run % 2 == 1
            sweeper, marks = timed_sweeper(store, clock)
            if writer:
                with PacedWriter(self.work, self.info["agents_by_memories"][0]) as paced:
                    start = time.monotonic()
                    ms, result = timed(sweeper.sweep)
                    end = time.monotonic()
                waits += paced.latencies_between(start, end)
                with_writer.append(ms)
            else:
                marks.append(time.perf_counter())
                ms, result = timed(sweeper.sweep)
                marks.append(time.perf_counter())
                alone.append(ms)
                # Between two pauses: one chunk's transaction (an upper bound on its lock hold).
                holds += [(b - a) * 1000 for a, b in zip(marks[0::2], marks[1::2], strict=True)]
            assert len(result.expired) == total, (len(result.expired), total)
        self.add(
            latency(
                "sweep",
                f"mass expiry: whole sweep() of {total:,} overdue sessions",
                alone,
                target_ms=2000,
                note=f"chunks of {CHUNK:,} with {PAUSE_SECONDS * 1000:g} ms between them; "
                f"with the paced writer below: median {statistics.median(with_writer):.0f} ms",
            )
        )
        longest = max(holds)
        self.add(
            Result(
                "sweep",
                "mass expiry: longest write-lock hold (one chunk)",
                "ms",
                longest,
                n=len(holds),
                target="max ≤ 20 ms",
                passed=longest <= 20,
                note=f"median chunk {statistics.median(holds):.1f} ms, p95 "
                f"{percentile(holds, 95):.1f} ms; timed between pauses (an upper bound)",
            )
        )
        if not waits:  # a tiny dataset: the sweep was over before the writer's first write
            return
        p99 = percentile(waits, 99)
        self.add(
            Result(
                "sweep",
                "mass expiry: another process writing every 10 ms, latency",
                "ms",
                statistics.median(waits),
                percentile(waits, 95),
                n=len(waits),
                target="p99 ≤ 50 ms",
                passed=p99 <= 50,
                note=f"p99 {p99:.1f} ms, max {max(waits):.1f} ms: remember() calls that "
                "started during the sweep, in a separate process",
            )
        )

    def _arm_all_overdue(self, mark: int) -> None:
        """Every session live and overdue, as after a machine was off for days. Checkpointed, so
        each timed sweep starts with an empty WAL."""
        self._restore(mark)
        self.raw.execute("BEGIN IMMEDIATE")
        self.raw.execute(
            "UPDATE sessions SET state = 'active', "
            "expires_at = min(expires_at, :now - 1000 - (rowid % 86400) * 1000)",
            {"now": BENCH_NOW},
        )
        self.raw.execute("COMMIT")
        self.raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _restore(self, mark: int) -> None:
        raw = self.raw
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("DELETE FROM events WHERE id > ?", (mark,))
        raw.execute(
            "UPDATE sessions SET state = s.state, expires_at = s.expires_at, warn_at = s.warn_at, "
            "warned_at = s.warned_at, cap_at = s.cap_at FROM temp.saved AS s "
            "WHERE sessions.id = s.id AND (sessions.state != s.state "
            "OR sessions.expires_at != s.expires_at OR sessions.warn_at != s.warn_at "
            "OR sessions.warned_at IS NOT s.warned_at OR sessions.cap_at != s.cap_at)"
        )
        raw.execute("COMMIT")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- 4. create and extend ------------------------------------------------------------------

    def create(self) -> None:
        agents = self.info["agents_by_memories"]
        n = self.repeats(2000, 100)
        created: list[str] = []
        samples = []
        for index in range(n):
            ms, activation = timed(
                lambda i=index: self.store.create_session(agents[i % len(agents)], f"bench {i}")
            )
            samples.append(ms)
            created.append(activation.session.id)
        self.add(self._throughput("create", "create_session", samples))
        samples = []
        for session_id in created:
            ms, _result = timed(lambda s=session_id: self.store.extend_session(s, 1))
            samples.append(ms)
        self.add(self._throughput("create", "extend_session (+1 min)", samples))

    @staticmethod
    def _throughput(section: str, name: str, samples: list[float]) -> Result:
        return Result(
            section,
            f"{name} throughput, one process",
            "ops/s",
            len(samples) / (sum(samples) / 1000),
            n=len(samples),
            note=f"latency p50 {statistics.median(samples):.3f} ms, "
            f"p95 {percentile(samples, 95):.3f} ms",
        )

    # -- 5. several processes writing at once --------------------------------------------------

    def procs(self) -> None:
        n = self.repeats(2000, 100)
        agents = self.info["agents_by_memories"]
        for workers in (1, WORKERS):
            reports = run_workers(self.work, agents, workers, n)
            ops = sum(r["ops"] for r in reports)
            locks = sum(r["lock_errors"] for r in reports)
            others = sum(r["other_errors"] for r in reports)
            wall = max(r["end"] for r in reports) - min(r["start"] for r in reports)
            each = ", ".join(f"{r['ops'] / (r['end'] - r['start']):.0f}" for r in reports)
            note = f"{n} mixed writes each; per process ops/s: {each}; other errors {others}"
            if others:
                note += f" ({reports[0]['first_errors']})"
            label = "process" if workers == 1 else "processes"
            result = Result(
                "procs",
                f"{workers} {label}, mixed writes: total throughput",
                "ops/s",
                ops / wall,
                n=ops,
                note=note,
            )
            self.add(result)
            # Every write's own latency, lock waits included: the tail is what an agent feels.
            samples = [ms for r in reports for ms in r["latencies"]]
            per = "; ".join(
                f"p99 {percentile(r['latencies'], 99):.1f} / max {max(r['latencies']):.1f}"
                for r in reports
            )
            worst_p99 = max(percentile(r["latencies"], 99) for r in reports)
            worst_max = max(max(r["latencies"]) for r in reports)
            slow = sum(ms > 100 for ms in samples)
            self.add(
                Result(
                    "procs",
                    f"{workers} {label}: write latency p99, worst process",
                    "ms",
                    worst_p99,
                    n=len(samples),
                    target="p99 ≤ 50 ms",
                    passed=worst_p99 <= 50,
                    note=f"per process p99 / max ms: {per}; median of all "
                    f"{statistics.median(samples):.2f} ms; {slow} writes over 100 ms",
                )
            )
            self.add(
                Result(
                    "procs",
                    f"{workers} {label}: write latency max",
                    "ms",
                    worst_max,
                    n=len(samples),
                    target="max ≤ 250 ms",
                    passed=worst_max <= 250,
                    note="the slowest single write of any process, from the call to its return",
                )
            )
            if workers > 1:
                self.add(
                    Result(
                        "procs",
                        f"{workers} processes: lock errors",
                        "errors",
                        locks,
                        n=ops,
                        target="= 0",
                        passed=locks == 0 and others == 0,
                        note="DatabaseLocked or 'database is locked' raised to the caller",
                    )
                )

    def close(self) -> None:
        self.store.close()
        self.raw.close()


def timed_sweeper(store: Store, clock: ManualClock) -> tuple[Sweeper, list[float]]:
    """The store's sweeper as the Store builds it, noting the time around each pause."""
    marks: list[float] = []

    def pause() -> None:
        marks.append(time.perf_counter())
        time.sleep(PAUSE_SECONDS)
        marks.append(time.perf_counter())

    return Sweeper(store.db, clock, chunk=CHUNK, pause=pause), marks


class PacedWriter:
    """Another process writing once every 10 ms (a remember() each), noting each latency."""

    def __init__(self, path: Path, agent_id: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        self.ready = ctx.Event()
        self.queue: Any = ctx.Queue()
        self.proc = ctx.Process(
            target=paced_writer, args=(str(path), agent_id, self.stop, self.ready, self.queue)
        )
        self.samples: list[tuple[float, float]] = []

    def __enter__(self) -> PacedWriter:
        self.proc.start()
        if not self.ready.wait(120):
            raise RuntimeError("the paced writer did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.05)  # a few writes after the sweep too
        self.stop.set()
        self.samples = self.queue.get(timeout=120)
        self.proc.join(timeout=60)

    def latencies_between(self, start: float, end: float) -> list[float]:
        return [ms for at, ms in self.samples if start <= at <= end]


def paced_writer(path: str, agent_id: str, stop: Any, ready: Any, queue: Any) -> None:
    store = Store(path, clock=ManualClock(BENCH_NOW), key=BENCH_KEY)
    samples: list[tuple[float, float]] = []
    for _ in range(5):  # warm-up: connection, statement cache
        store.remember("paced writer warm-up", agent_id=agent_id)
    ready.set()
    tick = time.monotonic()
    while not stop.is_set():
        at = time.monotonic()
        store.remember(f"paced write at {at:.3f}", agent_id=agent_id)
        samples.append((at, (time.monotonic() - at) * 1000))
        tick += 0.010
        time.sleep(max(0.0, tick - time.monotonic()))
    queue.put(samples)
    store.close()


def run_workers(path: Path, agents: list[str], workers: int, n: int) -> list[dict[str, Any]]:
    # Real processes, started the way a fresh `python` would be: nothing shared but the file.
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(workers)
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=write_worker, args=(str(path), agents[i], n, barrier, queue))
        for i in range(workers)
    ]
    for proc in procs:
        proc.start()
    reports = [queue.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    return reports


def write_worker(path: str, agent_id: str, n: int, barrier: Any, queue: Any) -> None:
    """An agent process: its own store and session, then `n` writes as fast as it can."""
    clock = ManualClock(BENCH_NOW)
    store = Store(path, clock=clock, key=BENCH_KEY)
    session_id = store.create_session(
        agent_id, "bench writer", options={"auto_renew": True}
    ).session.id
    report: dict[str, Any] = {"ops": 0, "lock_errors": 0, "other_errors": 0, "first_errors": []}
    latencies: list[float] = []
    barrier.wait()
    report["start"] = time.perf_counter()
    for index in range(n):
        clock.advance(ms=100)  # time passes, so auto-renew really renews
        kind = index % 10
        began = time.perf_counter()
        try:
            if kind < 5:
                store.add_message(session_id, f"step {index}: tool output line", role="tool")
            elif kind < 7:
                store.remember(
                    f"observation {index} from the benchmark writer", session_id=session_id
                )
            elif kind < 9:
                store.heartbeat(session_id)
            else:
                store.extend_session(session_id, 1)
            report["ops"] += 1
        except DatabaseLocked:
            report["lock_errors"] += 1
        except (AgentsessError, sqlite3.Error) as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                report["lock_errors"] += 1
            else:
                report["other_errors"] += 1
                if len(report["first_errors"]) < 3:
                    report["first_errors"].append(repr(exc))
        latencies.append((time.perf_counter() - began) * 1000)
    report["end"] = time.perf_counter()
    report["latencies"] = latencies
    store.close()
    queue.put(report)


# -- reporting ---------------------------------------------------------------------------------


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


def merge_previous(path: Path, payload: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    """With --only, keep the earlier results of the sections not run (same dataset scale), so
    re-measuring a few rows never drops the others; the note says which rows are from when."""
    if not path.exists():
        return payload
    previous = json.loads(path.read_text())
    if previous["dataset"]["scale"] != payload["dataset"]["scale"]:
        return payload
    kept = [r for r in previous["results"] if r["section"] not in wanted]
    order = {section: index for index, section in enumerate(SECTIONS)}
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of the agentsess core.")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100k sessions, 1M rows")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the cached database")
    parser.add_argument("--no-write", action="store_true", help="skip the write throughput runs")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where results go")
    parser.add_argument("--note", default="", help="a remark for the results file")
    parser.add_argument("--name", default="core", help="results file stem (core → core.md)")
    args = parser.parse_args(argv)
    wanted = [s for s in args.only.split(",") if s] or list(SECTIONS)
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; pick from {SECTIONS}")
    if args.no_write:
        wanted = [s for s in wanted if s not in WRITE_SECTIONS]

    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    dataset = ensure_dataset(args.data_dir, args.scale, rebuild=args.rebuild)
    in_place = set(wanted) <= set(READ_ONLY_SECTIONS)
    work = dataset.path if in_place else dataset.path.with_name(dataset.path.stem + ".work.db")
    if not in_place:
        remove_db(work)
        shutil.copyfile(dataset.path, work)
        # Flush the copy now: otherwise the first WAL checkpoint's fsync writes the whole copy
        # out (a 6 s "write" on the 5 GB set), which measures the copy, not the store.
        with work.open("rb+") as copied:
            os.fsync(copied.fileno())
    bench = Bench(dataset, work, args.scale)
    print(f"{'measurement':<54} {'median':>10} {'p95':>10}")
    try:
        for section in SECTIONS:
            if section in wanted:
                print(f"[{section}]", flush=True)
                getattr(bench, section)()
    finally:
        bench.close()
        if not in_place:
            remove_db(work)
    payload = {
        "args": shlex.join(sys.argv[1:] if argv is None else argv),
        "machine": machine_info(),
        "load": [load_start, os.getloadavg()[0]],
        "note": args.note,
        "seconds": time.perf_counter() - started,
        "cached": dataset.cached,
        "dataset": {
            key: dataset.info[key]
            for key in ("scale", "sizes", "counts", "file_mb", "build_seconds", "queries")
        },
        "results": [asdict(r) for r in bench.results],
    }
    if args.only:
        payload = merge_previous(args.out / f"{args.name}.json", payload, wanted)
    write_reports(args.out, payload, args.name)
    failed = [r.name for r in bench.results if r.passed is False]
    print(f"wrote {args.out / args.name}.json and .md; {len(failed)} target(s) missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
