"""DESIGN.md §3, rule by rule, each with its edge (the clock is moved, never slept on): a new
session's window, extending it, and expiry on write. Activity, renewal, the warning and the sweep
are in test_session_rules_renewal.py; end, resume, clear, delete and single_active in
test_session_rules_lifecycle.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentsess_tui.core import (
    CannotExtend,
    InvalidInput,
    ManualClock,
    NotFound,
    Phase,
    SessionEnded,
    SessionExpired,
    State,
    Store,
)
from agentsess_tui.core.clock import HOUR_MS, MINUTE_MS
from agentsess_tui.core.phases import local_when

from .helpers import count, event_kinds
from .session_rules_helpers import SHORT


def test_create_starts_a_full_window_with_a_token(
    store: Store, agent: str, clock: ManualClock
) -> None:
    now = clock.now_ms()
    activation = store.create_session(agent, "Review")
    session = activation.session
    assert session.state == State.ACTIVE
    assert session.title == "Review"
    assert session.created_at == session.activated_at == session.last_activity_at == now
    assert session.expires_at == now + 360 * MINUTE_MS
    assert session.cap_at == now + 2880 * MINUTE_MS
    assert session.warn_at == session.expires_at - 15 * MINUTE_MS
    assert (session.renewal_count, session.resume_count, session.warned_at) == (0, 0, None)
    assert session.id.startswith("sess_")
    assert event_kinds(store, session.id) == ["created"]
    assert store.verify_token(activation.token, agent).id == session.id
    assert store.get_session(session.id) == session


def test_create_for_an_unknown_agent_writes_nothing(store: Store, db_path: Path) -> None:
    with pytest.raises(NotFound, match="ghost"):
        store.create_session("ghost")
    assert count(db_path, "SELECT count(*) FROM sessions") == 0
    assert count(db_path, "SELECT count(*) FROM events") == 0


def test_session_ids_sort_by_creation(store: Store, agent: str, clock: ManualClock) -> None:
    ids = []
    for _ in range(5):
        ids.append(store.create_session(agent).session.id)
        clock.advance(ms=1)
    assert ids == sorted(ids)
    assert len(set(ids)) == 5


# -- extend ----------------------------------------------------------------------------------


def test_extend_adds_to_the_time_left(store: Store, agent: str, clock: ManualClock) -> None:
    session = store.create_session(agent).session
    clock.advance(hours=5)  # 1 h left
    result = store.extend_session(session.id, 360)
    assert result.session.expires_at - clock.now_ms() == 7 * HOUR_MS
    assert result.added_ms == 6 * HOUR_MS
    assert result.added_minutes == 360
    assert (result.requested_minutes, result.capped) == (360, False)
    event = store.events(session.id)[-1]
    assert event.kind == "extended"
    assert event.at == clock.now_ms()
    assert event.detail["added_ms"] == 6 * HOUR_MS
    assert event.detail["expires_at"] == result.session.expires_at


def test_extend_without_minutes_uses_the_policy_step(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent, options={"extend_step_minutes": 45}).session
    result = store.extend_session(session.id)
    assert result.requested_minutes == 45
    assert result.session.expires_at == session.expires_at + 45 * MINUTE_MS


def test_extend_is_capped_and_says_how_much_was_added(store: Store, agent: str) -> None:
    session = store.create_session(agent, options=SHORT).session
    result = store.extend_session(session.id, 600)
    assert result.session.expires_at == session.cap_at == session.activated_at + 180 * MINUTE_MS
    assert result.added_ms == 120 * MINUTE_MS
    assert result.capped is True
    assert result.requested_minutes == 600
    assert store.events(session.id)[-1].detail["capped"] is True


def test_extend_at_the_cap_names_the_cap_and_changes_nothing(store: Store, agent: str) -> None:
    session = store.create_session(agent, options=SHORT).session
    store.extend_session(session.id, 120)
    before = store.get_session(session.id)
    events_before = store.events(session.id)
    with pytest.raises(CannotExtend) as caught:
        store.extend_session(session.id, 1)
    assert "3h" in caught.value.message  # the cap, as a person reads it
    # and when it is reached, in local time with the zone (issue 12)
    assert local_when(before.cap_at, store.now(), zone=True) in caught.value.message
    assert store.get_session(session.id) == before
    assert store.events(session.id) == events_before


@pytest.mark.parametrize("minutes", [0, -1, -360, 20161])
def test_extend_by_a_non_positive_or_huge_amount_is_invalid(
    store: Store, agent: str, minutes: int
) -> None:
    session = store.create_session(agent).session
    with pytest.raises(InvalidInput, match=str(minutes)):
        store.extend_session(session.id, minutes)
    assert store.get_session(session.id) == session
    assert event_kinds(store, session.id) == ["created"]


def test_extend_rejects_non_integers(store: Store, agent: str) -> None:
    session = store.create_session(agent).session
    for bad in (True, 1.5, "60"):
        with pytest.raises(InvalidInput):
            store.extend_session(session.id, bad)  # type: ignore[arg-type]
    assert store.get_session(session.id) == session


def test_extend_exactly_at_expiry_expires_the_session(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent).session
    clock.set(session.expires_at)
    with pytest.raises(SessionExpired) as caught:
        store.extend_session(session.id, 60)
    assert caught.value.expired_at == session.expires_at
    after = store.get_session(session.id)
    assert after.state == State.EXPIRED
    assert after.expires_at == session.expires_at  # nothing was added
    expired = store.events(session.id)[-1]
    assert (expired.kind, expired.at) == ("expired", session.expires_at)
    # A second attempt fails the same way without a second expiry event.
    with pytest.raises(SessionExpired):
        store.extend_session(session.id, 60)
    assert event_kinds(store, session.id) == ["created", "expired"]


def test_extend_one_millisecond_before_expiry_works(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent).session
    clock.set(session.expires_at - 1)
    result = store.extend_session(session.id, 30)
    assert result.session.expires_at == session.expires_at + 30 * MINUTE_MS
    assert result.session.state == State.ACTIVE


def test_extend_an_ended_session_fails(store: Store, agent: str) -> None:
    session = store.create_session(agent).session
    store.end_session(session.id)
    with pytest.raises(SessionEnded):
        store.extend_session(session.id, 30)


# -- expiry on write -------------------------------------------------------------------------


def test_a_message_exactly_at_expiry_fails_and_writes_nothing(
    store: Store, agent: str, clock: ManualClock, db_path: Path
) -> None:
    session = store.create_session(agent).session
    clock.set(session.expires_at - 1)
    store.add_message(session.id, "last words")
    clock.advance(ms=1)
    with pytest.raises(SessionExpired) as caught:
        store.add_message(session.id, "too late")
    assert caught.value.expired_at == session.expires_at
    assert "expired" in caught.value.message
    assert [m.content for m in store.messages(session.id)] == ["last words"]
    assert store.get_session(session.id).state == State.EXPIRED
    assert store.events(session.id)[-1].at == session.expires_at
    assert count(db_path, "SELECT count(*) FROM messages") == 1


def test_heartbeat_and_remember_on_an_overdue_session_fail(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent).session
    clock.set(session.expires_at + HOUR_MS)
    with pytest.raises(SessionExpired):
        store.heartbeat(session.id)
    with pytest.raises(SessionExpired):
        store.remember("a fact", session_id=session.id)
    assert store.count_memories(agent_id=agent) == 0
    assert store.get_session(session.id).last_activity_at == session.last_activity_at
    # Reads always work on an expired session.
    assert store.get_session(session.id).phase(clock.now_ms()) == Phase.EXPIRED
    assert store.messages(session.id) == []


def test_phases_follow_the_clock(store: Store, agent: str, clock: ManualClock) -> None:
    session = store.create_session(agent).session
    assert session.phase(session.warn_at - 1) == Phase.ACTIVE
    assert session.phase(session.warn_at) == Phase.EXPIRING
    assert session.phase(session.expires_at - 1) == Phase.EXPIRING
    assert session.phase(session.expires_at) == Phase.EXPIRED
    assert not session.is_live(session.expires_at)
    store.end_session(session.id)
    assert store.get_session(session.id).phase(clock.now_ms()) == Phase.ENDED
