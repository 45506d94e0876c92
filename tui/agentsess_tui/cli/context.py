"""What every command shares: the store (opened on first use), the clock, input helpers."""

from __future__ import annotations

import os
import sys

import click

from ..core import ManualClock, Store, open_store
from ..core.clock import Clock, parse_iso, time_in_range
from ..core.durations import parse_minutes
from ..core.errors import InvalidInput, TokenInvalid
from ..core.opening import UPGRADE_NOTICE
from ..core.validate import MAX_MESSAGE_BYTES
from .base import UsageProblem

FAKE_NOW_ENV = "AGENTSESS_FAKE_NOW"


class Runtime:
    """The `ctx.obj` of every command: which database, and the store once a command needs it."""

    def __init__(self, db: str | None) -> None:
        self.db = db
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None or self._store.db.readonly:
            if self._store is not None:
                self._store.close()
            self._store = open_store(self.db, clock=clock_from_env(), on_upgrade=say_upgrading)
        return self._store

    @property
    def reader(self) -> Store:
        """The store for a command that only reads: opened read-only, so it works in a
        read-only directory and writes nothing there (issue 10)."""
        if self._store is None:
            self._store = open_store(
                self.db, clock=clock_from_env(), on_upgrade=say_upgrading, readonly=True
            )
        return self._store

    def now(self) -> int:
        return (self._store or self.store).now()  # a reader's clock is the same

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


# SQLite's integers are 64-bit: a larger limit would be an OverflowError, not an answer.
MAX_COUNT = 2**63 - 1


def say_upgrading(path: object) -> None:
    click.echo(UPGRADE_NOTICE.format(path=path), err=True)


def clock_from_env() -> Clock | None:
    """A frozen clock when AGENTSESS_FAKE_NOW is set (a testing aid: drive expiry without
    waiting); the wall clock otherwise."""
    value = os.environ.get(FAKE_NOW_ENV)
    if not value:
        return None
    try:
        ms = parse_iso(value)
        if not time_in_range(ms):
            raise ValueError(value)
        return ManualClock(ms)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"{FAKE_NOW_ENV}={value!r} is not an ISO-8601 time between 1970 and 3000.",
            hint="Use e.g. 2026-01-15T09:00:00Z, or unset it.",
        ) from None


def minutes(option: str, text: str) -> int:
    """A duration option (`90m`, `2h`, `1h30m`, `1d`, bare minutes) in minutes."""
    try:
        return parse_minutes(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{option}: {exc.message}", hint=exc.hint) from None


def stdin_is_tty() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def read_stdin(what: str, limit: int = MAX_MESSAGE_BYTES) -> str:
    """Read text from stdin, never more than `limit` bytes (and say the limit when it is
    more): `cat /dev/zero | agentsess …` must not eat the machine's memory."""
    if stdin_is_tty():
        note_line = f"Reading {what} from stdin; end with Ctrl-D."
        click.echo(note_line, err=True)
    data = sys.stdin.buffer.read(limit + 1) if sys.stdin is not None else b""
    if len(data) > limit:
        raise InvalidInput(
            f"The {what} on stdin is more than {_size(limit)}; the limit is {_size(limit)} "
            f"({limit:,} bytes). Nothing was written.",
            hint="Split it into several parts, or store it in a file and send its path.",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"The {what} on stdin is not UTF-8 text (byte {exc.start}). Nothing was written."
        ) from None


def text_or_stdin(text: str, what: str, limit: int = MAX_MESSAGE_BYTES) -> str:
    """`-` means: read it from stdin."""
    return read_stdin(what, limit) if text == "-" else text


def confirm(question: str, *, yes: bool) -> None:
    """Ask before destroying something; refuse when nobody can answer (no terminal)."""
    if yes:
        return
    if not stdin_is_tty():
        raise UsageProblem(
            "This needs confirmation and stdin is not a terminal; pass --yes to go ahead."
        )
    click.confirm(question, abort=True, err=True)


def session_for(
    rt: Runtime, session_id: str | None, token: str | None, *, agent_id: str | None = None
) -> str:
    """The session a command acts on: named, or proven by a token (`--token`/AGENTSESS_TOKEN).

    With a token the session must be live and the token current (and, with `agent_id`, the
    agent's own); if a session is named too, the token must be for that session.
    """
    if token:
        session = rt.store.verify_token(token.strip(), agent_id=agent_id)
        if session_id and session_id != session.id:
            raise TokenInvalid(
                f"The token is for session {session.id!r}, not {session_id!r}.",
                hint="Drop the session argument, or unset AGENTSESS_TOKEN.",
            )
        return session.id
    if session_id:
        return session_id
    raise UsageProblem("Name the session, or authenticate with --token / AGENTSESS_TOKEN.")


def _size(nbytes: int) -> str:
    if nbytes >= 1024 * 1024:
        return f"{nbytes / (1024 * 1024):.1f} MiB"
    return f"{nbytes / 1024:.1f} KiB"


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()
