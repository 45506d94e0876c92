"""Recall by meaning, the machinery under the store: the offline model (loaded from its wheel,
never at start-up, embedding as wordllama does), quantised vectors, rank fusion, and the
in-memory index with its shortlist. Recall through the store is in test_semantic_recall.py,
the OpenAI-compatible endpoint and the [recall] settings in test_semantic_backends.py."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from fresh_python import run_python

from agentsess_tui.core import Store
from agentsess_tui.core.semantic import hybrid, index, vectors
from agentsess_tui.core.semantic.embedders import OfflineEmbedder


def test_offline_model_loads_from_its_wheel_without_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the offline model tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    embedder = OfflineEmbedder()  # a fresh one: the shared one may be loaded already
    rows = embedder.embed(["I'm vegetarian", "What food should I avoid ordering?", "port 80"])
    assert rows.shape == (3, 256)
    assert abs(float(rows[0] @ rows[0]) - 1.0) < 1e-5
    # Meaning, not noise: the food question is nearer the diet than the port number.
    assert rows[1] @ rows[0] > rows[1] @ rows[2]


def test_the_model_read_from_its_files_embeds_as_wordllama_does() -> None:
    """static_model reads the wheel's files without wordllama's code: same vectors."""
    import wordllama

    from agentsess_tui.core.semantic.static_model import package_dir

    texts = ["I'm vegetarian: no meat or fish.", "  ", "é ü 漢字 🙂 \x00", "port " * 500, ""]
    ours = OfflineEmbedder().embed(texts)
    theirs = wordllama.WordLlama.load(cache_dir=package_dir(), disable_download=True).embed(
        texts, norm=True
    )
    for row, (mine, reference) in enumerate(zip(ours, theirs, strict=True)):
        if texts[row]:
            assert np.abs(mine - reference).max() < 1e-6, texts[row]
        else:
            assert not mine.any()  # no token: a zero vector, never NaN


def test_importing_and_starting_never_loads_numpy_or_the_model() -> None:
    code = (
        "import sys\n"
        "import agentsess_tui.core, agentsess_tui.core.store, agentsess_tui.cli\n"
        "import agentsess_tui.core.semantic.store_hooks\n"
        "from click.testing import CliRunner\n"
        "from agentsess_tui.cli import cli\n"
        "CliRunner().invoke(cli, ['--version'])\n"
        "import agentsess_tui.app.main\n"
        "heavy = ('numpy', 'wordllama', 'tokenizers', 'safetensors')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    assert run_python(code) == ""


def test_quantised_vectors_keep_cosines(store: Store) -> None:
    from agentsess_tui.core.semantic.embedders import offline_embedder

    rows = offline_embedder().embed(["I drive a Subaru", "My car is blue", "Tea at five"])
    back = vectors.dequantise(b"".join(vectors.quantise(rows)), 3, 256)
    exact, approx = rows @ rows.T, back @ back.T
    assert float(abs(exact - approx).max()) < 0.01


def test_fusion_orders_by_reciprocal_rank_and_keyword_first() -> None:
    from agentsess_tui.core.models import Memory, MemoryHit

    def hit(memory_id: int) -> MemoryHit:
        memory = Memory(memory_id, "a", None, "fact", "t", "c", [], 0.8, "active", 0, 0)
        return MemoryHit(memory, 1.0, "")

    meaning = [vectors.VectorHit(3, 0.9), vectors.VectorHit(2, 0.5), vectors.VectorHit(4, 0.05)]
    fused = hybrid.fuse([hit(1), hit(2)], meaning)
    assert [f.memory_id for f in fused] == [2, 1, 3]  # 4 is below the floor
    assert [f.why for f in fused] == ["keyword + meaning 0.50", "keyword", "meaning 0.90"]
    fused = hybrid.fuse([hit(1), hit(2)], meaning, keyword_first=False)
    assert [f.memory_id for f in fused][:2] == [2, 1]  # 1 and 3 tie on rank 1: keyword wins
    assert [f.memory_id for f in hybrid.fuse([], meaning, min_similarity=-1)] == [3, 2, 4]


def test_the_in_memory_index_answers_like_sqlite_and_follows_changes(
    store: Store, agent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above SMALL candidates search uses the process's index (and above EXACT_ROWS its
    Hamming shortlist); both must give the answer the exact SQLite path gives."""
    store.add_agent("other")
    topics = ["tea", "printer", "garden", "invoice", "train", "piano", "dog", "server"]
    for i in range(240):
        topic = topics[i % len(topics)]
        who = agent if i % 3 else "other"
        store.remember(f"Note {i}: something about the {topic}", agent_id=who, embed=False)
    store.search_memories("warm up", mode="semantic")  # indexes everything
    question = "a cup of green tea"

    def ask(**filters: object) -> list[tuple[int, str]]:
        hits = store.search_memories(question, mode="semantic", limit=7, **filters)  # type: ignore[arg-type]
        return [(h.memory.id, f"{h.similarity:.4f}") for h in hits]

    cases = [{}, {"agent_id": agent}, {"agent_id": agent, "status": "deleted"}]
    exact = [ask(**case) for case in cases]
    monkeypatch.setattr(vectors, "SMALL", 10)
    assert [ask(**case) for case in cases] == exact
    monkeypatch.setattr(index, "EXACT_ROWS", 20)
    monkeypatch.setattr(index, "SHORTLIST", 30)
    assert [h[0] for h in ask(agent_id=agent)][:3] == [h[0] for h in exact[1]][:3]
    # The coarse 64-bit pass and small blocks: still the exact best first.
    monkeypatch.setattr(index, "COARSE_ROWS", 50)
    monkeypatch.setattr(index, "COARSE", 120)
    monkeypatch.setattr(index, "BLOCK", 16)
    assert [h[0] for h in ask()][:2] == [h[0] for h in exact[0]][:2]
    assert [h[0] for h in ask(agent_id=agent)][:2] == [h[0] for h in exact[1]][:2]
    # Rows added go to the tail, searched beside main; past MIN_TAIL it merges into main.
    monkeypatch.setattr(index, "MIN_TAIL", 3)
    extra = [
        store.remember(text, agent_id=agent, embed=True).id
        for text in ("a cup of green tea", "the tea garden's printer")
    ]
    assert set(extra) <= {i for i, _ in ask(agent_id=agent)}
    store.remember("Printer toner note", agent_id="other", embed=True)
    assert set(extra) <= {i for i, _ in ask(agent_id=agent)}
    conn = store.db.conn()
    model = vectors.model_id(conn, OfflineEmbedder.name, 256)
    held = index.index_for(conn, model or 0, 256, create=False)
    assert held is not None and len(held) == 243 and len(held.tail) < 3
    assert {i for i, _ in ask(agent_id="other")}.isdisjoint(extra)
    # A new memory is appended to the index; a forgotten one is filtered; a purged one is gone.
    new = store.remember("I drink green tea from a cup", agent_id=agent, embed=True)
    assert ask(agent_id=agent)[0][0] == new.id
    store.forget_memory(new.id)
    assert new.id not in {i for i, _ in ask(agent_id=agent)}
    store.update_memory(new.id, status="active")
    store.forget_memory(new.id, purge=True)
    assert new.id not in {i for i, _ in ask(agent_id=agent)}


def test_the_shortlist_takes_exactly_k_of_the_nearest_codes() -> None:
    """Ties at the threshold are cut to k (a million rows often share a distance)."""
    rng = np.random.default_rng(1)
    for size, k in ((1000, 10), (1000, 999), (50, 3), (20_000, 4000)):
        distance = rng.integers(0, 20, size).astype(np.uint16)
        best = index._best(distance, k)
        assert len(best) == k and (np.diff(best) > 0).all()
        assert distance[best].max() <= np.sort(distance)[k - 1]
    assert len(index._best(np.zeros(100, np.uint16), 7)) == 7
    assert list(index._best(np.array([3, 1, 2], np.uint16), 5)) == [0, 1, 2]
