"""Writers say that they wait (core/waiters.py), and the mass-expiry sweep pauses between its
chunks only then: while a thread waits for the write turn, or another process for SQLite's
write lock."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.db import Database
from agentsess_tui.core.repo import sweep
from agentsess_tui.core.repo.sweep import Sweeper
from agentsess_tui.core.waiters import WriteWaiters

from .helpers import raw


def _entered(waiters: WriteWaiters, name: str) -> threading.Event:
    """An event set once a thread is inside `waiters.<name>()` (its wait announced)."""
    entered = threading.Event()
    original = getattr(waiters, name)

    @contextlib.contextmanager
    def announcing() -> Iterator[None]:
        with original():
            entered.set()
            yield

    setattr(waiters, name, announcing)
    return entered


def test_another_process_waiting_for_the_lock_is_seen_until_it_has_it(
    store: Store, agent: str, db_path: Path
) -> None:
    other = Database(db_path, 10_000)  # another process's view: its own lock file handles
    holder = raw(db_path)
    holder.execute("BEGIN IMMEDIATE")  # the lock is taken: the other's first try fails
    assert store.db.waiters.waiting() is False
    wrote = threading.Event()

    def write() -> None:
        with other.write() as conn:
            conn.execute("UPDATE agents SET name = 'waited' WHERE id = ?", (agent,))
        wrote.set()

    announced = _entered(other.waiters, "for_lock")
    thread = threading.Thread(target=write)
    thread.start()
    assert announced.wait(timeout=10)
    assert store.db.waiters.waiting() is True
    assert not wrote.is_set()
    holder.execute("COMMIT")
    thread.join(timeout=10)
    assert wrote.is_set()
    assert store.db.waiters.waiting() is False
    assert store.get_agent(agent).name == "waited"
    # The lock is the directory's: nothing new lies beside the database.
    assert sorted(p.name for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)) == [
        db_path.name,
        f"{db_path.name}-shm",
        f"{db_path.name}-wal",
    ]
    holder.close()
    other.waiters.close()


def test_a_thread_waiting_for_the_write_turn_is_seen(store: Store, agent: str) -> None:
    entered = threading.Event()
    with store.db.write():
        waiting = _entered(store.db.waiters, "for_turn")  # the other thread's wait, not ours
        thread = threading.Thread(target=lambda: (store.create_session(agent, "x"), entered.set()))
        thread.start()
        assert waiting.wait(timeout=10)
        assert store.db.waiters.waiting() is True
    thread.join(timeout=10)
    assert entered.is_set()
    assert store.db.waiters.waiting() is False


def test_the_sweep_sleeps_between_chunks_only_while_somebody_waits(
    store: Store, agent: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(sweep.time, "sleep", slept.append)
    for i in range(5):
        store.create_session(agent, f"s{i}", options={"window_minutes": 30})
    clock.advance(minutes=31)
    assert len(Sweeper(store.db, clock, chunk=2).sweep().expired) == 5
    assert slept == []  # nobody waited: three chunks back to back
    # Where other processes cannot say (no lock file), it pauses each time, in case.
    for i in range(5):
        store.create_session(agent, f"t{i}", options={"window_minutes": 30})
    clock.advance(minutes=31)
    monkeypatch.setattr(store.db.waiters, "waiting", lambda: None)
    assert len(Sweeper(store.db, clock, chunk=2).sweep().expired) == 5
    assert slept == [sweep.PAUSE_SECONDS] * 2
