"""DESIGN.md §3, rule by rule, each with its edge (the clock is moved, never slept on): activity
and auto-renew, the one-time warning and when it is re-armed, and the sweep that expires and
warns (and takes the write lock only when something is due)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentsess_tui.core import (
    ManualClock,
    Phase,
    SessionExpired,
    Settings,
    State,
    Store,
)
from agentsess_tui.core.clock import MINUTE_MS
from agentsess_tui.core.errors import DatabaseLocked

from .helpers import event_kinds, raw
from .session_rules_helpers import SHORT

# -- activity and auto-renew -----------------------------------------------------------------


def test_activity_without_auto_renew_only_records_the_time(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent).session
    clock.advance(minutes=30)
    after = store.heartbeat(session.id)
    assert after.last_activity_at == clock.now_ms()
    assert after.expires_at == session.expires_at
    assert after.renewal_count == 0
    assert "renewed" not in event_kinds(store, session.id)


def test_auto_renew_slides_the_expiry_and_counts_only_real_moves(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent, options={**SHORT, "auto_renew": True}).session
    clock.advance(minutes=20)
    renewed = store.heartbeat(session.id)
    assert renewed.expires_at == clock.now_ms() + 60 * MINUTE_MS
    assert renewed.renewal_count == 1
    event = store.events(session.id)[-1]
    assert (event.kind, event.detail["added_ms"]) == ("renewed", 20 * MINUTE_MS)
    # Activity at the same moment moves nothing: no renewal, no event.
    again = store.heartbeat(session.id)
    assert (again.expires_at, again.renewal_count) == (renewed.expires_at, 1)
    assert event_kinds(store, session.id).count("renewed") == 1
    # A message is activity too.
    clock.advance(minutes=5)
    store.add_message(session.id, "still here")
    assert store.get_session(session.id).renewal_count == 2
    assert store.get_session(session.id).expires_at == clock.now_ms() + 60 * MINUTE_MS


def test_auto_renew_stops_at_the_lifetime_cap(store: Store, agent: str, clock: ManualClock) -> None:
    options = {"window_minutes": 60, "warning_minutes": 10, "max_lifetime_minutes": 90}
    session = store.create_session(agent, options={**options, "auto_renew": True}).session
    clock.advance(minutes=50)
    capped = store.heartbeat(session.id)
    assert capped.expires_at == session.cap_at  # min(now + window, cap)
    assert capped.renewal_count == 1
    clock.advance(minutes=10)
    same = store.heartbeat(session.id)
    assert (same.expires_at, same.renewal_count) == (session.cap_at, 1)
    clock.set(session.cap_at)
    with pytest.raises(SessionExpired):
        store.heartbeat(session.id)


def test_auto_renew_never_shortens_an_extension(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent, options={**SHORT, "auto_renew": True}).session
    extended = store.extend_session(session.id, 90).session
    clock.advance(minutes=1)
    after = store.heartbeat(session.id)
    assert after.expires_at == extended.expires_at
    assert after.renewal_count == 0


def test_remembering_in_a_session_is_activity(store: Store, agent: str, clock: ManualClock) -> None:
    session = store.create_session(agent, options={**SHORT, "auto_renew": True}).session
    clock.advance(minutes=15)
    memory = store.remember("the sky is blue", session_id=session.id)
    assert memory.session_id == session.id
    assert memory.agent_id == agent
    after = store.get_session(session.id)
    assert after.last_activity_at == clock.now_ms()
    assert after.renewal_count == 1


# -- the one-time warning --------------------------------------------------------------------


def test_warning_fires_once_per_cycle(store: Store, agent: str, clock: ManualClock) -> None:
    session = store.create_session(agent).session
    clock.set(session.warn_at - 1)
    assert store.sweep().warned == []
    clock.set(session.warn_at)
    assert store.sweep().warned == [session.id]
    assert store.get_session(session.id).warned_at == session.warn_at
    clock.advance(minutes=5)
    assert store.sweep().warned == []
    assert event_kinds(store, session.id) == ["created", "warned"]
    warned = store.events(session.id)[-1]
    assert warned.at == session.warn_at
    assert warned.detail["expires_at"] == session.expires_at


def test_warning_is_rearmed_after_extend(store: Store, agent: str, clock: ManualClock) -> None:
    session = store.create_session(agent).session
    clock.set(session.warn_at)
    store.sweep()
    extended = store.extend_session(session.id, 60).session
    assert extended.warned_at is None
    assert extended.warn_at == extended.expires_at - 15 * MINUTE_MS
    clock.set(extended.warn_at - 1)
    assert store.sweep().warned == []
    clock.set(extended.warn_at)
    assert store.sweep().warned == [session.id]
    assert event_kinds(store, session.id).count("warned") == 2


def test_an_extension_that_stays_in_the_expiring_phase_does_not_warn_again(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent).session
    clock.set(session.expires_at - 10 * MINUTE_MS)
    assert store.sweep().warned == [session.id]
    still_expiring = store.extend_session(session.id, 2).session
    assert still_expiring.phase(clock.now_ms()) == Phase.EXPIRING
    assert still_expiring.warned_at is not None
    assert store.sweep().warned == []


def test_warning_is_rearmed_by_renewal(store: Store, agent: str, clock: ManualClock) -> None:
    session = store.create_session(agent, options={**SHORT, "auto_renew": True}).session
    clock.set(session.warn_at)
    assert store.sweep().warned == [session.id]
    renewed = store.heartbeat(session.id)
    assert renewed.warned_at is None
    clock.set(renewed.warn_at)
    assert store.sweep().warned == [session.id]


def test_warning_is_rearmed_by_resume(store: Store, agent: str, clock: ManualClock) -> None:
    session = store.create_session(agent, options=SHORT).session
    clock.set(session.warn_at)
    store.sweep()
    store.end_session(session.id)
    resumed = store.resume_session(session.id).session
    assert resumed.warned_at is None
    clock.set(resumed.warn_at)
    assert store.sweep().warned == [session.id]


# -- sweep -----------------------------------------------------------------------------------


def test_sweep_expires_every_overdue_session_at_its_own_expiry(
    store: Store, agent: str, clock: ManualClock
) -> None:
    windows = [10, 20, 30, 60]
    sessions = [
        store.create_session(agent, options={"window_minutes": w, "warning_minutes": 5}).session
        for w in windows
    ]
    ended = store.create_session(agent, options={"window_minutes": 10, "warning_minutes": 5})
    store.end_session(ended.session.id)
    clock.advance(minutes=45)
    result = store.sweep()
    assert sorted(result.expired) == sorted(s.id for s in sessions[:3])
    assert result.warned == []  # the 60-minute one enters its warning at 55 min
    assert result.next_due_at == sessions[3].warn_at
    for session in sessions[:3]:
        after = store.get_session(session.id)
        assert after.state == State.EXPIRED
        last = store.events(session.id)[-1]
        assert (last.kind, last.at) == ("expired", session.expires_at)
    assert store.get_session(sessions[3].id).state == State.ACTIVE
    assert store.get_session(ended.session.id).state == State.ENDED
    # Nothing is due any more: a second sweep changes nothing.
    again = store.sweep()
    assert (again.expired, again.warned) == ([], [])
    assert event_kinds(store, sessions[0].id) == ["created", "expired"]


def test_sweep_with_nothing_to_do_reports_no_next_due(store: Store, agent: str) -> None:
    assert store.sweep().next_due_at is None
    session = store.create_session(agent).session
    assert store.sweep().next_due_at == session.warn_at


def test_sweep_never_takes_the_write_lock_when_nothing_is_due(
    db_path: Path, clock: ManualClock
) -> None:
    store = Store(db_path, clock=clock, settings=Settings(busy_timeout_ms=200))
    store.add_agent("bot")
    session = store.create_session("bot").session
    other = raw(db_path)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        result = store.sweep()
        assert (result.expired, result.warned) == ([], [])
        # The lock is real: a sweep with work to do has to wait for it, and gives up typed.
        clock.set(session.expires_at)
        with pytest.raises(DatabaseLocked, match="locked by another process"):
            store.sweep()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.sweep().expired == [session.id]
    store.close()
