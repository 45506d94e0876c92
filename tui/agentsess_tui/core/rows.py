"""Tables as the dataclasses in `models` see them: column lists, INSERTs and row mapping.

The column lists are derived from the dataclass fields (`dataclasses.fields`), so a SELECT or
an INSERT cannot drift from the model: adding a field to `Session` adds it to every statement
here, and an INSERT given a value too few or too many fails before it reaches SQLite.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from .models import Agent, Event, Memory, Message, Session


def to_json(value: Any) -> str:
    """How every JSON column is written: compact, UTF-8 as is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Table:
    name: str
    model: type
    # Dataclass field -> column, where they differ.
    renames: Mapping[str, str]
    # Fields stored as JSON text.
    json_fields: frozenset[str]
    # Fields the database assigns on INSERT (INTEGER PRIMARY KEY).
    generated: frozenset[str] = frozenset()

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self.model))

    def column(self, field_name: str) -> str:
        return self.renames.get(field_name, field_name)

    @property
    def columns(self) -> str:
        """`id, agent_id, …` in field order: what every SELECT of this table reads."""
        return ", ".join(self.column(name) for name in self.fields)

    def prefixed(self, alias: str) -> str:
        return ", ".join(f"{alias}.{self.column(name)}" for name in self.fields)

    @property
    def insertable(self) -> tuple[str, ...]:
        return tuple(name for name in self.fields if name not in self.generated)

    @property
    def insert_sql(self) -> str:
        names = self.insertable
        return (
            f"INSERT INTO {self.name} ({', '.join(self.column(n) for n in names)}) "  # noqa: S608 (names from the dataclass)
            f"VALUES ({', '.join(':' + n for n in names)})"
        )

    def params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """`values` by field name, every insertable field exactly once, JSON encoded."""
        wanted = set(self.insertable)
        if set(values) != wanted:
            missing, extra = wanted - set(values), set(values) - wanted
            raise TypeError(f"{self.name}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        return {
            name: to_json(value)
            if name in self.json_fields and not isinstance(value, str)
            else value
            for name, value in values.items()
        }


SESSIONS = Table("sessions", Session, {"policy_json": "policy"}, frozenset({"metadata"}))
AGENTS = Table("agents", Agent, {}, frozenset({"policy"}))
MESSAGES = Table("messages", Message, {}, frozenset({"metadata"}), frozenset({"id"}))
MEMORIES = Table("memories", Memory, {}, frozenset({"tags"}), frozenset({"id"}))
EVENTS = Table("events", Event, {}, frozenset({"detail"}), frozenset({"id"}))


def insert(conn: sqlite3.Connection, table: Table, **values: Any) -> int:
    """INSERT one row; returns its rowid (the id of tables whose id the database assigns)."""
    return lastrowid(conn.execute(table.insert_sql, table.params(values)))


def lastrowid(cursor: sqlite3.Cursor) -> int:
    """The rowid an INSERT just made (sqlite3 types it Optional for other statements)."""
    rowid = cursor.lastrowid
    if rowid is None:
        raise RuntimeError("an INSERT returned no rowid")
    return rowid


def insert_many(conn: sqlite3.Connection, table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    conn.executemany(table.insert_sql, (table.params(values) for values in rows))


def add_event(conn: sqlite3.Connection, session_id: str, at: int, kind: str, **detail: Any) -> None:
    """A line of the session's timeline (events are never edited)."""
    insert(conn, EVENTS, session_id=session_id, at=at, kind=kind, detail=detail)


# -- rows -> dataclasses (by hand where speed matters: the sidebar loads 10k sessions) -------


def session_from_row(row: sqlite3.Row) -> Session:
    return Session(
        id=row["id"],
        agent_id=sys.intern(row["agent_id"]),
        title=row["title"],
        state=sys.intern(row["state"]),
        created_at=row["created_at"],
        activated_at=row["activated_at"],
        last_activity_at=row["last_activity_at"],
        expires_at=row["expires_at"],
        warn_at=row["warn_at"],
        cap_at=row["cap_at"],
        renewal_count=row["renewal_count"],
        resume_count=row["resume_count"],
        warned_at=row["warned_at"],
        ended_at=row["ended_at"],
        end_reason=row["end_reason"] and sys.intern(row["end_reason"]),
        token_jti=row["token_jti"],
        window_minutes=row["window_minutes"],
        # Most sessions share a few policies: one string each, not one per session.
        policy_json=sys.intern(row["policy"]),
        metadata={} if row["metadata"] == "{}" else dict(json.loads(row["metadata"])),
    )


def agent_from_row(row: sqlite3.Row) -> Agent:
    return Agent(
        id=row["id"],
        name=row["name"],
        policy=json.loads(row["policy"]),
        created_at=row["created_at"],
    )


def message_from_row(row: sqlite3.Row) -> Message:
    return Message(
        id=row["id"],
        session_id=row["session_id"],
        role=row["role"],
        content=row["content"],
        created_at=row["created_at"],
        metadata=json.loads(row["metadata"]),
    )


def memory_from_row(row: sqlite3.Row) -> Memory:
    return Memory(
        id=row["id"],
        agent_id=row["agent_id"],
        session_id=row["session_id"],
        type=row["type"],
        title=row["title"],
        content=row["content"],
        tags=json.loads(row["tags"]),
        confidence=row["confidence"],
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        supersedes=row["supersedes"],
    )


def event_from_row(row: sqlite3.Row) -> Event:
    return Event(
        id=row["id"],
        session_id=row["session_id"],
        at=row["at"],
        kind=row["kind"],
        detail=json.loads(row["detail"]),
    )
