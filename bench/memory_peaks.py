"""Peak memory of the reads and imports that grow with the data (issue 10, item 9).

Each case is the real `agentsess` command in its own process; its peak resident set size is
its own high-water mark (VmHWM in /proc/self/status, read as it exits), so nothing of this
script's own memory is counted. Target: at most 100 MB for each.

    python bench/memory_peaks.py             # all three cases
    python bench/memory_peaks.py --only ls   # one of: ls, export, import

- `ls`: `sessions ls --limit 0 --json` on the 100k-session dataset (bench/data/core-v3-s1.db,
  hardlinked from the shared cache and copied to a temporary directory before the command
  opens it, so the shared file is never written).
- `export`: `sessions export` (JSON) of one session with 200k messages, built in a temporary
  directory.
- `import`: `sessions import` of that export (about 88 MB) into a new database.

Results go to bench/results/memory_peaks.{json,md}, with the load average (other processes on
the machine slow the commands down, but do not change their peak memory).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import BENCH_KEY, BENCH_NOW, DATA_DIR  # noqa: E402

from agentsess_tui.core import ManualClock, Store  # noqa: E402
from agentsess_tui.core.clock import to_iso  # noqa: E402

RESULTS_DIR = HERE / "results"
SHARED = Path("/work/main/bench/data/core-v3-s1.db")
DATASET = DATA_DIR / "core-v3-s1.db"
TARGET_MB = 100
BIG_MESSAGES = 200_000
CASES = ("ls", "export", "import")

_WORDS = (
    "tide table lunar orbit harbour pilot cargo manifest weather front pressure gradient "
    "ledger invoice audit margin quarterly forecast sample tensor gradient descent epoch "
    "kernel thread mutex socket buffer latency cache eviction shard replica quorum"
).split()


# Run the CLI, and at exit write the process's own peak RSS (VmHWM, in kB) where asked. The
# kernel's ru_maxrss would also count the parent at the fork (Linux keeps the old memory's
# high-water mark across exec), so a large parent would show in every child.
_REPORTING = (
    "import atexit, os, re, runpy, sys\n"
    "def _report():\n"
    "    status = open('/proc/self/status').read()\n"
    "    kb = re.search(r'VmHWM:\\s+(\\d+)', status).group(1)\n"
    "    open(os.environ['MEMORY_PEAK_FILE'], 'w').write(kb)\n"
    "atexit.register(_report)\n"
    "sys.argv = ['agentsess', *sys.argv[1:]]\n"
    "runpy.run_module('agentsess_tui.cli', run_name='__main__')\n"
)


def peak(args: list[str], env: dict[str, str], stdout: Path) -> tuple[float, float]:
    """Run `agentsess ARGS`: its peak RSS in MB and the seconds it took."""
    report = stdout.with_suffix(".peak")
    with stdout.open("wb") as out:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _REPORTING, *args],
            env=env | {"MEMORY_PEAK_FILE": str(report)},
            stdout=out,
            stderr=subprocess.PIPE,
            check=False,
        )
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"agentsess {' '.join(args)} failed ({done.returncode}): {done.stderr!r}")
    return int(report.read_text()) / 1024, seconds


def agentsess(*args: str) -> list[str]:
    """The arguments of an `agentsess` command (run by `peak`)."""
    return list(args)


def environment(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AGENTSESS_")}
    home.mkdir(mode=0o700, exist_ok=True)  # the CLI makes its own key file there
    return env | {"AGENTSESS_HOME": str(home), "AGENTSESS_FAKE_NOW": to_iso(BENCH_NOW)}


def dataset() -> Path:
    if not DATASET.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        os.link(SHARED, DATASET)
    return DATASET


def build_big_session(path: Path) -> tuple[str, int]:
    """A session with BIG_MESSAGES messages of about 315 characters (an ~88 MB export)."""
    store = Store(path, clock=ManualClock(BENCH_NOW - 86_400_000), key=BENCH_KEY)
    session_id = store.create_session("bench-bot", "200k messages", create_agent=True).session.id
    rng = random.Random(10)
    conn = store.db.conn()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO messages (session_id, role, content, created_at, metadata) "
        "VALUES (?, ?, ?, ?, '{}')",
        (
            (
                session_id,
                "user" if index % 2 == 0 else "assistant",
                " ".join(rng.choices(_WORDS, k=48))[:315],
                BENCH_NOW - 86_400_000 + index,
            )
            for index in range(BIG_MESSAGES)
        ),
    )
    conn.execute("COMMIT")
    store.close()
    return session_id, BIG_MESSAGES


def run(only: set[str]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="agentsess-mem-") as tmp:
        work = Path(tmp)
        env = environment(work / "home")
        idle, seconds = peak(agentsess("--version"), env, work / "version.out")
        results.append(
            row("start-up", "`agentsess --version` (the interpreter and click)", idle, seconds, "")
        )
        if "ls" in only:
            copy = work / "core.db"
            shutil.copyfile(dataset(), copy)  # never open the shared file
            copy.chmod(0o600)
            # Upgraded to this version's schema first, so the timed run only reads.
            peak(agentsess("--db", str(copy), "sessions", "ls", "--limit", "1"), env, work / "up")
            mb, seconds = peak(
                agentsess("--db", str(copy), "sessions", "ls", "--limit", "0", "--json"),
                env,
                work / "ls.json",
            )
            with (work / "ls.json").open(encoding="utf-8") as listing:  # not held: counted
                listed = sum(1 for line in listing if line.startswith('    "id": '))
            results.append(
                row("ls", "`sessions ls --limit 0 --json`", mb, seconds, f"{listed:,} sessions")
            )
        if only & {"export", "import"}:
            big = work / "big.db"
            session_id, count = build_big_session(big)
            exported = work / "big.json"
            mb, seconds = peak(
                agentsess("--db", str(big), "sessions", "export", session_id, "-o", str(exported)),
                env,
                work / "export.out",
            )
            size = exported.stat().st_size / 1e6
            if "export" in only:
                results.append(
                    row(
                        "export",
                        "`sessions export SESSION -o FILE` (JSON)",
                        mb,
                        seconds,
                        f"{count:,} messages, a {size:.0f} MB file",
                    )
                )
            if "import" in only:
                mb, seconds = peak(
                    agentsess("--db", str(work / "new.db"), "sessions", "import", str(exported)),
                    env,
                    work / "import.out",
                )
                imported = (work / "import.out").read_text().splitlines()[0]
                results.append(
                    row(
                        "import",
                        "`sessions import FILE` into a new database",
                        mb,
                        seconds,
                        f"a {size:.0f} MB file of {count:,} messages: {imported[:60]}…",
                    )
                )
    return results


def row(case: str, what: str, mb: float, seconds: float, load: str) -> dict[str, Any]:
    return {
        "case": case,
        "command": what,
        "peak_rss_mb": round(mb, 1),
        "seconds": round(seconds, 2),
        "load": load,
        "target": "" if case == "start-up" else f"≤ {TARGET_MB} MB",
        "passed": None if case == "start-up" else mb <= TARGET_MB,
    }


def write(results: list[dict[str, Any]]) -> None:
    load = os.getloadavg()
    meta = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "cpus": os.cpu_count(),
        "load_average": [round(value, 2) for value in load],
        "how": "each command in its own process; peak RSS = its VmHWM (/proc/self/status) "
        "read at exit, so this script's memory is not counted (ru_maxrss would count the "
        "parent's at the fork)",
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "memory_peaks.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=2) + "\n"
    )
    lines = [
        "# Peak memory of long reads and imports",
        "",
        f"Measured {meta['when']} (Python {meta['python']}, SQLite {meta['sqlite']}, "
        f"{meta['cpus']} CPUs, load average {', '.join(map(str, meta['load_average']))}; "
        "the machine was shared, which slows the commands but does not change their memory).",
        f"How: {meta['how']}.",
        "",
        "| case | command | load | peak RSS | time | target | ok |",
        "| --- | --- | --- | ---: | ---: | --- | --- |",
    ]
    for r in results:
        ok = "" if r["passed"] is None else ("yes" if r["passed"] else "**no**")
        lines.append(
            f"| {r['case']} | {r['command']} | {r['load']} | {r['peak_rss_mb']:.1f} MB "
            f"| {r['seconds']:.2f} s | {r['target']} | {ok} |"
        )
    (RESULTS_DIR / "memory_peaks.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(CASES), help="comma-separated cases")
    args = parser.parse_args()
    only = set(args.only.split(","))
    unknown = only - set(CASES)
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    write(run(only))


if __name__ == "__main__":
    main()
