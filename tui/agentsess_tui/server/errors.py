"""Core errors become JSON `{"error": {"code", "message", "hint"}}` with one status each.

Never a traceback: an unexpected failure is a 500 with a generic message (the detail goes to
the server's log, which never holds keys or tokens).
"""

from __future__ import annotations

from typing import Any

from ..core import errors as core

# Most specific first: TokenRevoked before TokenInvalid, InvalidPolicy before InvalidInput.
STATUS: tuple[tuple[type[core.AgentsessError], int, str], ...] = (
    (core.NotFound, 404, "not_found"),
    (core.SessionExpired, 410, "session_expired"),
    (core.SessionEnded, 409, "session_ended"),
    (core.AlreadyExists, 409, "already_exists"),
    (core.CannotExtend, 422, "cannot_extend"),
    (core.InvalidPolicy, 400, "invalid_policy"),
    (core.InvalidInput, 400, "invalid_input"),
    (core.TokenRevoked, 401, "token_revoked"),
    (core.TokenInvalid, 401, "token_invalid"),
    (core.AgentMismatch, 403, "agent_mismatch"),
    (core.DatabaseLocked, 503, "database_locked"),
    (core.StorageError, 503, "storage_error"),
    (core.BackendError, 502, "backend_error"),
)
# How long a client should wait before retrying a locked database (seconds).
LOCKED_RETRY_AFTER = 1


class ApiError(Exception):
    """An HTTP-level refusal that is not a core error (auth, scope, size, rate)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        hint: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
        self.headers = headers or {}
        self.extra = extra or {}


def from_core(exc: core.AgentsessError) -> ApiError:
    status, code = next(
        ((status, code) for kind, status, code in STATUS if isinstance(exc, kind)), (400, "error")
    )
    headers: dict[str, str] = {}
    if status == 503:
        headers["Retry-After"] = str(LOCKED_RETRY_AFTER)
    extra = {"expired_at_ms": exc.expired_at} if isinstance(exc, core.SessionExpired) else None
    return ApiError(status, code, exc.message, exc.hint, headers, extra)


def body(error: ApiError) -> dict[str, Any]:
    detail: dict[str, Any] = {"code": error.code, "message": error.message, "hint": error.hint}
    detail.update(error.extra)
    return {"error": detail}
