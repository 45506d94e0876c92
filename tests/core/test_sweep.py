"""Mass expiry: the phase is derived on every read, and the sweep writes in bounded chunks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agentsess_tui.core import InvalidInput, ManualClock, Phase, State, Store
from agentsess_tui.core.clock import MINUTE_MS
from agentsess_tui.core.repo.sweep import _STEPS, Sweeper

from .helpers import count, raw


def _sessions(store: Store, agent: str, n: int, window: int = 30) -> list[str]:
    options = {"window_minutes": window, "warning_minutes": min(15, window - 1)}
    return [store.create_session(agent, f"s{i}", options=options).session.id for i in range(n)]


def test_an_overdue_session_reads_as_expired_everywhere_before_any_sweep(
    store: Store, agent: str, clock: ManualClock, db_path: Path
) -> None:
    short = store.create_session(agent, "short", options={"window_minutes": 30}).session
    long = store.create_session(agent, "long", options={"window_minutes": 600}).session
    ended = store.create_session(agent, "ended").session
    store.end_session(ended.id)
    clock.set(short.expires_at)  # exactly at expiry: expired
    assert count(db_path, "SELECT count(*) FROM sessions WHERE state = 'active'") == 2
    assert [s.id for s in store.list_sessions(state="active")] == [long.id]
    assert [s.id for s in store.list_sessions(phase="active")] == [long.id]
    assert [s.id for s in store.list_sessions(state="expired")] == [short.id]
    assert [s.id for s in store.list_sessions(phase="expired")] == [short.id]
    assert [s.id for s in store.list_sessions(state="ended")] == [ended.id]
    assert store.get_session(short.id).phase(clock.now_ms()) == Phase.EXPIRED
    # The sidebar order puts it with the expired ones too.
    assert [s.title for s in store.list_sessions()] == ["long", "short", "ended"]
    # One millisecond earlier it was live, and expiring.
    clock.set(short.expires_at - 1)
    assert [s.id for s in store.list_sessions(phase="expiring")] == [short.id]
    assert {s.id for s in store.list_sessions(state="active")} == {short.id, long.id}
    assert [s.id for s in store.list_sessions(phase="active")] == [long.id]


def test_state_and_phase_filters_refuse_unknown_names(store: Store) -> None:
    with pytest.raises(InvalidInput, match="sleeping"):
        store.list_sessions(state="sleeping")
    with pytest.raises(InvalidInput, match="sleeping"):
        store.list_sessions(phase="sleeping")


def test_the_sweep_writes_in_chunks_and_lets_other_writers_in_between(
    store: Store, agent: str, clock: ManualClock, db_path: Path
) -> None:
    ids = _sessions(store, agent, 5)
    clock.advance(minutes=31)
    other = raw(db_path)
    other.execute("PRAGMA busy_timeout = 0")  # a writer that cannot wait at all
    seen: list[int] = []

    def pause() -> None:
        # Each chunk is committed whole (sessions and their events) before the pause...
        expired = count(db_path, "SELECT count(*) FROM sessions WHERE state = 'expired'")
        events = count(db_path, "SELECT count(*) FROM events WHERE kind = 'expired'")
        assert expired == events
        seen.append(expired)
        # ...and the write lock is free: another connection writes without waiting.
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE agents SET name = ? WHERE id = ?", (f"pause {len(seen)}", agent))
        other.execute("COMMIT")

    result = Sweeper(store.db, clock, chunk=2, pause=pause).sweep()
    other.close()
    assert seen == [2, 4]
    assert sorted(result.expired) == sorted(ids)
    assert store.get_agent(agent).name == "pause 2"
    for session_id in ids:
        session = store.get_session(session_id)
        assert session.state == State.EXPIRED
        (event,) = [e for e in store.events(session_id) if e.kind == "expired"]
        assert event.at == session.expires_at  # the real expiry time, not the sweep's


def test_a_mass_expiry_checkpoints_between_its_chunks_not_inside_them(
    store: Store, agent: str, clock: ManualClock, db_path: Path
) -> None:
    _sessions(store, agent, 5)
    store.db.checkpoint()  # the file has the live sessions
    clock.advance(minutes=31)
    in_file: list[int] = []
    autocheckpoint: list[int] = []

    def pause() -> None:
        # The database file alone (immutable: the WAL is not read) has the chunks so far.
        file_only = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True)
        query = "SELECT count(*) FROM sessions WHERE state = 'expired'"
        in_file.append(file_only.execute(query).fetchone()[0])
        file_only.close()
        autocheckpoint.append(store.db.conn().execute("PRAGMA wal_autocheckpoint").fetchone()[0])

    sweeper = Sweeper(store.db, clock, chunk=2, pause=pause, checkpoint_every=2)
    assert len(sweeper.sweep().expired) == 5
    assert in_file == [0, 4]  # checkpointed after every second chunk
    assert autocheckpoint == [0, 0]  # no commit of the sweep copies the WAL back meanwhile
    assert store.db.conn().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    # A process that checkpoints on its own thread (the server) keeps its setting.
    store.db.set_autocheckpoint(0)
    _sessions(store, agent, 3)
    clock.advance(minutes=31)
    Sweeper(store.db, clock, chunk=2, pause=lambda: None).sweep()
    assert store.db.conn().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    # And the last chunks went to the file at the end of the sweep.
    file_only = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True)
    assert file_only.execute(
        "SELECT count(*) FROM sessions WHERE state = 'expired'"
    ).fetchone() == (8,)
    file_only.close()


def test_a_chunk_size_that_divides_the_work_ends_with_an_empty_chunk(
    store: Store, agent: str, clock: ManualClock
) -> None:
    _sessions(store, agent, 4)
    clock.advance(minutes=31)
    pauses: list[None] = []
    result = Sweeper(store.db, clock, chunk=2, pause=lambda: pauses.append(None)).sweep()
    assert len(result.expired) == 4
    assert len(pauses) == 2
    assert (
        Sweeper(store.db, clock, chunk=2, pause=lambda: pauses.append(None)).sweep().expired == []
    )


def test_warnings_are_chunked_too_and_never_given_to_an_overdue_session(
    store: Store, agent: str, clock: ManualClock
) -> None:
    warnable = _sessions(store, agent, 3, window=60)
    overdue = _sessions(store, agent, 2, window=10)
    # 50 min on: the 60 min sessions are in their last 15 minutes, the 10 min ones long gone.
    clock.advance(minutes=50)
    pauses: list[None] = []
    result = Sweeper(store.db, clock, chunk=2, pause=lambda: pauses.append(None)).sweep()
    assert sorted(result.warned) == sorted(warnable)
    assert sorted(result.expired) == sorted(overdue)
    assert len(pauses) == 2  # one after the full expiry chunk, one after the full warning one
    for session_id in warnable:
        session = store.get_session(session_id)
        assert session.warned_at == clock.now_ms()
        (event,) = [e for e in store.events(session_id) if e.kind == "warned"]
        assert event.detail == {"expires_at": session.expires_at}
    assert result.next_due_at == min(store.get_session(s).expires_at for s in warnable)


def test_the_store_sweep_stamps_changes_once_a_chunk(
    store: Store, agent: str, clock: ManualClock
) -> None:
    ids = _sessions(store, agent, 3)
    _, _, since = store.session_changes(0)
    clock.advance(minutes=31)
    store.sweep()
    changed, deleted, seq = store.session_changes(since)
    assert sorted(s.id for s in changed) == sorted(ids)
    assert deleted == []
    assert seq == since + 1


def test_an_overdue_session_expired_on_write_is_not_swept_twice(
    store: Store, agent: str, clock: ManualClock, db_path: Path
) -> None:
    (sid,) = _sessions(store, agent, 1)
    clock.advance(minutes=31)
    with pytest.raises(Exception, match="expired"):
        store.add_message(sid, "too late")
    assert store.sweep().expired == []
    conn: sqlite3.Connection = raw(db_path)
    try:
        kinds = [r[0] for r in conn.execute("SELECT kind FROM events WHERE session_id = ?", (sid,))]
    finally:
        conn.close()
    assert kinds.count("expired") == 1
    assert store.get_session(sid).expires_at + 31 * MINUTE_MS > clock.now_ms()


def test_an_expiry_leaves_the_agent_order_index_alone(store: Store, db_path: Path) -> None:
    # m009: each expiry was a new entry in a partial index of expired sessions per agent,
    # half of a mass expiry's time. The sweep's update must not write that index any more;
    # SQLite's program for the statement says which indexes it opens for writing.
    conn = raw(db_path)
    names = {
        root: name
        for name, root in conn.execute(
            "SELECT name, rootpage FROM sqlite_master WHERE tbl_name = 'sessions'"
        )
    }
    program = conn.execute(f"EXPLAIN {_STEPS['expired'][1]}", {"now": 0, "chunk": 1})
    written = {names.get(op[3]) for op in program if op[1] == "OpenWrite"}
    conn.close()
    assert "sessions_expired_recent" in written  # the sidebar's run of expired sessions
    assert "sessions_agent_expires" not in written
    assert not any(name and name.startswith("sessions_agent_expire") for name in written)


def test_the_agent_order_lists_swept_sessions_among_live_and_ended_ones(
    store: Store, clock: ManualClock
) -> None:
    store.add_agent("a", "A")
    store.add_agent("b", "B")
    ended = _sessions(store, "a", 3, window=60)
    for session_id in ended:
        store.end_session(session_id)
    overdue = _sessions(store, "a", 4, window=30) + _sessions(store, "b", 2, window=30)
    live = _sessions(store, "a", 2, window=600)
    clock.advance(minutes=31)
    assert store.sidebar_page("expired", agent_id="a") == []  # overdue, not yet written
    store.sweep()
    expired = [s.id for s in store.sidebar_page("expired", agent_id="a")]
    assert sorted(expired) == sorted(overdue[:4])
    assert store.sidebar_offset(overdue[0], "expired", agent_id="a") == expired.index(overdue[0])
    assert store.sidebar_offset(live[0], "expired", agent_id="a") is None
    assert [s.id for s in store.sidebar_page("ended", agent_id="a")] != []
