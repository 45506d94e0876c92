"""A light HTTP/1.1 load generator: raw asyncio streams with keep-alive, in several processes.

Why not httpx: one async httpx client in one process spent more CPU per request than the bare
endpoint it measured (on 2 shared cores the generator, not the server, set the ceiling: the
bare endpoint got slower with 16 clients than with 1). Here a request is pre-formatted bytes
and a response is a status line, headers and a Content-Length body; the connections are split
over `processes` forked workers that start together (a barrier) and report their latencies.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlencode

# (method, target with query, body or None): one request; `make(i)` gives the i-th.
Request = tuple[str, str, bytes | None]
Make = Callable[[int], Request]


def target(path: str, params: dict[str, Any] | None = None) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def encode(host: str, headers: dict[str, str], request: Request) -> bytes:
    method, path, body = request
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """The status, and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, keep = 0, True
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            keep = False
        elif name == "transfer-encoding":
            raise ValueError("chunked responses are not expected here")
    if length:
        await reader.readexactly(length)
    return status, keep


async def _run(
    host: str,
    port: int,
    headers: dict[str, str],
    make: Make,
    indices: list[int],
    connections: int,
    warmup: list[int],
    barrier: Any,
) -> dict[str, Any]:
    hostport = f"{host}:{port}"
    latencies: list[float] = []
    failures: dict[str, int] = {}
    pending = iter(indices)

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(host, port)

    async def send(conn: list[Any], i: int) -> tuple[bool, str]:
        if conn[0] is None:
            conn[0], conn[1] = await connect()
        conn[1].write(encode(hostport, headers, make(i)))
        status, keep = await read_response(conn[0])
        if not keep:
            conn[1].close()
            conn[0] = conn[1] = None
        return status < 400, str(status)

    conns = [[*(await connect())] for _ in range(connections)]
    for n, i in enumerate(warmup):  # connections open, server caches warm
        await send(conns[n % connections], i)
    await asyncio.to_thread(barrier.wait)
    started = time.perf_counter()

    async def worker(conn: list[Any]) -> None:
        for i in pending:
            t0 = time.perf_counter()
            try:
                ok, what = await send(conn, i)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                ok, what = False, type(exc).__name__
                if conn[1] is not None:
                    conn[1].close()
                conn[0] = conn[1] = None
            latencies.append((time.perf_counter() - t0) * 1000)
            if not ok:
                failures[what] = failures.get(what, 0) + 1

    await asyncio.gather(*(worker(c) for c in conns))
    ended = time.perf_counter()
    for conn in conns:
        if conn[1] is not None:
            conn[1].close()
    return {"latencies": latencies, "failures": failures, "started": started, "ended": ended}


def _child(out: Connection, *args: Any) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    out.send(asyncio.run(_run(*args)))
    out.close()


def load(
    host: str,
    port: int,
    headers: dict[str, str],
    make: Make,
    clients: int,
    total: int,
    processes: int,
) -> dict[str, Any]:
    """`total` requests over `clients` keep-alive connections in `processes` processes."""
    processes = max(1, min(processes, clients))
    ctx = multiprocessing.get_context("fork")  # `make` is a closure: inherit it, not pickle it
    barrier = ctx.Barrier(processes)
    children = []
    for p in range(processes):
        share = clients // processes + (p < clients % processes)
        indices = list(range(p, total, processes))
        warmup = [total + p + processes * n for n in range(max(share, 20 // processes))]
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(
            target=_child,
            args=(send, host, port, headers, make, indices, share, warmup, barrier),
        )
        child.start()
        children.append((child, receive))
    parts = []
    for child, receive in children:
        parts.append(receive.recv())
        child.join()
    latencies = [x for part in parts for x in part["latencies"]]
    failures: dict[str, int] = {}
    for part in parts:
        for what, n in part["failures"].items():
            failures[what] = failures.get(what, 0) + n
    elapsed = max(p["ended"] for p in parts) - min(p["started"] for p in parts)
    return {
        "latencies": latencies,
        "failures": failures,
        "errors": sum(failures.values()),
        "throughput": len(latencies) / elapsed,
    }
