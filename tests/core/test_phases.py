"""Phase rules: the Python sort key and the SQL order are one rule."""

from __future__ import annotations

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.models import Phase
from agentsess_tui.core.phases import next_boundary, phase, sort_key, time_left


def test_sql_order_matches_sort_key(store: Store, clock: ManualClock, agent: str) -> None:
    # Every phase, including an active session past its expiry that no sweep has written.
    short = {"window_minutes": 10, "warning_minutes": 5}
    made = [store.create_session(agent, f"s{i}", options=short).session.id for i in range(3)]
    made += [store.create_session(agent, f"long{i}").session.id for i in range(3)]
    store.end_session(made[4])
    clock.advance(minutes=6)  # the short ones are expiring
    store.create_session(agent, "fresh")
    clock.advance(minutes=5)  # the short ones are overdue (not swept)
    store.extend_session(made[5], 30)
    now = clock.now_ms()
    listed = store.list_sessions()
    assert [s.id for s in listed] == [s.id for s in sorted(listed, key=lambda s: sort_key(s, now))]
    assert {phase(s, now) for s in listed} == {Phase.ACTIVE, Phase.EXPIRED, Phase.ENDED}
    assert [phase(s, now) for s in listed][-1] is Phase.ENDED


def test_time_left_and_boundaries(store: Store, clock: ManualClock, agent: str) -> None:
    session = store.create_session(
        agent, "t", options={"window_minutes": 60, "warning_minutes": 15}
    ).session
    now = clock.now_ms()
    assert time_left(session, now) == "1:00:00"
    assert next_boundary(session, now) == session.warn_at
    assert next_boundary(session, session.warn_at) == session.expires_at
    assert next_boundary(session, session.expires_at) is None
    assert time_left(session, session.expires_at + 3 * 60_000) == "expired 3m ago"
