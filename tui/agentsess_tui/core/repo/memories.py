"""An agent's long-term memories: they outlive every session and no session operation
deletes them. Forgetting is a status change (`deleted`) unless purged explicitly."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .. import validate
from ..clock import Clock
from ..db import Database
from ..errors import AgentMismatch, InvalidInput, NotFound
from ..ids import check_agent_id, check_session_id
from ..models import Memory, MemoryHit, Session
from ..rows import MEMORIES, insert, memory_from_row, to_json
from ..semantic import store_hooks as meaning
from .agents import AgentRepo
from .memory_search import filters, keyword_hits, memory_status
from .sessions import SessionRepo

if TYPE_CHECKING:
    from ..config import RecallSettings
    from ..semantic.backfill import Backfilled

WHOSE = "Say whose memory this is: give an agent or a session."


class MemoryRepo:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        agents: AgentRepo,
        sessions: SessionRepo,
        recall: RecallSettings,
    ) -> None:
        self.db = db
        self.clock = clock
        self.agents = agents
        self.sessions = sessions
        self.recall = recall
        self.recall_catch_up = meaning.CATCH_UP

    def remember(
        self,
        content: str,
        *,
        agent_id: str | None = None,
        session_id: str | None = None,
        type: str = "fact",
        title: str | None = None,
        tags: Iterable[str] = (),
        confidence: float = 0.8,
        embed: bool = False,
    ) -> Memory:
        """Store a memory for an agent. Made inside a session, the session must be live (and
        it counts as activity there); the memory keeps that session as its origin.

        With `embed` its vector is written in the same transaction and a near-duplicate
        active memory of the agent is superseded (`Memory.supersedes`). Without it the vector
        is written only if the model is loaded in this process already, and nothing is
        superseded; otherwise the first recall by meaning indexes it."""
        if agent_id is None and session_id is None:
            raise InvalidInput(WHOSE)
        validate.memory_content(content)
        fields: dict[str, Any] = {
            "type": validate.memory_type(type),
            "title": validate.memory_title(title, content),
            "content": content,
            "tags": validate.tags(tags),
            "confidence": validate.confidence(confidence),
            "status": "active",
        }
        # Semantic hook (core/semantic): the vector is made before the write lock is taken.
        vector = meaning.embed_for_write(self.recall, fields["title"], content, load=embed)
        with self.db.write() as conn:
            now = self.clock.now_ms()
            if session_id is not None:
                check_session_id(session_id)
                session = self.sessions.live_session(conn, session_id)
                if agent_id is not None and agent_id != session.agent_id:
                    raise AgentMismatch(
                        f"Session {session_id!r} belongs to agent {session.agent_id!r}, "
                        f"not {agent_id!r}."
                    )
                agent_id = session.agent_id
                self.sessions.activity(conn, session, now)
            if agent_id is None:  # neither given: refused above
                raise InvalidInput(WHOSE)
            check_agent_id(agent_id)
            self.agents.agent_row(conn, agent_id)
            values = {
                **fields,
                "agent_id": agent_id,
                "session_id": session_id,
                "created_at": now,
                "updated_at": now,
                "supersedes": None,
            }
            memory_id = insert(conn, MEMORIES, **values)
            if vector is not None:
                values["supersedes"] = meaning.store_and_consolidate(
                    conn, vector, memory_id, agent_id, self.recall, now, embed
                )
        return Memory(id=memory_id, **values)

    def get_memory(self, memory_id: int) -> Memory:
        row = (
            self.db.conn()
            .execute(
                f"SELECT {MEMORIES.columns} FROM memories WHERE id = ?",  # noqa: S608 (fixed columns)
                (_memory_id(memory_id),),
            )
            .fetchone()
        )
        if row is None:
            raise NotFound(
                f"No memory {memory_id}.", hint="List memories with `agentsess memory ls`."
            )
        return memory_from_row(row)

    def list_memories(
        self,
        *,
        agent_id: str | None = None,
        type: str | None = None,
        status: str | None = "active",
        session_id: str | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[Memory]:
        """Newest first, with the same filters as search."""
        where, params = filters(agent_id, type, status, session_id)
        if before_id is not None:
            where.append("id < :before")
            params["before"] = before_id
        params["limit"] = limit
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.conn().execute(
            f"SELECT {MEMORIES.columns} FROM memories {clause} "  # noqa: S608 (fixed fragments)
            "ORDER BY id DESC LIMIT :limit",
            params,
        )
        return [memory_from_row(row) for row in rows]

    def count_memories(self, *, agent_id: str | None = None, status: str | None = "active") -> int:
        where, params = filters(agent_id, None, status, None)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return int(
            self.db.conn()
            .execute(f"SELECT count(*) FROM memories {clause}", params)  # noqa: S608
            .fetchone()[0]
        )

    def update_memory(
        self,
        memory_id: int,
        *,
        content: str | None = None,
        title: str | None = None,
        type: str | None = None,
        tags: Iterable[str] | None = None,
        confidence: float | None = None,
        status: str | None = None,
    ) -> Memory:
        memory_id = _memory_id(memory_id)
        changes: dict[str, Any] = {}
        if content is not None:
            changes["content"] = validate.memory_content(content)
        if title is not None:
            changes["title"] = validate.title(title, default="")
        if type is not None:
            changes["type"] = validate.memory_type(type)
        if tags is not None:
            changes["tags"] = to_json(validate.tags(tags))
        if confidence is not None:
            changes["confidence"] = validate.confidence(confidence)
        if status is not None:
            changes["status"] = memory_status(status)
        with self.db.write() as conn:
            old = self._memory(conn, memory_id)
            # A blank title, or one derived from the old content, follows the new content.
            derived = "title" not in changes and old.title == validate.default_memory_title(
                old.content
            )
            if changes.get("title") == "" or ("content" in changes and derived):
                changes["title"] = validate.default_memory_title(
                    changes.get("content", old.content)
                )
            if changes:
                changes["updated_at"] = self.clock.now_ms()
                assignments = ", ".join(f"{column} = :{column}" for column in changes)
                conn.execute(
                    f"UPDATE memories SET {assignments} WHERE id = :id",  # noqa: S608 (known columns)
                    {**changes, "id": memory_id},
                )
            return self._memory(conn, memory_id)

    def forget_memory(self, memory_id: int, *, purge: bool = False) -> Memory:
        """Mark a memory deleted (kept for audit), or remove it for good with `purge`."""
        with self.db.write() as conn:
            memory = self._memory(conn, _memory_id(memory_id))
            if purge:
                conn.execute("DELETE FROM memories WHERE id = ?", (memory_id,))
                memory.status = "deleted"
                return memory
            now = self.clock.now_ms()
            conn.execute(
                "UPDATE memories SET status = 'deleted', updated_at = ? WHERE id = ?",
                (now, memory_id),
            )
        memory.status, memory.updated_at = "deleted", now
        return memory

    def search_memories(
        self,
        query: str,
        *,
        agent_id: str | None = None,
        type: str | None = None,
        status: str | None = "active",
        session_id: str | None = None,
        limit: int = 20,
        mode: str = "keyword",
    ) -> list[MemoryHit]:
        """By words (memory_search.keyword_hits); with `mode` `semantic` or `hybrid`, by
        meaning too (core/semantic/hybrid.py)."""
        if mode != "keyword":
            # Semantic hook: fusion with the keyword search below, same filters.
            where, params = filters(agent_id, type, status, session_id, prefix="m.")
            return meaning.recall(
                self.db.conn(),
                self.recall,
                query,
                mode=mode,
                keyword=lambda n: self.search_memories(
                    query,
                    agent_id=agent_id,
                    type=type,
                    status=status,
                    session_id=session_id,
                    limit=n,
                ),
                load=self._memories_by_id,
                write=self.db.write,
                where=where,
                params=params,
                agent_id=agent_id,
                limit=limit,
                catch_up_budget=self.recall_catch_up,
            )
        return keyword_hits(
            self.db.conn(),
            query,
            agent_id=agent_id,
            type=type,
            status=status,
            session_id=session_id,
            limit=limit,
        )

    def unindexed_memories(self) -> int:
        """Memories the configured embedding model has no vector for yet."""
        return meaning.unindexed(self.db.conn(), self.recall)

    def index_memories(self, limit: int) -> int:
        """Up to `limit` memories without a vector get one; how many did."""
        return meaning.index_some(self.db.conn(), self.recall, self.db.write, limit)

    def reindex_memories(
        self, *, everything: bool = False, progress: Callable[[int], None] | None = None
    ) -> Backfilled:
        """Give every memory a vector of the configured model (semantic hook)."""
        return meaning.reindex(
            self.db.conn(), self.recall, self.db.write, everything=everything, progress=progress
        )

    def write_summary(
        self, conn: sqlite3.Connection, session: Session, now: int, *, text: str | None = None
    ) -> Memory:
        """Write a summary memory of a live session inside the caller's transaction (Lifecycle
        ends the session in the same one): `text` (a chat model's summary) when it has any,
        else extractive, from its memories and messages. No
        vector and no consolidation: a summary restates its memories and must not supersede
        them; the first recall by meaning indexes it."""
        from ..semantic.consolidate import extractive_summary

        if text is not None and text.strip():
            return self._insert_summary(conn, session, now, validate.memory_content(text))
        # The newest 200 of each, in the order they were made.
        kept = conn.execute(
            "SELECT content FROM (SELECT id, content FROM memories WHERE session_id = ? "
            "AND status = 'active' ORDER BY id DESC LIMIT 200) ORDER BY id",
            (session.id,),
        ).fetchall()
        said = conn.execute(
            "SELECT role, content FROM (SELECT id, role, content FROM messages "
            "WHERE session_id = ? ORDER BY id DESC LIMIT 200) ORDER BY id",
            (session.id,),
        ).fetchall()
        made = extractive_summary(
            session.title, [row[0] for row in kept], [(row[0], row[1]) for row in said]
        )
        return self._insert_summary(conn, session, now, validate.memory_content(made))

    def _insert_summary(
        self, conn: sqlite3.Connection, session: Session, now: int, text: str
    ) -> Memory:
        values: dict[str, Any] = {
            "agent_id": session.agent_id,
            "session_id": session.id,
            "type": "event",
            "title": validate.title(f"Summary: {session.title}", default="Summary"),
            "content": text,
            "tags": ["summary"],
            "confidence": validate.confidence(0.8),
            "status": "active",
            "created_at": now,
            "updated_at": now,
            "supersedes": None,
        }
        memory_id = insert(conn, MEMORIES, **values)
        return Memory(id=memory_id, **values)

    def _memories_by_id(self, ids: list[int]) -> dict[int, Memory]:
        marks = ",".join("?" * len(ids))
        rows = self.db.conn().execute(
            f"SELECT {MEMORIES.columns} FROM memories WHERE id IN ({marks})",  # noqa: S608 (placeholders)
            ids,
        )
        return {row["id"]: memory_from_row(row) for row in rows}

    @staticmethod
    def _memory(conn: sqlite3.Connection, memory_id: int) -> Memory:
        row = conn.execute(
            f"SELECT {MEMORIES.columns} FROM memories WHERE id = ?",  # noqa: S608 (fixed columns)
            (memory_id,),
        ).fetchone()
        if row is None:
            raise NotFound(
                f"No memory {memory_id}.", hint="List memories with `agentsess memory ls`."
            )
        return memory_from_row(row)


def _memory_id(value: Any) -> int:
    # Above 2**63 - 1 SQLite cannot bind it (OverflowError, not a clean error).
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        raise InvalidInput(f"{value!r} is not a memory id; memory ids are positive numbers.")
    return value
