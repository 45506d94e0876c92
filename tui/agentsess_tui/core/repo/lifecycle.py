"""A session's activations (DESIGN.md §3): create, extend, end, resume, heartbeat, and the
token each activation carries. No client can bypass these rules: they all come through here.

Every write runs in one `BEGIN IMMEDIATE` transaction that first re-reads the session, so two
processes acting on the same session see each other's changes and never interleave. The
signing key is loaded before a write that issues a token: a damaged key file fails the call
with nothing written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .. import tokens, validate
from ..clock import MINUTE_MS, Clock, to_iso
from ..db import Database
from ..durations import format_minutes
from ..errors import (
    AgentMismatch,
    CannotExtend,
    InvalidPolicy,
    NotFound,
    SessionEnded,
    TokenInvalid,
    TokenRevoked,
)
from ..ids import check_session_id, new_activation_id, new_session_id
from ..models import Activation, EndSummary, ExtendResult, Session, State
from ..phases import local_when
from ..rows import SESSIONS, add_event, insert, session_from_row
from .agents import AgentRepo
from .memories import MemoryRepo
from .sessions import SessionRepo, counts

if TYPE_CHECKING:
    from ..policy import Policy


class Lifecycle:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        agents: AgentRepo,
        sessions: SessionRepo,
        memories: MemoryRepo,
        key: Callable[[], bytes],
    ) -> None:
        self.db = db
        self.clock = clock
        self.agents = agents
        self.sessions = sessions
        self.memories = memories
        self.key = key

    def create_session(
        self,
        agent_id: str,
        title: str | None = None,
        *,
        options: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        system_prompt: str | None = None,
        create_agent: bool = False,
    ) -> Activation:
        """Start a new session: active, a full window from now, a new token.

        A system prompt is a responder setting: it is kept in the session's metadata under
        `responder.system_prompt`, with the backend and model chosen for the session.
        `create_agent` creates a missing agent (default policy) in the same transaction.
        """
        if create_agent:
            policy = self.agents.preview_policy(agent_id, options)
        else:
            policy = self.agents.effective_policy(agent_id, options)
        extra = dict(metadata or {})
        if system_prompt is not None and system_prompt.strip():
            validate.message_content(system_prompt)
            responder = dict(extra.get("responder") or {})
            responder["system_prompt"] = system_prompt.strip()
            extra["responder"] = responder
        meta = validate.metadata(extra)
        key = self.key()  # before anything is written
        now = self.clock.now_ms()
        session_id = new_session_id(now)
        name = validate.title(
            title, default=f"Session {(to_iso(now) or '')[:16].replace('T', ' ')}"
        )
        expires_at = now + policy.window_minutes * MINUTE_MS
        with self.db.write() as conn:
            if create_agent and not self.agents.exists(conn, agent_id):
                self.agents.insert(conn, agent_id, None, {})
            else:
                self.agents.agent_row(conn, agent_id)
            insert(
                conn,
                SESSIONS,
                **new_activation(policy, now, expires_at),
                id=session_id,
                agent_id=agent_id,
                title=name,
                state="active",
                created_at=now,
                renewal_count=0,
                resume_count=0,
                warned_at=None,
                ended_at=None,
                end_reason=None,
                metadata=meta,
            )
            add_event(
                conn,
                session_id,
                now,
                "created",
                expires_at=expires_at,
                window_minutes=policy.window_minutes,
            )
            superseded = self._supersede_others(conn, agent_id, session_id, policy, now)
            session = self.sessions.session_row(conn, session_id)
        return Activation(session=session, token=token_for(key, session), superseded=superseded)

    def extend_session(self, session_id: str, minutes: int | None = None) -> ExtendResult:
        """Add time to a live session, up to its lifetime cap; says how much was really added."""
        check_session_id(session_id)
        if minutes is not None:
            validate.extend_minutes(minutes)
        with self.db.write() as conn:
            session = self.sessions.live_session(conn, session_id)
            policy = session.policy
            step = minutes if minutes is not None else policy.extend_step_minutes
            target = session.expires_at + step * MINUTE_MS
            new_expiry = min(target, session.cap_at)
            if new_expiry <= session.expires_at:
                raise CannotExtend(
                    f"Session {session.title!r} is at its lifetime cap of "
                    f"{format_minutes(policy.max_lifetime_minutes)} (it ends at "
                    f"{local_when(session.cap_at, self.clock.now_ms(), zone=True)}).",
                    hint="Let it expire and resume it for a new window, or start a new session.",
                )
            now = self.clock.now_ms()
            self.sessions.set_expiry(conn, session, policy, new_expiry, now)
            added = new_expiry - session.expires_at
            add_event(
                conn,
                session_id,
                now,
                "extended",
                requested_minutes=step,
                added_ms=added,
                capped=new_expiry < target,
                expires_at=new_expiry,
            )
            updated = self.sessions.session_row(conn, session_id)
        return ExtendResult(
            session=updated, requested_minutes=step, added_ms=added, capped=new_expiry < target
        )

    def update_session_policy(self, session_id: str, changes: Mapping[str, Any]) -> Session:
        """Change the policy of a live session (elizaOS's PATCH timeout). The fields given are
        validated as a layer over the session's policy; a new window counts from now, and the
        lifetime cap from the start of the activation. Writes a `renewed` event."""
        from ..policy import resolve_policy

        check_session_id(session_id)
        with self.db.write() as conn:
            session = self.sessions.live_session(conn, session_id)
            current = session.policy.model_dump()
            policy = resolve_policy([("the session's policy", current), ("the change", changes)])
            now = self.clock.now_ms()
            cap_at = session.activated_at + policy.max_lifetime_minutes * MINUTE_MS
            if cap_at <= now:
                raise InvalidPolicy(
                    f"max_lifetime_minutes = {policy.max_lifetime_minutes} would end the "
                    f"session before now (it was activated at "
                    f"{local_when(session.activated_at, now, zone=True)}).",
                    hint="Give a longer lifetime, or resume the session later for a new one.",
                )
            expires_at = session.expires_at
            if policy.window_minutes != current["window_minutes"]:
                expires_at = now + policy.window_minutes * MINUTE_MS
            expires_at = min(expires_at, cap_at)
            conn.execute(
                "UPDATE sessions SET policy = ?, window_minutes = ?, cap_at = ? WHERE id = ?",
                (policy.model_dump_json(), policy.window_minutes, cap_at, session_id),
            )
            self.sessions.set_expiry(conn, session, policy, expires_at, now)
            add_event(
                conn,
                session_id,
                now,
                "renewed",
                policy=dict(changes),
                expires_at=expires_at,
                added_ms=expires_at - session.expires_at,
            )
            return self.sessions.session_row(conn, session_id)

    def heartbeat(self, session_id: str) -> Session:
        """Activity without a message: keeps an auto-renewing session alive."""
        check_session_id(session_id)
        with self.db.write() as conn:
            session = self.sessions.live_session(conn, session_id)
            self.sessions.activity(conn, session, self.clock.now_ms())
            return self.sessions.session_row(conn, session_id)

    def end_session(
        self,
        session_id: str,
        reason: str = "ended by user",
        *,
        summarize: bool = False,
        summary_text: str | None = None,
    ) -> EndSummary:
        """Deactivate: state ended, token dead. Memories are untouched. With `summarize`, a
        summary memory of the session is written first, in the same transaction: a session
        that cannot be ended gets no summary."""
        check_session_id(session_id)
        reason = " ".join(reason.split())[:200] or "ended by user"
        with self.db.write() as conn:
            session = self.sessions.live_session(conn, session_id)
            now = self.clock.now_ms()
            summary = (
                self.memories.write_summary(conn, session, now, text=summary_text)
                if summarize
                else None
            )
            conn.execute(
                "UPDATE sessions SET state = 'ended', ended_at = ?, end_reason = ? WHERE id = ?",
                (now, reason, session_id),
            )
            add_event(conn, session_id, now, "ended", reason=reason)
            found = counts(conn, session_id, ("messages", "memories"))
            ended = self.sessions.session_row(conn, session_id)
        return EndSummary(
            session=ended,
            duration_ms=now - session.activated_at,
            messages=found["messages"],
            memories=found["memories"],
            summary=summary,
        )

    def resume_session(self, session_id: str) -> Activation:
        """A new activation of an expired or ended session, keeping its conversation.

        Resuming a live session changes nothing (its current token is returned).
        """
        check_session_id(session_id)
        key = self.key()  # before anything is written
        with self.db.write() as conn:
            session = self.sessions.session_row(conn, session_id)
            now = self.clock.now_ms()
            if session.state == State.ACTIVE and session.expires_at > now:
                return Activation(session=session, token=token_for(key, session))
            if session.state == State.ACTIVE:
                self.sessions.expire(conn, session)
            # The session keeps the policy it was created with.
            policy = session.policy
            expires_at = now + policy.window_minutes * MINUTE_MS
            conn.execute(
                "UPDATE sessions SET state = 'active', activated_at = :activated_at, "
                "last_activity_at = :last_activity_at, expires_at = :expires_at, "
                "warn_at = :warn_at, cap_at = :cap_at, token_jti = :token_jti, "
                "resume_count = resume_count + 1, warned_at = NULL, ended_at = NULL, "
                "end_reason = NULL, window_minutes = :window_minutes, policy = :policy_json "
                "WHERE id = :id",
                {**new_activation(policy, now, expires_at), "id": session_id},
            )
            add_event(
                conn,
                session_id,
                now,
                "resumed",
                previous_state="expired" if session.state == State.ACTIVE else session.state,
                expires_at=expires_at,
            )
            superseded = self._supersede_others(conn, session.agent_id, session_id, policy, now)
            resumed = self.sessions.session_row(conn, session_id)
        return Activation(session=resumed, token=token_for(key, resumed), superseded=superseded)

    # -- tokens ----------------------------------------------------------------------------

    def session_token(self, session_id: str) -> str:
        """The token of the current activation (the same string every time)."""
        session = self.sessions.get_session(session_id)
        if session.state == State.ENDED:
            raise SessionEnded(
                f"Session {session.title!r} is ended; its token is dead.",
                hint="Resume it to start a new activation with a new token.",
            )
        if not session.is_live(self.clock.now_ms()):
            raise self.sessions.expired_error(session)
        return token_for(self.key(), session)

    def verify_token(self, token: str, agent_id: str | None = None) -> Session:
        """The session a token is good for right now, or the precise reason it is not."""
        claims = tokens.decode(self.key(), token)
        try:
            session = self.sessions.get_session(claims.session_id)
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
        now = self.clock.now_ms()
        if session.state == State.ENDED:
            raise SessionEnded(
                f"Session {session.title!r} was ended ({session.end_reason}); its token is dead.",
                hint="Resume the session to get a new token.",
            )
        if not session.is_live(now) or claims.expires_at <= now:
            raise self.sessions.expired_error(session)
        return session

    # -- single_active ---------------------------------------------------------------------

    def _supersede_others(
        self, conn: sqlite3.Connection, agent_id: str, keep: str, policy: Policy, now: int
    ) -> list[str]:
        """single_active: activating one session ends the agent's other live ones."""
        if not policy.single_active:
            return []
        others = [
            session_from_row(row)
            for row in conn.execute(
                f"SELECT {SESSIONS.columns} FROM sessions "  # noqa: S608 (fixed column list)
                "WHERE agent_id = ? AND state = 'active' AND id != ?",
                (agent_id, keep),
            )
        ]
        ended = []
        for other in others:
            if other.expires_at <= now:
                self.sessions.expire(conn, other)
                continue
            conn.execute(
                "UPDATE sessions SET state = 'ended', ended_at = ?, end_reason = 'superseded' "
                "WHERE id = ?",
                (now, other.id),
            )
            add_event(conn, other.id, now, "superseded", by=keep)
            ended.append(other.id)
        return ended


def new_activation(policy: Policy, now: int, expires_at: int) -> dict[str, Any]:
    """The fields a new activation sets (by `Session` field name), for create and resume."""
    return {
        "activated_at": now,
        "last_activity_at": now,
        "expires_at": expires_at,
        "warn_at": expires_at - policy.warning_minutes * MINUTE_MS,
        "cap_at": now + policy.max_lifetime_minutes * MINUTE_MS,
        "token_jti": new_activation_id(),
        "window_minutes": policy.window_minutes,
        "policy_json": policy.model_dump_json(),
    }


def token_for(key: bytes, session: Session) -> str:
    return tokens.encode(
        key,
        tokens.TokenClaims(
            session_id=session.id,
            agent_id=session.agent_id,
            jti=session.token_jti,
            issued_at=session.activated_at,
            expires_at=session.cap_at,
        ),
    )
