"""What the benchmark dataset generators share: a cached build, and bulk loading through the
real schema (full-text triggers dropped during the load, the indexes rebuilt at the end)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

BATCH = 50_000


@dataclass
class Dataset:
    path: Path
    info: dict[str, Any]
    cached: bool


def cached_build(
    db_path: Path,
    info_path: Path,
    build: Callable[[Path], dict[str, Any]],
    *,
    rebuild: bool,
    log: Callable[[str], None],
) -> Dataset:
    """The database at `db_path`, built with `build` first when missing (or `rebuild`)."""
    if not rebuild and db_path.exists() and info_path.exists():
        return Dataset(db_path, json.loads(info_path.read_text()), cached=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    info_path.unlink(missing_ok=True)
    started = time.perf_counter()
    building = db_path.with_name(db_path.stem + ".building.db")
    remove_db(building)
    info = build(building)
    info["build_seconds"] = round(time.perf_counter() - started, 1)
    info["file_mb"] = round(building.stat().st_size / 1e6, 1)
    remove_db(db_path)
    building.rename(db_path)
    # The sidecar is written last: its presence means the database is complete.
    info_path.write_text(json.dumps(info, indent=2) + "\n")
    log(f"built {db_path.name} ({info['file_mb']} MB) in {info['build_seconds']} s")
    return Dataset(db_path, info, cached=False)


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class BulkLoad:
    """A connection for loading a throw-away file fast: no journal, no fsync, no full-text
    triggers (the indexes are rebuilt in one go by `finish`, then the triggers come back)."""

    def __init__(self, path: Path, cache_kib: int = 500_000) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = DELETE")
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
        self.triggers = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_fts_%'"
        ).fetchall()
        for name, _sql in self.triggers:
            self.conn.execute(f'DROP TRIGGER "{name}"')

    def insert(self, table: str, columns: str, rows: Sequence[tuple[Any, ...]]) -> None:
        marks = ", ".join("?" * (columns.count(",") + 1))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (fixed names)
        self.conn.execute("BEGIN")
        for start in range(0, len(rows), BATCH):
            self.conn.executemany(sql, rows[start : start + BATCH])
        self.conn.execute("COMMIT")

    def finish(self, step: Callable[[str], None] = lambda what: None) -> None:
        self.conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
        step("messages_fts rebuilt")
        self.conn.execute("INSERT INTO memories_fts(memories_fts) VALUES ('rebuild')")
        step("memories_fts rebuilt")
        self.conn.execute("INSERT INTO sessions_fts(sessions_fts) VALUES ('rebuild')")
        step("sessions_fts rebuilt")
        for _name, sql in self.triggers:
            self.conn.execute(sql)
        self.conn.execute("PRAGMA journal_mode = WAL")


@dataclass
class SessionRow:
    """One row of `sessions`, in column order, plus when it stopped being live."""

    id: str
    agent_id: str
    title: str
    state: str
    created_at: int
    activated_at: int
    last_activity_at: int
    expires_at: int
    warn_at: int
    cap_at: int
    renewal_count: int
    resume_count: int
    warned_at: int | None
    ended_at: int | None
    end_reason: str | None
    token_jti: str
    window_minutes: int
    policy: str
    metadata: str = "{}"
    end_at: int = field(default=0, compare=False)  # ended, expired, or now for live ones

    @property
    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in SESSION_FIELDS)


SESSION_FIELDS = [f.name for f in fields(SessionRow) if f.name != "end_at"]
SESSION_COLUMNS = ", ".join(SESSION_FIELDS)


def timeline(sessions: Iterable[SessionRow]) -> list[tuple[Any, ...]]:
    """Each session's events as the core would have written them, oldest first."""
    events: list[tuple[Any, ...]] = []
    for s in sessions:
        created = {"expires_at": s.expires_at, "window_minutes": s.window_minutes}
        events.append((s.id, s.created_at, "created", _json(created)))
        if s.resume_count:
            resumed = {"previous_state": "expired", "expires_at": s.expires_at}
            events.append((s.id, s.activated_at, "resumed", _json(resumed)))
        if s.warned_at is not None:
            events.append((s.id, s.warned_at, "warned", _json({"expires_at": s.expires_at})))
        if s.state == "expired":
            events.append((s.id, s.expires_at, "expired", "{}"))
        elif s.state == "ended":
            events.append((s.id, s.end_at, "ended", _json({"reason": s.end_reason})))
    events.sort(key=lambda e: e[1])
    return events


def _json(detail: dict[str, Any]) -> str:
    return json.dumps(detail, separators=(",", ":"))
