"""Small helpers shared by the core tests (reading rows the public API does not expose)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentsess_tui.core import Store


def event_kinds(store: Store, session_id: str) -> list[str]:
    return [event.kind for event in store.events(session_id)]


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection to the same file: what another process would see."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def count(path: Path, sql: str, *params: object) -> int:
    conn = raw(path)
    try:
        return int(conn.execute(sql, params).fetchone()[0])
    finally:
        conn.close()


def old_database(path: Path, *migrations: Callable[[Any], None]) -> sqlite3.Connection:
    """A database as an earlier release left it: only `migrations` applied."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    from agentsess_tui.core.schema import MIGRATION_SET

    old = Migrations(MIGRATION_SET)
    for migration in migrations:
        old()(migration)
    db = Database(sqlite3.connect(path), execute_plugins=False)
    old.apply(db)
    return db.conn
