"""The store: one SQLite file, every operation of the core, safe across threads and processes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .clock import Clock
from .config import Paths, Settings, database_path, load_settings, resolve_paths
from .db import storage_errors
from .ids import check_session_id
from .memories import MemoryBank
from .models import Event
from .storebase import event_from_row


class Store(MemoryBank):
    """Agents, sessions (with their rules), messages, memories and events.

    Build one with `open_store()` (reads config and environment) or directly with a path, a
    clock and settings (what tests do).
    """

    @storage_errors
    def events(self, session_id: str) -> list[Event]:
        """The session's timeline, oldest first. Events are never edited."""
        check_session_id(session_id)
        rows = self._conn().execute(
            "SELECT * FROM events WHERE session_id = ? ORDER BY id", (session_id,)
        )
        return [event_from_row(row) for row in rows]


# What clients print when `open_store` upgrades an existing database.
UPGRADE_NOTICE = "Upgrading {path} to this version's schema (once; big memory banks take a minute)…"


def open_store(
    db: str | os.PathLike[str] | None = None,
    *,
    clock: Clock | None = None,
    settings: Settings | None = None,
    paths: Paths | None = None,
    on_upgrade: Callable[[Path], None] | None = None,
) -> Store:
    """The store the user configured: `db` beats AGENTSESS_DB and config, then the default.

    `on_upgrade(path)` is called before an existing database is upgraded to this version's
    schema (a one-time step that can take a while), so a client can say so.
    """
    paths = paths or resolve_paths()
    settings = settings or load_settings(paths)
    path: Path = database_path(settings, paths, db)
    return Store(
        path,
        clock=clock,
        settings=settings,
        key_file=paths.key_file,
        on_upgrade=None if on_upgrade is None else lambda _pending: on_upgrade(path),
    )
