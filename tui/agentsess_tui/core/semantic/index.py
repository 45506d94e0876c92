"""The process's in-memory index of a database's vectors, for candidate sets too large to read
from SQLite per query (see `vectors.search`): loaded once, then refreshed by the rows added since,
with 256-bit sign codes of the centred vectors for a Hamming shortlist that is re-scored exactly.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import TYPE_CHECKING, Any

from .vectors import VectorHit, _ranked, _scores, centre, dequantise

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# In the index, up to this many rows of the agent are scored exactly; beyond it a Hamming
# shortlist of the SHORTLIST nearest sign codes is re-scored exactly.
EXACT_ROWS = 50_000
SHORTLIST = 4000


class Index:
    """One model's vectors of one database, held by this process: int8 rows, their agents,
    and 256-bit sign codes (of the centred vectors) for a Hamming shortlist.

    Before each search it reads `vector_state`: rows added since are appended; any removal
    rebuilds it. Filters other than the agent (status, type, session change without
    touching vectors) are checked in SQL on the best candidates, in rank order, widening the
    shortlist until `limit` pass or every candidate was seen, so the answer is the best of
    the memories the filters allow.
    """

    def __init__(self, path: str, model: int, dim: int) -> None:
        import numpy as np

        self.path, self.model, self.dim = path, model, dim
        self.lock = threading.Lock()
        self.version = self.removals = -1
        self.seq = 0
        self.ids = np.zeros(0, dtype=np.int64)
        self.codes = np.zeros((0, dim), dtype=np.int8)
        self.bits = np.zeros((0, (dim + 63) // 64), dtype=np.uint64)
        self.agents = np.zeros(0, dtype=np.int32)
        self.agent_codes: dict[str, int] = {}
        self.mu = np.zeros(dim, dtype=np.float32)

    def refresh(self, conn: sqlite3.Connection) -> None:
        import numpy as np

        version, removals = conn.execute(
            "SELECT version, removals FROM vector_state WHERE id = 1"
        ).fetchone()
        if version == self.version and removals == self.removals:
            return
        if removals != self.removals:
            self.__init__(self.path, self.model, self.dim)  # type: ignore[misc]
            self.mu = centre(conn, self.model)
        rows = conn.execute(
            "SELECT v.seq, v.memory_id, v.vec, m.agent_id FROM memory_vectors v "
            "JOIN memories m ON m.id = v.memory_id WHERE v.model_id = ? AND v.seq > ? "
            "ORDER BY v.seq",
            (self.model, self.seq),
        )
        parts_ids, parts_codes, parts_agents = [self.ids], [self.codes], [self.agents]
        parts_bits = [self.bits]
        while True:
            batch = rows.fetchmany(65536)
            if not batch:
                break
            self.seq = int(batch[-1][0])
            parts_ids.append(np.fromiter((r[1] for r in batch), np.int64, len(batch)))
            blob = b"".join(r[2] for r in batch)
            codes = np.frombuffer(blob, dtype=np.int8).reshape(len(batch), self.dim)
            parts_codes.append(codes)
            parts_bits.append(self._signs(dequantise(blob, len(batch), self.dim)))
            parts_agents.append(
                np.fromiter(
                    (self.agent_codes.setdefault(r[3], len(self.agent_codes)) for r in batch),
                    np.int32,
                    len(batch),
                )
            )
        self.ids = np.concatenate(parts_ids)
        self.codes = np.concatenate(parts_codes)
        self.bits = np.concatenate(parts_bits)
        self.agents = np.concatenate(parts_agents)
        self.version, self.removals = version, removals

    def _signs(self, vecs: NDArray[np.float32]) -> NDArray[np.uint64]:
        import numpy as np

        packed = np.packbits((vecs - self.mu) > 0, axis=1)
        width = self.bits.shape[1] * 8
        if packed.shape[1] < width:
            packed = np.pad(packed, ((0, 0), (0, width - packed.shape[1])))
        return np.ascontiguousarray(packed).view(np.uint64)

    def search(
        self,
        conn: sqlite3.Connection,
        query: NDArray[np.float32],
        mu: NDArray[np.float32],
        where: list[str],
        params: dict[str, Any],
        agent_id: str | None,
        limit: int,
    ) -> list[VectorHit]:
        import numpy as np

        with self.lock:
            self.refresh(conn)
            if agent_id is not None:
                code = self.agent_codes.get(agent_id)
                if code is None:
                    return []
                rows = np.flatnonzero(self.agents == code)
            else:
                rows = np.arange(len(self.ids))
            if len(rows) == 0:
                return []
            distance = None
            if len(rows) > EXACT_ROWS:
                qbits = self._signs(query.reshape(1, -1))[0]
                distance = np.bitwise_count(self.bits[rows] ^ qbits).sum(axis=1)
            shortlist = min(len(rows), max(SHORTLIST, limit * 40))
            while True:
                if distance is None or shortlist >= len(rows):
                    chosen = rows
                else:
                    chosen = rows[np.argpartition(distance, shortlist - 1)[:shortlist]]
                vecs = self.codes[chosen].astype(np.float32)
                vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
                scores = _scores(vecs, query, mu)
                order = np.lexsort((-self.ids[chosen], -scores))
                ids, ranked = self.ids[chosen][order], scores[order]
                passed = _passing(conn, ids, where, params, limit)
                if len(passed) >= limit or len(chosen) == len(rows):
                    break
                shortlist *= 4
            keep = np.isin(ids, np.array(passed, dtype=np.int64))
            return _ranked(ids[keep], ranked[keep], limit)


def _passing(
    conn: sqlite3.Connection,
    ids: NDArray[np.int64],
    where: list[str],
    params: dict[str, Any],
    limit: int,
) -> list[int]:
    """The first `limit` of `ids` (in their order) that the filters allow."""
    if not where:
        return [int(i) for i in ids[:limit]]
    passed: list[int] = []
    for start in range(0, len(ids), 500):
        part = [int(i) for i in ids[start : start + 500]]
        marks = ",".join(f":i{n}" for n in range(len(part)))
        found = {
            row[0]
            for row in conn.execute(
                f"SELECT m.id FROM memories m WHERE m.id IN ({marks}) AND "  # noqa: S608 (fixed fragments, values bound)
                f"{' AND '.join(where)}",
                {**params, **{f"i{n}": value for n, value in enumerate(part)}},
            )
        }
        passed.extend(i for i in part if i in found)
        if len(passed) >= limit:
            return passed[:limit]
    return passed


_indexes: dict[tuple[str, int], Index] = {}
_indexes_lock = threading.Lock()


def index_for(
    conn: sqlite3.Connection, model: int, dim: int, *, create: bool = True
) -> Index | None:
    """This process's index of the database's vectors (made when `create`): once a process
    holds one, every search uses it, since refreshing it costs less than reading rows."""
    path = str(conn.execute("PRAGMA database_list").fetchone()[2] or "")
    if not path:
        return None
    with _indexes_lock:
        index = _indexes.get((path, model))
        if index is not None and index.dim == dim:
            return index
        if not create:
            return None
        if index is None or index.dim != dim:
            index = _indexes[(path, model)] = Index(path, model, dim)
        return index
