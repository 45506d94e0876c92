"""Random sequences of session operations and clock moves never break the rules' invariants.

Each rule works out, from the rows before the call and DESIGN.md §3, what must happen (the
result, the error, the events written) and checks it; the invariants are checked after every
step:

- expires_at never passes activated_at + the lifetime cap;
- a write to an expired or ended session fails and changes nothing but the expiry itself;
- one current token per session: of every token ever issued, only the current activation's is
  accepted, and only while the session is live;
- events match state changes (activations, exits, renewals, warnings);
- memories never disappear through session operations (delete only clears their origin).

The machine's state (a store on a manual clock, what it issued) and the helpers its rules use
are in session_machine_helpers.py; the rules and the invariants are here.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from agentsess_tui.core import (
    CannotExtend,
    InvalidInput,
    NotFound,
    SessionEnded,
    SessionExpired,
    State,
    TokenInvalid,
    TokenRevoked,
)
from agentsess_tui.core.clock import DAY_MS, HOUR_MS, MINUTE_MS

from .session_machine_helpers import SessionModel

OPTIONS: list[dict[str, Any] | None] = [
    None,
    {"auto_renew": True},
    {"window_minutes": 5, "warning_minutes": 1, "max_lifetime_minutes": 10},
    {"window_minutes": 30, "warning_minutes": 5, "max_lifetime_minutes": 30},
]
LIFECYCLE = {"created": "active", "resumed": "active", "expired": "expired", "ended": "ended"}
LIFECYCLE["superseded"] = "ended"
pick = st.integers(min_value=0, max_value=1000)


class SessionMachine(SessionModel):
    """Every operation a session can go through, checked against DESIGN.md §3."""

    # -- operations ------------------------------------------------------------------------

    @precondition(lambda self: len(self.sessions) < 8)
    @rule(agent=st.sampled_from(["plain", "solo"]), options=st.sampled_from(OPTIONS))
    def create(self, agent: str, options: dict[str, Any] | None) -> None:
        others = self._others_of(agent, keep="")
        activation = self.store.create_session(agent, options=options)
        session = activation.session
        policy = session.policy
        assert (session.activated_at, session.state) == (self.now, State.ACTIVE)
        assert session.expires_at == self.now + policy.window_minutes * MINUTE_MS
        assert self._kinds(session.id) == ["created"]
        self._check_supersede(activation.superseded, others, policy.single_active)
        self.sessions.append(session.id)
        self.tokens[session.id] = [activation.token]
        self.messages[session.id] = Counter()

    @precondition(lambda self: self.sessions)
    @rule(index=pick, minutes=st.sampled_from([None, -10, 0, 1, 15, 60, 360, 5000, 20161]))
    def extend(self, index: int, minutes: int | None) -> None:
        sid = self._pick(index)
        before = self.store.get_session(sid)
        events = len(self.store.events(sid))
        try:
            result = self.store.extend_session(sid, minutes)
        except InvalidInput:
            assert minutes is not None and not 1 <= minutes <= 20160
            assert self.store.get_session(sid) == before
            assert len(self.store.events(sid)) == events
            return
        except CannotExtend as error:
            assert self._live(before)
            assert before.expires_at == before.cap_at
            assert "cap" in error.message
            assert self.store.get_session(sid) == before
            return
        except (SessionExpired, SessionEnded) as error:
            assert not self._live(before)
            self._refused_write(before, error, events)
            return
        assert minutes is None or 1 <= minutes <= 20160
        assert self._live(before)
        step = minutes if minutes is not None else before.policy.extend_step_minutes
        target = min(before.expires_at + step * MINUTE_MS, before.cap_at)
        assert target > before.expires_at
        assert result.session.expires_at == target
        assert result.added_ms == target - before.expires_at
        assert result.capped == (before.expires_at + step * MINUTE_MS > before.cap_at)
        assert self._kinds(sid)[events:] == ["extended"]

    @precondition(lambda self: self.sessions)
    @rule(index=pick, as_message=st.booleans(), role=st.sampled_from(["user", "system", "tool"]))
    def activity(self, index: int, as_message: bool, role: str) -> None:
        sid = self._pick(index)
        before = self.store.get_session(sid)
        events = len(self.store.events(sid))
        try:
            if as_message:
                self.store.add_message(sid, f"{role} says hi", role=role)
            else:
                self.store.heartbeat(sid)
        except (SessionExpired, SessionEnded) as error:
            assert not self._live(before)
            self._refused_write(before, error, events)
            return
        assert self._live(before)
        if as_message:
            self.messages[sid]["system" if role == "system" else "other"] += 1
        after = self.store.get_session(sid)
        expires_at, renewals = self._expected_activity(before)
        assert (after.last_activity_at, after.expires_at) == (self.now, expires_at)
        assert after.renewal_count == renewals
        renewed = ["renewed"] if renewals > before.renewal_count else []
        assert self._kinds(sid)[events:] == renewed

    @precondition(lambda self: self.sessions)
    @rule(index=pick)
    def end(self, index: int) -> None:
        sid = self._pick(index)
        before = self.store.get_session(sid)
        events = len(self.store.events(sid))
        try:
            summary = self.store.end_session(sid, "machine")
        except (SessionExpired, SessionEnded) as error:
            assert not self._live(before)
            self._refused_write(before, error, events)
            return
        assert self._live(before)
        assert summary.session.state == State.ENDED
        assert summary.duration_ms == self.now - before.activated_at
        assert summary.messages == sum(self.messages[sid].values())
        assert summary.memories == sum(1 for origin in self.memories.values() if origin == sid)
        assert self._kinds(sid)[events:] == ["ended"]

    @precondition(lambda self: self.sessions)
    @rule(index=pick)
    def resume(self, index: int) -> None:
        sid = self._pick(index)
        before = self.store.get_session(sid)
        events = len(self.store.events(sid))
        others = self._others_of(before.agent_id, keep=sid)
        activation = self.store.resume_session(sid)
        if self._live(before):
            assert activation.session == before
            assert activation.token == self.tokens[sid][-1]
            assert activation.superseded == []
            assert len(self.store.events(sid)) == events
            return
        session = activation.session
        policy = session.policy
        assert session.state == State.ACTIVE
        assert session.activated_at == self.now
        assert session.expires_at == self.now + policy.window_minutes * MINUTE_MS
        assert session.resume_count == before.resume_count + 1
        assert session.token_jti != before.token_jti
        assert session.warned_at is None
        overdue = before.state == State.ACTIVE
        assert self._kinds(sid)[events:] == (["expired"] if overdue else []) + ["resumed"]
        self._check_supersede(activation.superseded, others, policy.single_active)
        self.tokens[sid].append(activation.token)

    @precondition(lambda self: self.sessions)
    @rule(index=pick)
    def clear(self, index: int) -> None:
        sid = self._pick(index)
        before = self.store.get_session(sid)
        assert self.store.clear_session(sid) == self.messages[sid]["other"]
        self.messages[sid]["other"] = 0
        assert [m.role for m in self.store.messages(sid)] == ["system"] * self.messages[sid][
            "system"
        ]
        assert self.store.get_session(sid) == before
        assert self._kinds(sid)[-1] == "cleared"

    @precondition(lambda self: self.sessions)
    @rule(index=pick)
    def delete(self, index: int) -> None:
        sid = self._pick(index)
        self.store.delete_session(sid)
        self.sessions.remove(sid)
        self.deleted.append(sid)
        del self.messages[sid]
        for memory_id, origin in self.memories.items():
            if origin == sid:
                self.memories[memory_id] = None
        with pytest.raises(NotFound):
            self.store.get_session(sid)

    @rule(agent=st.sampled_from(["plain", "solo"]))
    def remember_for_agent(self, agent: str) -> None:
        memory = self.store.remember(f"{agent} knows {len(self.memories)}", agent_id=agent)
        assert memory.session_id is None
        self.memories[memory.id] = None

    @precondition(lambda self: self.sessions)
    @rule(index=pick)
    def remember_in_session(self, index: int) -> None:
        sid = self._pick(index)
        before = self.store.get_session(sid)
        events = len(self.store.events(sid))
        count = self.store.count_memories()
        try:
            memory = self.store.remember(f"learnt in {sid}", session_id=sid, type="learning")
        except (SessionExpired, SessionEnded) as error:
            assert not self._live(before)
            self._refused_write(before, error, events)
            assert self.store.count_memories() == count
            return
        assert self._live(before)
        assert (memory.session_id, memory.agent_id) == (sid, before.agent_id)
        self.memories[memory.id] = sid
        assert self.store.get_session(sid).last_activity_at == self.now

    @rule()
    def sweep(self) -> None:
        before = {s.id: s for s in self.store.list_sessions()}
        events = {sid: len(self.store.events(sid)) for sid in before}
        result = self.store.sweep()
        overdue = {
            sid for sid, s in before.items() if s.state == State.ACTIVE and s.expires_at <= self.now
        }
        due_warning = {
            sid
            for sid, s in before.items()
            if self._live(s) and s.warned_at is None and s.warn_at <= self.now
        }
        assert set(result.expired) == overdue
        assert set(result.warned) == due_warning
        for sid, session in before.items():
            new = self.store.events(sid)[events[sid] :]
            if sid in overdue:
                assert [(e.kind, e.at) for e in new] == [("expired", session.expires_at)]
            elif sid in due_warning:
                assert [(e.kind, e.at) for e in new] == [("warned", self.now)]
            else:
                assert new == []
        assert self.store.sweep().expired == []

    @rule(ms=st.sampled_from([0, 1, MINUTE_MS, HOUR_MS, 6 * HOUR_MS, DAY_MS]))
    def tick(self, ms: int) -> None:
        self.clock.advance(ms=ms)

    @rule(ms=st.integers(min_value=0, max_value=3 * DAY_MS))
    def advance(self, ms: int) -> None:
        self.clock.advance(ms=ms)

    @precondition(lambda self: self.sessions)
    @rule(
        index=pick,
        mark=st.sampled_from(["expires_at", "warn_at", "cap_at"]),
        offset=st.sampled_from([-1, 0, 1]),
    )
    def land_on(self, index: int, mark: str, offset: int) -> None:
        """Move the clock exactly onto a session's expiry (or warning, or cap), or next to it."""
        target = getattr(self.store.get_session(self._pick(index)), mark) + offset
        if target >= self.now:
            self.clock.set(target)

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def sessions_keep_their_rules(self) -> None:
        rows = {s.id: s for s in self.store.list_sessions()}
        assert set(rows) == set(self.sessions)
        for sid, session in rows.items():
            policy = session.policy
            cap = session.activated_at + policy.max_lifetime_minutes * MINUTE_MS
            assert session.cap_at == cap
            assert session.activated_at < session.expires_at <= cap
            assert session.warn_at == session.expires_at - policy.warning_minutes * MINUTE_MS
            assert (session.state == State.ENDED) == (session.ended_at is not None)
            assert (session.state == State.ENDED) == (session.end_reason is not None)
            roles = Counter(
                "system" if m.role == "system" else "other"
                for m in self.store.messages(sid, limit=10_000)
            )
            assert roles == +self.messages[sid]

    @invariant()
    def events_match_state_changes(self) -> None:
        for session in self.store.list_sessions():
            events = self.store.events(session.id)
            kinds = Counter(e.kind for e in events)
            assert kinds["created"] == 1
            assert kinds["resumed"] == session.resume_count
            assert kinds["renewed"] == session.renewal_count
            activations = 1 + session.resume_count
            exits = kinds["expired"] + kinds["ended"] + kinds["superseded"]
            assert exits == activations - (1 if session.state == State.ACTIVE else 0)
            lifecycle = [e.kind for e in events if e.kind in LIFECYCLE]
            assert LIFECYCLE[lifecycle[-1]] == session.state
            if session.warned_at is not None:
                warned = [e for e in events if e.kind == "warned"]
                assert warned and warned[-1].at == session.warned_at
            assert [e.id for e in events] == sorted(e.id for e in events)

    @invariant()
    def one_current_token_per_session(self) -> None:
        for sid, issued in self.tokens.items():
            accepted = []
            for token in issued:
                try:
                    self.store.verify_token(token)
                except TokenRevoked:
                    assert token != issued[-1] and sid not in self.deleted
                except TokenInvalid:
                    assert sid in self.deleted
                except (SessionEnded, SessionExpired):
                    assert token == issued[-1]
                else:
                    accepted.append(token)
            if sid in self.deleted:
                assert accepted == []
                continue
            session = self.store.get_session(sid)
            if self._live(session):
                assert accepted == [issued[-1]]
                assert self.store.session_token(sid) == issued[-1]
            else:
                assert accepted == []

    @invariant()
    def memories_never_disappear(self) -> None:
        assert self.store.count_memories() == len(self.memories)
        for memory_id, origin in self.memories.items():
            memory = self.store.get_memory(memory_id)
            assert (memory.status, memory.session_id) == ("active", origin)

    @invariant()
    def the_database_stays_sound(self) -> None:
        assert self.store.integrity_check() == "ok"


SessionMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=40, deadline=None)
test_session_rules_hold_under_any_sequence = SessionMachine.TestCase
