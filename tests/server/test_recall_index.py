"""The server never embeds a backlog of memories on a request: recall embeds its query and at
most a few memories (what was just written), and a background thread gives memories written
without a vector (by the CLI, an import, another process with recall off) one, a batch at a
time."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from agentsess_tui.core import Store
from agentsess_tui.core.config import RecallSettings, Settings
from agentsess_tui.core.semantic.background import REQUEST_CATCH_UP

from .helpers import SECRET, Server, start_server

COUNT = 600


def write_unvectored(server: Server, count: int) -> None:
    writer = Store(
        server.db,
        settings=Settings(recall=RecallSettings(embedder="off")),
        key=hashlib.sha256(SECRET.encode()).digest(),
    )
    writer.ensure_agent("bot")
    for index in range(count):
        writer.remember(f"memory {index}: the build cache lives on disk {index}", agent_id="bot")
    writer.close()


def recall(server: Server, key: str, mode: str) -> httpx.Response:
    token = httpx.post(
        f"{server.url}/api/v2/agents/bot/activate", headers={"Authorization": f"Bearer {key}"}
    ).json()["session_token"]
    return httpx.post(
        f"{server.url}/api/v2/agents/bot/recall",
        params={"query": "build cache", "mode": mode, "limit": 5},
        headers={"Authorization": f"Bearer {key}", "X-Session-Token": token},
        timeout=30,
    )


@pytest.mark.slow
def test_a_recall_does_not_index_the_backlog(tmp_path: Path) -> None:
    server = start_server(tmp_path / "no-index", "--index-batch", "0", "--no-mcp")
    try:
        key = server.key("k")
        write_unvectored(server, COUNT)
        r = recall(server, key, "hybrid")
        assert r.status_code == 200, r.text
        assert r.json()["count"] == 5
        assert all(m["why"].startswith("keyword") for m in r.json()["memories"])
        semantic = recall(server, key, "semantic").json()
        # Two requests embedded REQUEST_CATCH_UP memories each (the oldest), no more.
        assert server.store().unindexed_memories() == COUNT - 2 * REQUEST_CATCH_UP
        assert 0 < semantic["count"] <= 5
    finally:
        server.stop()


@pytest.mark.slow
def test_the_server_indexes_in_the_background(tmp_path: Path) -> None:
    server = start_server(tmp_path / "index", "--index-batch", "100", "--no-mcp")
    try:
        key = server.key("k")
        write_unvectored(server, COUNT)
        assert server.watch.wait_for("recall index: up to date", 60), server.log_text()
        assert "memories without a vector; indexing them" in server.log_text()
        assert server.store().unindexed_memories() == 0
        hits = recall(server, key, "semantic").json()["memories"]
        assert len(hits) == 5 and all(m["why"].startswith("meaning") for m in hits)
    finally:
        server.stop()
