"""Benchmark of `agentsess serve`: the real server in its own process, this script as the load
generator (async httpx) in another, and a bare "hello" endpoint of the same framework
(FastAPI on uvicorn, one worker) in a third, measured in the same run.

Routes: remember (MEMANTO's `remember`), recall (native full-text recall over the benchmark
database's 1M memories), add message (native), session status (MEMANTO's `session/current`);
each at 1, 16 and 64 concurrent clients: throughput, p50 and p99, errors.

Targets (issue 13): p99 <= 25 ms at 16 clients for every route; remember throughput >= 40 %
and status >= 60 % of the bare endpoint's; zero errors.

    python bench/server.py [--scale 1] [--requests 2000] [--out bench/results]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from core import machine_info, percentile
from generate import BENCH_NOW, DATA_DIR, ensure_dataset

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


async def load(
    base: str, headers: dict[str, str], make: Any, clients: int, total: int
) -> dict[str, Any]:
    """`total` requests from `clients` concurrent connections; `make(i)` gives one request."""
    latencies: list[float] = []
    errors = 0
    failures: dict[str, int] = {}
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as c:

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                method, url, kwargs = make(i)
                started = time.perf_counter()
                try:
                    r = await c.request(method, url, **kwargs)
                    ok, what = r.status_code < 400, str(r.status_code)
                except httpx.HTTPError as exc:
                    ok, what = False, type(exc).__name__
                if not ok:
                    failures[what] = failures.get(what, 0) + 1
                latencies.append((time.perf_counter() - started) * 1000)
                errors += not ok

        # A short warm-up per level: connections opened, caches filled.
        for i in range(min(20, total)):
            method, url, kwargs = make(total + i)
            await c.request(method, url, **kwargs)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": total,
        "errors": errors,
        "failures": failures,
        "throughput": total / elapsed,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark of agentsess serve.")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1M memories")
    parser.add_argument("--requests", type=int, default=2000, help="per route and level")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)

    load_start = os.getloadavg()[0]
    dataset = ensure_dataset(args.data_dir, args.scale)
    work = dataset.path.with_name(dataset.path.stem + ".server.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(dataset.path, work)
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
    hello = start(
        [sys.executable, "-c", HELLO_APP, str(hello_port)],
        env,
        f"http://127.0.0.1:{hello_port}/hello",
    )
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {key}"}
    bound = {**auth, "X-Session-Token": token}
    routes: dict[str, tuple[str, dict[str, str], Any]] = {
        "hello (bare FastAPI)": (
            f"http://127.0.0.1:{hello_port}",
            {},
            lambda i: ("GET", "/hello", {}),
        ),
        "remember": (
            base,
            bound,
            lambda i: (
                "POST",
                f"/api/v2/agents/{agent}/remember",
                {"params": {"content": f"benchmark fact number {i}", "type": "fact"}},
            ),
        ),
        "recall (1M memories)": (
            base,
            auth,
            lambda i: (
                "GET",
                f"/agents/{recall_agent}/memories",
                {"params": {"q": words[i % len(words)], "limit": 10}},
            ),
        ),
        "add message": (
            base,
            auth,
            lambda i: (
                "POST",
                f"/agents/{agent}/sessions/{sid}/messages",
                {"json": {"content": f"message {i}"}},
            ),
        ),
        "session status": (base, bound, lambda i: ("GET", "/api/v2/session/current", {})),
    }
    results: list[dict[str, Any]] = []
    try:
        for clients in CONCURRENCY:
            for name, (url, headers, make) in routes.items():
                row = asyncio.run(load(url, headers, make, clients, args.requests))
                row["route"] = name
                results.append(row)
                print(
                    f"{name:<22} c={clients:<3} {row['throughput']:8.0f} req/s  "
                    f"p50 {row['p50_ms']:6.2f} ms  p99 {row['p99_ms']:6.2f} ms  "
                    f"errors {row['errors']}",
                    flush=True,
                )
    finally:
        stop(server)
        stop(hello)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)

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
        "| Route | Clients | Throughput (req/s) | p50 (ms) | p99 (ms) | Errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['route']} | {r['clients']} | {r['throughput']:.0f} | {r['p50_ms']:.2f} | "
            f"{r['p99_ms']:.2f} | {r['errors']} |"
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
