"""An agent's long-term memories: they outlive every session and no session operation
deletes them. Forgetting is a status change (`deleted`) unless purged explicitly."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .. import search, validate
from ..clock import Clock
from ..db import Database
from ..errors import AgentMismatch, InvalidInput, NotFound
from ..ids import check_agent_id, check_session_id
from ..models import MEMORY_STATUSES, Memory, MemoryHit, Session
from ..rows import MEMORIES, insert, memory_from_row, to_json
from ..schema import agent_token
from ..search import MARK_END, MARK_START, fts_query
from ..semantic import store_hooks as meaning
from .agents import AgentRepo
from .sessions import SessionRepo

if TYPE_CHECKING:
    from ..config import RecallSettings
    from ..semantic.backfill import Backfilled

# Up to this many memories, a session's ids are collected into a set to filter matches with
# (~1 ms); beyond it, joining each match to its row finds the candidates sooner.
SMALL_FILTER_ROWS = 20_000
# Column weights for bm25: a match in the title counts most, then tags, then content; the
# agent token column (schema.m003) counts for nothing.
BM25_WEIGHTS = "10.0, 1.0, 5.0, 0.0"


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
        where, params = _filters(agent_id, type, status, session_id)
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
        where, params = _filters(agent_id, None, status, None)
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
            changes["status"] = _status(status)
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
        """Full-text search ranked by bm25 among the newest matching memories; with `mode`
        `semantic` or `hybrid`, by meaning too (core/semantic/hybrid.py).

        Ranking every match of a frequent word over a million rows takes seconds; ranking a
        bounded candidate set (the newest `search.SEARCH_CANDIDATES` matches that pass the
        filters) keeps every query in milliseconds and favours what the agent learnt recently.
        """
        if mode != "keyword":
            # Semantic hook: fusion with the keyword search below, same filters.
            where, params = _filters(agent_id, type, status, session_id, prefix="m.")
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
        match = fts_query(query)
        if match is None:
            return []
        where, params = _filters(agent_id, type, status, session_id, prefix="m.")
        params.update({"q": match, "limit": limit, "candidates": search.SEARCH_CANDIDATES})
        conn = self.db.conn()
        if agent_id is not None:
            # The agent's token in the same query: FTS5 intersects its postings with the
            # words', instead of walking every match of a frequent word to find the agent's.
            params["q"] = f'"{agent_token(agent_id)}" {match}'
        session_only = agent_id is None and session_id is not None
        if session_only and _few_rows(conn, None, status, session_id):
            # A small session: test each match against the set of its memory ids. Joining
            # every match to its row instead reads most of the table when a frequent word has
            # few matches in this session (0.3–0.6 s at 1M memories; see bench/).
            source = (
                "memories_fts WHERE memories_fts MATCH :q AND +memories_fts.rowid IN "  # noqa: S608 (fixed fragments, values bound)
                f"(SELECT m.id FROM memories m WHERE {' AND '.join(where)})"
            )
        else:
            filters = "".join(f" AND {condition}" for condition in where)
            source = (
                "memories_fts JOIN memories m ON m.id = memories_fts.rowid "
                f"WHERE memories_fts MATCH :q{filters}"
            )
        # One pass over the newest candidates (bm25 and snippet while the FTS cursor is on each
        # row), then the best `limit` of them; ties keep the older memory first.
        rows = conn.execute(
            f"SELECT {MEMORIES.prefixed('m')}, c.score, c.snip FROM "  # noqa: S608 (fixed fragments, values bound)
            "(SELECT memories_fts.rowid AS id, "
            f"bm25(memories_fts, {BM25_WEIGHTS}) AS score, "
            f"snippet(memories_fts, 1, '{MARK_START}', '{MARK_END}', '…', 12) AS snip "
            f"FROM {source} ORDER BY memories_fts.rowid DESC LIMIT :candidates) AS c "
            "JOIN memories m ON m.id = c.id ORDER BY c.score, c.id LIMIT :limit",
            params,
        ).fetchall()
        return [
            MemoryHit(memory=memory_from_row(row), score=-float(row["score"]), snippet=row["snip"])
            for row in rows
        ]

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


def _few_rows(
    conn: sqlite3.Connection, agent_id: str | None, status: str | None, session_id: str | None
) -> bool:
    """Whether fewer than SMALL_FILTER_ROWS memories belong to the agent or session: a bounded
    count on their index (the type filter, which needs the rows, only makes the set smaller)."""
    where, params = _filters(agent_id, None, status, session_id)
    count = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM memories WHERE {' AND '.join(where)} "  # noqa: S608 (fixed fragments, values bound)
        "LIMIT :small)",
        {**params, "small": SMALL_FILTER_ROWS},
    ).fetchone()[0]
    return int(count) < SMALL_FILTER_ROWS


def _memory_id(value: Any) -> int:
    # Above 2**63 - 1 SQLite cannot bind it (OverflowError, not a clean error).
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        raise InvalidInput(f"{value!r} is not a memory id; memory ids are positive numbers.")
    return value


def _status(status: str) -> str:
    if status not in MEMORY_STATUSES:
        raise InvalidInput(
            f"{status!r} is not a memory status; use one of {', '.join(MEMORY_STATUSES)}."
        )
    return status


def _filters(
    agent_id: str | None,
    type: str | None,
    status: str | None,
    session_id: str | None,
    prefix: str = "",
) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = []
    params: dict[str, Any] = {}
    if agent_id is not None:
        where.append(f"{prefix}agent_id = :agent")
        params["agent"] = check_agent_id(agent_id)
    if type is not None:
        where.append(f"{prefix}type = :type")
        params["type"] = validate.memory_type(type)
    if status is not None:
        where.append(f"{prefix}status = :status")
        params["status"] = _status(status)
    if session_id is not None:
        where.append(f"{prefix}session_id = :session")
        params["session"] = check_session_id(session_id)
    return where, params
