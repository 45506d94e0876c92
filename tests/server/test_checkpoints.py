"""The server's commits never checkpoint the WAL (a checkpointing commit stalled every request
queued behind it); its own task does, off the write lock, and once more when it stops."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.server.sweeper import run_checkpointer


def wal_size(db_path: Path) -> int:
    return Path(f"{db_path}-wal").stat().st_size


def autocheckpoint(store: Store) -> int:
    return int(store.db.conn().execute("PRAGMA wal_autocheckpoint").fetchone()[0])


def test_commits_leave_the_wal_to_the_checkpointer(db_path: Path, clock: ManualClock) -> None:
    store = Store(db_path, clock=clock)
    assert autocheckpoint(store) == 1000  # SQLite's default, for the TUI and the CLI
    store.db.set_autocheckpoint(0)
    assert autocheckpoint(store) == 0
    seen: list[int] = []
    other = threading.Thread(target=lambda: seen.append(autocheckpoint(store)))
    other.start()
    other.join(10)
    assert seen == [0]  # connections opened later, by other threads, too

    store.ensure_agent("bot")
    session = store.create_session("bot").session
    for index in range(300):  # several thousand pages of WAL: past 1,000, commits would copy
        store.add_message(session.id, f"message {index} " + "words " * 50, "user")
    page = int(store.db.conn().execute("PRAGMA page_size").fetchone()[0])
    assert wal_size(db_path) > 1100 * page  # no commit copied the WAL back
    before = db_path.stat().st_size
    stop = asyncio.Event()
    stop.set()  # one pass, as at shutdown
    asyncio.run(run_checkpointer(store, stop))
    assert db_path.stat().st_size > before  # the pages reached the database file
    assert store.db.checkpoint() == 0  # nothing is left in the WAL only
    assert store.db.integrity_check() == "ok"
    assert store.count_messages(session.id) == 300
    store.close()


def test_with_default_checkpoints_the_commits_copy(db_path: Path, clock: ManualClock) -> None:
    # The same writes without the server's setting: the commits checkpointed as they went.
    store = Store(db_path, clock=clock)
    store.ensure_agent("bot")
    session = store.create_session("bot").session
    for index in range(300):
        store.add_message(session.id, f"message {index} " + "words " * 50, "user")
    page = int(store.db.conn().execute("PRAGMA page_size").fetchone()[0])
    assert wal_size(db_path) <= 1100 * page  # reused from the start after each automatic checkpoint
    store.close()
