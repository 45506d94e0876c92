"""The sidebar's reads, at a cost that does not grow with history (schema.m006).

Live sessions are few and read whole (the partial index on live expiries). History, expired
and ended sessions, is read a page at a time from partial indexes already in sidebar order:
by offset for a jump, by keyset (the neighbouring row's key) for the next page. Counts come
from the counter table the triggers maintain; the filter asks the trigram index first and,
for a word too frequent to sort all its matches, walks the ordered indexes until it has
enough.
"""

from __future__ import annotations

import json
import sqlite3

from ..db import Database
from ..errors import InvalidInput
from ..models import Session, SessionMatches, SidebarChanges, SidebarStart, State
from ..phases import ACTIVITY_COLUMN, HISTORY_COLUMN
from ..rows import SESSIONS, session_from_row
from ..search import SESSION_MATCH_SQL, session_matches

MAX_PAGE = 1000
# The index each run reads, named so a small or unanalysed table cannot make the planner sort.
INDEX = {
    (None, False): "sessions_activity",
    ("expired", False): "sessions_expired_recent",
    ("ended", False): "sessions_ended_recent",
    ("expired", True): "sessions_agent_expires",  # every session: filtered by state (m009)
    ("ended", True): "sessions_agent_ended",
}
LIVE = "sessions INDEXED BY sessions_live_expires WHERE state = 'active'"
# Trigrams need three characters: shorter needles walk the ordered indexes.
TRIGRAM = 3


class ListingRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def sidebar_start(self) -> SidebarStart:
        with self.db.read() as conn:
            seq = _seq(conn)
            live = [
                session_from_row(row)
                for row in conn.execute(
                    f"SELECT {SESSIONS.columns} FROM {LIVE} ORDER BY expires_at"  # noqa: S608
                )
            ]
            return SidebarStart(live, _counts(conn), seq)

    def sidebar_changes(self, since: int) -> SidebarChanges:
        with self.db.read() as conn:
            seq = _seq(conn)
            changed = [
                session_from_row(row)
                for row in conn.execute(
                    f"SELECT {SESSIONS.columns} FROM sessions WHERE change_seq > ?",  # noqa: S608
                    (since,),
                )
            ]
            deleted = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM deleted_sessions WHERE change_seq > ?", (since,)
                )
            ]
            return SidebarChanges(changed, deleted, _counts(conn), seq)

    def session_state_counts(self) -> list[tuple[str, str, int]]:
        return _counts(self.db.conn())

    def sidebar_page(
        self,
        state: str | None,
        *,
        agent_id: str | None = None,
        offset: int = 0,
        limit: int = 100,
        after: tuple[int, str] | None = None,
        from_end: bool = False,
    ) -> list[Session]:
        """A page of one run of the sidebar, in its order (`column DESC, id`).

        `state` "expired" or "ended" (optionally one agent's), None for every session by
        activity. `after` is a row's `listing_key`: the page starts right after it, or with
        `from_end` ends right before it; without it the page starts `offset` rows from the
        start (or ends `offset` rows before the end).
        """
        column, where = _run(state)
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InvalidInput(f"A page is 1 to {MAX_PAGE} rows from an offset of 0 or more.")
        params: dict[str, object] = {"limit": limit, "offset": offset}
        if agent_id is not None:
            where.append("agent_id = :agent")
            params["agent"] = agent_id
        if after is not None:
            params["k"], params["id"] = -after[0], after[1]
            where.append(
                f"{column} >= :k AND ({column} > :k OR id < :id)"
                if from_end
                else f"{column} <= :k AND ({column} < :k OR id > :id)"
            )
        order = f"{column} ASC, id DESC" if from_end else f"{column} DESC, id"
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        index = INDEX[state, agent_id is not None]
        rows = [
            session_from_row(row)
            for row in self.db.conn().execute(
                f"SELECT {SESSIONS.columns} FROM sessions INDEXED BY {index} {clause} "  # noqa: S608
                f"ORDER BY {order} LIMIT :limit OFFSET :offset",
                params,
            )
        ]
        if from_end:
            rows.reverse()
        return rows

    def sidebar_offset(
        self, session_id: str, state: str | None, *, agent_id: str | None = None
    ) -> int | None:
        """Rows before the session in a `sidebar_page` run: two counts over the run's index
        (the rows with a greater key, and the ties before it by id)."""
        column, where = _run(state)
        conn = self.db.conn()
        found = conn.execute(
            f"SELECT {column}, state, agent_id FROM sessions WHERE id = ?",  # noqa: S608
            (session_id,),
        ).fetchone()
        if found is None or (state is not None and found[1] != state):
            return None
        if agent_id is not None and found[2] != agent_id:
            return None
        params: dict[str, object] = {"v": found[0] or 0, "id": session_id, "agent": agent_id}
        if agent_id is not None:
            where.append("agent_id = :agent")
        index = INDEX[state, agent_id is not None]
        before = 0
        for edge in (f"{column} > :v", f"{column} = :v AND id < :id"):
            clause = " AND ".join([*where, edge])
            before += conn.execute(
                f"SELECT COUNT(*) FROM sessions INDEXED BY {index} WHERE {clause}",  # noqa: S608
                params,
            ).fetchone()[0]
        return int(before)

    def find_sessions(self, text: str, limit: int = 1000) -> SessionMatches:
        """Sessions whose title, agent or id contains `text` (any case), at most `limit`."""
        needle = text.strip().lower()
        if not needle or not 1 <= limit <= 10 * MAX_PAGE:
            raise InvalidInput("Give some text to match and a limit of 1 to 10,000.")
        conn = self.db.conn()
        if len(needle) >= TRIGRAM:
            found = _trigram(conn, needle, limit)
            if found is not None:
                return SessionMatches(found, complete=True)
        # Too frequent to sort every match (or too short to index): the first `limit` in
        # sidebar order, live ones first, each run read in its own index's order.
        sessions: list[Session] = []
        expired = f"sessions INDEXED BY {INDEX['expired', False]} WHERE state = 'expired'"
        ended = f"sessions INDEXED BY {INDEX['ended', False]} WHERE state = 'ended'"
        for source, order in (
            (LIVE, "expires_at"),
            (expired, "expires_at DESC, id"),
            (ended, "ended_at DESC, id"),
        ):
            rows = conn.execute(
                f"SELECT {SESSIONS.columns} FROM {source} "  # noqa: S608 (fixed fragments)
                f"AND {SESSION_MATCH_SQL} ORDER BY {order} LIMIT :limit",
                {"needle": needle, "limit": limit - len(sessions) + 1},
            )
            sessions.extend(session_from_row(row) for row in rows)
            if len(sessions) > limit:
                return SessionMatches(sessions[:limit], complete=False)
        return SessionMatches(sessions, complete=True)


def _trigram(conn: sqlite3.Connection, needle: str, limit: int) -> list[Session] | None:
    """Every match when there are at most `limit`, None when there are more."""
    phrase = '"' + needle.replace('"', '""') + '"'
    rowids = [
        row[0]
        for row in conn.execute(
            "SELECT rowid FROM sessions_fts WHERE sessions_fts MATCH ? LIMIT ?",
            (phrase, limit + 1),
        )
    ]
    if len(rowids) > limit:
        return None
    rows = conn.execute(
        f"SELECT {SESSIONS.columns} FROM sessions "  # noqa: S608 (fixed columns)
        "WHERE rowid IN (SELECT value FROM json_each(?))",
        (json.dumps(rowids),),
    )
    # The index folds case beyond ASCII; the rule itself decides.
    return [
        session
        for session in map(session_from_row, rows)
        if session_matches(session.title, session.agent_id, session.id, needle)
    ]


def _run(state: str | None) -> tuple[str, list[str]]:
    """The column a run is ordered by and its WHERE terms (a literal state, so the planner
    can use the partial index)."""
    if state is None:
        return ACTIVITY_COLUMN, []
    if state in HISTORY_COLUMN:
        return HISTORY_COLUMN[State(state)], [f"state = '{State(state).value}'"]
    raise InvalidInput(f"{state!r} is not a history state; use expired or ended.")


def _seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT seq FROM change_log WHERE id = 1").fetchone()[0])


def _counts(conn: sqlite3.Connection) -> list[tuple[str, str, int]]:
    return [
        (str(agent), str(state), int(n))
        for agent, state, n in conn.execute(
            "SELECT agent_id, state, n FROM session_counts WHERE n > 0"
        )
    ]
