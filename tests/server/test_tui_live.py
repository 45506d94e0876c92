"""A person watches: a session an agent creates over MCP (HTTP) shows up in the TUI running
on the same database, live, in a real pseudo-terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from app.test_e2e_pty import APP, PtyApp, listed
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from .helpers import Server, server_env

pytestmark = pytest.mark.filterwarnings(
    "ignore:Use `streamable_http_client` instead:DeprecationWarning"
)


@pytest.mark.slow
async def test_mcp_session_appears_in_the_tui(tmp_path: Path) -> None:
    from .helpers import start_server

    server: Server = start_server(tmp_path / "live")
    key = server.key("watch")
    env = {
        **{k: v for k, v in server_env(server.home).items() if not k.startswith("TEXTUAL")},
        "TERM": "xterm-256color",
        "AGENTSESS_DB": str(server.db),
    }
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    app = PtyApp([str(APP)], env)
    try:
        app.wait_for("agentsess")
        headers = {"Authorization": f"Bearer {key}"}
        async with (
            streamablehttp_client(f"{server.url}/mcp/", headers=headers) as (r, w, _),
            ClientSession(r, w) as session,
        ):
            await session.initialize()
            result = await session.call_tool(
                "start_session", {"title": "Made over MCP", "agent": "mcp-bot"}
            )
            assert not result.isError
        # The TUI polls the database and lists the new session within a second or so.
        app.wait_for(listed(1))
        app.wait_for("Made over MCP")
        app.send("q")
        assert app.wait_exit() == 0
    finally:
        app.kill()
        server.stop()
    assert "Traceback" not in app.text
    assert key not in app.text
