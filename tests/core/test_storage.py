"""The SQLite file: permissions, threads, locks, damage, and nothing partial after an error."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from agentsess_tui.core import (
    DatabaseLocked,
    ManualClock,
    Settings,
    StorageError,
    Store,
    open_store,
)
from agentsess_tui.core.schema import MIGRATIONS

from .helpers import count, old_database, raw


def test_database_files_are_private(db_path: Path, clock: ManualClock) -> None:
    store = Store(db_path, clock=clock)
    store.add_agent("bot")
    store.create_session("bot")
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        assert path.exists(), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    store.close()


def test_open_store_uses_agentsess_home(home: Path, clock: ManualClock) -> None:
    store = open_store(clock=clock)
    store.add_agent("bot")
    assert store.path == home / "agentsess.db"
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    token = store.create_session("bot").token
    assert stat.S_IMODE((home / "secret.key").stat().st_mode) == 0o600
    assert open_store(clock=clock).verify_token(token).agent_id == "bot"
    store.close()


def test_database_settings(db_path: Path, clock: ManualClock) -> None:
    store = Store(db_path, clock=clock)
    conn = store.db.conn()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert store.integrity_check() == "ok"
    store.close()


def test_reopening_keeps_everything_and_does_not_migrate_again(
    db_path: Path, clock: ManualClock
) -> None:
    store = Store(db_path, clock=clock)
    store.add_agent("bot")
    sid = store.create_session("bot").session.id
    store.add_message(sid, "persisted")
    store.close()
    again = Store(db_path, clock=clock)
    assert [m.content for m in again.messages(sid)] == ["persisted"]
    assert count(db_path, "SELECT count(*) FROM _sqlite_migrations") == len(MIGRATIONS)
    again.close()


def test_a_store_used_from_many_threads(store: Store, agent: str) -> None:
    sessions = [store.create_session(agent).session.id for _ in range(6)]
    errors: list[BaseException] = []
    connections: set[int] = set()
    lock = threading.Lock()

    def work(sid: str) -> None:
        try:
            for i in range(40):
                store.add_message(sid, f"{sid} {i}")
                if i % 10 == 0:
                    store.remember(f"memory {sid} {i}", session_id=sid)
                    store.heartbeat(sid)
                store.messages(sid, limit=5)
            with lock:
                connections.add(id(store.db.conn()))
            store.close()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(sid,)) for sid in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(connections) == len(sessions)  # one connection per thread
    for sid in sessions:
        assert store.count_messages(sid) == 40
        assert len(store.list_memories(session_id=sid)) == 4
    assert store.integrity_check() == "ok"


def test_a_connection_never_crosses_threads(store: Store, agent: str) -> None:
    main_connection = store.db.conn()
    seen: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: seen.append(store.db.conn()))
    thread.start()
    thread.join()
    assert seen and seen[0] is not main_connection


def test_a_garbage_file_is_a_clear_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"These are my notes, not a database. " * 200)
    with pytest.raises(StorageError) as caught:
        Store(path)
    message = str(caught.value)
    assert str(path) in message
    assert "not an agentsess database or is damaged" in message
    assert "--db" in message  # what to do next


def test_a_damaged_database_raises_storage_errors_not_sqlite_errors(
    db_path: Path, clock: ManualClock
) -> None:
    store = Store(db_path, clock=clock)
    store.add_agent("bot")
    sid = store.create_session("bot").session.id
    for i in range(300):
        store.add_message(sid, f"message number {i} " + "padding " * 40)
    store.close()
    checkpoint = raw(db_path)
    checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpoint.close()
    # Overwrite every other page of the second half of the file: the messages' pages.
    data = bytearray(db_path.read_bytes())
    page = 4096
    for start in range(len(data) // 2 // page * page, len(data) - page, 2 * page):
        data[start + 8 : start + page] = b"\xa5" * (page - 8)
    db_path.write_bytes(bytes(data))
    try:
        damaged = Store(db_path, clock=clock)
    except StorageError as exc:
        assert "damaged" in str(exc) and str(db_path) in str(exc)
        return
    with pytest.raises(StorageError) as caught:
        damaged.messages(sid, limit=1000)
    assert "is not an agentsess database or is damaged" in caught.value.message
    assert str(db_path) in caught.value.message
    with pytest.raises(StorageError, match="damaged"):
        damaged.search_messages("number")
    assert damaged.integrity_check() != "ok"
    damaged.close()


def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        Store(tmp_path)


def test_a_held_write_lock_is_a_typed_error_and_writes_nothing(
    db_path: Path, clock: ManualClock
) -> None:
    store = Store(db_path, clock=clock, settings=Settings(busy_timeout_ms=100))
    store.add_agent("bot")
    sid = store.create_session("bot").session.id
    other = raw(db_path)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseLocked) as caught:
            store.add_message(sid, "blocked")
        assert "AGENTSESS_BUSY_TIMEOUT_MS" in str(caught.value)
        assert store.messages(sid) == []  # reads still work while another process writes
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.add_message(sid, "after")
    assert [m.content for m in store.messages(sid)] == ["after"]
    store.close()


def test_data_version_moves_when_another_connection_commits(
    db_path: Path, clock: ManualClock
) -> None:
    watcher = Store(db_path, clock=clock)
    writer = Store(db_path, clock=clock)
    before = watcher.data_version()
    assert watcher.data_version() == before
    writer.add_agent("bot")
    assert watcher.data_version() != before
    watcher.close()
    writer.close()


def test_an_error_midway_leaves_nothing_behind(store: Store, agent: str, db_path: Path) -> None:
    """A multi-step write that fails after its first statement is rolled back entirely."""
    solo_policy = {"single_active": True}
    store.add_agent("solo", policy=solo_policy)
    first = store.create_session("solo").session
    counts = count(db_path, "SELECT count(*) FROM events")
    conn = raw(db_path)
    # Make the supersede step (after the new session's insert) fail.
    conn.execute(
        "CREATE TRIGGER no_supersede BEFORE UPDATE OF state ON sessions "
        "BEGIN SELECT RAISE(ABORT, 'blocked by test'); END"
    )
    conn.close()
    with pytest.raises(StorageError, match="blocked by test"):
        store.create_session("solo")
    assert count(db_path, "SELECT count(*) FROM sessions") == 1
    assert count(db_path, "SELECT count(*) FROM events") == counts
    assert store.get_session(first.id).state == "active"


def test_another_programs_database_is_left_untouched(tmp_path: Path) -> None:
    import sqlite3

    from agentsess_tui.core import StorageError, Store

    path = tmp_path / "notes.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    other.execute("INSERT INTO notes (body) VALUES ('keep me')")
    other.commit()
    other.close()
    before = path.read_bytes()
    with pytest.raises(StorageError, match="another program"):
        Store(path)
    assert path.read_bytes() == before
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert [r[0] for r in check.execute("SELECT name FROM sqlite_master")] == ["notes"]


def test_session_changes_returns_only_what_changed_since_a_stamp(
    store: Store, agent: str, clock: ManualClock
) -> None:
    first = store.create_session(
        agent, "First", options={"window_minutes": 10, "warning_minutes": 5}
    ).session
    second = store.create_session(agent, "Second").session
    changed, deleted, stamp = store.session_changes(0)
    assert {s.id for s in changed} == {first.id, second.id} and deleted == []
    assert store.session_changes(stamp) == ([], [], stamp)

    store.add_message(second.id, "activity touches the session")
    changed, deleted, stamp2 = store.session_changes(stamp)
    assert [s.id for s in changed] == [second.id] and stamp2 > stamp

    clock.advance(minutes=11)
    store.sweep()  # the bulk expiry stamps the rows itself
    changed, deleted, stamp3 = store.session_changes(stamp2)
    assert [(s.id, s.state) for s in changed] == [(first.id, "expired")]

    store.delete_session(first.id)
    changed, deleted, stamp4 = store.session_changes(stamp3)
    assert changed == [] and deleted == [first.id] and stamp4 > stamp3


def test_sessions_of_a_database_from_before_change_stamps_are_found(
    db_path: Path, clock: ManualClock
) -> None:
    """A database made by the first release (only m001) upgrades with its sessions visible."""
    from agentsess_tui.core.schema import m001_initial

    conn = old_database(db_path, m001_initial)
    conn.execute("INSERT INTO agents (id, name, policy, created_at) VALUES ('bot', 'bot', '{}', 0)")
    conn.execute(
        "INSERT INTO sessions (id, agent_id, title, state, created_at, activated_at, "
        "last_activity_at, expires_at, warn_at, cap_at, token_jti, window_minutes, policy) "
        "VALUES ('sess_old', 'bot', 'From before', 'ended', 0, 0, 0, 1, 0, 1, 'j', 5, '{}')"
    )
    conn.commit()
    conn.close()
    store = Store(db_path, clock=clock)
    changed, deleted, _ = store.session_changes(0)
    assert [s.id for s in changed] == ["sess_old"] and deleted == []
    store.close()


def test_memories_of_a_database_from_before_the_agent_index_are_found(
    db_path: Path, clock: ManualClock
) -> None:
    """Upgrading to m003 re-indexes the memories already there, and keeps indexing new ones."""
    from agentsess_tui.core.schema import m001_initial, m002_change_tracking

    conn = old_database(db_path, m001_initial, m002_change_tracking)
    for agent in ("bot", "other"):
        conn.execute(
            "INSERT INTO agents (id, name, policy, created_at) VALUES (?, ?, '{}', 0)",
            (agent, agent),
        )
        conn.execute(
            "INSERT INTO memories (agent_id, type, title, content, tags, confidence, status, "
            "created_at, updated_at) VALUES (?, 'fact', 'Tides', ?, '[]', 1.0, 'active', 0, 0)",
            (agent, f"{agent} knows the tide tables"),
        )
    conn.commit()
    conn.close()
    store = Store(db_path, clock=clock)
    assert {h.memory.agent_id for h in store.search_memories("tide")} == {"bot", "other"}
    assert [h.memory.agent_id for h in store.search_memories("tide", agent_id="bot")] == ["bot"]
    (before,) = store.search_memories("tide", agent_id="other")
    newer = store.remember("the tide turns at noon", agent_id="other")
    found = store.search_memories("tide", agent_id="other")
    assert {h.memory.id for h in found} == {before.memory.id, newer.id}
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO memories_fts(memories_fts) VALUES ('integrity-check')")
    conn.close()
    store.close()
