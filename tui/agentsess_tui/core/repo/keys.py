"""API keys for the HTTP server and MCP over HTTP (DESIGN.md §4).

A key is shown once, when it is created; only its SHA-256 hash is stored, with a short prefix
so `keys ls` can tell keys apart. A key may be scoped to agents (it can touch only those);
revoking keeps the row for audit and the key stops working at once, in every process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..clock import Clock, SystemClock, to_iso
from ..db import Database
from ..errors import AlreadyExists, InvalidInput, NotFound
from ..ids import check_agent_id
from ..rows import lastrowid
from ..sqlite_errors import storage_errors, translate

KEY_PREFIX = "ask_"
# What `keys ls` shows of a key: the fixed prefix and a few random characters.
SHOWN_CHARS = len(KEY_PREFIX) + 6
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(slots=True)
class ApiKey:
    id: int
    name: str
    prefix: str
    agents: list[str] = field(default_factory=list)
    created_at: int = 0
    revoked_at: int | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, agent_id: str) -> bool:
        """An unscoped key may act for every agent; a scoped one only for its own."""
        return not self.agents or agent_id in self.agents

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "agents": list(self.agents),
            "created_at": to_iso(self.created_at),
            "revoked_at": to_iso(self.revoked_at),
        }


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class ApiKeys:
    """The api_keys table of one database (schema m004)."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock: Clock = clock or SystemClock()

    @storage_errors
    def create(self, name: str, agents: Iterable[str] = ()) -> tuple[str, ApiKey]:
        """A new key: returns the key itself (shown once, never stored) and its record."""
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise InvalidInput(
                f"{name!r} is not a valid key name.",
                hint="Use 1–64 letters, digits, '.', '_' or '-', e.g. 'laptop-agent'.",
            )
        scope = sorted({check_agent_id(agent) for agent in agents})
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now_ms()
        try:
            with self.db.write() as conn:
                key_id = lastrowid(
                    conn.execute(
                        "INSERT INTO api_keys (name, prefix, hash, agents, created_at) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (name, key[:SHOWN_CHARS], hash_key(key), json.dumps(scope), now),
                    )
                )
        except sqlite3.IntegrityError:
            raise AlreadyExists(
                f"There is already an API key named {name!r}.",
                hint="Pick another name, or revoke the old key first.",
            ) from None
        return key, ApiKey(key_id, name, key[:SHOWN_CHARS], scope, now)

    @storage_errors
    def list(self, *, include_revoked: bool = True) -> list[ApiKey]:
        where = "" if include_revoked else "WHERE revoked_at IS NULL"
        rows = self.db.conn().execute(
            "SELECT id, name, prefix, agents, created_at, revoked_at "  # noqa: S608 (fixed)
            f"FROM api_keys {where} ORDER BY id"
        )
        return [_from_row(row) for row in rows]

    @storage_errors
    def revoke(self, name: str) -> ApiKey:
        """Revoke by name (or by the prefix `keys ls` shows). Revoking twice is harmless."""
        now = self.clock.now_ms()
        with self.db.write() as conn:
            row = conn.execute(
                "SELECT id, name, prefix, agents, created_at, revoked_at FROM api_keys "
                "WHERE name = ? OR prefix = ? ORDER BY name = ? DESC LIMIT 1",
                (name, name, name),
            ).fetchone()
            if row is None:
                raise NotFound(f"No API key named {name!r}.", hint="See `agentsess keys ls`.")
            conn.execute(
                "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
                (now, row[0]),
            )
            updated = conn.execute(
                "SELECT id, name, prefix, agents, created_at, revoked_at FROM api_keys "
                "WHERE id = ?",
                (row[0],),
            ).fetchone()
        return _from_row(updated)

    def verify(self, key: str) -> ApiKey | None:
        """The live key record for `key`, or None (unknown, malformed or revoked)."""
        if not key.startswith(KEY_PREFIX) or len(key) > 200:
            return None
        digest = hash_key(key)
        try:
            row = (
                self.db.conn()
                .execute(
                    "SELECT id, name, prefix, agents, created_at, revoked_at, hash "
                    "FROM api_keys WHERE hash = ?",
                    (digest,),
                )
                .fetchone()
            )
        except sqlite3.Error as exc:
            raise translate(exc, self.db.path) from None
        # The lookup is by hash already; compare in constant time all the same.
        if row is None or not hmac.compare_digest(row[6], digest) or row[5] is not None:
            return None
        return _from_row(row)


def _from_row(row: Any) -> ApiKey:
    return ApiKey(
        id=int(row[0]),
        name=str(row[1]),
        prefix=str(row[2]),
        agents=list(json.loads(row[3])),
        created_at=int(row[4]),
        revoked_at=None if row[5] is None else int(row[5]),
    )
