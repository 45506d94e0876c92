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

import json
import sqlite3
import time
from collections import Counter
from collections.abc import Callable

from ..clock import Clock
from ..db import Database
from ..models import SweepResult
from ..rows import EVENTS
from ..schema import TEXT_INDEXES

# Sessions written per transaction. The update of the rows (each session's row is on its own
# page, plus three index entries) is most of a chunk (bench/sweep_profile.py); 1,000 a chunk
# (likely more pages than the 1 MiB page cache holds) cost twice as much per session as 500
# (59 µs against 109 µs, at load 10).
CHUNK = 500
# Between two chunks the sweep waits while writers wait (waiters.py), in steps, up to a
# bound: a writer retries every 2 ms at most (db.py), and one that keeps arriving must not
# stop the sweep. Nobody waiting, it goes straight on. Where other processes cannot say
# whether they wait, it pauses PAUSE_SECONDS each time: about half a chunk, which lets a
# waiting writer in within a few of its retries.
YIELD_STEP_SECONDS = 0.0005
YIELD_LONGEST_SECONDS = 0.05
PAUSE_SECONDS = 0.006
# Chunks between two checkpoints of a mass expiry. A chunk writes ~380 pages of WAL, and
# every other writer's commit checkpoints when the WAL holds 1,000 (SQLite's default): with
# a checkpoint every 16 chunks, a process writing every 10 ms beside the sweep copied the
# sweep's pages back in its own commits, its median write 17 ms and its p99 52 ms. Every 2
# chunks keeps the WAL under 1,000 pages: that writer's median 1.0 ms, p99 39 ms, for a
# sweep of 100k sessions in 4.3-4.8 s instead of 3.9 (bench/core.py, 2026-12-02). One after
# every chunk made the whole sweep 40 % longer than one every 16 (a checkpoint syncs the
# database file).
CHECKPOINT_EVERY = 2
# Pages one merge step of a full-text index may write: ~10 ms on the 1M-memory benchmark
# database. With automerge off (schema.m007) a step every 100 writes kept a mixed write load's
# p99 at 8 ms, against 66 ms with FTS5 merging inside the writes.
MERGE_PAGES = 64


class Sweeper:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        chunk: int = CHUNK,
        pause: Callable[[], None] | None = None,
        checkpoint_every: int = CHECKPOINT_EVERY,
    ) -> None:
        self.db = db
        self.clock = clock
        self.chunk = chunk
        self.pause = pause or self.let_writers_in
        self.checkpoint_every = checkpoint_every

    def let_writers_in(self) -> None:
        """Between two chunks: wait while other writers wait for the lock (see YIELD_*)."""
        waiting = self.db.waiters.waiting()
        if waiting is None:
            time.sleep(PAUSE_SECONDS)
            return
        deadline = time.monotonic() + YIELD_LONGEST_SECONDS
        while waiting and time.monotonic() < deadline:
            time.sleep(YIELD_STEP_SECONDS)
            waiting = self.db.waiters.waiting()

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
            expired = self._in_chunks("expired", now)
            warned = self._in_chunks("warned", now)
        return SweepResult(expired=expired, warned=warned, next_due_at=self._next_due(conn))

    def merge_text_indexes(self, pages: int = MERGE_PAGES) -> bool:
        """One bounded merge step per full-text index, each its own short transaction;
        FTS5 merges only where segments have piled up. True if any index had work (FTS5's
        sign of work: the total change count moved by two or more)."""
        worked = False
        for table in TEXT_INDEXES:
            with self.db.write() as conn:
                before = conn.total_changes
                conn.execute(
                    f"INSERT INTO {table}({table}, rank) VALUES ('merge', ?)",  # noqa: S608 (fixed names)
                    (pages,),
                )
                worked = worked or conn.total_changes - before >= 2
        return worked

    def _in_chunks(self, kind: str, now: int) -> list[str]:
        done: list[str] = []
        chunks = 0
        try:
            while True:
                with self.db.write() as conn:
                    rows = _chunk(conn, kind, now, self.chunk)
                done += rows
                chunks += 1
                if len(rows) < self.chunk:
                    break
                if chunks == 1:  # more than a chunk: a mass expiry
                    self.db.pause_autocheckpoint()
                # The chunks' pages go to the database file between chunks (PASSIVE: writers
                # go on meanwhile). Left to SQLite, every 1,000 pages of WAL one chunk's
                # commit copied them back before it returned, still inside `Database.write`.
                if chunks % self.checkpoint_every == 0:
                    self.db.checkpoint()
                self.pause()  # let waiting writers in before the next chunk
        finally:
            if chunks > 1:
                self.db.restore_autocheckpoint()
        if chunks > 1:
            self.db.checkpoint()  # the last chunks' pages
        return done

    @staticmethod
    def _next_due(conn: sqlite3.Connection) -> int | None:
        row = conn.execute(
            "SELECT min((SELECT min(expires_at) FROM sessions WHERE state = 'active'), "
            "coalesce((SELECT min(warn_at) FROM sessions INDEXED BY sessions_live_unwarned "
            "WHERE state = 'active' AND warned_at IS NULL), 9e18))"
        ).fetchone()
        return None if row[0] is None else int(row[0])


# One chunk each: first the events (INSERT … SELECT, no row through Python: a third of the
# chunk's time otherwise), then the same rows' update (the same query in the same transaction
# picks the same rows). The updates stamp change_seq themselves (one value for the chunk)
# instead of paying the per-row change trigger (schema.m002); all walk a partial index of
# live sessions.
_EVENT_COLUMNS = ", ".join(EVENTS.column(name) for name in EVENTS.insertable)
_OVERDUE = (
    "SELECT rowid FROM sessions INDEXED BY sessions_live_expires "
    "WHERE state = 'active' AND expires_at <= :now ORDER BY expires_at, rowid LIMIT :chunk"
)
_UNWARNED = (
    "SELECT rowid FROM sessions INDEXED BY sessions_live_unwarned "
    "WHERE state = 'active' AND warned_at IS NULL AND warn_at <= :now AND expires_at > :now "
    "ORDER BY warn_at, rowid LIMIT :chunk"
)
# The per-agent state counts: one statement each for a whole chunk, from the agents its update
# returned, as a JSON object {agent: sessions} (their trigger skips the statements that stamp
# change_seq themselves: schema.m010).
_COUNTS = (
    "UPDATE session_counts SET n = n - c.value FROM json_each(:counts) AS c "
    "WHERE session_counts.agent_id = c.key AND session_counts.state = 'active'",
    "INSERT INTO session_counts (agent_id, state, n) "
    "SELECT c.key, 'expired', c.value FROM json_each(:counts) AS c WHERE true "
    "ON CONFLICT (agent_id, state) DO UPDATE SET n = n + excluded.n",
)
_STEPS = {
    # An expiry is recorded at the real expiry time; a warning when it was given.
    "expired": (
        f"INSERT INTO events ({_EVENT_COLUMNS}) "  # noqa: S608 (fixed fragments)
        f"SELECT id, expires_at, 'expired', '{{}}' FROM sessions WHERE rowid IN ({_OVERDUE})",
        "UPDATE sessions SET state = 'expired', "  # noqa: S608 (fixed fragments)
        "change_seq = (SELECT seq + 1 FROM change_log WHERE id = 1) "
        f"WHERE rowid IN ({_OVERDUE}) RETURNING id, agent_id",
    ),
    "warned": (
        f"INSERT INTO events ({_EVENT_COLUMNS}) "  # noqa: S608 (fixed fragments)
        "SELECT id, :now, 'warned', json_object('expires_at', expires_at) FROM sessions "
        f"WHERE rowid IN ({_UNWARNED})",
        "UPDATE sessions SET warned_at = :now, "  # noqa: S608 (fixed fragments)
        "change_seq = (SELECT seq + 1 FROM change_log WHERE id = 1) "
        f"WHERE rowid IN ({_UNWARNED}) RETURNING id, agent_id",
    ),
}


def _chunk(conn: sqlite3.Connection, kind: str, now: int, chunk: int) -> list[str]:
    events, update = _STEPS[kind]
    params = {"now": now, "chunk": chunk}
    conn.execute(events, params)
    rows = conn.execute(update, params).fetchall()
    if rows:
        conn.execute("UPDATE change_log SET seq = seq + 1 WHERE id = 1")
    if kind == "expired" and rows:
        counts = {"counts": json.dumps(Counter(agent for _, agent in rows))}
        for statement in _COUNTS:
            conn.execute(statement, counts)
    return [row[0] for row in rows]
