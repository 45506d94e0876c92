"""One ranking out of two: full-text (FTS5, bm25) and meaning (vector cosine), fused.

Reciprocal rank fusion (Cormack et al., 2009) adds 1 / (K + rank) over the lists a memory
appears in: it needs no calibration between bm25 and cosine, and a memory found both ways
rises above one found either way. When the keyword search matched (every word of the query,
as `search_memories` requires), its hits come before meaning-only ones: a memory holding
every word typed is the strongest evidence there is, so adding meaning never pushes a
keyword match down (hybrid is never worse than keyword on keyword queries).

Every hit says why it matched: `keyword`, `meaning 0.71`, or `keyword + meaning 0.71`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..models import Memory, MemoryHit
from ..search import MARK_END, MARK_START
from . import vectors, whitening
from .embedders import Embedder
from .store_hooks import CATCH_UP

Mode = Literal["keyword", "semantic", "hybrid"]
MODES: tuple[Mode, ...] = ("keyword", "semantic", "hybrid")
RRF_K = 60
# In hybrid mode, meaning-only hits below this centred cosine are left out (the right memory
# scored above it for every query of the evaluation that found it at all); `semantic` mode
# always returns its nearest memories.
MIN_SIMILARITY = 0.1
# Each list contributes this many times the requested hits to the fusion.
DEPTH = 4


@dataclass(frozen=True, slots=True)
class Fused:
    memory_id: int
    score: float
    keyword: MemoryHit | None
    similarity: float | None

    @property
    def why(self) -> str:
        parts = []
        if self.keyword is not None:
            parts.append("keyword")
        if self.similarity is not None:
            parts.append(f"meaning {self.similarity:.2f}")
        return " + ".join(parts)


def fuse(
    keyword: Sequence[MemoryHit],
    meaning: Sequence[vectors.VectorHit],
    *,
    keyword_first: bool = True,
    min_similarity: float = MIN_SIMILARITY,
) -> list[Fused]:
    """Fuse a bm25-ordered and a cosine-ordered list into one, best first."""
    by_id: dict[int, dict[str, Any]] = {}
    for rank, hit in enumerate(keyword, start=1):
        by_id[hit.memory.id] = {"score": 1.0 / (RRF_K + rank), "keyword": hit, "sim": None}
    for rank, found in enumerate(meaning, start=1):
        entry = by_id.get(found.memory_id)
        if entry is None:
            if found.similarity < min_similarity:
                continue
            entry = by_id[found.memory_id] = {"score": 0.0, "keyword": None, "sim": None}
        entry["score"] += 1.0 / (RRF_K + rank)
        entry["sim"] = found.similarity
    fused = [Fused(key, e["score"], e["keyword"], e["sim"]) for key, e in by_id.items()]
    fused.sort(
        key=lambda f: (
            not (keyword_first and f.keyword is not None),
            -f.score,
            f.keyword is None,  # on equal scores a keyword match first
            -(f.similarity or 0.0),
            -f.memory_id,
        )
    )
    return fused


def recall(
    conn: sqlite3.Connection,
    embedder: Embedder,
    query: str,
    *,
    mode: Mode,
    keyword: Callable[[int], list[MemoryHit]],
    load: Callable[[list[int]], dict[int, Memory]],
    write: Callable[[], AbstractContextManager[sqlite3.Connection]],
    where: Iterable[str] = (),
    params: dict[str, Any] | None = None,
    agent_id: str | None = None,
    limit: int = 20,
    keyword_first: bool = True,
    catch_up_budget: int = CATCH_UP,
) -> list[MemoryHit]:
    """Memories for `query` by `mode`, each hit's `why` filled in.

    `keyword(n)` runs the full-text search for n hits with the same filters; `load(ids)`
    reads memories by id; `write()` opens a write transaction (for the catch-up indexing of
    up to `catch_up_budget` memories without a vector; 0: none, a background task indexes
    them); `where`/`params` are the filters as SQL on `memories m`.
    """
    where = list(where)
    params = dict(params or {})
    depth = max(limit * DEPTH, 50)
    words = keyword(depth) if mode != "semantic" else []
    if mode == "keyword":
        return [replace(hit, why="keyword") for hit in words[:limit]]
    if not words and not _any_memory(conn, where, params):
        # Nothing to rank: the model is not loaded for it (its tokenizer holds the GIL for
        # ~170 ms while it loads, a stall of the TUI's first reply for an agent with none).
        return []
    vector = embedder.embed([query])[0]
    model = vectors.model_id(conn, embedder.name, int(vector.shape[0]))
    if catch_up_budget > 0:
        catch_up(conn, embedder, write, int(vector.shape[0]), budget=catch_up_budget)
    if model is None:
        model = vectors.model_id(conn, embedder.name, int(vector.shape[0]))
    meaning = (
        []
        if model is None
        else whitening.rerank(
            conn,
            model,
            vector,
            vectors.search(
                conn, model, vector, where=where, params=params, agent_id=agent_id, limit=depth
            ),
        )
    )
    floor = MIN_SIMILARITY if mode == "hybrid" else -1.0
    fused = fuse(words, meaning, keyword_first=keyword_first, min_similarity=floor)[:limit]
    missing = [f.memory_id for f in fused if f.keyword is None]
    rows = load(missing) if missing else {}
    hits: list[MemoryHit] = []
    for item in fused:
        if item.keyword is not None:
            hits.append(replace(item.keyword, why=item.why, similarity=item.similarity))
        elif item.memory_id in rows:
            hits.append(
                MemoryHit(
                    memory=rows[item.memory_id],
                    score=item.score,
                    snippet=plain_start(rows[item.memory_id].content),
                    why=item.why,
                    similarity=item.similarity,
                )
            )
    return hits


# (database file, model) -> (vector_state.removals, highest memory id known to have a
# vector): the next catch-up looks only above it, an index range instead of a table scan.
_indexed_up_to: dict[tuple[str, int], tuple[int, int]] = {}


def _any_memory(conn: sqlite3.Connection, where: list[str], params: dict[str, Any]) -> bool:
    clause = " AND ".join(where) or "1"
    return bool(
        conn.execute(
            f"SELECT EXISTS (SELECT 1 FROM memories m WHERE {clause})",  # noqa: S608 (filters' SQL)
            params,
        ).fetchone()[0]
    )


def plain_start(content: str, width: int = 100) -> str:
    """A meaning-only hit's snippet: the start of the memory, without match markers (no
    word matched), and without the marker characters should the content hold them."""
    flat = " ".join(content.replace(MARK_START, " ").replace(MARK_END, " ").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def catch_up(
    conn: sqlite3.Connection,
    embedder: Embedder,
    write: Callable[[], AbstractContextManager[sqlite3.Connection]],
    dim: int,
    *,
    budget: int = CATCH_UP,
) -> int:
    """Embed up to `budget` memories that have no vector yet (any agent, oldest first);
    returns how many it embedded (fewer than `budget`: none is left)."""
    model = vectors.model_id(conn, embedder.name, dim)
    path = str(conn.execute("PRAGMA database_list").fetchone()[2] or "")
    removals = int(conn.execute("SELECT removals FROM vector_state").fetchone()[0])
    seen_removals, after = _indexed_up_to.get((path, model or 0), (-1, 0))
    if seen_removals != removals:
        after = 0
    pending = vectors.unindexed(conn, model, after_id=after, limit=budget + 1)
    if not pending:
        top = conn.execute("SELECT max(id) FROM memories").fetchone()[0] or 0
        if path and model is not None:
            _indexed_up_to[(path, model)] = (removals, int(top))
        return 0
    todo = pending[:budget]
    made = embedder.embed([text for _, text in todo])
    with write() as wconn:
        model = vectors.ensure_model(wconn, embedder.name, dim)
        # Only rows still without a vector: another process may have indexed them meanwhile.
        fresh = {
            memory_id
            for memory_id, _ in vectors.unindexed(wconn, model, after_id=after, limit=budget + 1)
        }
        keep = [i for i, (memory_id, _) in enumerate(todo) if memory_id in fresh]
        vectors.store(wconn, model, [todo[i][0] for i in keep], made[keep])
        removals = int(wconn.execute("SELECT removals FROM vector_state").fetchone()[0])
    if path:
        _indexed_up_to[(path, model)] = (removals, todo[-1][0])
    return len(todo)
