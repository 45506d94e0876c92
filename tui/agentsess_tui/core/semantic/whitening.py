"""Re-ranking a meaning shortlist by whitened cosine: the memories' own covariance, shrunk.

A static word-vector model spends most of its variance on a few directions that every note
shares (style, function words); centring (vectors.py) removes their mean but not their
spread, so two memories still look alike along them more than along their topics. Whitening
divides each direction by its spread among the stored memories (Su et al. 2021, "Whitening
sentence representations"), shrunk toward the identity so that rare directions are not blown
up: with C the covariance of the centred vectors and m its mean eigenvalue,

    score(q, v) = c_q' M c_v / sqrt(c_q' M c_q * c_v' M c_v),   M = (C + SHRINK * m * I)^-1

(the cosine of the vectors whitened by M^1/2, without the eigendecomposition). On the
evaluation set it lifted recall@5 from 0.78 to 0.805, flat for SHRINK from 2 to 7
(bench/results/recall-levers.md).

Only the shortlist that the centred cosine found is re-ranked (a few dozen rows read back by
id): the sign codes, the in-memory index and the similarity shown ("meaning 0.71") stay
those of the centred cosine. The matrix is fitted per process from the stored vectors (all
of them up to SAMPLE, else SAMPLE spread evenly over their sequence), and fitted again once
the model's count moved by a twentieth: the fit takes 20-35 ms (reading the rows aside), and
nothing is stored. Below MIN_ROWS_PER_DIM vectors a dimension there is no fit: a covariance of
fewer rows than a few times the dimensions describes those memories, not the model's common
directions, and dividing by it would flatten the very directions that tell them apart.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .vectors import VectorHit, centre, dequantise

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

SHRINK = 3.0
SAMPLE = 8192
# In dimensions: a 256-dimension model needs 1,024 stored vectors.
MIN_ROWS_PER_DIM = 4
# Fitted again when the model's vector count differs from the fit's by more than this part.
REFIT = 20

_fits: dict[tuple[str, int], tuple[int, NDArray[np.float32], NDArray[np.float32]]] = {}
_fits_lock = threading.Lock()


def rerank(
    conn: sqlite3.Connection, model: int, query: NDArray[np.float32], hits: Sequence[VectorHit]
) -> list[VectorHit]:
    """`hits` (a centred-cosine shortlist) in whitened-cosine order; as they are when the
    model has too few vectors for a fit."""
    if len(hits) < 2:
        return list(hits)
    fit = _fit_for(conn, model, int(query.shape[0]))
    if fit is None:
        return list(hits)
    mu, weight = fit
    ids = [hit.memory_id for hit in hits]
    marks = ",".join("?" * len(ids))
    rows = dict(
        conn.execute(
            f"SELECT memory_id, vec FROM memory_vectors WHERE model_id = ? "  # noqa: S608 (placeholders only)
            f"AND memory_id IN ({marks})",
            (model, *ids),
        ).fetchall()
    )
    if len(rows) != len(ids):  # a memory re-embedded or deleted meanwhile: keep the order
        return list(hits)
    dim = int(query.shape[0])
    scores = cosines(dequantise(b"".join(rows[i] for i in ids), len(ids), dim), query, mu, weight)
    # Best first; equal scores keep the centred order.
    order = sorted(range(len(hits)), key=lambda i: (-float(scores[i]), i))
    return [hits[i] for i in order]


def cosines(
    rows: NDArray[np.float32],
    query: NDArray[np.float32],
    mu: NDArray[np.float32],
    weight: NDArray[np.float32],
) -> NDArray[np.float32]:
    """The whitened cosine of each of `rows` with `query`, both centred on `mu`."""
    import numpy as np

    c = rows - mu
    q = query.astype(np.float32) - mu
    mq = weight @ q
    q_norm = float(np.sqrt(max(float(q @ mq), 1e-12)))
    c_norm = np.sqrt(np.maximum(np.einsum("ij,ij->i", c @ weight, c), 1e-12))
    scores: NDArray[np.float32] = ((c @ mq) / (c_norm * q_norm)).astype(np.float32)
    return scores


def _fit_for(
    conn: sqlite3.Connection, model: int, dim: int
) -> tuple[NDArray[np.float32], NDArray[np.float32]] | None:
    path = str(conn.execute("PRAGMA database_list").fetchone()[2] or "")
    count = int(
        conn.execute("SELECT count FROM vector_models WHERE id = ?", (model,)).fetchone()[0]
    )
    if count < MIN_ROWS_PER_DIM * dim:
        return None
    key = (path, model)
    with _fits_lock:
        held = _fits.get(key)
    fresh = held is not None and abs(count - held[0]) * REFIT <= held[0]
    if held is not None and fresh and held[2].shape[0] == dim:
        return held[1], held[2]
    mu = centre(conn, model)
    weight = fit(_sample(conn, model, dim, count), mu)
    if path:
        with _fits_lock:
            _fits[key] = (count, mu, weight)
    return mu, weight


def fit(vectors: NDArray[np.float32], mu: NDArray[np.float32]) -> NDArray[np.float32]:
    """M = (C + SHRINK * mean eigenvalue * I)^-1 of the rows centred on `mu`."""
    import numpy as np

    c = (vectors - mu).astype(np.float64)
    cov = c.T @ c / max(len(c), 1)
    dim = cov.shape[0]
    ridge = SHRINK * float(np.trace(cov)) / dim
    weight: NDArray[np.float32] = np.linalg.inv(cov + ridge * np.eye(dim)).astype(np.float32)
    return weight


def _sample(conn: sqlite3.Connection, model: int, dim: int, count: int) -> NDArray[np.float32]:
    """The model's vectors: every one up to SAMPLE, else SAMPLE spread evenly by sequence (the
    same rows in every process, so every process ranks alike)."""
    if count <= SAMPLE:
        rows = conn.execute(
            "SELECT vec FROM memory_vectors WHERE model_id = ?", (model,)
        ).fetchall()
    else:
        low, high = conn.execute(
            "SELECT min(seq), max(seq) FROM memory_vectors WHERE model_id = ?", (model,)
        ).fetchone()
        step = (high - low) / SAMPLE
        seqs = sorted({int(low + i * step) for i in range(SAMPLE)})
        rows = []
        for start in range(0, len(seqs), 500):
            part = seqs[start : start + 500]
            rows += conn.execute(
                f"SELECT vec FROM memory_vectors WHERE model_id = ? "  # noqa: S608 (placeholders only)
                f"AND seq IN ({','.join('?' * len(part))})",
                (model, *part),
            ).fetchall()
    return dequantise(b"".join(row[0] for row in rows), len(rows), dim)
