"""Small helpers shared by the core tests (reading rows the public API does not expose)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

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
