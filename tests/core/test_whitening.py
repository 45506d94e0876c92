"""Whitened re-ranking of a meaning shortlist (core/semantic/whitening.py): the score is the
cosine of vectors whitened by the memories' own covariance, and it re-orders the shortlist
only once the model has enough vectors for a fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.semantic import vectors, whitening

DIM = 8


def test_the_score_is_the_cosine_of_zca_whitened_vectors() -> None:
    rng = np.random.default_rng(7)
    sample = (rng.normal(size=(200, DIM)) * np.linspace(3, 0.1, DIM)).astype(np.float32)
    mu = sample.mean(0)
    weight = whitening.fit(sample, mu)
    # The same thing through the eigendecomposition: W = (C + s * mean(eig) * I)^(-1/2).
    c = (sample - mu).astype(np.float64)
    values, basis = np.linalg.eigh(c.T @ c / len(c))
    values += whitening.SHRINK * values.mean()
    zca = basis @ np.diag(values**-0.5) @ basis.T
    rows, query = sample[:20], sample[20]
    a, b = (rows - mu) @ zca, (query - mu) @ zca
    expected = a @ b / (np.linalg.norm(a, axis=1) * np.linalg.norm(b))
    got = whitening.cosines(rows, query, mu, weight)
    assert np.abs(got - expected).max() < 1e-4


def _memories(store: Store, vecs: np.ndarray) -> tuple[int, list[int]]:
    store.ensure_agent("agent")
    ids = [
        store.remember(f"synthetic note {i}", agent_id="agent", embed=False).id
        for i in range(len(vecs))
    ]
    with store.db.write() as conn:
        model = vectors.ensure_model(conn, "synthetic", DIM)
        vectors.store(conn, model, ids, vecs.astype(np.float32))
    return model, ids


def _unit(x: np.ndarray) -> np.ndarray:
    unit: np.ndarray = x / np.linalg.norm(x, axis=-1, keepdims=True)
    return unit


def test_a_shortlist_is_reranked_by_the_rare_directions_once_there_are_enough_vectors(
    tmp_path: Path,
) -> None:
    """Memories spread widely along the first direction and hardly along the others: a
    difference along the first says less than one along a rare direction. Of the query's
    shortlist, A differs from it along a rare direction, B further along the common one: A
    wins on centred cosine, B once whitened."""
    rng = np.random.default_rng(3)
    spread = np.array([1.0] + [0.03] * (DIM - 1))
    background = rng.normal(size=(whitening.MIN_ROWS_PER_DIM * DIM - 3, DIM)) * spread
    query = np.array([0.0, 0.3, 0.0] + [0.0] * (DIM - 3))
    a = np.array([0.0, 0.3, 0.4] + [0.0] * (DIM - 3))
    b = np.array([0.55, 0.3, 0.0] + [0.0] * (DIM - 3))
    store = Store(tmp_path / "w.db", clock=ManualClock("2026-01-15T09:00:00Z"))
    try:
        model, ids = _memories(store, _unit(np.vstack([background, a, b])))
        id_a, id_b = ids[-2], ids[-1]
        q = _unit(query).astype(np.float32)
        conn = store.db.conn()

        def shortlist() -> list[vectors.VectorHit]:
            found = vectors.search(conn, model, q, limit=len(ids) + 1)
            return [h for h in found if h.memory_id in (id_a, id_b)]

        hits = shortlist()
        assert [h.memory_id for h in hits] == [id_a, id_b]  # centred cosine: A first
        # One vector short of a fit: the shortlist keeps its order.
        assert whitening.rerank(conn, model, q, hits) == hits
        more, _ = _memories(store, _unit(rng.normal(size=(1, DIM)) * spread))
        assert more == model
        after = shortlist()
        assert [h.memory_id for h in after] == [id_a, id_b]
        reranked = whitening.rerank(conn, model, q, after)
        assert [h.memory_id for h in reranked] == [id_b, id_a]
        assert sorted(reranked, key=after.index) == after  # same hits, centred similarities
    finally:
        store.close()


def test_the_fit_is_made_again_once_the_count_moved_by_a_twentieth(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    store = Store(tmp_path / "w.db", clock=ManualClock("2026-01-15T09:00:00Z"))
    try:
        rows = whitening.MIN_ROWS_PER_DIM * DIM * 2  # 64: a twentieth is 3.2 vectors
        model, ids = _memories(store, _unit(rng.normal(size=(rows, DIM))))
        conn = store.db.conn()
        q = _unit(rng.normal(size=DIM)).astype(np.float32)
        hits = vectors.search(conn, model, q, limit=5)

        def fitted_at() -> int:
            whitening.rerank(conn, model, q, hits)
            path = str(conn.execute("PRAGMA database_list").fetchone()[2])
            return whitening._fits[(path, model)][0]

        assert fitted_at() == rows
        _memories(store, _unit(rng.normal(size=(3, DIM))))
        assert fitted_at() == rows  # 3 more: the fit is kept
        _memories(store, _unit(rng.normal(size=(1, DIM))))
        assert fitted_at() == rows + 4  # 4 more than the fit: fitted again
    finally:
        store.close()
