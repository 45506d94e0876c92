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

This file is the entry point; the sections are in core_reads.py (page, search, chats),
core_sweep.py (sweep) and core_writes.py (create, procs), on the shared `Bench` of
core_bench.py; core_report.py writes the results.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import core_reads
import core_sweep
import core_writes
from bulk import remove_db
from core_bench import Bench
from core_report import machine_info, merge_previous, write_reports
from generate import DATA_DIR, ensure_dataset

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SECTIONS = ("page", "search", "chats", "sweep", "create", "procs")
WRITE_SECTIONS = ("create", "procs")
READ_ONLY_SECTIONS = ("page", "search", "chats")
# Each section's measurements (core_reads, core_sweep, core_writes), run in SECTIONS' order.
MEASURES: dict[str, Callable[[Bench], None]] = {
    "page": core_reads.page,
    "search": core_reads.search,
    "chats": core_reads.chats,
    "sweep": core_sweep.sweep,
    "create": core_writes.create,
    "procs": core_writes.procs,
}


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
                MEASURES[section](bench)
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
        payload = merge_previous(args.out / f"{args.name}.json", payload, wanted, SECTIONS)
    write_reports(args.out, payload, args.name)
    failed = [r.name for r in bench.results if r.passed is False]
    print(f"wrote {args.out / args.name}.json and .md; {len(failed)} target(s) missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
