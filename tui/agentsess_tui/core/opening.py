"""`open_store`: the store the user configured (config file, environment, `--db`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .clock import Clock
from .config import Paths, Settings, database_path, load_settings, resolve_paths
from .store import Store

# What clients print when `open_store` upgrades an existing database.
UPGRADE_NOTICE = "Upgrading {path} to this version's schema (once; big memory banks take a minute)…"


def open_store(
    db: str | os.PathLike[str] | None = None,
    *,
    clock: Clock | None = None,
    settings: Settings | None = None,
    paths: Paths | None = None,
    on_upgrade: Callable[[Path], None] | None = None,
    readonly: bool = False,
) -> Store:
    """The store the user configured: `db` beats AGENTSESS_DB and config, then the default.

    `on_upgrade(path)` is called before an existing database is upgraded to this version's
    schema (a one-time step that can take a while), so a client can say so. `readonly`: see
    `Store`.
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
        readonly=readonly,
    )
