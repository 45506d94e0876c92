"""Running the app under uvicorn: the bind rules (loopback, or TLS, or an explicit insecure
flag) and a graceful stop on SIGTERM/SIGINT (uvicorn finishes in-flight requests, then the
app's lifespan stops the sweeper and closes the database)."""

from __future__ import annotations

import ipaddress
import logging
import sys
from pathlib import Path

from ..core.errors import InvalidInput
from ..core.store import Store
from .context import ServerOptions


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(
    host: str, tls_cert: Path | None, tls_key: Path | None, insecure_http: bool
) -> str | None:
    """A warning to print, or InvalidInput when the bind is not allowed."""
    if (tls_cert is None) != (tls_key is None):
        raise InvalidInput("--tls-cert and --tls-key go together: give both or neither.")
    if is_loopback(host) or tls_cert is not None:
        return None
    if not insecure_http:
        raise InvalidInput(
            f"Refusing to serve plain HTTP on {host}: API keys and session tokens would cross "
            "the network in clear.",
            hint="Give --tls-cert and --tls-key, or pass --insecure-http if you must.",
        )
    return (
        f"warning: serving plain HTTP on {host}; keys and tokens travel unencrypted "
        "(use --tls-cert/--tls-key)."
    )


def serve(
    store: Store,
    options: ServerOptions,
    *,
    host: str,
    port: int,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
) -> None:
    import uvicorn

    from .app import make_app

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    for name in ("agentsess.access", "agentsess.server", "agentsess.recall"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    app = make_app(store, options)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        access_log=False,  # ours redacts; uvicorn's would log raw query strings
        log_level="info",
        timeout_graceful_shutdown=10,
        # Longer than uvicorn's 5 s: a pooled client reusing a connection the server has just
        # closed as idle sees a read error (seen at 64 clients in bench/server.py).
        timeout_keep_alive=30,
        server_header=False,
        # Room for a MEMANTO remember?content=… at its limits (memanto.QUERY_CONTENT_CHARS),
        # percent-encoded; httptools, when installed, stops at 64 KiB.
        h11_max_incomplete_event_size=128 * 1024,
    )
    uvicorn.Server(config).run()
