"""The core benchmark's shared pieces: a measured row (`Result`), the timing and percentile
helpers, and `Bench`, the state every section works on (the working copy, its `Store`, a raw
connection for untimed set-up, the rows measured so far). Part of bench/core.py.
"""

from __future__ import annotations

import math
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulk import Dataset
from generate import BENCH_KEY, BENCH_NOW

from agentsess_tui.core import ManualClock, Store


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
    """What every section works on; each adds its rows with `add`."""

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

    def close(self) -> None:
        self.store.close()
        self.raw.close()
