"""`agentsess serve` and `agentsess mcp`: agents reach their sessions and memories over HTTP
and MCP (DESIGN.md §7). Imports `core` and `agents`, never `app`; writes no SQL.

Nothing here is imported on the TUI's or the CLI's start-up path: the commands import
`server.app` / `server.mcp_tools` inside their functions.
"""
