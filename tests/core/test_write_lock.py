"""Waiting for another process's write lock: short jittered retries for up to the busy timeout
(SQLite's own handler sleeps up to 100 ms a try, which starved one of four writers for over a
second), then the usual typed error; the connection's busy timeout is left as it was.

The waits are injected (the module's sleep and monotonic clock are replaced), so nothing here
sleeps for time to pass."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from agentsess_tui.core import DatabaseLocked, ManualClock, Settings, Store
from agentsess_tui.core import db as db_module


class FakeTime:
    """Stands in for `time` inside core.db: sleeping moves a fake monotonic clock, and a
    callback may run after a given number of sleeps."""

    def __init__(self, after: int | None = None, then: object = None) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.after = after
        self.then = then

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.after is not None and len(self.sleeps) == self.after and callable(self.then):
            self.then()


def holder(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def with_session(
    db_path: Path, clock: ManualClock, busy_timeout_ms: int | None = None
) -> tuple[Store, str]:
    """A store (with its own busy timeout, if given) and a live session of agent "bot"."""
    settings = None if busy_timeout_ms is None else Settings(busy_timeout_ms=busy_timeout_ms)
    store = Store(db_path, clock=clock, settings=settings)
    store.add_agent("bot")
    return store, store.create_session("bot").session.id


def busy_timeout(store: Store) -> int:
    return int(store.db.conn().execute("PRAGMA busy_timeout").fetchone()[0])


def test_a_write_waits_in_short_steps_until_the_lock_is_free(
    db_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, sid = with_session(db_path, clock)
    other = holder(db_path)
    fake = FakeTime(after=20, then=lambda: other.execute("ROLLBACK"))
    monkeypatch.setattr(db_module, "time", fake)
    store.add_message(sid, "after the wait")
    assert len(fake.sleeps) == 20
    assert max(fake.sleeps) <= 0.002  # SQLite's handler would be at 25-50 ms a try by now
    assert sum(fake.sleeps) < 0.05
    assert [m.content for m in store.messages(sid)] == ["after the wait"]
    assert busy_timeout(store) == 5000
    other.close()
    store.close()


def test_a_write_gives_up_at_the_busy_timeout_and_writes_nothing(
    db_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, sid = with_session(db_path, clock, 300)
    other = holder(db_path)
    fake = FakeTime()
    monkeypatch.setattr(db_module, "time", fake)
    with pytest.raises(DatabaseLocked):
        store.add_message(sid, "blocked")
    waited = sum(fake.sleeps)
    assert 0.3 - 0.002 <= waited <= 0.3 + 0.002
    assert busy_timeout(store) == 300
    other.execute("ROLLBACK")
    other.close()
    assert store.messages(sid) == []
    store.close()


def test_a_zero_busy_timeout_fails_at_once(
    db_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(db_path, clock=clock, settings=Settings(busy_timeout_ms=0))
    store.add_agent("bot")
    other = holder(db_path)
    fake = FakeTime()
    monkeypatch.setattr(db_module, "time", fake)
    with pytest.raises(DatabaseLocked):
        store.add_agent("second")
    assert fake.sleeps == []
    other.execute("ROLLBACK")
    other.close()
    store.close()


def test_other_errors_are_not_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = sqlite3.connect(tmp_path / "plain.db", isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 1234")
    conn.execute("BEGIN")
    fake = FakeTime()
    monkeypatch.setattr(db_module, "time", fake)
    with pytest.raises(sqlite3.OperationalError, match="within a transaction"):
        db_module.begin_immediate(conn)
    assert fake.sleeps == []
    # A plain connection's own busy timeout is read and put back.
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
    conn.close()


class TurnSpy:
    """The store's write turn, telling when a second thread asks for it."""

    def __init__(self, real: threading.Lock, held: threading.Event) -> None:
        self.real = real
        self.held = held
        self.asked = threading.Event()

    def acquire(self, timeout: float = -1) -> bool:
        if self.held.is_set():
            self.asked.set()
        return self.real.acquire(timeout=timeout)

    def release(self) -> None:
        self.real.release()


def hold_the_turn(store: Store, held: threading.Event, release: threading.Event) -> None:
    with store.db.write() as conn:
        conn.execute("UPDATE agents SET name = name")
        held.set()
        release.wait(10)


def test_threads_of_one_process_take_turns_without_polling(
    db_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, sid = with_session(db_path, clock)
    held, release = threading.Event(), threading.Event()
    spy = TurnSpy(store.db._writer, held)
    monkeypatch.setattr(store.db, "_writer", spy)
    fake = FakeTime()
    monkeypatch.setattr(db_module, "time", fake)
    first = threading.Thread(target=hold_the_turn, args=(store, held, release))
    first.start()
    assert held.wait(10)
    second = threading.Thread(target=store.add_message, args=(sid, "after my turn"))
    second.start()
    assert spy.asked.wait(10)
    release.set()
    first.join(10)
    second.join(10)
    assert fake.sleeps == []  # it waited on the turn, not by polling SQLite's lock
    assert [m.content for m in store.messages(sid)] == ["after my turn"]
    store.close()


def test_a_thread_that_cannot_get_the_turn_in_time_gets_the_locked_error(
    db_path: Path, clock: ManualClock
) -> None:
    store, sid = with_session(db_path, clock, 0)
    held, release = threading.Event(), threading.Event()
    first = threading.Thread(target=hold_the_turn, args=(store, held, release))
    first.start()
    assert held.wait(10)
    with pytest.raises(DatabaseLocked, match="another thread of this process"):
        store.add_message(sid, "no turn")
    release.set()
    first.join(10)
    assert store.messages(sid) == []
    store.add_message(sid, "my turn now")
    assert [m.content for m in store.messages(sid)] == ["my turn now"]
    store.close()


def test_a_write_inside_a_write_fails_at_once(db_path: Path, clock: ManualClock) -> None:
    store = Store(db_path, clock=clock)
    store.add_agent("bot")
    outer = store.db.write()
    outer.__enter__()
    with pytest.raises(RuntimeError, match="already open"), store.db.write():
        pass
    outer.__exit__(None, None, None)
    store.add_agent("after")  # the turn was given back
    assert {a.id for a in store.list_agents()} == {"bot", "after"}
    store.close()
