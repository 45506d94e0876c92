"""8 concurrent clients × 500 mixed requests: no 5xx, no lost write, integrity ok; and a
SIGKILLed server loses no write it answered for."""

from __future__ import annotations

import asyncio
import os
import random
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .helpers import Server, start_server

CLIENTS = 8
REQUESTS = 500


async def client_run(url: str, key: str, n: int, seed: int) -> tuple[list[int], int, int]:
    """One agent's mixed workload; returns every status and the writes it was promised."""
    rng = random.Random(seed)
    agent = f"load-{n}"
    statuses: list[int] = []
    messages = memories = 0
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        r = await client.post(f"/agents/{agent}/sessions", json={"title": "load"})
        statuses.append(r.status_code)
        sid, token = r.json()["session_id"], r.json()["session_token"]
        bound = {"X-Session-Token": token}
        for i in range(REQUESTS - 1):
            pick = rng.random()
            if pick < 0.3:
                r = await client.post(
                    f"/agents/{agent}/sessions/{sid}/messages", json={"content": f"m{i}"}
                )
                messages += r.status_code == 201
            elif pick < 0.5:
                r = await client.post(
                    f"/api/v2/agents/{agent}/remember",
                    params={"content": f"fact {i} about load"},
                    headers=bound,
                )
                memories += r.status_code == 200
            elif pick < 0.65:
                r = await client.get(f"/agents/{agent}/memories", params={"q": "load"})
            elif pick < 0.8:
                r = await client.get("/api/v2/session/current", headers=bound)
            elif pick < 0.9:
                r = await client.post(f"/agents/{agent}/sessions/{sid}/heartbeat")
            else:
                r = await client.get(f"/agents/{agent}/sessions/{sid}/messages")
            statuses.append(r.status_code)
    return statuses, messages, memories


@pytest.fixture(scope="module")
def one_thread(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose store calls all share one worker thread: nothing may wait on another."""
    srv = start_server(tmp_path_factory.mktemp("one-thread"), "--rate-limit", "0", "--threads", "1")
    yield srv
    srv.stop()


@pytest.mark.slow
@pytest.mark.parametrize("which", ["default", "one thread"])
def test_concurrent_clients_lose_nothing(which: str, request: pytest.FixtureRequest) -> None:
    server: Server = request.getfixturevalue("server" if which == "default" else "one_thread")
    admin_key = server.key(f"load-{which.replace(' ', '-')}")

    async def main() -> list[tuple[list[int], int, int]]:
        return await asyncio.gather(
            *(client_run(server.url, admin_key, n, seed=n) for n in range(CLIENTS))
        )

    results = asyncio.run(main())
    statuses = [s for result in results for s in result[0]]
    assert len(statuses) == CLIENTS * REQUESTS
    assert not [s for s in statuses if s >= 500]
    assert set(statuses) <= {200, 201}
    store = server.store()
    for n, (_, messages, memories) in enumerate(results):
        (session,) = store.list_sessions_page(agent_id=f"load-{n}")
        assert store.count_messages(session.id) == messages
        assert store.count_memories(agent_id=f"load-{n}") == memories
    assert store.integrity_check() == "ok"


@pytest.mark.slow
def test_sigkill_loses_no_committed_write(tmp_path: Path) -> None:
    srv = start_server(tmp_path / "killed", "--no-mcp")
    try:
        key = srv.key("k")
        with srv.client(key) as client:
            sid = client.post("/agents/bot/sessions").json()["session_id"]
            acknowledged = [
                client.post(
                    f"/agents/bot/sessions/{sid}/messages", json={"content": f"m{i}"}
                ).json()["message"]["id"]
                for i in range(50)
            ]
        os.kill(srv.process.pid, signal.SIGKILL)
        srv.process.wait(10)
        store = srv.store()
        kept = [m.id for m in store.messages(sid, limit=1000)]
        assert kept == acknowledged
        assert store.integrity_check() == "ok"
    finally:
        srv.stop()


def test_sigterm_stops_gracefully(tmp_path: Path) -> None:
    srv = start_server(tmp_path / "termed", "--no-mcp")
    srv.process.send_signal(signal.SIGTERM)
    # uvicorn finishes, runs the shutdown, then re-raises the signal as its exit status.
    assert srv.process.wait(15) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in srv.log_text()
