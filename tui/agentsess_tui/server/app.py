"""The app factory: one FastAPI app over the store (native, MEMANTO, elizaOS routes, MCP at
/mcp), the error mapping, the body limit, the access log and the sweeper.

FastAPI rather than bare Starlette: typed routes give validation and an OpenAPI 3.1 document
that matches the routes by construction (schemathesis tests it); the MCP SDK already runs on
Starlette, which FastAPI is built on, so one ASGI stack serves both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from .. import __version__
from ..core.errors import AgentsessError
from ..core.semantic.background import REQUEST_CATCH_UP, BackgroundIndexer
from ..core.store import Store
from . import elizaos, memanto, native_memories, native_messages, native_sessions
from .auth import authenticate
from .context import ServerContext, ServerOptions
from .errors import ApiError, body, from_core
from .middleware import AccessLog, BodyLimit, send_error
from .sweeper import run_checkpointer, run_sweeper

log = logging.getLogger("agentsess.server")


def _json(error: ApiError) -> JSONResponse:
    return JSONResponse(body(error), status_code=error.status, headers=error.headers)


def _validation_message(exc: RequestValidationError) -> ApiError:
    problems = []
    for error in exc.errors()[:5]:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body",)]
        where = ".".join(loc) or "body"
        value = error.get("input")
        shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
        if len(shown) > 60:
            shown = shown[:57] + "..."
        problems.append(f"{where} = {shown}: {error.get('msg', 'invalid')}")
    return ApiError(
        400,
        "invalid_input",
        "Invalid request: " + "; ".join(problems) + ".",
        "See /openapi.json for the fields each route takes.",
    )


class McpEndpoint:
    """/mcp: the MCP SDK's streamable HTTP transport, behind the same bearer keys."""

    def __init__(self, ctx: ServerContext, handler: Any) -> None:
        self.ctx = ctx
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        client = scope.get("client") or ("-", 0)
        try:
            await asyncio.to_thread(authenticate, self.ctx, headers.get("authorization"), client[0])
        except ApiError as error:
            await send_error(send, error)
            return
        except AgentsessError as exc:
            await send_error(send, from_core(exc))
            return
        await self.handler(scope, receive, send)


@contextlib.asynccontextmanager
async def background_work(store: Store, options: ServerOptions) -> AsyncIterator[None]:
    """The sweeper, the WAL checkpoints and the recall indexer, for the server's life."""
    # Before any other thread opens a connection (see sweeper.run_checkpointer).
    store.db.set_autocheckpoint(0)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(run_checkpointer(store, stop))]
    if options.sweep:
        tasks.append(asyncio.create_task(run_sweeper(store, stop)))
    # A request embeds its query and what was just written, never a backlog.
    store.recall_catch_up = REQUEST_CATCH_UP
    indexer = None
    if options.index_batch > 0:
        indexer = BackgroundIndexer(store, batch=options.index_batch)
        indexer.start()
    try:
        yield
    finally:
        stop.set()
        for task in tasks:
            await task
        if indexer is not None:
            await asyncio.to_thread(indexer.stop)


def make_app(store: Store, options: ServerOptions | None = None) -> FastAPI:
    options = options or ServerOptions()
    ctx = ServerContext(store, options)
    mcp_server = None
    if options.mcp:
        from .mcp_tools import McpTools, build_mcp

        mcp_server = build_mcp(McpTools(store, require_key=True))
        mcp_server.settings.streamable_http_path = "/"
        mcp_server.streamable_http_app()  # creates the session manager

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = options.threads
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(background_work(store, options))
            if mcp_server is not None:
                await stack.enter_async_context(mcp_server.session_manager.run())
            yield
        store.close()

    app = FastAPI(
        title="agentsess",
        version=__version__,
        summary="Time-boxed AI agent sessions and their long-term memories",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx

    @app.exception_handler(AgentsessError)
    async def core_error(request: Request, exc: AgentsessError) -> JSONResponse:
        return _json(from_core(exc))

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _json(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _json(_validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "no_route", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _json(ApiError(exc.status_code, code, str(exc.detail), "See /openapi.json."))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "unexpected error on %s %s: %r", request.method, request.url.path, exc, exc_info=exc
        )
        return _json(ApiError(500, "internal", "The server failed unexpectedly.", None))

    @app.get("/health", tags=["server"], summary="Liveness (no key needed)")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    for module in (native_sessions, native_messages, native_memories, memanto, elizaos):
        app.include_router(module.router)
    if mcp_server is not None:
        from mcp.server.fastmcp.server import StreamableHTTPASGIApp
        from starlette.routing import Route

        endpoint = McpEndpoint(ctx, StreamableHTTPASGIApp(mcp_server.session_manager))
        # Both spellings answer in place: clients are configured with `…/mcp`, and a redirect
        # to `/mcp/` would cost a round trip (and some clients drop Authorization on it).
        for path in ("/mcp", "/mcp/"):
            app.router.routes.append(Route(path, endpoint, include_in_schema=False))

    app.add_middleware(BodyLimit, limit=options.body_limit)
    if options.access_log:
        app.add_middleware(AccessLog)
    return app
