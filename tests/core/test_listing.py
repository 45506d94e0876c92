"""The sidebar's reads at any size (core/repo/listing.py, schema.m006): pages in the sidebar
order by offset and by keyset from either end, counts kept by triggers, the filter through
the trigram index, and query plans that never read or sort the whole table."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from many_sessions import AGENTS, RARE_TITLE, many_sessions

from agentsess_tui.core import InvalidInput, ManualClock, Store
from agentsess_tui.core.models import Session
from agentsess_tui.core.phases import HISTORY_COLUMN, listing_key, sort_key
from agentsess_tui.core.search import session_matches

COUNT = 2400


@pytest.fixture
def history(db_path: Path, clock: ManualClock) -> Iterator[Store]:
    store = Store(db_path, clock=clock)
    many_sessions(store, clock, COUNT)
    yield store
    store.close()


def everything(store: Store) -> list[Session]:
    return store.list_sessions()


def in_order(sessions: list[Session], now: int) -> list[str]:
    return [s.id for s in sorted(sessions, key=lambda s: sort_key(s, now))]


def walk(store: Store, state: str, agent: str | None, *, backwards: bool) -> list[str]:
    """A whole run by keyset pages of 97 rows, from the start or from the end."""
    column = HISTORY_COLUMN[state]  # type: ignore[index]
    pages: list[list[Session]] = []
    after = None
    while True:
        page = store.sidebar_page(state, agent_id=agent, limit=97, after=after, from_end=backwards)
        if not page:
            break
        pages.insert(0, page) if backwards else pages.append(page)
        after = listing_key(page[0] if backwards else page[-1], column)
    return [s.id for page in pages for s in page]


@pytest.mark.parametrize("state", ["expired", "ended"])
@pytest.mark.parametrize("agent", [None, "triage"])
def test_pages_follow_the_sidebar_order_by_keyset_and_offset(
    history: Store, state: str, agent: str | None
) -> None:
    now = history.now()
    expected = in_order(
        [s for s in everything(history) if s.state == state and agent in (None, s.agent_id)], now
    )
    assert len(expected) >= 200  # several pages
    assert walk(history, state, agent, backwards=False) == expected
    assert walk(history, state, agent, backwards=True) == expected
    # A jump: any page by offset from the start, and from the end.
    middle = history.sidebar_page(state, agent_id=agent, offset=133, limit=50)
    assert [s.id for s in middle] == expected[133:183]
    tail = history.sidebar_page(state, agent_id=agent, offset=10, limit=50, from_end=True)
    assert [s.id for s in tail] == expected[-60:-10]


def test_the_activity_order_pages_over_every_session(history: Store) -> None:
    expected = [
        s.id for s in sorted(everything(history), key=lambda s: (-s.last_activity_at, s.id))
    ]
    first = history.sidebar_page(None, limit=200)
    assert [s.id for s in first] == expected[:200]
    last = history.sidebar_page(None, limit=200, from_end=True)
    assert [s.id for s in last] == expected[-200:]


def test_counts_come_from_the_counter_and_follow_every_kind_of_write(
    history: Store, clock: ManualClock
) -> None:
    def actual() -> Counter[tuple[str, str]]:
        return Counter((s.agent_id, s.state) for s in everything(history))

    def kept() -> Counter[tuple[str, str]]:
        return Counter({(a, s): n for a, s, n in history.session_state_counts()})

    assert kept() == actual()
    live = history.list_sessions(state="active")
    history.end_session(live[0].id)
    history.delete_session(live[1].id)
    expired = history.sidebar_page("expired", limit=1)[0]
    history.resume_session(expired.id)
    history.create_session("newcomer", "First of its agent", create_agent=True)
    clock.advance(days=1)
    history.sweep()
    assert kept() == actual()
    assert sum(kept().values()) == history.count_sessions()


def test_a_rare_word_is_found_whole_through_the_index(history: Store) -> None:
    found = history.find_sessions("quokka", limit=50)
    assert found.complete
    assert [s.title for s in found.sessions] == [RARE_TITLE]
    # Any case, any part of a word, and the agent and the id match too.
    assert [s.title for s in history.find_sessions("OKK", 50).sessions] == [RARE_TITLE]
    assert history.find_sessions("hist-000042", 50).sessions[0].id == "hist-000042"


@pytest.mark.parametrize("needle", ["lisbon", "zü", "o", "triage"])
def test_a_frequent_or_short_needle_gives_the_first_matches_in_sidebar_order(
    history: Store, needle: str
) -> None:
    now = history.now()
    matching = [
        s for s in everything(history) if session_matches(s.title, s.agent_id, s.id, needle)
    ]
    live_first = in_order(matching, now)
    found = history.find_sessions(needle, limit=100)
    assert not found.complete
    assert [s.id for s in found.sessions] == live_first[:100]
    everything_found = history.find_sessions(needle, limit=10_000)
    assert everything_found.complete
    assert sorted(s.id for s in everything_found.sessions) == sorted(s.id for s in matching)


def test_bad_listing_requests_are_refused(history: Store) -> None:
    with pytest.raises(InvalidInput):
        history.sidebar_page("active")
    with pytest.raises(InvalidInput):
        history.sidebar_page("expired", limit=0)
    with pytest.raises(InvalidInput):
        history.sidebar_page("expired", offset=-1)
    with pytest.raises(InvalidInput):
        history.find_sessions("   ")
    # Hostile text is data: quotes and FTS syntax match literally (nothing here has them).
    assert history.find_sessions('"quokka" OR *', 50).sessions == []


def plans(store: Store, call: Callable[[], object]) -> list[str]:
    """The query plan of every SELECT on sessions that `call` ran."""
    conn = store.db.conn()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        call()
    finally:
        conn.set_trace_callback(None)
    details: list[str] = []
    for sql in statements:
        if sql.lstrip().upper().startswith("SELECT") and "FROM sessions" in sql:
            rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
            details.append(" / ".join(str(row[3]) for row in rows))
    return details


def test_the_first_screenful_and_every_page_use_an_index_in_order(history: Store) -> None:
    # ANALYZE makes the planner cost the real table (it might prefer a scan otherwise).
    history.db.conn().execute("ANALYZE")
    last = history.sidebar_page("expired", limit=1)[0]
    calls: list[Callable[[], object]] = [
        history.sidebar_start,
        # The change feed: only the sessions stamped since (every open TUI, each change).
        lambda: history.sidebar_changes(history.sidebar_start().seq - 5),
        lambda: history.sidebar_page("expired"),
        lambda: history.sidebar_page("ended", offset=500),
        lambda: history.sidebar_page("expired", from_end=True),
        lambda: history.sidebar_page("expired", after=listing_key(last, "expires_at")),
        lambda: history.sidebar_page(
            "ended", agent_id="triage", after=listing_key(last, "ended_at"), from_end=True
        ),
        lambda: history.sidebar_page(None, offset=5),
        lambda: history.find_sessions("lisbon", 100),
        lambda: history.find_sessions("quokka", 100),
    ]
    for call in calls:
        found = plans(history, call)
        assert found, "no query on sessions was traced"
        for detail in found:
            assert "TEMP B-TREE" not in detail, detail
            for step in detail.split(" / "):
                # A scan of the table itself would read every session.
                if step.startswith(("SCAN sessions ", "SEARCH sessions ")) or step == (
                    "SCAN sessions"
                ):
                    assert "USING" in step, detail


def test_the_migration_counts_and_indexes_an_existing_history(
    db_path: Path, clock: ManualClock
) -> None:
    store = Store(db_path, clock=clock)
    many_sessions(store, clock, 300, live=3)
    store.close()
    # Undo m006 as an older release left the file, then open it again: the migration runs.
    conn = sqlite3.connect(db_path)
    for trigger in ("sessions_count_ai", "sessions_count_ad", "sessions_count_au"):
        conn.execute(f"DROP TRIGGER {trigger}")
    for trigger in ("sessions_fts_ai", "sessions_fts_ad", "sessions_fts_au"):
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("DROP TABLE session_counts")
    conn.execute("DROP TABLE sessions_fts")
    for index in (
        "sessions_expired_recent",
        "sessions_ended_recent",
        "sessions_agent_expires",  # m009's, which replaced m006's sessions_agent_expired
        "sessions_agent_ended",
        "sessions_activity",
    ):
        conn.execute(f"DROP INDEX {index}")
    conn.execute(
        "DELETE FROM _sqlite_migrations "
        "WHERE name IN ('m006_sidebar_listing', 'm009_agent_history_by_expiry')"
    )
    conn.commit()
    conn.close()
    again = Store(db_path, clock=clock)
    counts = {(a, s): n for a, s, n in again.session_state_counts()}
    assert sum(counts.values()) == 303
    assert counts[AGENTS[1], "ended"] == sum(
        1 for s in again.list_sessions() if s.agent_id == AGENTS[1] and s.state == "ended"
    )
    assert [s.title for s in again.find_sessions("ticket 15 z", 10).sessions] == [
        "Ticket 15 Zürich"
    ]
    again.close()


def test_changes_after_the_start_are_only_the_rows_that_changed(history: Store) -> None:
    start = history.sidebar_start()
    assert len(start.live) == 12
    assert sum(n for _, _, n in start.counts) == COUNT + 12
    assert history.sidebar_changes(start.seq).changed == []
    renamed = history.sidebar_page("ended", offset=40, limit=1)[0]
    history.rename_session(renamed.id, "Renamed")
    history.delete_session(start.live[0].id)
    changes = history.sidebar_changes(start.seq)
    assert [s.title for s in changes.changed] == ["Renamed"]
    assert changes.deleted == [start.live[0].id]
    assert sum(n for _, _, n in changes.counts) == COUNT + 11
    assert changes.seq > start.seq
