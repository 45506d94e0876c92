"""Vectors beside memories: one int8 row per memory and model, and search by cosine.

Storage. `memory_vectors` (schema m005) keeps each memory's unit vector quantised to int8
(one byte a dimension: 256 bytes for the offline model, ~300 bytes a row with SQLite's
overhead, against 1 KiB for float32). Quantising by the row's own largest component and
normalising again when reading keeps cosines within ~0.005 of float32, far below the gaps
that decide a ranking. `vector_models` names each model with its dimension, so vectors of a
previous model are never compared with a new one's queries.

Centring. Static word-vector models put every sentence in a narrow cone: unrelated memories
share a large common direction (function words, the style of notes), which drowns the topic
when an agent has hundreds of memories. Subtracting the mean of the stored vectors before
comparing ("all-but-the-top", Mu & Viswanath 2018) lifted recall@5 on the evaluation set from
0.71 to 0.78 with 300 unrelated memories per agent. The mean is kept as a running sum per
model, updated in the same transaction as the vectors, and shrunk towards zero while few
vectors exist (a lone memory's mean is itself). Recall then re-ranks the shortlist this finds
by whitened cosine (whitening.py: the spread of the stored vectors divided out too).

Search reads the candidates the filters allow (agent, type, status, origin session: the SQL
`where` the caller built, applied before ranking) and scores them with numpy in chunks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..rows import lastrowid

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# The mean is total / (count + SHRINK): with a handful of vectors it stays near zero.
SHRINK = 50
# Rows scored per numpy pass: bounds the float32 copy (8 MiB for 256 dimensions).
CHUNK = 8192
# Up to this many candidates (after the filters), search reads them from SQLite and scores
# them exactly; above it, the process's in-memory index serves (one load, then increments).
SMALL = 20_000


@dataclass(frozen=True, slots=True)
class VectorHit:
    memory_id: int
    similarity: float  # centred cosine, -1 to 1


def model_id(conn: sqlite3.Connection, name: str, dim: int) -> int | None:
    """The id of `name` at `dim` dimensions in `vector_models`, None when it has none yet."""
    row = conn.execute(
        "SELECT id FROM vector_models WHERE name = ? AND dim = ?", (name, dim)
    ).fetchone()
    return None if row is None else int(row[0])


def ensure_model(conn: sqlite3.Connection, name: str, dim: int) -> int:
    """`model_id`, creating the model's row in a write transaction when it is new."""
    found = model_id(conn, name, dim)
    if found is not None:
        return found
    cursor = conn.execute(
        "INSERT INTO vector_models (name, dim, total, count) VALUES (?, ?, ?, 0)",
        (name, dim, bytes(8 * dim)),
    )
    return lastrowid(cursor)


def quantise(vectors: NDArray[np.float32]) -> list[bytes]:
    """int8 rows, each scaled so its largest component is ±127."""
    import numpy as np

    peak = np.abs(vectors).max(axis=1, keepdims=True)
    peak[peak == 0] = 1.0
    codes = np.rint(vectors * (127.0 / peak)).astype(np.int8)
    return [row.tobytes() for row in codes]


def dequantise(blob: bytes | bytearray, count: int, dim: int) -> NDArray[np.float32]:
    import numpy as np

    rows = np.frombuffer(blob, dtype=np.int8, count=count * dim).reshape(count, dim)
    floats = rows.astype(np.float32)
    norms = np.linalg.norm(floats, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    floats /= norms
    return floats


def store(
    conn: sqlite3.Connection, model: int, ids: Sequence[int], vectors: NDArray[np.float32]
) -> None:
    """Write (or replace) the vectors of `ids`; call inside the caller's write transaction."""
    import numpy as np

    if len(ids) == 0:
        return
    blobs = quantise(vectors)
    replaced = _stored(conn, model, ids)
    # Delete, then insert: a replaced row must count as a removal for in-memory copies.
    conn.executemany("DELETE FROM memory_vectors WHERE memory_id = ?", [(i,) for i in ids])
    conn.executemany(
        "INSERT INTO memory_vectors (memory_id, model_id, vec) VALUES (?, ?, ?)",
        [(memory_id, model, blob) for memory_id, blob in zip(ids, blobs, strict=True)],
    )
    total_blob, dim = conn.execute(
        "SELECT total, dim FROM vector_models WHERE id = ?", (model,)
    ).fetchone()
    total = np.frombuffer(total_blob, dtype=np.float64).copy()
    total += vectors.astype(np.float64).sum(axis=0)
    if replaced:
        total -= dequantise(b"".join(replaced.values()), len(replaced), dim).sum(axis=0)
    conn.execute(
        "UPDATE vector_models SET total = ?, count = count + ? WHERE id = ?",
        (total.tobytes(), len(ids) - len(replaced), model),
    )


def _stored(conn: sqlite3.Connection, model: int, ids: Sequence[int]) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        marks = ",".join("?" * len(part))
        found.update(
            conn.execute(
                f"SELECT memory_id, vec FROM memory_vectors WHERE model_id = ? "  # noqa: S608 (placeholders only)
                f"AND memory_id IN ({marks})",
                (model, *part),
            ).fetchall()
        )
    return found


def centre(conn: sqlite3.Connection, model: int) -> NDArray[np.float32]:
    """The shrunk mean of the model's stored vectors."""
    import numpy as np

    total_blob, count = conn.execute(
        "SELECT total, count FROM vector_models WHERE id = ?", (model,)
    ).fetchone()
    total = np.frombuffer(total_blob, dtype=np.float64)
    return (total / (max(int(count), 0) + SHRINK)).astype(np.float32)


def search(
    conn: sqlite3.Connection,
    model: int,
    query: NDArray[np.float32],
    *,
    where: Iterable[str] = (),
    params: dict[str, Any] | None = None,
    agent_id: str | None = None,
    limit: int = 20,
) -> list[VectorHit]:
    """The `limit` memories most similar to `query` among those `where` allows.

    `where` holds conditions on `memories m` (the caller's filters, values bound in
    `params`; `agent_id` repeats the agent filter for the in-memory index), so filtering
    happens before ranking and a filter never empties a ranking. A process that holds an
    in-memory index searches it; otherwise up to SMALL candidates are read from SQLite and
    scored exactly, and more make the process build its index.
    """
    where = list(where)
    params = dict(params or {})
    if limit <= 0:
        return []
    from .index import index_for  # the in-memory index, for large candidate sets

    held = index_for(conn, model, int(query.shape[0]), create=False)
    if held is None and _fewer_than(conn, where, params, SMALL):
        return _search_sql(conn, model, query, where, params, limit)
    index = held or index_for(conn, model, int(query.shape[0]))
    if index is None:
        return _search_sql(conn, model, query, where, params, limit)
    return index.search(conn, query, centre(conn, model), where, params, agent_id, limit)


def _fewer_than(
    conn: sqlite3.Connection, where: list[str], params: dict[str, Any], bound: int
) -> bool:
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    found = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM memories m {clause} LIMIT :bound)",  # noqa: S608 (fixed fragments, values bound)
        {**params, "bound": bound},
    ).fetchone()[0]
    return int(found) < bound


def _scores(
    vecs: NDArray[np.float32], query: NDArray[np.float32], mu: NDArray[np.float32]
) -> NDArray[np.float32]:
    """Centred cosine of unit rows `vecs` with `query`, without copying the rows: with
    c = v - mu, c·(q - mu) = v·q - v·mu - q·mu + mu·mu and |c|² = 1 - 2 v·mu + mu·mu."""
    import numpy as np

    q = query.astype(np.float32)
    q_norm = float(np.linalg.norm(q - mu)) or 1.0
    dots = vecs @ np.stack([q, mu], axis=1)
    mu_sq = float(mu @ mu)
    numerator = dots[:, 0] - dots[:, 1] - float(q @ mu) + mu_sq
    v_norm = np.sqrt(np.maximum(1.0 - 2.0 * dots[:, 1] + mu_sq, 1e-12))
    scores: NDArray[np.float32] = (numerator / (v_norm * q_norm)).astype(np.float32)
    return scores


def _search_sql(
    conn: sqlite3.Connection,
    model: int,
    query: NDArray[np.float32],
    where: list[str],
    params: dict[str, Any],
    limit: int,
) -> list[VectorHit]:
    import numpy as np

    dim = int(query.shape[0])
    conditions = ["v.model_id = :model", *where]
    # CROSS JOIN: walk the filtered memories (by their indexes) and look each vector up, not
    # the other way round.
    rows = conn.execute(
        "SELECT m.id, v.vec FROM memories m CROSS JOIN memory_vectors v "  # noqa: S608 (fixed fragments, values bound)
        f"ON v.memory_id = m.id WHERE {' AND '.join(conditions)}",
        {**params, "model": model},
    )
    mu = centre(conn, model)
    best_ids: list[NDArray[np.int64]] = []
    best_scores: list[NDArray[np.float32]] = []
    while True:
        batch = rows.fetchmany(CHUNK)
        if not batch:
            break
        ids = np.fromiter((row[0] for row in batch), dtype=np.int64, count=len(batch))
        scores = _scores(dequantise(b"".join(row[1] for row in batch), len(batch), dim), query, mu)
        keep = _top(scores, limit)
        best_ids.append(ids[keep])
        best_scores.append(scores[keep])
    if not best_ids:
        return []
    return _ranked(np.concatenate(best_ids), np.concatenate(best_scores), limit)


def _ranked(ids: NDArray[np.int64], scores: NDArray[np.float32], limit: int) -> list[VectorHit]:
    import numpy as np

    # Best first; equal scores keep the newer memory first, like the keyword ranking's ties.
    order = np.lexsort((-ids, -scores))[:limit]
    return [VectorHit(int(ids[i]), float(scores[i])) for i in order]


def _top(scores: NDArray[np.float32], limit: int) -> NDArray[np.intp]:
    import numpy as np

    if len(scores) <= limit:
        return np.arange(len(scores))
    return np.argpartition(-scores, limit - 1)[:limit]


def unindexed(
    conn: sqlite3.Connection,
    model: int | None,
    *,
    where: Iterable[str] = (),
    params: dict[str, Any] | None = None,
    after_id: int = 0,
    limit: int = 1000,
) -> list[tuple[int, str]]:
    """(id, text) of memories `where` allows that have no vector of `model`, oldest first."""
    conditions = ["m.id > :after", *where]
    return [
        (int(row[0]), text_of(row[1], row[2]))
        for row in conn.execute(
            "SELECT m.id, m.title, m.content FROM memories m "  # noqa: S608 (fixed fragments, values bound)
            "LEFT JOIN memory_vectors v ON v.memory_id = m.id AND v.model_id = :model "
            f"WHERE v.memory_id IS NULL AND {' AND '.join(conditions)} "
            "ORDER BY m.id LIMIT :limit",
            {
                **(params or {}),
                "model": -1 if model is None else model,
                "after": after_id,
                "limit": limit,
            },
        )
    ]


def count_unindexed(conn: sqlite3.Connection, model: int | None) -> int:
    """Memories (any status) without a vector of `model`."""
    return int(
        conn.execute(
            "SELECT (SELECT count(*) FROM memories) - "
            "(SELECT count(*) FROM memory_vectors WHERE model_id = ?)",
            (-1 if model is None else model,),
        ).fetchone()[0]
    )


def text_of(title: str, content: str) -> str:
    """What gets embedded: the content, and the title when it is not derived from it (a
    repeated start would count its words twice in the model's average)."""
    flat = " ".join(content.split())
    if title.rstrip("…") and flat.startswith(title.rstrip("…")):
        return content
    return f"{title}\n{content}"
