"""Who may act: the API key (`Authorization: Bearer KEY`) and, for calls bound to a session,
the session token (`X-Session-Token`), checked exactly as the core checks tokens.

Keys and tokens are compared by the store and never logged or echoed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from ..core.errors import TokenInvalid
from ..core.models import Session
from ..core.repo.keys import ApiKey
from .context import ServerContext
from .errors import ApiError
from .ratelimit import retry_after

BEARER_HINT = "Send `Authorization: Bearer <key>`; create a key with `agentsess keys create NAME`."


def server_context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated request: its key, and the server it reached."""

    key: ApiKey
    ctx: ServerContext

    def require_agent(self, agent_id: str) -> None:
        if not self.key.allows(agent_id):
            raise ApiError(
                403,
                "agent_not_allowed",
                f"This API key may not act for agent {agent_id!r}.",
                "Use a key created for this agent (`agentsess keys create NAME --agent A`).",
            )


def authenticate(ctx: ServerContext, authorization: str | None, address: str) -> ApiKey:
    """The live key behind an Authorization header, after the failed-guess throttle (by the
    client's `address`, see auth_throttle) and the rate limit; or a 401/429."""
    if not authorization:
        raise ApiError(401, "missing_key", "This request has no API key.", BEARER_HINT)
    scheme, _, key = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(
            401, "bad_key", "The Authorization header is not `Bearer <key>`.", BEARER_HINT
        )
    key = key.strip()
    blocked = ctx.throttle.check(address, key)
    if blocked > 0:
        raise ApiError(
            429,
            "too_many_failures",
            "Too many requests with an unknown API key from this address.",
            f"Wait {retry_after(blocked)} s, and check the key (`agentsess keys ls`).",
            headers={"Retry-After": retry_after(blocked)},
        )
    record = ctx.keys.verify(key)
    if record is None:
        ctx.throttle.failed(address, key)
        raise ApiError(
            401,
            "bad_key",
            "The API key is unknown or revoked.",
            "Check the key, or create a new one with `agentsess keys create NAME`.",
        )
    ctx.throttle.succeeded(address, key)
    wait = ctx.limiter.acquire(record.name)
    if wait > 0:
        raise ApiError(
            429,
            "rate_limited",
            f"Too many requests for API key {record.name!r}.",
            f"Wait {retry_after(wait)} s; the server's limit is set with `--rate-limit`.",
            headers={"Retry-After": retry_after(wait)},
        )
    return record


async def caller(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Caller:
    """On the event loop: the key's lookup is one indexed read (~30 us), and a hop to a worker
    thread and back costs more than that (bench/server.py: session status at 16 clients went
    from 540 to 1,100 req/s with this and the route on the loop)."""
    ctx = server_context(request)
    address = request.client.host if request.client else "-"
    return Caller(authenticate(ctx, authorization, address), ctx)


CallerDep = Annotated[Caller, Depends(caller)]
SessionTokenHeader = Annotated[
    str | None,
    Header(
        alias="X-Session-Token",
        description="The session token of the current activation (from create/activate/resume).",
    ),
]


def token_session(who: Caller, token: str | None, agent_id: str | None = None) -> Session:
    """The live session a token proves, for an agent the key may act for."""
    if not token or not token.strip():
        raise ApiError(
            401,
            "missing_session_token",
            "This call needs the session token in the X-Session-Token header.",
            "Activate a session first; its response carries `session_token`.",
        )
    session = who.ctx.store.verify_token(token.strip(), agent_id=agent_id)
    who.require_agent(session.agent_id)
    return session


def bound_session(
    who: Caller,
    agent_id: str,
    session_id: str,
    token: str | None,
    *,
    write: bool = False,
) -> Session:
    """A session named in the path, under its own agent; with a token, the token's own.

    A token, when sent, must be for exactly this session (else 401). Without one, the key
    alone suffices unless the server requires tokens for writes.
    """
    who.require_agent(agent_id)
    store = who.ctx.store
    if token and token.strip():
        session = store.verify_token(token.strip(), agent_id=agent_id)
        if session.id != session_id:
            raise TokenInvalid(
                f"The session token is for session {session.id!r}, not {session_id!r}.",
                hint="Send the token of the session you name in the path.",
            )
        return session
    if write and who.ctx.options.require_session_token:
        token_session(who, token, agent_id)
    session = store.get_session(session_id)
    if session.agent_id != agent_id:
        raise ApiError(
            404,
            "not_found",
            f"Agent {agent_id!r} has no session {session_id!r}.",
            f"List its sessions with GET /agents/{agent_id}/sessions.",
        )
    return session
