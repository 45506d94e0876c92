"""DESIGN.md §3, rule by rule, each with its edge (the clock is moved, never slept on): ending a
session, resuming it into a new activation, clearing and deleting it (memories are kept), and
single_active agents; with the sidebar's order of listed sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentsess_tui.core import (
    ManualClock,
    NotFound,
    SessionEnded,
    SessionExpired,
    State,
    Store,
    TokenRevoked,
)
from agentsess_tui.core.clock import MINUTE_MS

from .helpers import count, event_kinds, raw

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
