"""`agentsess serve`: the HTTP API (native, MEMANTO, elizaOS) and MCP at /mcp."""

from __future__ import annotations

from pathlib import Path

import click

from .context import Runtime


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--insecure-http", is_flag=True, help="Allow plain HTTP on a non-loopback address (warns)."
)
@click.option(
    "--rate-limit",
    type=click.IntRange(0),
    default=6000,
    show_default=True,
    help="Requests per minute per API key (0: no limit).",
)
@click.option(
    "--auth-failures",
    type=click.IntRange(0),
    default=10,
    show_default=True,
    help="Failed API-key guesses per minute per client address before 429s (0: off).",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    help="Worker threads for database calls (fewer threads queue fairly under load).",
)
@click.option(
    "--index-batch",
    type=click.IntRange(0, 10_000),
    default=256,
    show_default=True,
    help="Index memories without a vector for recall in the background, this many at a "
    "time (0: leave a backlog to `agentsess memory reindex`).",
)
@click.option(
    "--require-session-token",
    is_flag=True,
    help="Native writes into a session need X-Session-Token as well as the key.",
)
@click.option("--no-mcp", is_flag=True, help="Do not serve MCP at /mcp.")
@click.option("--no-access-log", is_flag=True, help="Do not log one line per request.")
@click.pass_obj
def serve(
    rt: Runtime,
    host: str,
    port: int,
    tls_cert: Path | None,
    tls_key: Path | None,
    insecure_http: bool,
    rate_limit: int,
    auth_failures: int,
    threads: int,
    index_batch: int,
    require_session_token: bool,
    no_mcp: bool,
    no_access_log: bool,
) -> None:
    """Serve sessions and memories over HTTP to agents (every route but /health needs
    `Authorization: Bearer KEY`; create keys with `agentsess keys create`)."""
    from ..server.context import ServerOptions
    from ..server.run import check_bind
    from ..server.run import serve as run_server

    warning = check_bind(host, tls_cert, tls_key, insecure_http)
    if warning:
        click.echo(f"agentsess: {warning}", err=True)
    options = ServerOptions(
        rate_per_minute=rate_limit,
        auth_failures_per_minute=auth_failures,
        threads=threads,
        index_batch=index_batch,
        require_session_token=require_session_token,
        mcp=not no_mcp,
        access_log=not no_access_log,
    )
    store = rt.store
    scheme = "https" if tls_cert else "http"
    click.echo(f"agentsess: serving {store.path} on {scheme}://{host}:{port}", err=True)
    run_server(store, options, host=host, port=port, tls_cert=tls_cert, tls_key=tls_key)
