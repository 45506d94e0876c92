"""The sweep: write overdue sessions `expired` and warn the newly expiring, in bounded chunks.

Reads never wait for it: the phase is derived from `expires_at` and the clock on every read
(`phases`), so an overdue session reads as expired before any sweep has written it. The
sweep only makes that durable, with an `expired` event at the real expiry time. A machine that
was off for days can wake to 100k overdue sessions: they are written `CHUNK` at a time, each
chunk its own short `BEGIN IMMEDIATE` transaction, with a pause between chunks in which a
waiting writer gets the lock (SQLite's busy handler polls; without the pause the sweep would
win the lock back every time). See bench/core.py for the figures behind the numbers.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from ..clock import Clock
from ..db import Database
from ..models import SweepResult
from ..rows import EVENTS, insert_many

# Sessions written per transaction, and the pause between two chunks (bench/core.py: a chunk
# of 1,000 holds the write lock a few milliseconds).
CHUNK = 1000
PAUSE_SECONDS = 0.004


class Sweeper:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        chunk: int = CHUNK,
        pause: Callable[[], None] = lambda: time.sleep(PAUSE_SECONDS),
    ) -> None:
        self.db = db
        self.clock = clock
        self.chunk = chunk
        self.pause = pause

    def sweep(self) -> SweepResult:
        """Expire every overdue session and warn every newly expiring one.

        Reads first and takes the write lock only when something is due, so an idle client
        polling this never blocks writers.
        """
        conn = self.db.conn()
        now = self.clock.now_ms()
        # Without statistics the planner prefers `state = ?` on sessions_state_expires and reads
        # every live row (1 ms at 3k live sessions, per tick); INDEXED BY pins the warning checks
        # to their partial index (µs).
        due = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE state = 'active' AND expires_at <= ?) "
            "OR EXISTS (SELECT 1 FROM sessions INDEXED BY sessions_live_unwarned "
            "WHERE state = 'active' AND warned_at IS NULL AND warn_at <= ?)",
            (now, now),
        ).fetchone()[0]
        expired: list[str] = []
        warned: list[str] = []
        if due:
            expired = self._in_chunks(_EXPIRE, "expired", now, detail=False)
            warned = self._in_chunks(_WARN, "warned", now, detail=True)
        return SweepResult(expired=expired, warned=warned, next_due_at=self._next_due(conn))

    def _in_chunks(self, statement: str, kind: str, now: int, *, detail: bool) -> list[str]:
        done: list[str] = []
        while True:
            with self.db.write() as conn:
                rows = _chunk(conn, statement, kind, now, self.chunk, detail)
            done += rows
            if len(rows) < self.chunk:
                return done
            self.pause()  # let a waiting writer in before the next chunk

    @staticmethod
    def _next_due(conn: sqlite3.Connection) -> int | None:
        row = conn.execute(
            "SELECT min((SELECT min(expires_at) FROM sessions WHERE state = 'active'), "
            "coalesce((SELECT min(warn_at) FROM sessions INDEXED BY sessions_live_unwarned "
            "WHERE state = 'active' AND warned_at IS NULL), 9e18))"
        ).fetchone()
        return None if row[0] is None else int(row[0])


# One chunk each. The updates stamp change_seq themselves (one value for the chunk) instead of
# paying the per-row change trigger (schema.m002); both walk a partial index of live sessions.
_EXPIRE = (
    "UPDATE sessions SET state = 'expired', "
    "change_seq = (SELECT seq + 1 FROM change_log WHERE id = 1) "
    "WHERE rowid IN (SELECT rowid FROM sessions INDEXED BY sessions_live_expires "
    "WHERE state = 'active' AND expires_at <= :now ORDER BY expires_at LIMIT :chunk) "
    "RETURNING id, expires_at"
)
_WARN = (
    "UPDATE sessions SET warned_at = :now, "
    "change_seq = (SELECT seq + 1 FROM change_log WHERE id = 1) "
    "WHERE rowid IN (SELECT rowid FROM sessions INDEXED BY sessions_live_unwarned "
    "WHERE state = 'active' AND warned_at IS NULL AND warn_at <= :now AND expires_at > :now "
    "LIMIT :chunk) "
    "RETURNING id, expires_at"
)


def _chunk(
    conn: sqlite3.Connection, statement: str, kind: str, now: int, chunk: int, detail: bool
) -> list[str]:
    rows = conn.execute(statement, {"now": now, "chunk": chunk}).fetchall()
    if not rows:
        return []
    conn.execute("UPDATE change_log SET seq = seq + 1 WHERE id = 1")
    # An expiry is recorded at the real expiry time; a warning when it was given.
    insert_many(
        conn,
        EVENTS,
        (
            {
                "session_id": session_id,
                "at": now if detail else expires_at,
                "kind": kind,
                "detail": {"expires_at": expires_at} if detail else {},
            }
            for session_id, expires_at in rows
        ),
    )
    return [session_id for session_id, _ in rows]
