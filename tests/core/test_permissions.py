"""Issue 10 item 7 and the key's low items: private whatever the umask; loose files refused."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from agentsess_tui.core import InvalidInput, ManualClock, StorageError, Store
from agentsess_tui.core.tokens import load_key

AGENTSESS = Path(sys.executable).parent / "agentsess"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def agentsess(home: Path, *args: str, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGENTSESS_HOME": str(home)}
    return subprocess.run(
        [str(AGENTSESS), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=lambda: os.umask(umask),
    )


def test_everything_is_private_under_umask_000(tmp_path: Path) -> None:
    home = tmp_path / "a" / "b" / "home"
    out = agentsess(home, "sessions", "new", "--agent", "bot", "--create-agent", "-q", umask=0)
    assert out.returncode == 0, out.stderr
    for directory in (tmp_path / "a", tmp_path / "a" / "b", home):
        assert mode(directory) == 0o700, directory
    for name in ("agentsess.db", "secret.key"):
        assert mode(home / name) == 0o600, name


@pytest.mark.parametrize("target", ["", "agentsess.db", "secret.key"])
def test_a_file_or_directory_others_can_write_is_refused(tmp_path: Path, target: str) -> None:
    home = tmp_path / "home"
    new = ("sessions", "new", "--agent", "bot", "--create-agent", "-q")
    assert agentsess(home, *new).returncode == 0
    loose = home / target if target else home
    loose.chmod(0o777 if loose.is_dir() else 0o666)
    out = agentsess(home, *new)
    assert out.returncode == 14
    assert len(out.stderr.splitlines()) == 1
    assert "other users" in out.stderr and str(loose) in out.stderr


def test_a_sticky_shared_directory_is_fine(tmp_path: Path, clock: ManualClock) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    Store(shared / "x.db", clock=clock).close()
    assert mode(shared / "x.db") == 0o600


def test_a_world_readable_database_gets_no_world_readable_wal(
    db_path: Path, clock: ManualClock
) -> None:
    Store(db_path, clock=clock).close()
    db_path.chmod(0o644)
    store = Store(db_path, clock=clock)
    store.add_agent("bot")
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        assert mode(path) & 0o077 == 0, (path, oct(mode(path)))
    store.close()


def test_a_key_file_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "secret.key"
    key_file.write_text("ab" * 32, encoding="ascii")
    key_file.chmod(0o600)
    if os.getuid() == 0:
        os.chown(key_file, 65534, 65534)
        with pytest.raises(StorageError, match="another user"):
            load_key(key_file, env={})
    key_file.chmod(0o622)
    with pytest.raises(StorageError, match="other users"):
        load_key(key_file, env={})


def test_an_unreadable_key_file_is_a_storage_error(tmp_path: Path) -> None:
    key_file = tmp_path / "secret.key"
    key_file.mkdir()  # reading a directory fails for every user, root included
    with pytest.raises(StorageError, match="Cannot read the key file"):
        load_key(key_file, env={})


@pytest.mark.parametrize("secret", ["a", " ", " " * 40, "x" * 31])
def test_a_short_agentsess_secret_is_refused(tmp_path: Path, secret: str) -> None:
    with pytest.raises(InvalidInput, match="at least 32 bytes"):
        load_key(tmp_path / "k", env={"AGENTSESS_SECRET": secret})
    assert len(load_key(tmp_path / "k", env={"AGENTSESS_SECRET": "y" * 32})) == 32
