"""Benchmark of `agentsess serve`: the real server in its own process, the load generator
(bench/loadgen.py: raw keep-alive HTTP/1.1 over asyncio streams, in `--processes` forked
processes) beside it, and a bare "hello" endpoint of the same framework (FastAPI on uvicorn,
one worker, same loop and HTTP parser) measured in the same run as the ceiling.

Routes: remember (MEMANTO's `remember`), recall (native full-text recall over the benchmark
database's 1M memories), add message (native), session status (MEMANTO's `session/current`);
each at 1, 16 and 64 concurrent clients: throughput, p50 and p99, errors.

Targets (issue 13): p99 <= 25 ms at 16 clients for every route; remember throughput >= 40 %
and status >= 60 % of the bare endpoint's; zero errors.

    python bench/server.py [--scale 1] [--requests 2000] [--processes 2] [--out bench/results]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
from core_bench import percentile
from core_report import machine_info
from generate import BENCH_NOW, DATA_DIR, ensure_dataset
from loadgen import Make, target

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.clock import to_iso
from agentsess_tui.core.repo.keys import ApiKeys

RESULTS_DIR = Path(__file__).resolve().parent / "results"
CONCURRENCY = (1, 16, 64)
SECRET = "bench-server-secret-of-at-least-32-bytes"
HELLO_APP = """
import sys, uvicorn
from fastapi import FastAPI
app = FastAPI()
@app.get("/hello")
def hello() -> dict[str, bool]:
    return {"ok": True}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start(argv: list[str], env: dict[str, str], ready: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    wait_ready(ready, process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def measure(
    url: str, headers: dict[str, str], make: Make, clients: int, total: int, processes: int
) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    got = loadgen.load(host, int(port), headers, make, clients, total, processes)
    return {
        "clients": clients,
        "requests": total,
        "errors": got["errors"],
        "failures": got["failures"],
        "throughput": got["throughput"],
        "p50_ms": percentile(got["latencies"], 50),
        "p99_ms": percentile(got["latencies"], 99),
    }


def prepare(work: Path) -> tuple[str, str, str, str]:
    """An API key, and an agent with a live session and its token, in the copy."""
    store = Store(work, clock=ManualClock(BENCH_NOW), key=hashlib.sha256(SECRET.encode()).digest())
    key, _ = ApiKeys(store.db).create("bench")
    store.ensure_agent("bench-bot")
    activation = store.create_session(
        "bench-bot", "bench", options={"window_minutes": 1440, "max_lifetime_minutes": 20160}
    )
    store.close()
    return key, activation.session.id, activation.token, "bench-bot"


def with_vectors(path: Path) -> Path:
    """A copy of the dataset whose memories all have a vector (built once, kept beside it):
    the steady state of a server, whose background indexer has caught up. Without it the
    server would spend the run indexing the bulk-loaded memories."""
    indexed = path.with_name(path.stem + ".indexed.db")
    if indexed.exists():
        return indexed
    building = indexed.with_name(indexed.name + ".building")
    shutil.copyfile(path, building)
    started = time.perf_counter()
    store = Store(building)
    done = store.reindex_memories()
    store.close()
    print(f"indexed {done.indexed:,} memories in {time.perf_counter() - started:.0f} s", flush=True)
    building.rename(indexed)
    return indexed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark of agentsess serve.")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1M memories")
    parser.add_argument("--requests", type=int, default=2000, help="per route and level")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--note", default="")
    parser.add_argument(
        "--processes", type=int, default=1, help="load generator processes (at most clients)"
    )
    parser.add_argument(
        "--py-spy", type=Path, help="profile the server with py-spy into this file (collapsed)"
    )
    parser.add_argument("--levels", default=",".join(map(str, CONCURRENCY)))
    parser.add_argument("--only", default="", help="comma-separated route names (prefixes)")
    args = parser.parse_args(argv)

    load_start = os.getloadavg()[0]
    dataset = ensure_dataset(args.data_dir, args.scale)
    indexed = with_vectors(dataset.path)
    work = dataset.path.with_name(dataset.path.stem + ".server.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(indexed, work)
    key, sid, token, agent = prepare(work)
    recall_agent = dataset.info["agents_by_memories"][0]
    queries = dataset.info["queries"]
    words = [*queries["memory_frequent"], *queries["memory_rare"]]

    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTSESS_")}
    # The database's sessions are dated around BENCH_NOW: a clock frozen there keeps the
    # benchmark's own session live and spares the server a mass expiry of the dataset.
    env.update(
        AGENTSESS_SECRET=SECRET,
        AGENTSESS_FAKE_NOW=to_iso(BENCH_NOW) or "",
        AGENTSESS_HOME=str(work.parent / "server-home"),
        NO_PROXY="127.0.0.1",
    )
    port, hello_port = free_port(), free_port()
    cli = [sys.executable, "-m", "agentsess_tui.cli", "--db", str(work), "serve"]
    server = start(
        [*cli, "--port", str(port), "--rate-limit", "0", "--no-access-log"],
        env,
        f"http://127.0.0.1:{port}/health",
    )
    spy = None
    if args.py_spy:
        spy = subprocess.Popen(
            [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(server.pid)]
            + ["--format", "raw", "--nonblocking", "--threads", "-o", str(args.py_spy)],
            stdout=subprocess.DEVNULL,
        )
    hello = start(
        [sys.executable, "-c", HELLO_APP, str(hello_port)],
        env,
        f"http://127.0.0.1:{hello_port}/hello",
    )
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {key}"}
    bound = {**auth, "X-Session-Token": token}
    routes: dict[str, tuple[str, dict[str, str], Make]] = {
        "hello (bare FastAPI)": (
            f"http://127.0.0.1:{hello_port}",
            {},
            lambda i: ("GET", "/hello", None),
        ),
        "remember": (
            base,
            bound,
            lambda i: (
                "POST",
                target(
                    f"/api/v2/agents/{agent}/remember",
                    {"content": f"benchmark fact number {i}", "type": "fact"},
                ),
                None,
            ),
        ),
        "recall (1M memories)": (
            base,
            auth,
            lambda i: (
                "GET",
                target(
                    f"/agents/{recall_agent}/memories",
                    {"q": words[i % len(words)], "limit": 10},
                ),
                None,
            ),
        ),
        "add message": (
            base,
            auth,
            lambda i: (
                "POST",
                f"/agents/{agent}/sessions/{sid}/messages",
                json.dumps({"content": f"message {i}"}).encode(),
            ),
        ),
        "session status": (base, bound, lambda i: ("GET", "/api/v2/session/current", None)),
    }
    if args.only:
        wanted = args.only.split(",")
        routes = {n: r for n, r in routes.items() if any(n.startswith(w) for w in wanted)}
    levels = [int(n) for n in args.levels.split(",")]
    results: list[dict[str, Any]] = []
    try:
        for clients in levels:
            for name, (url, headers, make) in routes.items():
                # Recall is ~10x slower than the rest: a quarter of the requests still gives
                # hundreds of samples per level.
                total = max(1, args.requests // 4) if name.startswith("recall") else args.requests
                row = measure(url, headers, make, clients, total, args.processes)
                row["route"] = name
                results.append(row)
                print(
                    f"{name:<22} c={clients:<3} {row['throughput']:8.0f} req/s  "
                    f"p50 {row['p50_ms']:6.2f} ms  p99 {row['p99_ms']:6.2f} ms  "
                    f"errors {row['errors']}",
                    flush=True,
                )
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
        stop(server)
        stop(hello)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)

    if args.only or levels != list(CONCURRENCY):
        print("a partial run: results printed, not written")
        return 0

    def row(route: str, clients: int) -> dict[str, Any]:
        return next(r for r in results if r["route"] == route and r["clients"] == clients)

    checks = []
    for route in ("remember", "recall (1M memories)", "add message", "session status"):
        p99 = row(route, 16)["p99_ms"]
        checks.append(
            {"target": f"{route}: p99 <= 25 ms at 16 clients", "value": p99, "passed": p99 <= 25}
        )
    for route, share in (("remember", 0.40), ("session status", 0.60)):
        ratio = row(route, 16)["throughput"] / row("hello (bare FastAPI)", 16)["throughput"]
        checks.append(
            {
                "target": f"{route}: throughput >= {share:.0%} of bare at 16 clients",
                "value": ratio,
                "passed": ratio >= share,
            }
        )
    errors = sum(r["errors"] for r in results)
    checks.append({"target": "zero errors", "value": errors, "passed": errors == 0})
    payload = {
        "machine": machine_info(),
        "load": [load_start, os.getloadavg()[0]],
        "note": args.note,
        "dataset": {"scale": args.scale, "counts": dataset.info["counts"]},
        "requests_per_level": args.requests,
        "load_generator": f"bench/loadgen.py, {args.processes} process(es), keep-alive",
        "results": results,
        "checks": checks,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "server.json").write_text(json.dumps(payload, indent=2) + "\n")
    lines = [
        "# `agentsess serve` benchmark",
        "",
        f"{payload['machine']['date']}, {payload['machine']['cpu_count']} CPUs "
        f"({payload['machine']['cpu']}), load average {load_start:.1f} → "
        f"{payload['load'][1]:.1f}; {args.requests} requests per route and level; "
        f"{dataset.info['counts']['memories']:,} memories. {args.note}",
        "",
        f"Load generator: {payload['load_generator']} (recall: a quarter of the requests). "
        "*Queue* is clients / throughput: the mean latency a closed loop of that many clients "
        "must see at that throughput (Little's law), whatever the server does with it.",
        "",
        "| Route | Clients | Throughput (req/s) | p50 (ms) | p99 (ms) | Queue (ms) | Errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['route']} | {r['clients']} | {r['throughput']:.0f} | {r['p50_ms']:.2f} | "
            f"{r['p99_ms']:.2f} | {1000 * r['clients'] / r['throughput']:.1f} | {r['errors']} "
            f"{r['failures'] or ''} |"
        )
    lines += ["", "| Target | Value | Met |", "|---|---:|---|"]
    for c in checks:
        value = c["value"]
        shown = (
            f"{value:.0%}"
            if "throughput" in c["target"]
            else (f"{value:.2f} ms" if "p99" in c["target"] else str(value))
        )
        lines.append(f"| {c['target']} | {shown} | {'yes' if c['passed'] else '**no**'} |")
    (args.out / "server.md").write_text("\n".join(lines) + "\n")
    missed = [c["target"] for c in checks if not c["passed"]]
    print(f"wrote {args.out / 'server.json'} and server.md; {len(missed)} target(s) missed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
