"""Sessions as rows: reading them (with the phase derived from the clock), their timeline,
the edits that any state allows, and the rules every write to a live session goes through
(`live_session`, `activity`, `expire`), which the other repositories are handed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .. import validate
from ..clock import MINUTE_MS, Clock
from ..db import CommitThenRaise, Database
from ..durations import format_ago
from ..errors import InvalidInput, NotFound, SessionEnded, SessionExpired
from ..ids import check_session_id
from ..models import Event, Phase, Session, State
from ..phases import PHASE_WHERE_SQL, SIDEBAR_ORDER_SQL, STATE_WHERE_SQL, local_when
from ..rows import EVENTS, SESSIONS, add_event, event_from_row, session_from_row

if TYPE_CHECKING:
    from ..policy import Policy


class SessionRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # -- reading ---------------------------------------------------------------------------

    def get_session(self, session_id: str) -> Session:
        check_session_id(session_id)
        return self.session_row(self.db.conn(), session_id)

    def list_sessions(
        self,
        *,
        state: str | None = None,
        agent_id: str | None = None,
        limit: int | None = None,
        phase: str | None = None,
    ) -> list[Session]:
        """Sidebar order (see `iter_sessions`)."""
        return list(self.iter_sessions(state=state, agent_id=agent_id, limit=limit, phase=phase))

    def iter_sessions(
        self,
        *,
        state: str | None = None,
        agent_id: str | None = None,
        limit: int | None = None,
        phase: str | None = None,
    ) -> Iterator[Session]:
        """Sidebar order: expiring, active by time left, expired and ended most recent first.

        Both filters read the clock: `state="active"` never returns an overdue session and
        `"expired"` includes those no sweep has written yet. `phase` is the phase as people see
        it (`active` then excludes the expiring ones); `state="expiring"` is the same as
        `phase="expiring"`.
        """
        where: list[str] = []
        if state is not None:
            where.append(_state_clause(state))
        if phase is not None:
            where.append(_phase_clause(phase))
        params: dict[str, object] = {
            "now": self.clock.now_ms(),
            "limit": -1 if limit is None else limit,
        }
        if agent_id:
            where.append("agent_id = :agent")
            params["agent"] = agent_id
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        # One statement read as it goes (one snapshot; SQLite's sorter spills to disk), so
        # `sessions ls --limit 0` on 100k sessions holds a row at a time, not the list.
        rows = self.db.conn().execute(
            f"SELECT {SESSIONS.columns} FROM sessions {clause} "  # noqa: S608 (fixed fragments)
            f"ORDER BY {SIDEBAR_ORDER_SQL} LIMIT :limit",
            params,
        )
        for row in rows:
            yield session_from_row(row)

    def list_sessions_page(
        self,
        *,
        agent_id: str | None = None,
        state: str | None = None,
        before_id: str | None = None,
        limit: int = 50,
    ) -> list[Session]:
        """Newest first, keyset-paged by id (ids sort by creation): the next page is the one
        with `before_id` = the last id of this one. `state` filters as in `list_sessions`."""
        where: list[str] = []
        params: dict[str, object] = {"now": self.clock.now_ms(), "limit": limit}
        if state is not None:
            where.append(_state_clause(state))
        if agent_id is not None:
            where.append("agent_id = :agent")
            params["agent"] = agent_id
        if before_id is not None:
            where.append("id < :before")
            params["before"] = check_session_id(before_id)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.conn().execute(
            f"SELECT {SESSIONS.columns} FROM sessions {clause} "  # noqa: S608 (fixed fragments)
            "ORDER BY id DESC LIMIT :limit",
            params,
        )
        return [session_from_row(row) for row in rows]

    def count_sessions(self) -> int:
        return int(self.db.conn().execute("SELECT count(*) FROM sessions").fetchone()[0])

    def session_counts(self, session_id: str) -> dict[str, int]:
        """Messages, memories made in it and events: for /status and `sessions show`."""
        conn = self.db.conn()
        self.session_row(conn, session_id)
        return counts(conn, session_id, ("messages", "memories", "events"))

    def events(self, session_id: str) -> list[Event]:
        """The session's timeline, oldest first. Events are never edited."""
        check_session_id(session_id)
        rows = self.db.conn().execute(
            f"SELECT {EVENTS.columns} FROM events WHERE session_id = ? ORDER BY id",  # noqa: S608
            (session_id,),
        )
        return [event_from_row(row) for row in rows]

    # -- edits allowed in any state --------------------------------------------------------

    def clear_session(self, session_id: str) -> int:
        """Delete the conversation except system messages. Memories stay. Any state."""
        check_session_id(session_id)
        with self.db.write() as conn:
            self.session_row(conn, session_id)
            deleted = conn.execute(
                "DELETE FROM messages WHERE session_id = ? AND role != 'system'", (session_id,)
            ).rowcount
            add_event(conn, session_id, self.clock.now_ms(), "cleared", deleted=deleted)
        return int(deleted)

    def delete_session(self, session_id: str) -> dict[str, int]:
        """Remove the session, its messages and events. Its memories stay (origin set NULL)."""
        check_session_id(session_id)
        with self.db.write() as conn:
            self.session_row(conn, session_id)
            found = counts(conn, session_id, ("messages", "memories"))
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return {"messages": found["messages"], "memories_kept": found["memories"]}

    def rename_session(self, session_id: str, title: str) -> Session:
        check_session_id(session_id)
        with self.db.write() as conn:
            session = self.session_row(conn, session_id)
            name = validate.title(title, default=session.title)
            conn.execute("UPDATE sessions SET title = ? WHERE id = ?", (name, session_id))
            return self.session_row(conn, session_id)

    def update_session_metadata(self, session_id: str, changes: Mapping[str, Any]) -> Session:
        """Merge keys into the session's metadata (None removes a key). Any state."""
        check_session_id(session_id)
        with self.db.write() as conn:
            session = self.session_row(conn, session_id)
            merged = dict(session.metadata)
            for key, value in changes.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            conn.execute(
                "UPDATE sessions SET metadata = ? WHERE id = ?",
                (validate.metadata(merged), session_id),
            )
            return self.session_row(conn, session_id)

    # -- the rules, inside a write transaction ---------------------------------------------

    @staticmethod
    def session_row(conn: sqlite3.Connection, session_id: str) -> Session:
        row = conn.execute(
            f"SELECT {SESSIONS.columns} FROM sessions WHERE id = ?",  # noqa: S608 (fixed columns)
            (session_id,),
        ).fetchone()
        if row is None:
            raise NotFound(
                f"No session {session_id!r}.",
                hint="List sessions with `agentsess sessions ls`.",
            )
        return session_from_row(row)

    def live_session(self, conn: sqlite3.Connection, session_id: str) -> Session:
        """The session if writes are allowed now; expire-on-write otherwise."""
        session = self.session_row(conn, session_id)
        if session.state == State.ENDED:
            raise SessionEnded(
                f"Session {session.title!r} is ended ({session.end_reason}).",
                hint="Resume it to start a new activation.",
            )
        if session.state == State.EXPIRED:
            raise self.expired_error(session)
        if session.expires_at <= self.clock.now_ms():
            self.expire(conn, session)
            raise CommitThenRaise(self.expired_error(session))
        return session

    def expired_error(self, session: Session) -> SessionExpired:
        ago = format_ago(max(0, self.clock.now_ms() - session.expires_at))
        return SessionExpired(
            f"Session {session.title!r} expired {ago} "
            f"({local_when(session.expires_at, self.clock.now_ms(), zone=True)}).",
            expired_at=session.expires_at,
            hint="Resume it to start a new window; its conversation is kept.",
        )

    @staticmethod
    def expire(conn: sqlite3.Connection, session: Session) -> None:
        """Write an overdue session expired, its event at the real expiry time."""
        conn.execute("UPDATE sessions SET state = 'expired' WHERE id = ?", (session.id,))
        add_event(conn, session.id, session.expires_at, "expired")

    def activity(self, conn: sqlite3.Connection, session: Session, now: int) -> None:
        """A message or heartbeat: record it; with auto_renew slide the expiry forward."""
        conn.execute("UPDATE sessions SET last_activity_at = ? WHERE id = ?", (now, session.id))
        policy = session.policy
        if not policy.auto_renew:
            return
        target = min(now + policy.window_minutes * MINUTE_MS, session.cap_at)
        if target > session.expires_at:
            self.set_expiry(conn, session, policy, target, now)
            conn.execute(
                "UPDATE sessions SET renewal_count = renewal_count + 1 WHERE id = ?",
                (session.id,),
            )
            add_event(
                conn,
                session.id,
                now,
                "renewed",
                expires_at=target,
                added_ms=target - session.expires_at,
            )

    @staticmethod
    def set_expiry(
        conn: sqlite3.Connection, session: Session, policy: Policy, expires_at: int, now: int
    ) -> None:
        warn_at = expires_at - policy.warning_minutes * MINUTE_MS
        # Re-arm the one-time warning only if the session left the expiring phase.
        rearm = now < warn_at
        conn.execute(
            "UPDATE sessions SET expires_at = ?, warn_at = ?, "
            "warned_at = CASE WHEN ? THEN NULL ELSE warned_at END WHERE id = ?",
            (expires_at, warn_at, rearm, session.id),
        )

    @staticmethod
    def exists(conn: sqlite3.Connection, session_id: str) -> bool:
        found = conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return found is not None


def counts(conn: sqlite3.Connection, session_id: str, tables: tuple[str, ...]) -> dict[str, int]:
    """Rows of `tables` (messages, memories, events) that belong to a session."""
    return {
        table: int(
            conn.execute(
                f"SELECT count(*) FROM {table} WHERE session_id = ?",  # noqa: S608 (fixed names)
                (session_id,),
            ).fetchone()[0]
        )
        for table in tables
    }


def _state_clause(state: str) -> str:
    if state == Phase.EXPIRING:
        return PHASE_WHERE_SQL[Phase.EXPIRING]
    for known, clause in STATE_WHERE_SQL.items():
        if state == known:
            return clause
    raise InvalidInput(
        f"{state!r} is not a session state; use one of active, expiring, expired, ended."
    )


def _phase_clause(phase: str) -> str:
    for known, clause in PHASE_WHERE_SQL.items():
        if phase == known:
            return clause
    raise InvalidInput(
        f"{phase!r} is not a session phase; use one of {', '.join(str(p) for p in Phase)}."
    )
