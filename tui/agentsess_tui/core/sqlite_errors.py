"""sqlite3's errors as ours: `DatabaseLocked` / `StorageError` with a message a person can act on.

`translate` reads the primary result code (the message text alone misleads); `storage_errors`
and `typed_errors` wrap a method or every public method of a class; `translated` does it for a
generator, whose errors come while it is read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

from .errors import AgentsessError, DatabaseLocked, StorageError

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

# Primary result codes (the low byte of sqlite_errorcode): the message text alone misleads,
# e.g. a trigger's "blocked" would read as a lock.
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_CANNOT_WRITE = {
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_PERM,
}


def translate(exc: sqlite3.Error, path: Path | str | None = None) -> AgentsessError:
    text = str(exc)
    where = f" {path}" if path else ""
    code: int | None = getattr(exc, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF
    if primary is not None:
        busy = primary in _BUSY
        damaged = primary in _DAMAGED
        cannot_write = primary in _CANNOT_WRITE
    else:  # errors raised by the sqlite3 module itself carry no code
        busy = "locked" in text or "busy" in text
        damaged = "not a database" in text or "malformed" in text or "corrupt" in text
        cannot_write = "readonly" in text or "unable to open" in text or "disk I/O" in text
    if busy:
        return DatabaseLocked(
            f"The database{where} is locked by another process.",
            hint="Another agentsess process is writing; try again, or raise "
            "AGENTSESS_BUSY_TIMEOUT_MS.",
        )
    if damaged:
        return StorageError(
            f"The database{where} is not an agentsess database or is damaged ({text}).",
            hint="Move the file aside and start a new one, or pick another file with --db.",
        )
    if cannot_write:
        return StorageError(
            f"Cannot write to the database{where} ({text}).",
            hint="Check the file's permissions and free disk space.",
        )
    return StorageError(f"Database error{where}: {text}.")


def is_busy(exc: sqlite3.Error) -> bool:
    code: int | None = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return "locked" in str(exc) or "busy" in str(exc)
    return code & 0xFF in _BUSY


def translated(rows: Iterator[T], path: Path) -> Iterator[T]:
    """`rows` from a generator, its sqlite3 errors as ours: they come while it is read, after
    `storage_errors` has returned."""
    try:
        yield from rows
    except sqlite3.Error as exc:
        raise translate(exc, path) from None


def typed_errors(cls: type[T]) -> type[T]:
    """Every public method of `cls` turns sqlite3 errors into our typed errors."""
    for name, value in list(vars(cls).items()):
        if callable(value) and not name.startswith("_"):
            setattr(cls, name, storage_errors(value))
    return cls


def storage_errors(method: Callable[P, R]) -> Callable[P, R]:
    """Turn sqlite3 errors escaping a store method into our typed errors."""

    @wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            # Name the file when the method belongs to a store: "which database?" is the
            # first question when several are in use.
            raise translate(exc, getattr(args[0], "path", None) if args else None) from None

    return wrapper
