"""Typed errors of the core. Each carries a message a person can act on.

Clients map them to what they show: the CLI to an exit code and one line on stderr,
the TUI to a notification. None of them is ever meant to surface as a traceback.
"""

from __future__ import annotations


class AgentsessError(Exception):
    """Base of every error the core raises on purpose."""

    exit_code = 1
    title = "Error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class NotFound(AgentsessError):
    """An agent, session or memory id that does not exist."""

    exit_code = 3
    title = "Not found"


class InvalidInput(AgentsessError):
    """A value that cannot be accepted: a malformed id, an oversized message, a bad file."""

    exit_code = 4
    title = "Invalid input"


class InvalidPolicy(InvalidInput):
    """A policy value outside its allowed range, or an inconsistent combination."""

    exit_code = 5
    title = "Invalid policy"


class AlreadyExists(AgentsessError):
    """Creating or importing something whose id is taken; nothing is overwritten."""

    exit_code = 6
    title = "Already exists"


class SessionExpired(AgentsessError):
    """A write to a session whose window has passed."""

    exit_code = 7
    title = "Session expired"

    def __init__(self, message: str, *, expired_at: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.expired_at = expired_at


class SessionEnded(AgentsessError):
    """A write to a session that was ended (by a person, an agent or supersession)."""

    exit_code = 8
    title = "Session ended"


class CannotExtend(AgentsessError):
    """An extension that would add nothing because the lifetime cap is reached."""

    exit_code = 9
    title = "Cannot extend"


class TokenInvalid(AgentsessError):
    """A token that is malformed or not signed with this database's key."""

    exit_code = 10
    title = "Invalid token"


class TokenRevoked(TokenInvalid):
    """A token of an earlier activation of its session (the session was resumed since)."""

    exit_code = 11
    title = "Token revoked"


class AgentMismatch(AgentsessError):
    """A token or session used on behalf of a different agent than its own."""

    exit_code = 12
    title = "Agent mismatch"


class DatabaseLocked(AgentsessError):
    """Another process held a write lock for longer than the busy timeout."""

    exit_code = 13
    title = "Database busy"


class StorageError(AgentsessError):
    """The database file cannot be opened or read: corrupt, not a database, no permission."""

    exit_code = 14
    title = "Storage error"


class BackendError(AgentsessError):
    """A chat backend failed: refused connection, bad key, unknown model, timeout, bad stream."""

    exit_code = 15
    title = "Backend error"


ERROR_TYPES: tuple[type[AgentsessError], ...] = (
    AgentsessError,
    NotFound,
    InvalidInput,
    InvalidPolicy,
    AlreadyExists,
    SessionExpired,
    SessionEnded,
    CannotExtend,
    TokenInvalid,
    TokenRevoked,
    AgentMismatch,
    DatabaseLocked,
    StorageError,
    BackendError,
)
