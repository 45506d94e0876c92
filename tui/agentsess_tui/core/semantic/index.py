"""The process's in-memory index of a database's vectors, for candidate sets too large to read
from SQLite per query (see `vectors.search`): loaded once, then refreshed by the rows added since,
with 256-bit sign codes of the centred vectors for a Hamming shortlist that is re-scored exactly.

Layout, for speed at a million rows (bench/recall.py). The rows live in two segments: `main`,
sorted by agent so that each agent's rows are one contiguous slice (no gather of 100k rows out
of 1M, no scan of a million agent codes per query), and `tail`, the rows added since main was
built, in arrival order; the tail is merged into main (re-sorted) once it holds a sixteenth of
main's rows. Sign codes are stored a 64-bit word per column (`bits[w]`), so the Hamming pass
reads each word of the candidates once, in cache-sized blocks. Above COARSE_ROWS candidates the
first word alone (the sign bits of the first 64 dimensions, which the Matryoshka-trained model
front-loads) picks a coarse shortlist for the full 256-bit pass; that pass picks SHORTLIST rows
for exact int8 cosines. bench/recall.py measures how often this agrees with the exact top 10.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .vectors import VectorHit, _ranked, _scores, centre, dequantise

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# Up to this many candidates are all scored exactly; above it a Hamming shortlist of
# SHORTLIST rows (at least 40 times the hits asked for) is re-scored exactly.
EXACT_ROWS = 8000
SHORTLIST = 8000
# Above this many candidates, the first 64 sign bits pick COARSE rows for the 256-bit pass.
# At a million it saved no time (the gathers of the second pass cost what the first saved) and
# lost agreement with the exact top 10, so it starts only far above that.
COARSE_ROWS = 5_000_000
COARSE = 262_144
# Rows per block of the Hamming pass: its scratch arrays stay in the CPU's cache.
BLOCK = 32_768
# The tail is merged into main once it holds this fraction of main (and at least MIN_TAIL).
TAIL_FRACTION = 16
MIN_TAIL = 4096


@dataclass
class Segment:
    ids: NDArray[np.int64]
    codes: NDArray[np.int8]  # (n, dim) int8 rows as stored
    bits: NDArray[np.uint64]  # (words, n): word w of every row's sign code, contiguous
    agents: NDArray[np.int32]

    def __len__(self) -> int:
        return len(self.ids)


def _empty(dim: int) -> Segment:
    import numpy as np

    words = (dim + 63) // 64
    return Segment(
        np.zeros(0, np.int64),
        np.zeros((0, dim), np.int8),
        np.zeros((words, 0), np.uint64),
        np.zeros(0, np.int32),
    )


def _concat(parts: list[Segment]) -> Segment:
    import numpy as np

    return Segment(
        np.concatenate([p.ids for p in parts]),
        np.concatenate([p.codes for p in parts]),
        np.ascontiguousarray(np.concatenate([p.bits for p in parts], axis=1)),
        np.concatenate([p.agents for p in parts]),
    )


# A part of the candidates: a segment and either a slice of it or the positions in it.
Part = tuple[Segment, "slice | NDArray[np.intp]"]


class Index:
    """One model's vectors of one database, held by this process.

    Before each search it reads `vector_state`: rows added since go to the tail; any removal
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
        self.main = _empty(dim)
        self.tail = _empty(dim)
        self.ranges = np.zeros((0, 2), np.int64)  # agent code -> [start, end) in main
        self.agent_codes: dict[str, int] = {}
        self.mu = np.zeros(dim, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.main) + len(self.tail)

    def refresh(self, conn: sqlite3.Connection) -> None:
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
        parts = [self.tail]
        while True:
            batch = rows.fetchmany(65536)
            if not batch:
                break
            self.seq = int(batch[-1][0])
            parts.append(self._segment(batch))
        if len(parts) > 1:
            self.tail = _concat(parts)
        if len(self.tail) >= max(MIN_TAIL, len(self.main) // TAIL_FRACTION):
            self._merge()
        self.version, self.removals = version, removals

    def _segment(self, batch: list[Any]) -> Segment:
        import numpy as np

        blob = b"".join(r[2] for r in batch)
        codes = np.frombuffer(blob, dtype=np.int8).reshape(len(batch), self.dim)
        packed = np.packbits((dequantise(blob, len(batch), self.dim) - self.mu) > 0, axis=1)
        width = ((self.dim + 63) // 64) * 8
        if packed.shape[1] < width:
            packed = np.pad(packed, ((0, 0), (0, width - packed.shape[1])))
        bits = np.ascontiguousarray(np.ascontiguousarray(packed).view(np.uint64).T)
        codes_ = self.agent_codes
        agents = np.fromiter(
            (codes_.setdefault(r[3], len(codes_)) for r in batch), np.int32, len(batch)
        )
        ids = np.fromiter((r[1] for r in batch), np.int64, len(batch))
        return Segment(ids, codes, bits, agents)

    def _merge(self) -> None:
        """Fold the tail into main, sorted by agent (stable: each agent's rows by arrival)."""
        import numpy as np

        both = _concat([self.main, self.tail])
        order = np.argsort(both.agents, kind="stable")
        self.main = Segment(
            both.ids[order], both.codes[order], both.bits[:, order], both.agents[order]
        )
        self.tail = _empty(self.dim)
        counts = np.bincount(self.main.agents, minlength=len(self.agent_codes))
        ends = np.cumsum(counts)
        self.ranges = np.stack([ends - counts, ends], axis=1).astype(np.int64)

    def _parts(self, agent_id: str | None) -> list[Part] | None:
        import numpy as np

        if agent_id is None:
            return [(self.main, slice(0, len(self.main))), (self.tail, slice(0, len(self.tail)))]
        code = self.agent_codes.get(agent_id)
        if code is None:
            return None
        parts: list[Part] = []
        if code < len(self.ranges):
            start, end = (int(x) for x in self.ranges[code])
            parts.append((self.main, slice(start, end)))
        if len(self.tail):
            parts.append((self.tail, np.flatnonzero(self.tail.agents == code)))
        return parts

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
            parts = self._parts(agent_id)
            if parts is None:
                return []
            total = sum(_size(sel) for _, sel in parts)
            if total == 0:
                return []
            qbits = _query_bits(query, self.mu)
            shortlist = max(SHORTLIST, limit * 40)
            while True:
                chosen = parts if total <= max(EXACT_ROWS, shortlist) else None
                if chosen is None:
                    chosen = _shortlist(parts, qbits, total, shortlist)
                ids, scores = _exact(chosen, query, mu)
                order = np.lexsort((-ids, -scores))
                ids, ranked = ids[order], scores[order]
                passed = _passing(conn, ids, where, params, limit)
                if len(passed) >= limit or len(ids) >= total:
                    break
                shortlist *= 4
            keep = np.isin(ids, np.array(passed, dtype=np.int64))
            return _ranked(ids[keep], ranked[keep], limit)


def _size(sel: slice | NDArray[np.intp]) -> int:
    if isinstance(sel, slice):
        return int(sel.stop) - int(sel.start)
    return len(sel)


def _query_bits(query: NDArray[np.float32], mu: NDArray[np.float32]) -> NDArray[np.uint64]:
    import numpy as np

    packed = np.packbits((query - mu) > 0)
    width = ((len(query) + 63) // 64) * 8
    if len(packed) < width:
        packed = np.pad(packed, (0, width - len(packed)))
    return np.ascontiguousarray(packed).view(np.uint64)


def _distances(
    seg: Segment, sel: slice | NDArray[np.intp], qbits: NDArray[np.uint64], words: int
) -> NDArray[np.uint16]:
    """Hamming distance of the selected rows' first `words` code words to the query's, in
    blocks whose scratch arrays stay in cache (a pass over whole columns is memory-bound)."""
    import numpy as np

    n = _size(sel)
    out = np.empty(n, np.uint16)
    scratch = np.empty(min(n, BLOCK), np.uint64)
    counts = np.empty(min(n, BLOCK), np.uint8)
    base = int(sel.start) if isinstance(sel, slice) else 0
    for start in range(0, n, BLOCK):
        end = min(n, start + BLOCK)
        size = end - start
        x, c, o = scratch[:size], counts[:size], out[start:end]
        for w in range(words):
            column = seg.bits[w]
            if isinstance(sel, slice):
                values = column[base + start : base + end]
            else:
                values = column[sel[start:end]]
            np.bitwise_xor(values, qbits[w], out=x)
            np.bitwise_count(x, out=c)
            if w == 0:
                o[:] = c
            else:
                np.add(o, c, out=o)
    return out


def _best(distance: NDArray[np.uint16], k: int) -> NDArray[np.intp]:
    """Positions of `k` of the smallest distances: a histogram of the few possible values
    instead of a partition of a million; of the rows tied at the threshold, the first."""
    import numpy as np

    if len(distance) <= k:
        return np.arange(len(distance))
    cumulative = np.cumsum(np.bincount(distance))
    threshold = int(np.searchsorted(cumulative, k))
    chosen = distance < threshold
    below = int(cumulative[threshold - 1]) if threshold else 0
    tied = np.flatnonzero(distance == threshold)[: k - below]
    chosen[tied] = True
    return np.flatnonzero(chosen)  # in row order, for the gathers that follow


def _shortlist(
    parts: list[Part], qbits: NDArray[np.uint64], total: int, shortlist: int
) -> list[Part]:
    words = len(qbits)
    if total > COARSE_ROWS and words > 1:
        parts = _pick(parts, qbits, 1, max(COARSE, shortlist * 8))
    return _pick(parts, qbits, words, shortlist)


def _pick(parts: list[Part], qbits: NDArray[np.uint64], words: int, k: int) -> list[Part]:
    """The parts' rows with the `k` smallest distances over the first `words` words."""
    import numpy as np

    distance = [_distances(seg, sel, qbits, words) for seg, sel in parts]
    best = _best(np.concatenate(distance), k)
    picked: list[Part] = []
    offset = 0
    for (seg, sel), d in zip(parts, distance, strict=True):
        mine = best[(best >= offset) & (best < offset + len(d))] - offset
        offset += len(d)
        positions = mine + int(sel.start) if isinstance(sel, slice) else sel[mine]
        picked.append((seg, positions))
    return picked


def _exact(
    parts: list[Part], query: NDArray[np.float32], mu: NDArray[np.float32]
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Ids and exact centred cosines (of the int8 rows) of the parts' rows."""
    import numpy as np

    ids = [seg.ids[sel] for seg, sel in parts]
    vecs = np.concatenate([seg.codes[sel] for seg, sel in parts]).astype(np.float32)
    vecs /= np.maximum(np.sqrt(np.einsum("ij,ij->i", vecs, vecs))[:, None], 1e-12)
    return np.concatenate(ids), _scores(vecs, query, mu)


def _passing(
    conn: sqlite3.Connection,
    ids: NDArray[np.int64],
    where: list[str],
    params: dict[str, Any],
    limit: int,
) -> list[int]:
    """The first `limit` of `ids` (in their order) that the filters allow: asked of SQLite in
    growing chunks, since the best few usually pass and an IN list of 500 costs milliseconds."""
    if not where:
        return [int(i) for i in ids[:limit]]
    passed: list[int] = []
    start, size = 0, max(2 * limit, 16)
    while start < len(ids):
        part = [int(i) for i in ids[start : start + size]]
        start += len(part)
        size = min(size * 4, 500)
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
