"""A session's conversation: append (as activity on the session), page through, search."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import search, validate
from ..clock import Clock
from ..db import Database
from ..errors import NotFound
from ..ids import check_session_id
from ..models import Message, MessageHit
from ..rows import MESSAGES, insert, message_from_row
from ..search import MARK_END, MARK_START, fts_query
from .sessions import SessionRepo


class MessageRepo:
    def __init__(self, db: Database, clock: Clock, sessions: SessionRepo) -> None:
        self.db = db
        self.clock = clock
        self.sessions = sessions

    def add_message(
        self,
        session_id: str,
        content: str,
        role: str = "user",
        metadata: Mapping[str, Any] | None = None,
    ) -> Message:
        """Append a message to a live session; it counts as activity (auto-renew)."""
        check_session_id(session_id)
        validate.role(role)
        validate.message_content(content)
        meta = validate.metadata(metadata)
        with self.db.write() as conn:
            session = self.sessions.live_session(conn, session_id)
            now = self.clock.now_ms()
            message_id = insert(
                conn,
                MESSAGES,
                session_id=session_id,
                role=role,
                content=content,
                created_at=now,
                metadata=meta,
            )
            self.sessions.activity(conn, session, now)
        return Message(
            id=message_id,
            session_id=session_id,
            role=role,
            content=content,
            created_at=now,
            metadata=dict(metadata or {}),
        )

    def update_message(
        self,
        message_id: int,
        content: str,
        metadata: Mapping[str, Any] | None = None,
    ) -> Message:
        """Replace a message's content (a reply being streamed in). The session may have
        expired meanwhile: finishing a reply that was accepted while it was live is allowed."""
        validate.message_content(content)
        with self.db.write() as conn:
            old = self._message(conn, message_id)
            meta = dict(old.metadata)
            if metadata is not None:
                meta.update(metadata)
                meta = {key: value for key, value in meta.items() if value is not None}
            conn.execute(
                "UPDATE messages SET content = ?, metadata = ? WHERE id = ?",
                (content, validate.metadata(meta), message_id),
            )
            return self._message(conn, message_id)

    def messages(
        self,
        session_id: str,
        *,
        before_id: int | None = None,
        after_id: int | None = None,
        limit: int = 100,
    ) -> list[Message]:
        """One page of a transcript in order: the last `limit` messages before `before_id`
        (keyset paging, never OFFSET), or everything after `after_id` (live updates)."""
        check_session_id(session_id)
        conn = self.db.conn()
        if after_id is not None:
            rows = conn.execute(
                f"SELECT {MESSAGES.columns} FROM messages "  # noqa: S608 (fixed columns)
                "WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?",
                (session_id, after_id, limit),
            ).fetchall()
            return [message_from_row(row) for row in rows]
        rows = conn.execute(
            f"SELECT {MESSAGES.columns} FROM messages "  # noqa: S608 (fixed columns)
            "WHERE session_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            (session_id, before_id if before_id is not None else 2**63 - 1, limit),
        ).fetchall()
        return [message_from_row(row) for row in reversed(rows)]

    def count_messages(self, session_id: str) -> int:
        return int(
            self.db.conn()
            .execute("SELECT count(*) FROM messages WHERE session_id = ?", (session_id,))
            .fetchone()[0]
        )

    def search_messages(
        self, query: str, *, agent_id: str | None = None, limit: int = 20
    ) -> list[MessageHit]:
        """Full-text search across every chat, best matches among the newest first."""
        match = fts_query(query)
        if match is None:
            return []
        conn = self.db.conn()
        agent_clause = "AND s.agent_id = :agent" if agent_id else ""
        params: dict[str, Any] = {"q": match, "agent": agent_id, "limit": limit}
        floor = conn.execute(
            "SELECT f.rowid FROM messages_fts f JOIN messages m ON m.id = f.rowid "  # noqa: S608 (fixed fragments, values bound)
            f"JOIN sessions s ON s.id = m.session_id WHERE messages_fts MATCH :q {agent_clause} "
            "ORDER BY f.rowid DESC LIMIT 1 OFFSET :offset",
            {**params, "offset": search.SEARCH_CANDIDATES - 1},
        ).fetchone()
        params["floor"] = floor[0] if floor else 0
        rows = conn.execute(
            f"SELECT {MESSAGES.prefixed('m')}, s.title AS session_title, "  # noqa: S608 (fixed fragments, values bound)
            f"s.agent_id AS agent_id, "
            f"snippet(messages_fts, 0, '{MARK_START}', '{MARK_END}', '…', 16) AS snip "
            "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
            "JOIN sessions s ON s.id = m.session_id "
            f"WHERE messages_fts MATCH :q AND messages_fts.rowid >= :floor {agent_clause} "
            "ORDER BY bm25(messages_fts) LIMIT :limit",
            params,
        ).fetchall()
        return [
            MessageHit(
                message=message_from_row(row),
                session_title=row["session_title"],
                agent_id=row["agent_id"],
                snippet=row["snip"],
            )
            for row in rows
        ]

    @staticmethod
    def _message(conn: Any, message_id: int) -> Message:
        row = conn.execute(
            f"SELECT {MESSAGES.columns} FROM messages WHERE id = ?",  # noqa: S608 (fixed columns)
            (message_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"No message {message_id}.")
        return message_from_row(row)
