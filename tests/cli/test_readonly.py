"""Issue 10: a read-only directory or database file. Commands that only read work and change
nothing there; a write says it cannot write; a new database there is its own clear error.

Permissions mean nothing to root, so under root the commands run as `nobody` (setpriv) on
files root made; otherwise as ourselves on files we made read-only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsess_tui.core import ManualClock, Store

from .helpers import SCRIPT, START, Outcome

NOBODY = 65534
ROOT = os.getuid() == 0
SETPRIV = shutil.which("setpriv")

pytestmark = pytest.mark.skipif(
    ROOT and SETPRIV is None, reason="needs setpriv to drop root's privileges"
)


@pytest.fixture
def base() -> Iterator[Path]:
    """A directory `nobody` can reach (pytest's own are 0700 under root)."""
    path = Path(tempfile.mkdtemp(prefix="agentsess-ro-"))
    path.chmod(0o755)
    yield path
    for directory in (path, *path.rglob("*")):
        if directory.is_dir():
            directory.chmod(0o755)
    shutil.rmtree(path)


def as_user(base: Path, *args: str) -> Outcome:
    """`agentsess ARGS` as the user the files are not writable by."""
    home = base / "home"
    if not home.exists():
        home.mkdir(mode=0o700)
        if ROOT:
            os.chown(home, NOBODY, NOBODY)
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "agentsess_tui.cli"]
    if ROOT:
        command = [str(SETPRIV), f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] + (
            command
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTSESS_")}
    done = subprocess.run(
        [*command, *args],
        capture_output=True,
        env=env | {"AGENTSESS_HOME": str(home), "AGENTSESS_FAKE_NOW": START, "HOME": str(home)},
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    return Outcome(done.returncode, done.stdout.decode(), done.stderr.decode())


def _database(directory: Path) -> tuple[Path, str]:
    directory.mkdir(mode=0o755)
    path = directory / "agentsess.db"
    store = Store(path, clock=ManualClock(START), key=b"a key for the read-only tests!!!")
    sid = store.create_session("bot", "readable", create_agent=True).session.id
    store.add_message(sid, "hello from a read-only place")
    store.close()
    assert not Path(f"{path}-wal").exists()  # closed cleanly: nothing but the file
    return path, sid


def _read_only(directory: Path, path: Path) -> None:
    """The directory and file readable, not writable, by the user of `as_user`."""
    path.chmod(0o644 if ROOT else 0o444)  # root's file: nobody reads it but cannot write
    directory.chmod(0o755 if ROOT else 0o555)


def _journals(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


def test_reads_work_in_a_read_only_directory_and_leave_nothing(base: Path) -> None:
    directory = base / "data"
    path, sid = _database(directory)
    _read_only(directory, path)
    before = path.read_bytes()
    listed = as_user(base, "--db", str(path), "sessions", "ls", "--json")
    assert listed.code == 0, listed.stderr
    assert sid in listed.stdout
    for args in (
        ("sessions", "show", sid),
        ("messages", "tail", sid),
        ("agents", "ls"),
        ("memory", "ls"),
        ("sessions", "export", sid, "-o", "-"),
    ):
        outcome = as_user(base, "--db", str(path), *args)
        assert outcome.code == 0, (args, outcome.stderr)
    assert "hello from a read-only place" in outcome.stdout
    assert _journals(path) == []  # no -wal, no -shm left behind
    assert path.read_bytes() == before


def test_a_write_in_a_read_only_directory_says_it_cannot_write(base: Path) -> None:
    directory = base / "data"
    path, sid = _database(directory)
    _read_only(directory, path)
    outcome = as_user(base, "--db", str(path), "messages", "add", sid, "more")
    assert outcome.code == 14, outcome.stderr
    assert "Cannot write" in outcome.error_line
    assert "unexpected" not in outcome.stderr


def test_a_new_database_in_a_read_only_directory_is_a_clear_error(base: Path) -> None:
    directory = base / "data"
    directory.mkdir(mode=0o755)
    if not ROOT:
        directory.chmod(0o555)
    outcome = as_user(base, "--db", str(directory / "new.db"), "sessions", "ls")
    assert outcome.code == 14, outcome.stderr
    line = outcome.error_line
    assert "Cannot create the database" in line
    assert str(directory) in line
    assert not (directory / "new.db").exists()


def test_a_read_only_file_in_a_writable_directory_leaves_no_shm_that_blocks_writes(
    base: Path,
) -> None:
    """SQLite gives a -shm the database's mode: a 0444 one left by a read would make every
    later write fail once the file is writable again."""
    directory = base / "data"
    path, sid = _database(directory)
    if ROOT:
        for item in (directory, path):
            os.chown(item, NOBODY, NOBODY)
    directory.chmod(0o700)
    path.chmod(0o400)
    assert as_user(base, "--db", str(path), "sessions", "ls").code == 0
    assert _journals(path) == []
    path.chmod(0o600)
    wrote = as_user(base, "--db", str(path), "messages", "add", sid, "written later")
    assert wrote.code == 0, wrote.stderr
