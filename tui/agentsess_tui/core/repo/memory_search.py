"""Finding memories by their words: FTS5 with bm25, among the newest candidates that pass
the filters (the agent, type, status and origin session), as SQL on `memories`."""

from __future__ import annotations

import sqlite3
from typing import Any

from .. import search, validate
from ..errors import InvalidInput
from ..ids import check_agent_id, check_session_id
from ..models import MEMORY_STATUSES, MemoryHit
from ..rows import MEMORIES, memory_from_row
from ..schema import agent_token
from ..search import MARK_END, MARK_START, fts_query

# Up to this many memories, a session's ids are collected into a set to filter matches with
# (~1 ms); beyond it, joining each match to its row finds the candidates sooner.
SMALL_FILTER_ROWS = 20_000
# Column weights for bm25: a match in the title counts most, then tags, then content; the
# agent token column (schema.m003) counts for nothing.
BM25_WEIGHTS = "10.0, 1.0, 5.0, 0.0"


def keyword_hits(
    conn: sqlite3.Connection,
    query: str,
    *,
    agent_id: str | None,
    type: str | None,
    status: str | None,
    session_id: str | None,
    limit: int,
) -> list[MemoryHit]:
    """Full-text search ranked by bm25 among the newest matching memories.

    Ranking every match of a frequent word over a million rows takes seconds; ranking a
    bounded candidate set (the newest `search.SEARCH_CANDIDATES` matches that pass the
    filters) keeps every query in milliseconds and favours what the agent learnt recently.
    """
    match = fts_query(query)
    if match is None:
        return []
    where, params = filters(agent_id, type, status, session_id, prefix="m.")
    params.update({"q": match, "limit": limit, "candidates": search.SEARCH_CANDIDATES})
    if agent_id is not None:
        # The agent's token in the same query: FTS5 intersects its postings with the
        # words', instead of walking every match of a frequent word to find the agent's.
        params["q"] = f'"{agent_token(agent_id)}" {match}'
    session_only = agent_id is None and session_id is not None
    if session_only and few_rows(conn, None, status, session_id):
        # A small session: test each match against the set of its memory ids. Joining
        # every match to its row instead reads most of the table when a frequent word has
        # few matches in this session (0.3–0.6 s at 1M memories; see bench/).
        source = (
            "memories_fts WHERE memories_fts MATCH :q AND +memories_fts.rowid IN "  # noqa: S608 (fixed fragments, values bound)
            f"(SELECT m.id FROM memories m WHERE {' AND '.join(where)})"
        )
    else:
        extra = "".join(f" AND {condition}" for condition in where)
        source = (
            "memories_fts JOIN memories m ON m.id = memories_fts.rowid "
            f"WHERE memories_fts MATCH :q{extra}"
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


def few_rows(
    conn: sqlite3.Connection, agent_id: str | None, status: str | None, session_id: str | None
) -> bool:
    """Whether fewer than SMALL_FILTER_ROWS memories belong to the agent or session: a bounded
    count on their index (the type filter, which needs the rows, only makes the set smaller)."""
    where, params = filters(agent_id, None, status, session_id)
    count = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM memories WHERE {' AND '.join(where)} "  # noqa: S608 (fixed fragments, values bound)
        "LIMIT :small)",
        {**params, "small": SMALL_FILTER_ROWS},
    ).fetchone()[0]
    return int(count) < SMALL_FILTER_ROWS


def memory_status(status: str) -> str:
    if status not in MEMORY_STATUSES:
        raise InvalidInput(
            f"{status!r} is not a memory status; use one of {', '.join(MEMORY_STATUSES)}."
        )
    return status


def filters(
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
        params["status"] = memory_status(status)
    if session_id is not None:
        where.append(f"{prefix}session_id = :session")
        params["session"] = check_session_id(session_id)
    return where, params
