"""The model behind test_session_machine.py: a real store on a manual clock, what the machine
has issued (sessions, tokens, memories, messages), and the helpers its rules use to work out
from the rows before a call (and DESIGN.md §3) what the call must have done."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis.stateful import RuleBasedStateMachine

from agentsess_tui.core import (
    AgentsessError,
    ManualClock,
    Session,
    SessionEnded,
    SessionExpired,
    State,
    Store,
)
from agentsess_tui.core.clock import MINUTE_MS

KEY = b"state machine key, 32 bytes long"
# Off a whole second on purpose: JWT times are whole seconds, ours are milliseconds.
START = "2026-01-15T09:00:00.250Z"
SOLO_POLICY = {
    "single_active": True,
    "auto_renew": True,
    "window_minutes": 60,
    "warning_minutes": 10,
    "max_lifetime_minutes": 180,
    "extend_step_minutes": 30,
}


class SessionModel(RuleBasedStateMachine):
    """State and helpers only: the rules and invariants are SessionMachine's."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.clock = ManualClock(START)
        self.store = Store(Path(self.tmp.name) / "machine.db", clock=self.clock, key=KEY)
        self.store.add_agent("plain")
        self.store.add_agent("solo", policy=SOLO_POLICY)
        self.sessions: list[str] = []
        self.deleted: list[str] = []
        self.tokens: dict[str, list[str]] = {}
        self.memories: dict[int, str | None] = {}
        self.messages: dict[str, Counter[str]] = {}

    def teardown(self) -> None:
        self.store.close()
        self.tmp.cleanup()

    # -- helpers ---------------------------------------------------------------------------

    @property
    def now(self) -> int:
        return self.clock.now_ms()

    def _pick(self, index: int) -> str:
        return self.sessions[index % len(self.sessions)]

    def _kinds(self, sid: str) -> list[str]:
        return [e.kind for e in self.store.events(sid)]

    def _live(self, session: Session) -> bool:
        return session.state == State.ACTIVE and session.expires_at > self.now

    def _refused_write(self, before: Session, error: AgentsessError, events: int) -> None:
        """A write to a session that is not live: the right error, and nothing else changed
        except, for an overdue active session, its expiry (with its event at expires_at)."""
        after = self.store.get_session(before.id)
        new = self.store.events(before.id)[events:]
        if before.state == State.ENDED:
            assert type(error) is SessionEnded
            assert (after, new) == (before, [])
        elif before.state == State.EXPIRED:
            assert type(error) is SessionExpired
            assert (after, new) == (before, [])
        else:
            assert before.expires_at <= self.now
            assert isinstance(error, SessionExpired)
            assert error.expired_at == before.expires_at
            assert after.state == State.EXPIRED
            before.state = State.EXPIRED
            assert after == before
            assert [(e.kind, e.at) for e in new] == [("expired", before.expires_at)]

    def _expected_activity(self, before: Session) -> tuple[int, int]:
        """expires_at and renewal_count after activity now (DESIGN §3 'activity')."""
        policy = before.policy
        if not policy.auto_renew:
            return before.expires_at, before.renewal_count
        target = min(self.now + policy.window_minutes * MINUTE_MS, before.cap_at)
        if target > before.expires_at:
            return target, before.renewal_count + 1
        return before.expires_at, before.renewal_count

    def _others_of(self, agent_id: str, keep: str) -> list[Session]:
        return [
            s for s in self.store.list_sessions(agent_id=agent_id, state="active") if s.id != keep
        ]

    def _check_supersede(self, superseded: list[str], others: list[Session], single: bool) -> None:
        live = sorted(s.id for s in others if self._live(s))
        overdue = [s for s in others if not self._live(s)]
        assert sorted(superseded) == (live if single else [])
        for other in others:
            after = self.store.get_session(other.id)
            if not single:
                assert after.state == State.ACTIVE
            elif other in overdue:
                assert after.state == State.EXPIRED
                assert self.store.events(other.id)[-1].at == other.expires_at
            else:
                assert (after.state, after.end_reason) == (State.ENDED, "superseded")
