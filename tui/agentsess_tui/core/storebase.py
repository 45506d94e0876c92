"""What every part of the store shares: per-thread connections, the clock, the key, row mapping.

The operations live in mixins (`registry`, `sessions`, `messages`, `memories`), each small and
about one thing; `store.Store` puts them together.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .clock import Clock, SystemClock
from .config import Settings, resolve_paths
from .db import connect, storage_errors, translate, write_transaction
from .errors import NotFound
from .models import Agent, Event, Memory, Message, Session
from .schema import ensure_schema
from .tokens import load_key

SESSION_COLUMNS = (
    "id, agent_id, title, state, created_at, activated_at, last_activity_at, expires_at, "
    "warn_at, cap_at, renewal_count, resume_count, warned_at, ended_at, end_reason, token_jti, "
    "window_minutes, policy, metadata"
)
MEMORY_COLUMNS = (
    "id, agent_id, session_id, type, title, content, tags, confidence, status, created_at, "
    "updated_at, supersedes"
)


class StoreBase:
    def __init__(
        self,
        path: str | Path,
        *,
        clock: Clock | None = None,
        settings: Settings | None = None,
        key: bytes | None = None,
        key_file: Path | None = None,
        on_upgrade: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self.settings = settings or Settings()
        self._key = key
        self._key_file = key_file
        self._local = threading.local()
        conn = self._conn()
        try:
            ensure_schema(conn, on_upgrade)
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from None

    # -- connections -----------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection: sqlite3 objects must never cross threads."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, self.settings.busy_timeout_ms)
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with write_transaction(self._conn()) as conn:
            yield conn

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @storage_errors
    def data_version(self) -> int:
        """Changes when another connection commits: cheap to poll for live updates."""
        return int(self._conn().execute("PRAGMA data_version").fetchone()[0])

    @storage_errors
    def integrity_check(self) -> str:
        return str(self._conn().execute("PRAGMA integrity_check").fetchone()[0])

    def now(self) -> int:
        return self.clock.now_ms()

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = load_key(self._key_file or resolve_paths().key_file)
        return self._key

    # -- shared lookups --------------------------------------------------------------------

    def _session_row(self, conn: sqlite3.Connection, session_id: str) -> Session:
        row = conn.execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?",  # noqa: S608 (fixed columns)
            (session_id,),
        ).fetchone()
        if row is None:
            raise NotFound(
                f"No session {session_id!r}.",
                hint="List sessions with `agentsess sessions ls`.",
            )
        return session_from_row(row)

    @staticmethod
    def _event(
        conn: sqlite3.Connection, session_id: str, at: int, kind: str, **detail: Any
    ) -> None:
        conn.execute(
            "INSERT INTO events (session_id, at, kind, detail) VALUES (?, ?, ?, ?)",
            (session_id, at, kind, json.dumps(detail, separators=(",", ":"))),
        )


def session_from_row(row: sqlite3.Row) -> Session:
    return Session(
        id=row["id"],
        agent_id=sys.intern(row["agent_id"]),
        title=row["title"],
        state=sys.intern(row["state"]),
        created_at=row["created_at"],
        activated_at=row["activated_at"],
        last_activity_at=row["last_activity_at"],
        expires_at=row["expires_at"],
        warn_at=row["warn_at"],
        cap_at=row["cap_at"],
        renewal_count=row["renewal_count"],
        resume_count=row["resume_count"],
        warned_at=row["warned_at"],
        ended_at=row["ended_at"],
        end_reason=row["end_reason"] and sys.intern(row["end_reason"]),
        token_jti=row["token_jti"],
        window_minutes=row["window_minutes"],
        # Most sessions share a few policies: one string each, not one per session.
        policy_json=sys.intern(row["policy"]),
        metadata=_metadata(row["metadata"]),
    )


def _metadata(text: str) -> dict[str, Any]:
    return {} if text == "{}" else dict(json.loads(text))


def agent_from_row(row: sqlite3.Row) -> Agent:
    return Agent(
        id=row["id"],
        name=row["name"],
        policy=json.loads(row["policy"]),
        created_at=row["created_at"],
    )


def message_from_row(row: sqlite3.Row) -> Message:
    return Message(
        id=row["id"],
        session_id=row["session_id"],
        role=row["role"],
        content=row["content"],
        created_at=row["created_at"],
        metadata=json.loads(row["metadata"]),
    )


def memory_from_row(row: sqlite3.Row) -> Memory:
    return Memory(
        id=row["id"],
        agent_id=row["agent_id"],
        session_id=row["session_id"],
        type=row["type"],
        title=row["title"],
        content=row["content"],
        tags=json.loads(row["tags"]),
        confidence=row["confidence"],
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        supersedes=row["supersedes"] if "supersedes" in row.keys() else None,
    )


def event_from_row(row: sqlite3.Row) -> Event:
    return Event(
        id=row["id"],
        session_id=row["session_id"],
        at=row["at"],
        kind=row["kind"],
        detail=json.loads(row["detail"]),
    )
