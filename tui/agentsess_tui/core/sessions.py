"""The session rules (DESIGN.md §3). No client can bypass them: they all come through here.

Every write runs in one `BEGIN IMMEDIATE` transaction that first re-reads the session, so two
processes acting on the same session see each other's changes and never interleave.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import tokens, validate
from .clock import MINUTE_MS, to_iso
from .db import CommitThenRaise, storage_errors
from .durations import format_ago, format_minutes, format_span
from .errors import (
    AgentMismatch,
    CannotExtend,
    NotFound,
    SessionEnded,
    SessionExpired,
    TokenInvalid,
    TokenRevoked,
)
from .ids import check_session_id, new_activation_id, new_session_id
from .models import Activation, EndSummary, ExtendResult, Session, State, SweepResult
from .phases import SIDEBAR_ORDER_SQL
from .registry import AgentRegistry
from .storebase import SESSION_COLUMNS, session_from_row

if TYPE_CHECKING:
    from .policy import Policy


class SessionRules(AgentRegistry):
    # -- reading ---------------------------------------------------------------------------

    @storage_errors
    def get_session(self, session_id: str) -> Session:
        check_session_id(session_id)
        return self._session_row(self._conn(), session_id)

    @storage_errors
    def list_sessions(
        self,
        *,
        state: str | None = None,
        agent_id: str | None = None,
        limit: int | None = None,
    ) -> list[Session]:
        """Sidebar order: expiring, active by time left, expired and ended most recent first."""
        where: list[str] = []
        params: dict[str, object] = {"now": self.now(), "limit": -1 if limit is None else limit}
        if state == "expiring":
            where.append("state = 'active' AND warn_at <= :now AND expires_at > :now")
        elif state:
            where.append("state = :state")
            params["state"] = state
        if agent_id:
            where.append("agent_id = :agent")
            params["agent"] = agent_id
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._conn().execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions {clause} "  # noqa: S608 (fixed fragments)
            f"ORDER BY {SIDEBAR_ORDER_SQL} LIMIT :limit",
            params,
        )
        return [session_from_row(row) for row in rows]

    @storage_errors
    def count_sessions(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM sessions").fetchone()[0])

    @storage_errors
    def change_seq(self) -> int:
        """The latest change stamp: pass it to `session_changes` next time."""
        return int(self._conn().execute("SELECT seq FROM change_log WHERE id = 1").fetchone()[0])

    @storage_errors
    def session_changes(self, since: int) -> tuple[list[Session], list[str], int]:
        """Sessions created or changed after stamp `since`, ids deleted since, and the stamp
        to ask with next time. One read transaction, so the three agree."""
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            seq = int(conn.execute("SELECT seq FROM change_log WHERE id = 1").fetchone()[0])
            # Rows become sessions as they are read: no second copy of 10k rows in memory.
            sessions = [
                session_from_row(row)
                for row in conn.execute(
                    f"SELECT {SESSION_COLUMNS} FROM sessions WHERE change_seq > ?",  # noqa: S608
                    (since,),
                )
            ]
            deleted = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM deleted_sessions WHERE change_seq > ?", (since,)
                )
            ]
        finally:
            conn.execute("COMMIT")
        return sessions, deleted, seq

    @storage_errors
    def session_counts(self, session_id: str) -> dict[str, int]:
        """Messages, memories made in it and events: for /status and `sessions show`."""
        conn = self._conn()
        self._session_row(conn, session_id)
        return _counts(conn, session_id, ("messages", "memories", "events"))

    # -- lifecycle -------------------------------------------------------------------------

    @storage_errors
    def create_session(
        self,
        agent_id: str,
        title: str | None = None,
        *,
        options: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        system_prompt: str | None = None,
    ) -> Activation:
        """Start a new session: active, a full window from now, a new token.

        A system prompt is a responder setting: it is kept in the session's metadata under
        `responder.system_prompt`, with the backend and model chosen for the session.
        """
        policy = self.effective_policy(agent_id, options)
        extra = dict(metadata or {})
        if system_prompt is not None and system_prompt.strip():
            validate.message_content(system_prompt)
            responder = dict(extra.get("responder") or {})
            responder["system_prompt"] = system_prompt.strip()
            extra["responder"] = responder
        meta = validate.metadata(extra)
        now = self.now()
        session_id = new_session_id(now)
        name = validate.title(
            title, default=f"Session {(to_iso(now) or '')[:16].replace('T', ' ')}"
        )
        jti = new_activation_id()
        expires_at = now + policy.window_minutes * MINUTE_MS
        with self._write() as conn:
            self._agent_row(conn, agent_id)
            conn.execute(
                "INSERT INTO sessions (id, agent_id, title, state, created_at, activated_at, "
                "last_activity_at, expires_at, warn_at, cap_at, token_jti, window_minutes, "
                "policy, metadata) VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    agent_id,
                    name,
                    now,
                    now,
                    now,
                    expires_at,
                    expires_at - policy.warning_minutes * MINUTE_MS,
                    now + policy.max_lifetime_minutes * MINUTE_MS,
                    jti,
                    policy.window_minutes,
                    policy.model_dump_json(),
                    meta,
                ),
            )
            self._event(
                conn,
                session_id,
                now,
                "created",
                expires_at=expires_at,
                window_minutes=policy.window_minutes,
            )
            superseded = self._supersede_others(conn, agent_id, session_id, policy, now)
            session = self._session_row(conn, session_id)
        return Activation(session=session, token=self._token_for(session), superseded=superseded)

    @storage_errors
    def extend_session(self, session_id: str, minutes: int | None = None) -> ExtendResult:
        """Add time to a live session, up to its lifetime cap; says how much was really added."""
        check_session_id(session_id)
        if minutes is not None:
            validate.extend_minutes(minutes)
        with self._write() as conn:
            session = self._live_session(conn, session_id)
            policy = session.policy
            step = minutes if minutes is not None else policy.extend_step_minutes
            target = session.expires_at + step * MINUTE_MS
            new_expiry = min(target, session.cap_at)
            if new_expiry <= session.expires_at:
                raise CannotExtend(
                    f"Session {session.title!r} is at its lifetime cap of "
                    f"{format_minutes(policy.max_lifetime_minutes)} (it ends at "
                    f"{to_iso(session.cap_at)}).",
                    hint="Let it expire and resume it for a new window, or start a new session.",
                )
            now = self.now()
            self._set_expiry(conn, session, policy, new_expiry, now)
            added = new_expiry - session.expires_at
            self._event(
                conn,
                session_id,
                now,
                "extended",
                requested_minutes=step,
                added_ms=added,
                capped=new_expiry < target,
                expires_at=new_expiry,
            )
            updated = self._session_row(conn, session_id)
        return ExtendResult(
            session=updated, requested_minutes=step, added_ms=added, capped=new_expiry < target
        )

    @storage_errors
    def heartbeat(self, session_id: str) -> Session:
        """Activity without a message: keeps an auto-renewing session alive."""
        check_session_id(session_id)
        with self._write() as conn:
            session = self._live_session(conn, session_id)
            self._activity(conn, session, self.now())
            return self._session_row(conn, session_id)

    @storage_errors
    def end_session(self, session_id: str, reason: str = "ended by user") -> EndSummary:
        """Deactivate: state ended, token dead. Memories are untouched."""
        check_session_id(session_id)
        reason = " ".join(reason.split())[:200] or "ended by user"
        with self._write() as conn:
            session = self._live_session(conn, session_id)
            now = self.now()
            conn.execute(
                "UPDATE sessions SET state = 'ended', ended_at = ?, end_reason = ? WHERE id = ?",
                (now, reason, session_id),
            )
            self._event(conn, session_id, now, "ended", reason=reason)
            counts = _counts(conn, session_id, ("messages", "memories"))
            ended = self._session_row(conn, session_id)
        return EndSummary(
            session=ended,
            duration_ms=now - session.activated_at,
            messages=counts["messages"],
            memories=counts["memories"],
        )

    @storage_errors
    def resume_session(self, session_id: str) -> Activation:
        """A new activation of an expired or ended session, keeping its conversation.

        Resuming a live session changes nothing (its current token is returned).
        """
        check_session_id(session_id)
        with self._write() as conn:
            session = self._session_row(conn, session_id)
            now = self.now()
            if session.state == State.ACTIVE and session.expires_at > now:
                return Activation(session=session, token=self._token_for(session))
            if session.state == State.ACTIVE:
                self._expire(conn, session)
            # The session keeps the policy it was created with.
            policy = session.policy
            jti = new_activation_id()
            expires_at = now + policy.window_minutes * MINUTE_MS
            conn.execute(
                "UPDATE sessions SET state = 'active', activated_at = :now, "
                "last_activity_at = :now, expires_at = :exp, warn_at = :warn, cap_at = :cap, "
                "token_jti = :jti, resume_count = resume_count + 1, warned_at = NULL, "
                "ended_at = NULL, end_reason = NULL, window_minutes = :window, policy = :policy "
                "WHERE id = :id",
                {
                    "now": now,
                    "exp": expires_at,
                    "warn": expires_at - policy.warning_minutes * MINUTE_MS,
                    "cap": now + policy.max_lifetime_minutes * MINUTE_MS,
                    "jti": jti,
                    "window": policy.window_minutes,
                    "policy": policy.model_dump_json(),
                    "id": session_id,
                },
            )
            self._event(
                conn,
                session_id,
                now,
                "resumed",
                previous_state="expired" if session.state == State.ACTIVE else session.state,
                expires_at=expires_at,
            )
            superseded = self._supersede_others(conn, session.agent_id, session_id, policy, now)
            resumed = self._session_row(conn, session_id)
        return Activation(session=resumed, token=self._token_for(resumed), superseded=superseded)

    @storage_errors
    def clear_session(self, session_id: str) -> int:
        """Delete the conversation except system messages. Memories stay. Any state."""
        check_session_id(session_id)
        with self._write() as conn:
            self._session_row(conn, session_id)
            deleted = conn.execute(
                "DELETE FROM messages WHERE session_id = ? AND role != 'system'", (session_id,)
            ).rowcount
            self._event(conn, session_id, self.now(), "cleared", deleted=deleted)
        return int(deleted)

    @storage_errors
    def delete_session(self, session_id: str) -> dict[str, int]:
        """Remove the session, its messages and events. Its memories stay (origin set NULL)."""
        check_session_id(session_id)
        with self._write() as conn:
            self._session_row(conn, session_id)
            counts = _counts(conn, session_id, ("messages", "memories"))
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return {"messages": counts["messages"], "memories_kept": counts["memories"]}

    @storage_errors
    def rename_session(self, session_id: str, title: str) -> Session:
        check_session_id(session_id)
        with self._write() as conn:
            session = self._session_row(conn, session_id)
            name = validate.title(title, default=session.title)
            conn.execute("UPDATE sessions SET title = ? WHERE id = ?", (name, session_id))
            return self._session_row(conn, session_id)

    @storage_errors
    def update_session_metadata(self, session_id: str, changes: Mapping[str, Any]) -> Session:
        """Merge keys into the session's metadata (None removes a key). Any state."""
        check_session_id(session_id)
        with self._write() as conn:
            session = self._session_row(conn, session_id)
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
            return self._session_row(conn, session_id)

    # -- expiry and warnings ---------------------------------------------------------------

    @storage_errors
    def sweep(self) -> SweepResult:
        """Expire every overdue session and warn every newly expiring one.

        Reads first and takes the write lock only when something is due, so an idle client
        polling this never blocks writers.
        """
        conn = self._conn()
        now = self.now()
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
            with self._write() as conn:
                # The bulk updates stamp change_seq themselves (one value for the whole
                # sweep) instead of paying the per-row change trigger.
                seq = conn.execute(
                    "UPDATE change_log SET seq = seq + 1 WHERE id = 1 RETURNING seq"
                ).fetchone()[0]
                expired = [
                    row[0]
                    for row in conn.execute(
                        "SELECT id FROM sessions WHERE state = 'active' AND expires_at <= ?",
                        (now,),
                    )
                ]
                # One statement each, both on the partial index of live sessions.
                conn.execute(
                    "INSERT INTO events (session_id, at, kind, detail) "
                    "SELECT id, expires_at, 'expired', '{}' FROM sessions "
                    "WHERE state = 'active' AND expires_at <= ?",
                    (now,),
                )
                conn.execute(
                    "UPDATE sessions SET state = 'expired', change_seq = ? "
                    "WHERE state = 'active' AND expires_at <= ?",
                    (seq, now),
                )
                warned = [
                    row[0]
                    for row in conn.execute(
                        "UPDATE sessions INDEXED BY sessions_live_unwarned "
                        "SET warned_at = :now, change_seq = :seq "
                        "WHERE state = 'active' AND warned_at IS NULL AND warn_at <= :now "
                        "RETURNING id",
                        {"now": now, "seq": seq},
                    ).fetchall()
                ]
                conn.executemany(
                    "INSERT INTO events (session_id, at, kind, detail) "
                    "SELECT id, ?, 'warned', json_object('expires_at', expires_at) "
                    "FROM sessions WHERE id = ?",
                    [(now, session_id) for session_id in warned],
                )
        return SweepResult(expired=expired, warned=warned, next_due_at=self._next_due(conn))

    def _next_due(self, conn: sqlite3.Connection) -> int | None:
        row = conn.execute(
            "SELECT min((SELECT min(expires_at) FROM sessions WHERE state = 'active'), "
            "coalesce((SELECT min(warn_at) FROM sessions INDEXED BY sessions_live_unwarned "
            "WHERE state = 'active' AND warned_at IS NULL), 9e18))"
        ).fetchone()
        return None if row[0] is None else int(row[0])

    # -- tokens ----------------------------------------------------------------------------

    @storage_errors
    def session_token(self, session_id: str) -> str:
        """The token of the current activation (the same string every time)."""
        session = self.get_session(session_id)
        now = self.now()
        if session.state == State.ENDED:
            raise SessionEnded(
                f"Session {session.title!r} is ended; its token is dead.",
                hint="Resume it to start a new activation with a new token.",
            )
        if not session.is_live(now):
            raise self._expired_error(session)
        return self._token_for(session)

    @storage_errors
    def verify_token(self, token: str, agent_id: str | None = None) -> Session:
        """The session a token is good for right now, or the precise reason it is not."""
        claims = tokens.decode(self.key, token)
        try:
            session = self.get_session(claims.session_id)
        except NotFound:
            raise TokenInvalid(
                f"The token's session {claims.session_id!r} no longer exists."
            ) from None
        if claims.agent_id != session.agent_id:
            raise TokenInvalid("The token's agent does not match its session.")
        if agent_id is not None and agent_id != claims.agent_id:
            raise AgentMismatch(
                f"The token belongs to agent {claims.agent_id!r}, not {agent_id!r}.",
                hint="Use the token issued for this agent's own session.",
            )
        if claims.jti != session.token_jti:
            raise TokenRevoked(
                f"The token is from an earlier activation of session {session.id!r}; it was "
                "replaced when the session was resumed.",
                hint=f"Get the current token with `agentsess sessions token {session.id}`.",
            )
        now = self.now()
        if session.state == State.ENDED:
            raise SessionEnded(
                f"Session {session.title!r} was ended ({session.end_reason}); its token is dead.",
                hint="Resume the session to get a new token.",
            )
        if not session.is_live(now) or claims.expires_at <= now:
            raise self._expired_error(session)
        return session

    def _token_for(self, session: Session) -> str:
        return tokens.encode(
            self.key,
            tokens.TokenClaims(
                session_id=session.id,
                agent_id=session.agent_id,
                jti=session.token_jti,
                issued_at=session.activated_at,
                expires_at=session.cap_at,
            ),
        )

    # -- the rules, inside a write transaction ---------------------------------------------

    def _live_session(self, conn: sqlite3.Connection, session_id: str) -> Session:
        """The session if writes are allowed now; expire-on-write otherwise."""
        session = self._session_row(conn, session_id)
        if session.state == State.ENDED:
            raise SessionEnded(
                f"Session {session.title!r} is ended ({session.end_reason}).",
                hint="Resume it to start a new activation.",
            )
        if session.state == State.EXPIRED:
            raise self._expired_error(session)
        if session.expires_at <= self.now():
            self._expire(conn, session)
            raise CommitThenRaise(self._expired_error(session))
        return session

    def _expired_error(self, session: Session) -> SessionExpired:
        ago = format_ago(max(0, self.now() - session.expires_at))
        return SessionExpired(
            f"Session {session.title!r} expired {ago} ({to_iso(session.expires_at)}).",
            expired_at=session.expires_at,
            hint="Resume it to start a new window; its conversation is kept.",
        )

    def _expire(self, conn: sqlite3.Connection, session: Session) -> None:
        conn.execute("UPDATE sessions SET state = 'expired' WHERE id = ?", (session.id,))
        self._event(conn, session.id, session.expires_at, "expired")

    def _activity(self, conn: sqlite3.Connection, session: Session, now: int) -> None:
        """A message or heartbeat: record it; with auto_renew slide the expiry forward."""
        conn.execute("UPDATE sessions SET last_activity_at = ? WHERE id = ?", (now, session.id))
        policy = session.policy
        if not policy.auto_renew:
            return
        target = min(now + policy.window_minutes * MINUTE_MS, session.cap_at)
        if target > session.expires_at:
            self._set_expiry(conn, session, policy, target, now)
            conn.execute(
                "UPDATE sessions SET renewal_count = renewal_count + 1 WHERE id = ?",
                (session.id,),
            )
            self._event(
                conn,
                session.id,
                now,
                "renewed",
                expires_at=target,
                added_ms=target - session.expires_at,
            )

    @staticmethod
    def _set_expiry(
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

    def _supersede_others(
        self,
        conn: sqlite3.Connection,
        agent_id: str,
        keep: str,
        policy: Policy,
        now: int,
    ) -> list[str]:
        """single_active: activating one session ends the agent's other live ones."""
        if not policy.single_active:
            return []
        others = [
            session_from_row(row)
            for row in conn.execute(
                f"SELECT {SESSION_COLUMNS} FROM sessions "  # noqa: S608 (fixed column list)
                "WHERE agent_id = ? AND state = 'active' AND id != ?",
                (agent_id, keep),
            )
        ]
        ended = []
        for other in others:
            if other.expires_at <= now:
                self._expire(conn, other)
                continue
            conn.execute(
                "UPDATE sessions SET state = 'ended', ended_at = ?, end_reason = 'superseded' "
                "WHERE id = ?",
                (now, other.id),
            )
            self._event(conn, other.id, now, "superseded", by=keep)
            ended.append(other.id)
        return ended


def summary_line(summary: EndSummary) -> str:
    return (
        f"Ended {summary.session.title!r} after {format_span(summary.duration_ms)}: "
        f"{summary.messages} messages, {summary.memories} memories made in it (kept)."
    )


def _counts(conn: sqlite3.Connection, session_id: str, tables: tuple[str, ...]) -> dict[str, int]:
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
