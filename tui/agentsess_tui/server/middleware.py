"""Pure ASGI middleware (cheaper than Starlette's BaseHTTPMiddleware on every request):
the request body limit (413) and the access log, which never holds keys or tokens."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError, body

access_log = logging.getLogger("agentsess.access")
# Query parameters that could carry a secret (no route takes one, but clients make mistakes).
SECRET_PARAMS = {"key", "api_key", "apikey", "token", "session_token", "access_token"}


def redact_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in pairs])


async def send_error(send: Send, error: ApiError) -> None:
    payload = json.dumps(body(error)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class BodyLimit:
    """Refuse bodies over `limit` bytes: by Content-Length up front, else while reading."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _too_large(self) -> ApiError:
        return ApiError(
            413,
            "too_large",
            f"The request body is larger than the server's limit of {self.limit:,} bytes.",
            "Send less at once (messages are limited to 1 MiB).",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    size = int(value)
                except ValueError:
                    size = self.limit + 1
                if size > self.limit:
                    await send_error(send, self._too_large())
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await send_error(send, self._too_large())


class _TooLarge(Exception):
    pass


class AccessLog:
    """One line per request: method, path, redacted query, status, time. Headers (where the
    key and the session token travel) are never logged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status: dict[str, Any] = {"code": 0}

        async def watching_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            query = redact_query(scope.get("query_string", b"").decode("latin-1"))
            client = scope.get("client") or ("-", 0)
            access_log.info(
                '%s "%s %s%s" %s %.1fms',
                client[0],
                scope["method"],
                scope["path"],
                f"?{query}" if query else "",
                status["code"],
                (time.perf_counter() - start) * 1000,
            )
