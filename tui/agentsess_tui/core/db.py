"""SQLite connections and write transactions.

- Every write transaction starts with `BEGIN IMMEDIATE`: it takes the write lock up front, so two
  processes doing read-then-write wait for each other (busy_timeout) instead of failing with
  "database is locked" when the deferred read lock cannot be upgraded.
- That wait is ours, not SQLite's busy handler: the handler sleeps 1, 2, 5, … then 100 ms
  between tries, so with four writers one could keep sleeping while the others took turns (a
  write waited over a second, bench/results/core.md). We retry every 0.1–2 ms (jittered, for
  the same total time), which keeps the slowest write near the others.
- Connections never cross threads (`check_same_thread=True`); the store opens one per thread.
- sqlite3 errors become `DatabaseLocked` / `StorageError` with a message a person can act on
  (sqlite_errors.py).
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import AgentsessError, DatabaseLocked, StorageError
from .files import private_dir, refuse_loose, tighten
from .sqlite_errors import is_busy, translate
from .waiters import WriteWaiters


class CommitThenRaise(Exception):
    """Raised inside a write transaction to keep what was done so far, then raise `error`.

    Used for expiry on write: the session turns expired (committed), and the write that noticed
    it fails with `SessionExpired`.
    """

    def __init__(self, error: AgentsessError) -> None:
        super().__init__(str(error))
        self.error = error


def create_private_file(path: Path) -> None:
    """Create `path` with mode 0600 if it does not exist (SQLite gives -wal/-shm the same mode),
    and its directories 0700, whatever the umask."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:  # a read-only directory or file system: say so (issue 10)
        raise StorageError(
            f"Cannot create the database {path}: {exc.strerror or exc}.",
            hint=f"{path.parent} is not writable: pick a database elsewhere with --db or "
            "AGENTSESS_DB, or make the directory writable.",
        ) from None
    os.close(fd)


def check_private(path: Path) -> None:
    """Refuse a database (or its directory) other users can change; keep its journal files
    from being readable by others (see files.tighten)."""
    refuse_loose(path.parent, "the database directory")
    refuse_loose(path, "the database")
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        tighten(file)


class Connection(sqlite3.Connection):
    """An sqlite3 connection that remembers its busy timeout, for `write_transaction`."""

    busy_timeout_ms: int = 5000


def connect_readonly(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    """A connection that never writes, for commands that only read (issue 10): it works in a
    read-only directory or on a read-only file, and changes nothing there.

    `mode=ro` still needs the -shm file, and would create it (with the database's mode: a
    0444 -shm left behind would then block every later write). So when nothing can be
    writing — no -wal file (a writer always has one), and a file or directory we cannot
    write — it opens `immutable`: no -shm, no locks, the file read as it is.
    """
    check_private(path)
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    cannot_write = not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)
    immutable = cannot_write and not wal.exists() and not shm.exists()
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
    try:
        conn = sqlite3.connect(
            uri,
            uri=True,
            timeout=busy_timeout_ms / 1000,
            isolation_level=None,
            check_same_thread=True,
            factory=Connection,
        )
        conn.busy_timeout_ms = int(busy_timeout_ms)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        _refuse_foreign(conn, path)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -1024")
    except sqlite3.Error as exc:
        raise _cannot_read(exc, path) from None
    conn.row_factory = sqlite3.Row
    return conn


def _cannot_read(exc: sqlite3.Error, path: Path) -> AgentsessError:
    error = translate(exc, path)
    if isinstance(error, StorageError) and error.message.startswith("Cannot write"):
        return StorageError(
            f"Cannot read the database {path} ({exc}).",
            hint="Its -wal or -shm file cannot be opened: check the permissions of the "
            "files and of their directory.",
        )
    return error


def connect(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    check_private(path)
    if not path.exists():
        create_private_file(path)
    try:
        conn = sqlite3.connect(
            path,
            timeout=busy_timeout_ms / 1000,
            isolation_level=None,  # we issue BEGIN IMMEDIATE / COMMIT ourselves
            check_same_thread=True,
            factory=Connection,
        )
        conn.busy_timeout_ms = int(busy_timeout_ms)
    except sqlite3.Error as exc:
        raise StorageError(
            f"Cannot open the database {path}: {exc}.",
            hint="Check that the directory exists and is writable, or pick a file with --db.",
        ) from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        _refuse_foreign(conn, path)
        mode = _wal(conn, busy_timeout_ms)
        conn.execute("PRAGMA foreign_keys = ON")
        # NORMAL is durable across application crashes in WAL mode; only an OS crash can lose
        # the very last transactions, and never corrupts the file.
        conn.execute("PRAGMA synchronous = NORMAL")
        # 1 MiB of page cache per connection (SQLite's default is 2 MiB): a client opens one
        # connection per thread, and the OS caches the file anyway.
        conn.execute("PRAGMA cache_size = -1024")
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path) from None
    if str(mode).lower() != "wal":
        conn.close()
        raise StorageError(
            f"Cannot switch {path} to WAL mode (got {mode!r}).",
            hint="Put the database on a local file system.",
        )
    conn.row_factory = sqlite3.Row
    return conn


def _wal(conn: sqlite3.Connection, busy_timeout_ms: int) -> str:
    """Switch to WAL, waiting like busy_timeout would: changing the journal mode needs the
    file to itself, and SQLite reports "locked" at once (no busy handler) while another
    process is opening the same new database."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """Never add our tables to (or change the journal mode of) a database we must not use."""
    from .schema import check_compatible

    try:
        check_compatible(conn, path)
    except AgentsessError:
        conn.close()
        raise


@contextlib.contextmanager
def write_transaction(
    conn: sqlite3.Connection,
    waiting: Callable[[], contextlib.AbstractContextManager[None]] | None = None,
) -> Iterator[sqlite3.Connection]:
    """`BEGIN IMMEDIATE` … `COMMIT`, rolled back on any error (nothing partial is kept)."""
    begin_immediate(conn, waiting)
    try:
        yield conn
    except CommitThenRaise as keep:
        conn.execute("COMMIT")
        raise keep.error from None
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


# How long to sleep between tries for the write lock: short, growing a little, jittered so
# waiting processes do not retry in step.
_FIRST_WAIT_S = 0.0001
_LONGEST_WAIT_S = 0.002


def begin_immediate(
    conn: sqlite3.Connection,
    waiting: Callable[[], contextlib.AbstractContextManager[None]] | None = None,
) -> None:
    """Take the write lock, waiting up to the connection's busy timeout (then "locked");
    inside `waiting()` from the first failed try on (waiters.py: a bulk writer lets us in)."""
    timeout_ms = getattr(conn, "busy_timeout_ms", None)
    if timeout_ms is None:  # a plain sqlite3 connection: its own setting
        timeout_ms = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
    # SQLite's handler off for this statement only (it would sleep its own back-off inside
    # the try), on again for everything else: readers during a checkpoint, opening.
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + timeout_ms / 1000
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or timeout_ms <= 0:
                raise
        with waiting() if waiting is not None else contextlib.nullcontext():
            wait = _FIRST_WAIT_S
            while True:
                time.sleep(random.uniform(wait / 2, wait))  # noqa: S311 (jitter, not a secret)
                wait = min(wait * 1.5, _LONGEST_WAIT_S)
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if not is_busy(exc) or time.monotonic() >= deadline:
                        raise
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")


class Database:
    """One SQLite file: a connection per thread (sqlite3 objects must never cross threads)
    and the write transaction every change runs in. What the repositories share."""

    def __init__(self, path: Path, busy_timeout_ms: int, *, readonly: bool = False) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        # Read-only connections (`connect_readonly`) for an existing file; a new one is made.
        self.readonly = readonly and path.exists()
        self._local = threading.local()
        # Threads of this process take turns here before they ask SQLite for its write lock.
        # Without it, every waiting thread polls BEGIN IMMEDIATE (see begin_immediate) and
        # competes for the GIL with the one that holds the lock, which then holds it longer:
        # at 16 HTTP clients, writes ran at a third of their one-thread speed. Only other
        # processes are waited for by polling.
        self._writer = threading.Lock()
        # Who waits for the turn or the lock: a bulk writer pauses for them (waiters.py).
        self.waiters = WriteWaiters(path)
        # Pages of WAL after which a commit checkpoints in the committing thread (None:
        # SQLite's default, 1,000; 0: never, a background thread calls `checkpoint`).
        self.autocheckpoint: int | None = None

    def conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            opener = connect_readonly if self.readonly else connect
            conn = opener(self.path, self.busy_timeout_ms)
            if self.autocheckpoint is not None:
                conn.execute(f"PRAGMA wal_autocheckpoint = {int(self.autocheckpoint)}")
            self._local.conn = conn
        return conn

    def set_autocheckpoint(self, pages: int) -> None:
        """For this thread's connection and those opened from now on (set it before other
        threads start). 0: commits never checkpoint; call `checkpoint` from somewhere else."""
        self.autocheckpoint = pages
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")

    def pause_autocheckpoint(self) -> None:
        """This thread's commits stop checkpointing (a bulk write: it calls `checkpoint`
        between its transactions), until `restore_autocheckpoint`."""
        self.conn().execute("PRAGMA wal_autocheckpoint = 0")

    def restore_autocheckpoint(self) -> None:
        """This thread's connection back to the process's setting (after a bulk write)."""
        pages = 1000 if self.autocheckpoint is None else self.autocheckpoint
        self.conn().execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")

    def checkpoint(self) -> int:
        """Copy the WAL into the database file as far as readers allow, without the write
        lock (PASSIVE): writers go on meanwhile. The frames left in the WAL only (a reader
        still needs them; 0: the database file has everything)."""
        _busy, frames, copied = self.conn().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return max(0, int(frames) - int(copied))

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """`BEGIN IMMEDIATE` … `COMMIT` on this thread's connection (see write_transaction),
        one thread of this process at a time."""
        if getattr(self._local, "writing", False):  # would wait for itself
            raise RuntimeError("A write transaction is already open on this thread.")
        with self.waiters.for_turn():
            turn = self._writer.acquire(timeout=self.busy_timeout_ms / 1000)
        if not turn:
            raise DatabaseLocked(
                f"The database {self.path} is busy: another thread of this process held "
                f"its write turn for over {self.busy_timeout_ms:,} ms.",
                hint="Try again, or raise AGENTSESS_BUSY_TIMEOUT_MS.",
            )
        self._local.writing = True
        try:
            with write_transaction(self.conn(), self.waiters.for_lock) as conn:
                yield conn
        finally:
            self._local.writing = False
            self._writer.release()

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: several queries see the same snapshot."""
        conn = self.conn()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def data_version(self) -> int:
        """Changes when another connection commits: cheap to poll for live updates."""
        return int(self.conn().execute("PRAGMA data_version").fetchone()[0])

    def integrity_check(self) -> str:
        return str(self.conn().execute("PRAGMA integrity_check").fetchone()[0])
