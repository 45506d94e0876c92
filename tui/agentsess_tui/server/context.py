"""What every route shares: the store, the API keys, the limits. One per server process."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.repo.keys import ApiKeys
from ..core.store import Store
from .auth_throttle import DEFAULT_FAILURES_PER_MINUTE, AuthThrottle
from .ratelimit import RateLimiter

DEFAULT_BODY_LIMIT = 2 * 1024 * 1024  # a 1 MiB message, JSON-escaped, fits
DEFAULT_RATE_PER_MINUTE = 6000
# Threads for the blocking store calls (anyio's default is 40). Each write thread polls
# SQLite's write lock; fewer threads queue in anyio's fair FIFO instead: remember at 64
# clients went from p99 2.0 s / max 3.2 s to 1.0 s / 1.1 s and +30-60 % req/s (bench/server.py).
DEFAULT_THREADS = 8


@dataclass
class ServerOptions:
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE
    """Requests per minute per API key (0: no limit)."""
    rate_burst: int | None = None
    auth_failures_per_minute: int = DEFAULT_FAILURES_PER_MINUTE
    """Failed key guesses per minute per client address before 429s (0: no throttle)."""
    threads: int = DEFAULT_THREADS
    """Worker threads for the blocking store calls of the routes and MCP tools."""
    body_limit: int = DEFAULT_BODY_LIMIT
    """Largest request body accepted, in bytes; more is a 413."""
    require_session_token: bool = False
    """Native routes that write into a session need X-Session-Token, not just a key."""
    sweep: bool = True
    """Run the expiry sweep in the server (off only for tests that drive it themselves)."""
    access_log: bool = True
    mcp: bool = True
    """Serve the MCP tools at /mcp."""
    index_batch: int = 256
    """Memories without a vector get one in the background, this many at a time; a recall
    embeds at most `REQUEST_CATCH_UP` of them (0: a backlog waits for `memory reindex`)."""


class ServerContext:
    def __init__(self, store: Store, options: ServerOptions) -> None:
        self.store = store
        self.options = options
        self.keys = ApiKeys(store.db, store.clock)
        self.limiter = RateLimiter(options.rate_per_minute, burst=options.rate_burst)
        self.throttle = AuthThrottle(options.auth_failures_per_minute)
