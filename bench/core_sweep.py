"""The core benchmark's expiry sweeps: a steady 1 Hz sweep, and a mass expiry (every session
overdue at once) alone and beside another process writing every 10 ms. Part of bench/core.py.
"""

from __future__ import annotations

import contextlib
import copy
import multiprocessing
import sqlite3
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core_bench import Bench, Result, latency, percentile, timed
from generate import BENCH_KEY, BENCH_NOW

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.repo.sweep import CHUNK, Sweeper

# -- 1. expiry sweeps ----------------------------------------------------------------------


def sweep(bench: Bench) -> None:
    raw = bench.raw
    mark = raw.execute("SELECT max(id) FROM events").fetchone()[0]
    raw.execute(
        "CREATE TEMP TABLE saved AS "
        "SELECT id, state, expires_at, warn_at, warned_at, cap_at FROM sessions"
    )
    clock = ManualClock(BENCH_NOW)
    store = Store(bench.work, clock=clock, key=BENCH_KEY)
    try:
        _steady_sweep(bench, store, clock, mark)
        _mass_sweep(bench, store, clock, mark)
    finally:
        store.close()
        _restore(bench, mark)
        raw.execute("DROP TABLE temp.saved")


def _steady_sweep(bench: Bench, store: Store, clock: ManualClock, mark: int) -> None:
    ticks = bench.repeats(300, 100)
    store.sweep()  # warm-up, and nothing is due at BENCH_NOW
    idle: list[float] = []
    due: list[float] = []
    for _ in range(ticks):
        clock.advance(seconds=1)
        ms, result = timed(store.sweep)
        (due if result.expired or result.warned else idle).append(ms)
    live = bench.info["counts"]["active_sessions"]
    for samples, what in ((idle, "nothing due"), (due, "a few due")):
        if samples:
            bench.add(
                latency(
                    "sweep",
                    f"steady 1 Hz sweep, {live:,} live sessions, {what}",
                    samples,
                    note=f"{len(samples)} of {ticks} ticks as the live sessions age",
                )
            )
    # A busier second: three sessions expire and three enter the warning phase every tick.
    _restore(bench, mark)
    clock.set(BENCH_NOW)
    start = BENCH_NOW
    victims = [
        row[0]
        for row in bench.raw.execute(
            "SELECT id FROM sessions WHERE state != 'active' ORDER BY rowid DESC LIMIT ?",
            (6 * ticks,),
        )
    ]
    bench.raw.execute("BEGIN IMMEDIATE")
    for index, session_id in enumerate(victims):
        second = start + (index // 6) * 1000 + 500
        expires = second if index % 2 == 0 else second + 3_600_000
        warn = expires - 900_000 if index % 2 == 0 else second
        warned = warn if index % 2 == 0 else None
        bench.raw.execute(
            "UPDATE sessions SET state = 'active', expires_at = ?, warn_at = ?, "
            "warned_at = ?, cap_at = ? WHERE id = ?",
            (expires, warn, warned, expires + 86_400_000, session_id),
        )
    bench.raw.execute("COMMIT")
    samples, expired, warned = [], 0, 0
    for _ in range(ticks):
        clock.advance(seconds=1)
        ms, result = timed(store.sweep)
        samples.append(ms)
        expired += len(result.expired)
        warned += len(result.warned)
    bench.add(
        latency(
            "sweep",
            "steady 1 Hz sweep, +3 expiring and +3 warned a tick",
            samples,
            note=f"{ticks} ticks: {expired} expired, {warned} warned",
        )
    )


def _mass_sweep(bench: Bench, store: Store, clock: ManualClock, mark: int) -> None:
    """100k overdue sessions at once (a machine that was off for days): reads must be
    right before any sweep, and the sweep must never hold the write lock long."""
    total = bench.info["counts"]["sessions"]
    repeats = bench.repeats(5, 3)
    _arm_all_overdue(bench, mark)
    clock.set(BENCH_NOW)
    listed_active = len(store.list_sessions(state="active"))
    listed_expired = len(store.list_sessions(phase="expired"))
    bench.add(
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
        _arm_all_overdue(bench, mark)
        clock.set(BENCH_NOW)
        writer = run % 2 == 1
        sweeper, marks = timed_sweeper(store, clock)
        if writer:
            with PacedWriter(bench.work, bench.info["agents_by_memories"][0]) as paced:
                start = time.monotonic()
                ms, result = timed(sweeper.sweep)
                end = time.monotonic()
            waits += paced.latencies_between(start, end)
            with_writer.append(ms)
        else:
            ms, result = timed(sweeper.sweep)
            alone.append(ms)
            # Each chunk's transaction: the write lock held.
            holds += [(b - a) * 1000 for a, b in zip(marks[0::2], marks[1::2], strict=True)]
        assert len(result.expired) == total, (len(result.expired), total)
    bench.add(
        latency(
            "sweep",
            f"mass expiry: whole sweep() of {total:,} overdue sessions",
            alone,
            target_ms=2000,
            note=f"chunks of {CHUNK:,}, pausing between them while a writer waits; "
            f"with the paced writer below: median {statistics.median(with_writer):.0f} ms",
        )
    )
    longest = max(holds)
    bench.add(
        Result(
            "sweep",
            "mass expiry: longest write-lock hold (one chunk)",
            "ms",
            longest,
            n=len(holds),
            target="max ≤ 20 ms",
            passed=longest <= 20,
            note=f"median chunk {statistics.median(holds):.1f} ms, p95 "
            f"{percentile(holds, 95):.1f} ms; each chunk's transaction, BEGIN IMMEDIATE to COMMIT",
        )
    )
    if not waits:  # a tiny dataset: the sweep was over before the writer's first write
        return
    p99 = percentile(waits, 99)
    bench.add(
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


def _arm_all_overdue(bench: Bench, mark: int) -> None:
    """Every session live and overdue, as after a machine was off for days. Checkpointed, so
    each timed sweep starts with an empty WAL."""
    _restore(bench, mark)
    bench.raw.execute("BEGIN IMMEDIATE")
    bench.raw.execute(
        "UPDATE sessions SET state = 'active', "
        "expires_at = min(expires_at, :now - 1000 - (rowid % 86400) * 1000)",
        {"now": BENCH_NOW},
    )
    bench.raw.execute("COMMIT")
    bench.raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _restore(bench: Bench, mark: int) -> None:
    raw = bench.raw
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


def timed_sweeper(store: Store, clock: ManualClock) -> tuple[Sweeper, list[float]]:
    """The store's sweeper as the Store builds it, on a database whose write transactions
    are timed: from BEGIN IMMEDIATE granted to COMMIT returned, start and end of each."""
    marks: list[float] = []
    db = copy.copy(store.db)  # the same connections; only this copy's write() is timed
    write = store.db.write

    @contextlib.contextmanager
    def timed_write() -> Iterator[sqlite3.Connection]:
        with write() as conn:
            marks.append(time.perf_counter())
            yield conn
        marks.append(time.perf_counter())

    db.write = timed_write  # type: ignore[method-assign]
    return Sweeper(db, clock, chunk=CHUNK), marks


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
