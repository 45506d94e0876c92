"""`agentsess mcp`: the MCP tools on stdio, for desktop agents' config files."""

from __future__ import annotations

import click

from .context import Runtime


@click.command("mcp")
@click.option("--agent", required=True, help="The agent the tools act for.")
@click.pass_obj
def mcp(rt: Runtime, agent: str) -> None:
    """Serve the MCP tools (start_session, remember, recall, …) on stdin/stdout."""
    from ..core.ids import check_agent_id
    from ..core.semantic.background import BackgroundIndexer
    from ..server.mcp_tools import McpTools, build_mcp

    check_agent_id(agent)
    store = rt.store
    # A tool call embeds its query only; memories without a vector are indexed meanwhile.
    indexer = BackgroundIndexer(store)
    indexer.start()
    try:
        build_mcp(McpTools(store, default_agent=agent)).run("stdio")
    finally:
        indexer.stop()
