"""Start-up of the `agentsess` command line, against floors measured in the same run.

Agents call the CLI in loops, so what one call costs before it does anything matters. Each
command runs as a fresh subprocess (what an agent's shell does), `--runs` times, the commands
interleaved round-robin so a change in the machine's load touches all of them alike; the first
`--warmup` rounds are dropped. Reported: median, min and the p10–p90 spread, in milliseconds of
wall time from `subprocess.run` to its return (`time.perf_counter`).

Floors: `python -c pass` (the interpreter, with site) and a minimal script that opens the
database with sqlite3 and prints 20 rows. Targets: `agentsess --version` ≤ 3× the first,
`agentsess sessions ls --limit 20` ≤ 2× the second. `llm --version` (installed into a throw-
away venv under bench/data/) and `python -c "import click"` are shown for reference. Each
agentsess command's imports are broken down with `python -X importtime` to say where its time
goes.

    python bench/cli.py [--runs 40] [--out bench/results]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from generate import BENCH_NOW, DATA_DIR, ensure_dataset

from agentsess_tui.core.clock import to_iso

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent
SCALE = 0.01  # 1,000 sessions: start-up, not the query, is what this measures

FLOOR_SCRIPT = (
    "import sqlite3, sys\n"
    "conn = sqlite3.connect(sys.argv[1])\n"
    "rows = conn.execute('SELECT id, agent_id, title, state, expires_at, renewal_count "
    "FROM sessions ORDER BY expires_at LIMIT 20')\n"
    "for row in rows:\n"
    "    print(*row, sep='  ')\n"
)


def ensure_llm(data_dir: Path, log: Any = print) -> Path | None:
    """`llm` in a venv of its own under bench/data/, for reference only."""
    venv = data_dir / "llm-venv"
    script = venv / "bin" / "llm"
    if script.exists():
        return script
    log("installing llm into bench/data/llm-venv (reference only)")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "llm"]
        subprocess.run(pip, check=True)
    except subprocess.CalledProcessError as exc:
        log(f"could not install llm ({exc}); it is left out")
        return None
    return script


def commands(db: Path, llm: Path | None) -> dict[str, list[str]]:
    python = str(BIN / "python")
    agentsess = str(BIN / "agentsess")
    found = {
        "python -c pass": [python, "-c", "pass"],
        "sqlite3 script, 20 rows": [python, "-c", FLOOR_SCRIPT, str(db)],
        "agentsess --version": [agentsess, "--version"],
        "agentsess sessions ls --limit 20": [agentsess, "sessions", "ls", "--limit", "20"],
        'python -c "import click"': [python, "-c", "import click"],
    }
    if llm is not None:
        found["llm --version"] = [str(llm), "--version"]
    return found


def run_all(
    cmds: dict[str, list[str]], env: dict[str, str], runs: int, warmup: int
) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in cmds}
    for round_ in range(warmup + runs):
        for name, argv in cmds.items():
            start = time.perf_counter()
            done = subprocess.run(argv, env=env, capture_output=True)
            ms = (time.perf_counter() - start) * 1000
            if done.returncode != 0:
                raise SystemExit(f"{name} failed ({done.returncode}): {done.stderr.decode()}")
            if round_ >= warmup:
                samples[name].append(ms)
    return samples


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(pct: float) -> float:
        return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]

    return {
        "median": statistics.median(values),
        "min": ordered[0],
        "p10": at(10),
        "p90": at(90),
        "n": len(values),
    }


def import_breakdown(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Self time of every module `agentsess argv` imports, summed by top-level group."""
    code = f"from agentsess_tui.cli import main\nmain({argv!r})\n"
    done = subprocess.run(
        [str(BIN / "python"), "-X", "importtime", "-c", code],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    groups: dict[str, int] = defaultdict(int)
    total = 0
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line[len("import time:") :].split("|")
        micros = int(self_us)
        name = name.strip()
        total += micros
        top = name.split(".")[0]
        if top == "agentsess_tui":
            top = ".".join(name.split(".")[:2])
        groups[top] += micros
    ranked = sorted(groups.items(), key=lambda kv: kv[1], reverse=True)
    return {
        "modules_ms": round(total / 1000, 1),
        "top": [(name, round(us / 1000, 1)) for name, us in ranked[:8]],
        "count": sum(1 for line in done.stderr.splitlines() if line.startswith("import time:")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--note", default="")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--no-llm", action="store_true", help="leave out the llm reference")
    args = parser.parse_args(argv)

    dataset = ensure_dataset(args.data_dir, SCALE)
    llm = None if args.no_llm else ensure_llm(args.data_dir)
    load_start = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="agentsess-cli-bench-") as tmp:
        home = Path(tmp)
        db = home / "agentsess.db"
        shutil.copyfile(dataset.path, db)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("AGENTSESS_") and key != "PYTHONPATH"
        }
        # The generated data is timed around BENCH_NOW: freeze the CLI's clock there.
        env |= {"AGENTSESS_HOME": str(home), "AGENTSESS_FAKE_NOW": to_iso(BENCH_NOW)}
        cmds = commands(db, llm)
        shown = subprocess.run(
            cmds["agentsess sessions ls --limit 20"], env=env, capture_output=True, text=True
        )
        rows = len(shown.stdout.splitlines()) - 1
        samples = run_all(cmds, env, args.runs, args.warmup)
        breakdown = {
            name: import_breakdown(cmds[name][1:], env)
            for name in ("agentsess --version", "agentsess sessions ls --limit 20")
        }
    load_end = os.getloadavg()
    stats = {name: spread(values) for name, values in samples.items()}
    floor = stats["python -c pass"]["median"]
    sqlite_floor = stats["sqlite3 script, 20 rows"]["median"]
    targets = [
        {
            "name": "agentsess --version / python -c pass",
            "ratio": stats["agentsess --version"]["median"] / floor,
            "target": 3.0,
        },
        {
            "name": "agentsess sessions ls / sqlite3 script",
            "ratio": stats["agentsess sessions ls --limit 20"]["median"] / sqlite_floor,
            "target": 2.0,
        },
    ]
    for target in targets:
        target["passed"] = target["ratio"] <= target["target"]
    payload = {
        "args": " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
        },
        "load_start": load_start,
        "load_end": load_end,
        "seconds": round(time.perf_counter() - started, 1),
        "note": args.note,
        "dataset": {"sessions": dataset.info["counts"]["sessions"], "ls_rows": rows},
        "stats": stats,
        "targets": targets,
        "imports": breakdown,
        "samples": samples,
    }
    write_reports(args.out, payload)
    for name, s in stats.items():
        print(f"  {name:<36} {s['median']:7.1f} ms  (min {s['min']:.1f}, p90 {s['p90']:.1f})")
    for target in targets:
        verdict = "PASS" if target["passed"] else "FAIL"
        print(f"  {target['name']:<44} {target['ratio']:.2f}x  ≤ {target['target']:g}x {verdict}")
    return 0


def write_reports(out: Path, payload: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "cli.json").write_text(json.dumps(payload, indent=2) + "\n")
    load_start, load_end = payload["load_start"], payload["load_end"]
    lines = [
        "# CLI start-up",
        "",
        f"`python bench/cli.py {payload['args']}`".replace(" `", "`"),
        "",
        f"- Machine: {payload['machine']['cpu_count']} CPUs, {payload['machine']['platform']}; "
        f"Python {payload['machine']['python']}, SQLite {payload['machine']['sqlite']}",
        f"- Run {payload['date']}, took {payload['seconds']:.0f} s. Load average (1/5/15 min) "
        f"at start {load_start[0]:.2f} / {load_start[1]:.2f} / {load_start[2]:.2f}, at end "
        f"{load_end[0]:.2f} / {load_end[1]:.2f} / {load_end[2]:.2f}"
        + (f" — {payload['note']}" if payload["note"] else ""),
        "- Each command is a fresh subprocess, wall time from `subprocess.run` to its return "
        "(`time.perf_counter`); the commands are interleaved round-robin, "
        f"{payload['stats']['python -c pass']['n']} rounds after the warm-up ones. The database "
        f"is a copy of the generated {payload['dataset']['sessions']:,}-session set; `ls` "
        f"printed {payload['dataset']['ls_rows']} rows, the sqlite3 script 20.",
        "",
        "| Command | Median ms | Min ms | p10–p90 ms | n |",
        "|---|---:|---:|---|---:|",
    ]
    for name, s in payload["stats"].items():
        lines.append(
            f"| `{name}` | {s['median']:.1f} | {s['min']:.1f} | {s['p10']:.1f}–{s['p90']:.1f} | "
            f"{s['n']} |"
        )
    lines += ["", "| Target (medians, same run) | Ratio | Target | Result |", "|---|---:|---:|---|"]
    for target in payload["targets"]:
        verdict = "pass" if target["passed"] else "**FAIL**"
        lines.append(
            f"| {target['name']} | {target['ratio']:.2f}× | ≤ {target['target']:g}× | {verdict} |"
        )
    lines += ["", "## Where the time goes (`python -X importtime`, one run, self times)", ""]
    for name, info in payload["imports"].items():
        top = ", ".join(f"{module} {ms:g}" for module, ms in info["top"])
        lines.append(
            f"- `{name}`: {info['count']} modules, {info['modules_ms']:g} ms of imports. "
            f"Largest groups (ms): {top}."
        )
    (out / "cli.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
