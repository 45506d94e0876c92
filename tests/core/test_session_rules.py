"""DESIGN.md §3, rule by rule, each with its edge: the clock is moved, never slept on."""

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
    Settings,
    State,
    Store,
    TokenRevoked,
)
from agentsess_tui.core.clock import HOUR_MS, MINUTE_MS
from agentsess_tui.core.errors import DatabaseLocked
from agentsess_tui.core.phases import local_when

from .helpers import count, event_kinds, raw

SHORT = {"window_minutes": 60, "warning_minutes": 10, "max_lifetime_minutes": 180}


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


# -- end -------------------------------------------------------------------------------------


def test_end_returns_a_summary_and_keeps_memories(
    store: Store, agent: str, clock: ManualClock
) -> None:
    activation = store.create_session(agent)
    sid = activation.session.id
    for text in ("one", "two", "three"):
        store.add_message(sid, text)
    in_session = store.remember("made here", session_id=sid)
    elsewhere = store.remember("made elsewhere", agent_id=agent)
    clock.advance(minutes=90)
    summary = store.end_session(sid, "  done   for today ")
    assert summary.duration_ms == 90 * MINUTE_MS
    assert (summary.messages, summary.memories) == (3, 1)
    ended = summary.session
    assert ended.state == State.ENDED
    assert ended.ended_at == clock.now_ms()
    assert ended.end_reason == "done for today"
    assert store.events(sid)[-1].detail == {"reason": "done for today"}
    assert store.get_memory(in_session.id).status == "active"
    assert store.get_memory(elsewhere.id).status == "active"
    with pytest.raises(SessionEnded):
        store.verify_token(activation.token)
    with pytest.raises(SessionEnded):
        store.end_session(sid)
    with pytest.raises(SessionEnded):
        store.add_message(sid, "after the end")
    with pytest.raises(SessionEnded):
        store.session_token(sid)


def test_end_of_an_overdue_session_reports_the_expiry(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent).session
    clock.set(session.expires_at)
    with pytest.raises(SessionExpired):
        store.end_session(session.id)
    assert store.get_session(session.id).state == State.EXPIRED


# -- resume ----------------------------------------------------------------------------------


def test_resume_an_ended_session_starts_a_new_activation(
    store: Store, agent: str, clock: ManualClock
) -> None:
    first = store.create_session(agent)
    sid = first.session.id
    store.add_message(sid, "hello")
    store.end_session(sid)
    clock.advance(days=2)
    second = store.resume_session(sid)
    session = second.session
    now = clock.now_ms()
    assert session.state == State.ACTIVE
    assert (session.activated_at, session.last_activity_at) == (now, now)
    assert session.expires_at == now + 360 * MINUTE_MS
    assert session.cap_at == now + 2880 * MINUTE_MS
    assert session.created_at == first.session.created_at
    assert (session.ended_at, session.end_reason, session.warned_at) == (None, None, None)
    assert session.resume_count == 1
    assert session.token_jti != first.session.token_jti
    assert second.token != first.token
    assert [m.content for m in store.messages(sid)] == ["hello"]
    resumed = store.events(sid)[-1]
    assert (resumed.kind, resumed.detail["previous_state"]) == ("resumed", "ended")
    with pytest.raises(TokenRevoked):
        store.verify_token(first.token)
    assert store.verify_token(second.token).id == sid
    store.add_message(sid, "back again")


def test_resume_an_overdue_active_session_expires_it_first(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent).session
    clock.set(session.expires_at + 5 * MINUTE_MS)
    resumed = store.resume_session(session.id).session
    assert resumed.state == State.ACTIVE
    events = store.events(session.id)
    assert [e.kind for e in events] == ["created", "expired", "resumed"]
    assert events[1].at == session.expires_at
    assert events[2].detail["previous_state"] == "expired"


def test_resume_twice_changes_nothing_the_second_time(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent).session
    clock.set(session.expires_at)
    store.sweep()
    first = store.resume_session(session.id)
    events = store.events(session.id)
    clock.advance(minutes=10)
    second = store.resume_session(session.id)
    assert second.session == first.session
    assert second.token == first.token
    assert second.superseded == []
    assert store.events(session.id) == events
    assert store.get_session(session.id).resume_count == 1


def test_resume_of_a_live_session_changes_nothing(
    store: Store, agent: str, clock: ManualClock
) -> None:
    activation = store.create_session(agent)
    clock.advance(minutes=1)
    again = store.resume_session(activation.session.id)
    assert again.session == activation.session
    assert again.token == activation.token
    assert event_kinds(store, activation.session.id) == ["created"]


def test_resume_keeps_the_policy_the_session_was_created_with(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent, options={"window_minutes": 30}).session
    store.set_agent_policy(agent, {"window_minutes": 600})
    store.end_session(session.id)
    resumed = store.resume_session(session.id).session
    assert resumed.expires_at == clock.now_ms() + 30 * MINUTE_MS
    assert resumed.window_minutes == 30


def test_resume_of_an_unknown_session(store: Store) -> None:
    with pytest.raises(NotFound):
        store.resume_session("sess_doesnotexist")


# -- clear and delete ------------------------------------------------------------------------


def test_clear_keeps_system_messages_and_memories(store: Store, agent: str, db_path: Path) -> None:
    sid = store.create_session(agent, system_prompt="You are terse.").session.id
    store.add_message(sid, "Be helpful.", role="system")
    store.add_message(sid, "remember the zebra", role="user")
    store.add_message(sid, "zebra noted", role="assistant")
    store.add_message(sid, "tool output", role="tool")
    memory = store.remember("zebras have stripes", session_id=sid)
    store.end_session(sid)  # clear works in any state
    assert store.clear_session(sid) == 3
    assert [(m.role, m.content) for m in store.messages(sid)] == [("system", "Be helpful.")]
    assert store.get_memory(memory.id).session_id == sid
    assert store.search_messages("zebra") == []
    assert [hit.memory.id for hit in store.search_memories("zebra")] == [memory.id]
    last = store.events(sid)[-1]
    assert (last.kind, last.detail) == ("cleared", {"deleted": 3})
    assert store.get_session(sid).state == State.ENDED
    conn = raw(db_path)
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
    conn.close()


def test_clear_an_unknown_session(store: Store) -> None:
    with pytest.raises(NotFound):
        store.clear_session("sess_nope")


def test_delete_keeps_memories_with_no_origin(
    store: Store, agent: str, clock: ManualClock, db_path: Path
) -> None:
    activation = store.create_session(agent)
    sid = activation.session.id
    store.add_message(sid, "the walrus speaks")
    kept = store.remember("walruses are large", session_id=sid)
    other = store.create_session(agent).session.id
    store.add_message(other, "unrelated walrus")
    clock.set(activation.session.expires_at)
    store.sweep()  # delete works in any state, expired included
    assert store.delete_session(sid) == {"messages": 1, "memories_kept": 1}
    with pytest.raises(NotFound):
        store.get_session(sid)
    assert store.events(sid) == []
    assert store.messages(sid) == []
    memory = store.get_memory(kept.id)
    assert (memory.session_id, memory.status, memory.content) == (
        None,
        "active",
        "walruses are large",
    )
    assert [hit.memory.id for hit in store.search_memories("walrus")] == [kept.id]
    assert [hit.message.session_id for hit in store.search_messages("walrus")] == [other]
    assert count(db_path, "SELECT count(*) FROM messages WHERE session_id = ?", sid) == 0
    with pytest.raises(NotFound):
        store.delete_session(sid)
    with pytest.raises(Exception, match="no longer exists"):
        store.verify_token(activation.token)
    conn = raw(db_path)
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
    conn.execute("INSERT INTO memories_fts(memories_fts) VALUES ('integrity-check')")
    conn.close()


# -- single_active ---------------------------------------------------------------------------


def test_single_active_supersedes_the_agents_other_sessions(
    store: Store, clock: ManualClock
) -> None:
    store.add_agent("solo", policy={"single_active": True})
    store.add_agent("bystander")
    first = store.create_session("solo")
    bystander = store.create_session("bystander").session
    clock.advance(minutes=5)
    second = store.create_session("solo")
    assert second.superseded == [first.session.id]
    old = store.get_session(first.session.id)
    assert (old.state, old.end_reason, old.ended_at) == (
        State.ENDED,
        "superseded",
        clock.now_ms(),
    )
    last = store.events(old.id)[-1]
    assert (last.kind, last.detail) == ("superseded", {"by": second.session.id})
    with pytest.raises(SessionEnded):
        store.verify_token(first.token)
    assert store.get_session(bystander.id).state == State.ACTIVE
    # Resuming the first one supersedes the second in turn.
    back = store.resume_session(first.session.id)
    assert back.superseded == [second.session.id]
    assert store.get_session(second.session.id).state == State.ENDED
    assert [s.id for s in store.list_sessions(state="active", agent_id="solo")] == [
        first.session.id
    ]


def test_single_active_expires_overdue_others_instead_of_superseding(
    store: Store, clock: ManualClock
) -> None:
    store.add_agent("solo", policy={"single_active": True})
    first = store.create_session("solo").session
    clock.set(first.expires_at + MINUTE_MS)
    second = store.create_session("solo")
    assert second.superseded == []
    assert store.get_session(first.id).state == State.EXPIRED
    last = store.events(first.id)[-1]
    assert (last.kind, last.at) == ("expired", first.expires_at)


def test_without_single_active_sessions_coexist(store: Store, agent: str) -> None:
    first = store.create_session(agent)
    second = store.create_session(agent)
    assert second.superseded == []
    assert store.get_session(first.session.id).state == State.ACTIVE
    assert len(store.list_sessions(state="active")) == 2


def test_list_sessions_in_sidebar_order(store: Store, agent: str, clock: ManualClock) -> None:
    long = store.create_session(agent, "long", options={"window_minutes": 600}).session
    short = store.create_session(agent, "short", options={"window_minutes": 60}).session
    expiring = store.create_session(agent, "expiring", options={"window_minutes": 30}).session
    ended = store.create_session(agent, "ended").session
    store.end_session(ended.id)
    gone = store.create_session(agent, "gone", options={"window_minutes": 5, "warning_minutes": 1})
    clock.advance(minutes=20)
    store.sweep()
    order = [s.title for s in store.list_sessions()]
    assert order == ["expiring", "short", "long", "gone", "ended"]
    assert [s.id for s in store.list_sessions(state="expiring")] == [expiring.id]
    assert [s.id for s in store.list_sessions(state="expired")] == [gone.session.id]
    assert len(store.list_sessions(limit=2)) == 2
    assert short.id in {s.id for s in store.list_sessions(state="active")}
    assert long.id in {s.id for s in store.list_sessions(agent_id=agent)}
    # Overdue but not swept yet: no longer "expiring", whatever the stored state says.
    clock.set(expiring.expires_at)
    assert store.list_sessions(state="expiring") == []
