"""The MCP SDK's own client calls every tool, over stdio (`agentsess mcp`) and over HTTP
(`/mcp` on `agentsess serve`); what it creates is visible through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client

from agentsess_tui.core import ManualClock

from .helpers import SECRET, Server, server_env

pytestmark = pytest.mark.filterwarnings(
    "ignore:Use `streamable_http_client` instead:DeprecationWarning"
)
TOOLS = {
    "start_session",
    "session_status",
    "extend_session",
    "heartbeat",
    "end_session",
    "resume_session",
    "list_sessions",
    "remember",
    "recall",
    "forget",
    "add_message",
}


async def call(session: ClientSession, name: str, **args: Any) -> dict[str, Any]:
    result = await session.call_tool(name, args)
    assert not result.isError, result.content
    text = result.content[0].text  # type: ignore[union-attr]
    data: dict[str, Any] = json.loads(text)
    return data


async def exercise(session: ClientSession, agent: dict[str, str]) -> str:
    """Every tool once; returns the session id it created."""
    await session.initialize()
    listed = await session.list_tools()
    assert {t.name for t in listed.tools} == TOOLS
    assert all(t.description and t.inputSchema for t in listed.tools)

    started = await call(session, "start_session", title="Over MCP", **agent)
    sid = started["id"]
    assert started["state"] == "active" and "…" in started["token"]
    status = await call(session, "session_status")
    assert status["id"] == sid and status["time_remaining_minutes"] > 300
    assert (await call(session, "extend_session", minutes=30))["added_minutes"] == 30
    assert (await call(session, "heartbeat"))["id"] == sid
    message = await call(session, "add_message", content="hello from the model")
    assert message["message"]["session_id"] == sid
    memory = await call(session, "remember", content="The user prefers tea", type="preference")
    hits = await call(session, "recall", query="tea", **agent)
    assert [h["id"] for h in hits["memories"]] == [memory["id"]]
    assert hits["memories"][0]["why"].startswith("keyword")
    near = await call(session, "recall", query="a hot drink", mode="semantic", **agent)
    assert near["memories"][0]["id"] == memory["id"]
    assert (await call(session, "recall", query="a hot drink", mode="keyword", **agent)) == {
        "memories": []
    }
    wrong = await session.call_tool("recall", {"query": "tea", "mode": "guess", **agent})
    assert wrong.isError
    listed_sessions = await call(session, "list_sessions", **agent)
    assert sid in [s["id"] for s in listed_sessions["sessions"]]
    assert (await call(session, "forget", memory_id=memory["id"], **agent))["status"] == "deleted"
    ended = await call(session, "end_session", reason="done")
    assert ended["messages"] == 1 and ended["session"]["state"] == "ended"
    # No current session now: a tool error the model can act on.
    result = await session.call_tool("add_message", {"content": "x"})
    assert result.isError and "start_session" in result.content[0].text  # type: ignore[union-attr]
    resumed = await call(session, "resume_session", session_id=sid)
    assert resumed["state"] == "active" and resumed["resume_count"] == 1
    return sid


def cli_json(home: Path, db: Path, *args: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-m", "agentsess_tui.cli", "--db", str(db), *args, "--json"],
        env=server_env(home),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.mark.slow
async def test_stdio_every_tool_and_cli_sees_it(tmp_path: Path) -> None:
    home = tmp_path / "mcp-home"
    home.mkdir()
    db = home / "agentsess.db"
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "agentsess_tui.cli", "--db", str(db), "mcp", "--agent", "desk-bot"],
        env=server_env(home),
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        sid = await exercise(session, {})
    shown = cli_json(home, db, "sessions", "show", sid)
    assert shown["title"] == "Over MCP" and shown["state"] == "active"


@pytest.mark.slow
async def test_stdio_reports_expiry_as_tool_error(tmp_path: Path) -> None:
    home = tmp_path / "mcp-home"
    home.mkdir()
    db = home / "agentsess.db"
    env = server_env(home)
    env["AGENTSESS_FAKE_NOW"] = "2026-01-15T09:00:00Z"
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "agentsess_tui.cli", "--db", str(db), "mcp", "--agent", "desk-bot"],
        env=env,
    )
    import hashlib

    from agentsess_tui.core import Store

    store = Store(
        db, clock=ManualClock("2026-01-15T02:00:00Z"), key=hashlib.sha256(SECRET.encode()).digest()
    )
    store.ensure_agent("desk-bot")
    stale = store.create_session("desk-bot", "stale").session.id
    store.close()
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        result = await session.call_tool("heartbeat", {"session_id": stale})
        assert result.isError
        text = result.content[0].text  # type: ignore[union-attr]
        assert "SessionExpired" in text and "Resume" in text


@pytest.mark.parametrize("path", ["/mcp", "/mcp/"])
async def test_http_every_tool_with_key(server: Server, admin_key: str, path: str) -> None:
    headers = {"Authorization": f"Bearer {admin_key}"}
    async with (
        streamablehttp_client(f"{server.url}{path}", headers=headers) as (r, w, _),
        ClientSession(r, w) as session,
    ):
        sid = await exercise(session, {"agent": "http-bot"})
    assert server.store().get_session(sid).agent_id == "http-bot"


async def test_http_mcp_needs_a_key_and_never_redirects(server: Server, admin_key: str) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        for path in ("/mcp", "/mcp/"):
            r = await client.post(f"{server.url}{path}", json={})
            assert r.status_code == 401 and r.json()["error"]["code"] == "missing_key"
            # Answered in place (a redirect would cost a round trip and may lose the key).
            r = await client.post(
                f"{server.url}{path}",
                json={},
                headers={"Authorization": f"Bearer {admin_key}"},
            )
            assert r.status_code not in (301, 302, 307, 308, 404), (path, r.status_code)


async def test_http_scoped_key_cannot_reach_other_agents(server: Server) -> None:
    key = server.key("mcp-scoped", "own-bot")
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        streamablehttp_client(f"{server.url}/mcp/", headers=headers) as (r, w, _),
        ClientSession(r, w) as session,
    ):
        await session.initialize()
        mine = await call(session, "start_session")  # the key's only agent
        assert mine["agent_id"] == "own-bot"
        result = await session.call_tool("start_session", {"agent": "other-bot"})
        assert result.isError and "may not act" in result.content[0].text  # type: ignore[union-attr]
