"""Private files and directories, whatever the umask, and refusing loose ones.

The database holds every conversation and the key file signs every token: another local user
who can write either (or the directory holding them, to swap them) can read sessions and forge
tokens. Like ssh with a loose key, agentsess refuses such files instead of using them.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from .errors import StorageError


def private_dir(path: Path) -> None:
    """Create `path` and its missing parents with mode 0700 (a umask can only take bits
    away, and Path.mkdir(parents=True) gives the parents the umask's default mode)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(0o700)
        except FileExistsError:
            continue  # another process made it
        except OSError as exc:
            raise StorageError(
                f"Cannot create the directory {directory}: {exc.strerror or exc}.",
                hint="Check the permissions of its parent, or pick another place with "
                "AGENTSESS_HOME or --db.",
            ) from None
        directory.chmod(0o700)


def write_private(path: Path, text: str) -> None:
    """`atomic_write` into a 0700 directory, created if missing."""
    private_dir(path.parent)
    atomic_write(path, text)


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text`, mode 0600: a reader sees the old file or the new one, never
    half of it, and nobody else can read either. The directory must exist."""
    with atomic_writer(path) as handle:
        handle.write(text)


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[TextIO]:
    """`atomic_write` for text written piece by piece (an export of 200k messages): the file
    appears whole when the block ends, and not at all if it raises."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp: 0600
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def refuse_loose(path: Path, what: str) -> None:
    """StorageError when other users could change `path` (a file or directory that exists):
    writable by group or others (a directory with the sticky bit, like /tmp, is fine: nobody
    can swap another user's files in it), or owned by someone else than us or root."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StorageError(
            f"Cannot read {what} {path}: {exc.strerror or exc}.",
            hint="Check its permissions.",
        ) from None
    mode = stat.S_IMODE(info.st_mode)
    sticky_dir = stat.S_ISDIR(info.st_mode) and mode & stat.S_ISVTX
    if mode & 0o022 and not sticky_dir:
        raise StorageError(
            f"{what[0].upper()}{what[1:]} {path} can be changed by other users (mode "
            f"{mode:04o}); agentsess refuses to use it.",
            hint=f"If nobody else changed it, run `chmod go-w {path}`.",
        )
    uid = os.getuid()
    if info.st_uid not in (uid, 0):
        raise StorageError(
            f"{what[0].upper()}{what[1:]} {path} belongs to another user (uid {info.st_uid}); "
            "agentsess refuses to use it.",
            hint="Use your own data directory (AGENTSESS_HOME) or database (--db).",
        )


def tighten(path: Path) -> None:
    """Drop group and other bits from a file we own: SQLite gives the -wal and -shm files the
    database's mode, so a 0644 database would leak every new write through a 0644 WAL."""
    try:
        info = path.stat()
    except OSError:
        return
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        # A read-only file system: nothing new is written there either.
        with contextlib.suppress(OSError):
            path.chmod(stat.S_IMODE(info.st_mode) & 0o700)
