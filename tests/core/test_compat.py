"""Issue 10 item 10 (and the foreign look-alike): a database this version cannot use is
refused before anything is written, naming the version that wrote it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agentsess_tui import __version__
from agentsess_tui.core import ManualClock, StorageError, Store
from agentsess_tui.core.schema import MIGRATIONS, schema_version_code

from .helpers import old_database


def _rollback_journal(path: Path) -> None:
    """Back to a rollback journal, so a later switch to WAL would show."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


def test_a_database_from_a_newer_version_is_refused_untouched(
    db_path: Path, clock: ManualClock
) -> None:
    Store(db_path, clock=clock).close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('agentsess', 'm042_from_the_future', '2030-01-01')"
    )
    conn.execute(f"PRAGMA user_version = {schema_version_code('9.4.1')}")
    conn.commit()
    conn.close()
    _rollback_journal(db_path)
    before = db_path.read_bytes()
    with pytest.raises(StorageError, match=r"agentsess 9\.4\.1") as caught:
        Store(db_path, clock=clock)
    assert caught.value.exit_code == 14
    assert __version__ in str(caught.value)
    assert db_path.read_bytes() == before
    assert not Path(f"{db_path}-wal").exists()


def test_our_version_is_recorded_when_the_schema_is_written(
    db_path: Path, clock: ManualClock
) -> None:
    Store(db_path, clock=clock).close()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema_version_code(__version__)
    conn.close()


def test_an_incompatible_schema_is_a_storage_error(db_path: Path, clock: ManualClock) -> None:
    """Our table and migration names, but a sessions table without the columns we read."""
    conn = old_database(db_path, *MIGRATIONS)
    conn.execute("DROP TABLE sessions")
    conn.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY, agent_id TEXT)")
    conn.execute("INSERT INTO sessions VALUES ('sess_x', 'bot')")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="incompatible"):
        Store(db_path, clock=clock)


def test_a_look_alike_database_is_refused_before_wal(tmp_path: Path) -> None:
    """Another program's file that happens to have our table names: nothing changes."""
    path = tmp_path / "lookalike.db"
    conn = sqlite3.connect(path)
    for table in ("_sqlite_migrations", "agents", "sessions", "messages", "memories", "events"):
        conn.execute(f"CREATE TABLE {table} (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StorageError, match="another program"):
        Store(path)
    assert path.read_bytes() == before
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    check.close()


def test_the_cli_refuses_a_newer_database_with_exit_14(db_path: Path, clock: ManualClock) -> None:
    from click.testing import CliRunner

    from agentsess_tui.cli import cli

    Store(db_path, clock=clock).close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('agentsess', 'm042_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    result = CliRunner().invoke(cli, ["sessions", "ls"], catch_exceptions=False)
    assert result.exit_code == 14
    assert "newer agentsess" in result.stderr and len(result.stderr.splitlines()) == 1
