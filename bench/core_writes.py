"""The core benchmark's write sections: create and extend throughput in one process, then
several processes (real, spawned) writing a mix at once: throughput, latency tails, lock
errors. Part of bench/core.py.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

from core_bench import Bench, Result, percentile, timed
from generate import BENCH_KEY, BENCH_NOW

from agentsess_tui.core import AgentsessError, DatabaseLocked, ManualClock, Store

WORKERS = 4


# -- 4. create and extend ------------------------------------------------------------------


def create(bench: Bench) -> None:
    agents = bench.info["agents_by_memories"]
    n = bench.repeats(2000, 100)
    created: list[str] = []
    samples = []
    for index in range(n):
        ms, activation = timed(
            lambda i=index: bench.store.create_session(agents[i % len(agents)], f"bench {i}")
        )
        samples.append(ms)
        created.append(activation.session.id)
    bench.add(_throughput("create", "create_session", samples))
    samples = []
    for session_id in created:
        ms, _result = timed(lambda s=session_id: bench.store.extend_session(s, 1))
        samples.append(ms)
    bench.add(_throughput("create", "extend_session (+1 min)", samples))


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


def procs(bench: Bench) -> None:
    n = bench.repeats(2000, 100)
    agents = bench.info["agents_by_memories"]
    for workers in (1, WORKERS):
        reports = run_workers(bench.work, agents, workers, n)
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
        bench.add(result)
        # Every write's own latency, lock waits included: the tail is what an agent feels.
        samples = [ms for r in reports for ms in r["latencies"]]
        per = "; ".join(
            f"p99 {percentile(r['latencies'], 99):.1f} / max {max(r['latencies']):.1f}"
            for r in reports
        )
        worst_p99 = max(percentile(r["latencies"], 99) for r in reports)
        worst_max = max(max(r["latencies"]) for r in reports)
        slow = sum(ms > 100 for ms in samples)
        bench.add(
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
        bench.add(
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
            bench.add(
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
