"""The live feed on its own (no Textual): change batches from a real store, and the notices and
next sweep they lead to."""

from __future__ import annotations

from agentsess_tui.app.live_feed import LiveFeed
from agentsess_tui.core import ManualClock, Store


def load(feed: LiveFeed, store: Store, now: int) -> list[tuple[str, str]] | None:
    changed, deleted, seq = store.session_changes(feed.seq)
    batch = feed.apply(changed, deleted, seq, now)
    return None if batch is None else [(n.title, n.severity) for n in batch.notices]


def test_first_load_announces_nothing_then_warning_and_expiry_once_each(
    store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent, "Work", options={"window_minutes": 60}).session
    store.sweep()
    feed = LiveFeed()
    assert load(feed, store, clock.now_ms()) == []
    assert set(feed.sessions) == {session.id}
    assert feed.next_due == session.warn_at  # the one-time warning is the next sweep's work

    clock.advance(minutes=46)  # inside the 15-minute warning
    assert feed.sweep_due(clock.now_ms())
    feed.swept(store.sweep().next_due_at)
    assert load(feed, store, clock.now_ms()) == [("Session expiring", "warning")]
    # The same warned session again, in a later batch from the start: not said twice.
    other = store.create_session(agent, "Other").session
    changed, deleted, seq = store.session_changes(0)
    assert session.id in {s.id for s in changed}
    again = feed.apply(changed, deleted, seq, clock.now_ms())
    assert again is not None and again.notices == []

    clock.advance(minutes=15)
    store.sweep()
    assert load(feed, store, clock.now_ms()) == [("Session expired", "error")]
    assert feed.next_due == other.warn_at  # only the other session has work left


def test_an_older_batch_than_the_one_applied_is_ignored(store: Store, agent: str) -> None:
    store.create_session(agent, "One")
    feed = LiveFeed()
    stale = store.session_changes(0)
    assert load(feed, store, 0) == []
    store.create_session(agent, "Two")
    assert load(feed, store, 0) == []
    assert len(feed.sessions) == 2
    changed, deleted, seq = stale
    assert feed.apply(changed, deleted, seq, 0) is None
    assert len(feed.sessions) == 2


def test_deleted_sessions_leave_the_feed(store: Store, agent: str) -> None:
    keep = store.create_session(agent, "Keep").session
    gone = store.create_session(agent, "Gone").session
    feed = LiveFeed()
    load(feed, store, 0)
    store.delete_session(gone.id)
    load(feed, store, 0)
    assert set(feed.sessions) == {keep.id}
