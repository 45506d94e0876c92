"""Who waits for the write lock: what a long bulk write (the mass-expiry sweep) asks between
its transactions, so that it pauses only when somebody waits.

SQLite says nothing of the connections waiting for its write lock: they poll (db.py). A bulk
writer that paused between its chunks every time, in case, spent more time asleep than
writing when nobody waited (100k overdue sessions: 1.2 s of its 5.5 s). So waiters say so:

- threads of this process count themselves while they wait for the process's write turn;
- other processes hold a shared `flock` on the database's directory from their first failed
  try for the lock until they have it. A probe for an exclusive lock on it (never blocking)
  fails while any does.

The directory, not a file of its own: nothing is left beside the database, and not the
database file either, since closing any descriptor of it would drop the process's POSIX locks
on it, which are SQLite's. `flock` locks are apart from those. Two databases in one directory
share the signal: a writer of one makes a sweep of the other pause, no worse than before.
Where no lock can be taken (no `fcntl`, a file system without `flock`), `waiting()` answers
None, unknown, and the bulk writer pauses as if somebody waited.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not on this platform: waiting() is always unknown
    fcntl: Any = None  # type: ignore[no-redef]


class WriteWaiters:
    def __init__(self, database: Path) -> None:
        self.path = Path(database).parent
        self._lock = threading.Lock()
        self._turn = 0  # threads of this process waiting for the write turn
        self._announce_fd: int | None = None  # held shared while this process polls SQLite
        self._probe_fd: int | None = None  # another open file: its locks conflict with ours
        self._broken = fcntl is None

    @contextlib.contextmanager
    def for_turn(self) -> Iterator[None]:
        """Around a thread's wait for this process's write turn."""
        with self._lock:
            self._turn += 1
        try:
            yield
        finally:
            with self._lock:
                self._turn -= 1

    @contextlib.contextmanager
    def for_lock(self) -> Iterator[None]:
        """Around a wait for SQLite's write lock (one thread of a process at a time: it holds
        the process's write turn)."""
        fd = self._open("_announce_fd")
        if fd is not None:
            # Never blocking: whoever holds the directory exclusively (a probe, for a moment)
            # must not make a writer wait; a missed announcement costs it one chunk at most.
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        try:
            yield
        finally:
            if fd is not None:
                with contextlib.suppress(OSError):
                    fcntl.flock(fd, fcntl.LOCK_UN)

    def waiting(self) -> bool | None:
        """Whether a thread of this process or another process waits to write; None when
        other processes cannot say."""
        if self._turn > 0:
            return True
        fd = self._open("_probe_fd")
        if fd is None:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:  # no flock here
            self._broken = True
            return None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # late in interpreter shutdown, os may be gone
            self.close()

    def close(self) -> None:
        for name in ("_announce_fd", "_probe_fd"):
            fd = getattr(self, name)
            if fd is not None:
                setattr(self, name, None)
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _open(self, name: str) -> int | None:
        fd: int | None = getattr(self, name)
        if fd is not None or self._broken:
            return fd
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            self._broken = True
            return None
        setattr(self, name, fd)
        return fd
