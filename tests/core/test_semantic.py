"""Recall by meaning through the real store: the offline model, vectors beside memories,
hybrid ranking with filters before it, consolidation, and the OpenAI-compatible endpoint."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from embeddings_server import EmbeddingsServer, serve
from fresh_python import run_python

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.config import RecallSettings, Settings, load_settings, resolve_paths
from agentsess_tui.core.errors import BackendError, InvalidInput, SessionExpired
from agentsess_tui.core.semantic import hybrid, index, vectors
from agentsess_tui.core.semantic.embedders import OfflineEmbedder, OpenAIEmbedder

from .helpers import count


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


def _hybrid_store(store: Store, agent: str) -> dict[str, int]:
    texts = {
        "diet": "I'm vegetarian: no meat or fish for me.",
        "car": "I drive a blue 2019 Subaru Outback.",
        "dog": "My dog is called Biscuit, a beagle.",
        "server": "The build server was restarted on Monday.",
    }
    return {key: store.remember(text, agent_id=agent).id for key, text in texts.items()}


def test_semantic_recall_finds_by_meaning_and_says_why(store: Store, agent: str) -> None:
    ids = _hybrid_store(store, agent)
    assert store.search_memories("what food should I avoid ordering?", agent_id=agent) == []
    hits = store.search_memories(
        "what food should I avoid ordering?", agent_id=agent, mode="hybrid"
    )
    assert hits[0].memory.id == ids["diet"]
    assert hits[0].why.startswith("meaning 0.")
    assert hits[0].similarity is not None and 0 < hits[0].similarity <= 1
    hits = store.search_memories("what is the name of my pet", agent_id=agent, mode="semantic")
    assert hits[0].memory.id == ids["dog"]
    assert len(hits) == 4  # semantic mode ranks every candidate


def test_keyword_hits_come_first_and_say_both(store: Store, agent: str) -> None:
    ids = _hybrid_store(store, agent)
    hits = store.search_memories("Subaru", agent_id=agent, mode="hybrid")
    assert hits[0].memory.id == ids["car"]
    assert hits[0].why.startswith("keyword + meaning")
    assert "\x02Subaru\x03" in hits[0].snippet


def test_filters_apply_before_ranking(store: Store, agent: str, clock: ManualClock) -> None:
    store.add_agent("other")
    mine = store.remember("I'm vegetarian: no meat or fish for me.", agent_id=agent)
    theirs = store.remember("I'm vegetarian: no meat or fish for me.", agent_id="other")
    goal = store.remember("I want to eat only plants.", agent_id=agent, type="goal")
    question = "what food should I avoid?"
    for mode in ("semantic", "hybrid"):
        found = store.search_memories(question, agent_id=agent, mode=mode)
        assert theirs.id not in {h.memory.id for h in found}
        found = store.search_memories(question, agent_id=agent, type="goal", mode=mode)
        assert [h.memory.id for h in found] == [goal.id]
        # However many other memories rank higher, a filter never empties the ranking.
        store.forget_memory(mine.id)
        assert mine.id not in {h.memory.id for h in store.search_memories(question, mode=mode)}
        deleted = store.search_memories(question, status="deleted", mode=mode)
        assert [h.memory.id for h in deleted] == [mine.id]
        store.update_memory(mine.id, status="active")


def test_vectors_are_tagged_written_on_demand_and_dropped_when_words_change(
    store: Store, agent: str, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentsess_tui.core.semantic import embedders

    monkeypatch.setattr(embedders, "_offline", None)  # as in a new process: not loaded yet
    first = store.remember("The deadline is Friday.", agent_id=agent)
    assert count(db_path, "SELECT count(*) FROM memory_vectors") == 0  # model not asked for
    second = store.remember("The office cat is named Tom.", agent_id=agent, embed=True)
    assert count(db_path, "SELECT count(*) FROM memory_vectors") == 1
    # Loaded now, so later writes embed in their own transaction without being asked.
    third = store.remember("Lunch is at noon.", agent_id=agent)
    assert count(db_path, "SELECT count(*) FROM memory_vectors") == 2
    # The first recall by meaning catches up on the memory written before the model loaded.
    store.search_memories("when is the due date", agent_id=agent, mode="semantic")
    conn = sqlite3.connect(db_path)
    rows = conn.execute(
        "SELECT v.memory_id, m.name, m.dim, length(v.vec) FROM memory_vectors v "
        "JOIN vector_models m ON m.id = v.model_id ORDER BY v.memory_id"
    ).fetchall()
    assert rows == [
        (memory.id, "wordllama-l2-supercat-256", 256, 256) for memory in (first, second, third)
    ]
    store.update_memory(first.id, content="The deadline moved to Monday.")
    assert count(db_path, "SELECT count(*) FROM memory_vectors") == 2
    store.update_memory(second.id, tags=["office"])  # words of the index unchanged
    assert count(db_path, "SELECT count(*) FROM memory_vectors") == 2
    store.forget_memory(third.id, purge=True)
    assert count(db_path, "SELECT count(*) FROM memory_vectors") == 1


def test_quantised_vectors_keep_cosines(store: Store) -> None:
    from agentsess_tui.core.semantic.embedders import offline_embedder

    rows = offline_embedder().embed(["I drive a Subaru", "My car is blue", "Tea at five"])
    back = vectors.dequantise(b"".join(vectors.quantise(rows)), 3, 256)
    exact, approx = rows @ rows.T, back @ back.T
    assert float(abs(exact - approx).max()) < 0.01


def test_a_near_duplicate_supersedes_and_editing_the_status_undoes_it(
    store: Store, agent: str
) -> None:
    store.add_agent("other")
    old = store.remember("I am allergic to peanuts.", agent_id=agent, embed=True)
    elsewhere = store.remember("I am allergic to peanuts.", agent_id="other", embed=True)
    unrelated = store.remember("The build server restarts on Monday.", agent_id=agent)
    new = store.remember("I'm allergic to peanuts.", agent_id=agent, embed=True)
    assert new.supersedes == old.id
    assert store.get_memory(new.id).supersedes == old.id
    assert store.get_memory(old.id).status == "superseded"
    assert store.get_memory(elsewhere.id).status == "active"  # another agent's: untouched
    assert store.get_memory(unrelated.id).status == "active"
    found = store.search_memories("peanut allergy", agent_id=agent, mode="hybrid")
    assert old.id not in {h.memory.id for h in found}
    assert store.update_memory(old.id, status="active").status == "active"
    # Distinct memories of the same subject are not duplicates.
    other = store.remember("My sister is allergic to cats.", agent_id=agent, embed=True)
    assert other.supersedes is None


def test_consolidation_can_be_turned_off(db_path: Path, clock: ManualClock) -> None:
    settings = Settings(recall=RecallSettings(duplicate_similarity=1.0))
    store = Store(db_path, clock=clock, settings=settings)
    store.add_agent("bot")
    old = store.remember("I am allergic to peanuts.", agent_id="bot", embed=True)
    new = store.remember("I am allergic to peanuts.", agent_id="bot", embed=True)
    assert new.supersedes is None
    assert store.get_memory(old.id).status == "active"


def test_bad_mode_is_a_clear_error(store: Store, agent: str) -> None:
    with pytest.raises(InvalidInput, match="not a recall mode"):
        store.search_memories("x", mode="fuzzy")


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


@pytest.fixture
def embeddings(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddingsServer]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    yield from serve()


def _endpoint_store(db_path: Path, clock: ManualClock, url: str) -> Store:
    recall = RecallSettings(embedder="openai", base_url=url, model="embed-test", api_key="sk-9")
    return Store(db_path, clock=clock, settings=Settings(recall=recall))


def test_openai_compatible_endpoint(
    embeddings: EmbeddingsServer, db_path: Path, clock: ManualClock
) -> None:
    store = _endpoint_store(db_path, clock, embeddings.url)
    store.add_agent("bot")
    tea = store.remember("green tea in the morning", agent_id="bot")
    store.remember("the printer is broken", agent_id="bot")
    headers, body = embeddings.requests[0]
    assert headers["Authorization"] == "Bearer sk-9"
    assert body == {"model": "embed-test", "input": ["green tea in the morning"]}
    hits = store.search_memories("morning tea please", agent_id="bot", mode="semantic")
    assert hits[0].memory.id == tea.id
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT name, dim FROM vector_models").fetchall() == [
        ("openai:embed-test", 32)
    ]
    assert "sk-9" not in repr(OpenAIEmbedder(embeddings.url, "m", api_key="sk-9"))


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"data": "x"}',
        b'{"data": [{"index": 0, "embedding": [1, "a"]}]}',
        b'{"data": [{"index": 0, "embedding": [1e999]}]}',
        b'{"data": [{"index": 3, "embedding": [1.0]}]}',
        b'{"data": []}',
    ],
)
def test_a_hostile_endpoint_answer_is_refused(
    embeddings: EmbeddingsServer, body: bytes, db_path: Path, clock: ManualClock
) -> None:
    embeddings.body = body
    embedder = OpenAIEmbedder(embeddings.url, "m")
    with pytest.raises(BackendError, match="not embeddings"):
        embedder.embed(["hello"])


def test_a_failing_endpoint_keeps_writes_and_keyword_search_working(
    closed_port: int, embeddings: EmbeddingsServer, db_path: Path, clock: ManualClock
) -> None:
    store = _endpoint_store(db_path, clock, f"http://127.0.0.1:{closed_port}/v1")
    store.add_agent("bot")
    memory = store.remember("green tea in the morning", agent_id="bot")
    assert count(db_path, "SELECT count(*) FROM memory_vectors") == 0
    hits = store.search_memories("green tea", agent_id="bot", mode="hybrid")
    assert [h.memory.id for h in hits] == [memory.id]
    with pytest.raises(BackendError, match="failed"):
        store.search_memories("green tea", agent_id="bot", mode="semantic")
    embeddings.status, embeddings.body = 401, b'{"error": "bad key"}'
    store = _endpoint_store(db_path, clock, embeddings.url)
    with pytest.raises(BackendError, match="HTTP 401"):
        store.search_memories("green tea", agent_id="bot", mode="semantic")


def test_recall_off_is_keywords_only(db_path: Path, clock: ManualClock) -> None:
    store = Store(db_path, clock=clock, settings=Settings(recall=RecallSettings(embedder="off")))
    store.add_agent("bot")
    memory = store.remember("green tea", agent_id="bot", embed=True)
    assert [h.memory.id for h in store.search_memories("green", mode="hybrid")] == [memory.id]
    with pytest.raises(BackendError, match="off"):
        store.search_memories("green", mode="semantic")
    assert replace(RecallSettings(), embedder="off").embedder == "off"


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


def test_recall_settings_from_the_environment(home: Path) -> None:
    """[recall] by its field paths; the documented short names are aliases (the path wins);
    a misspelt field or a bad value is a clear error."""
    paths = resolve_paths({"AGENTSESS_HOME": str(home)})
    loaded = load_settings(
        paths,
        {
            "AGENTSESS_RECALL__EMBEDDER": "openai",
            "AGENTSESS_RECALL__DUPLICATE_SIMILARITY": "0.9",
            "AGENTSESS_RECALL__TIMEOUT_SECONDS": "2.5",
            "AGENTSESS_EMBEDDING_MODEL": "nomic-embed-text",
            "AGENTSESS_EMBEDDING_URL": "http://127.0.0.1:9/v1",
        },
    ).recall
    assert (loaded.embedder, loaded.duplicate_similarity, loaded.timeout_seconds) == (
        "openai",
        0.9,
        2.5,
    )
    assert (loaded.model, loaded.base_url) == ("nomic-embed-text", "http://127.0.0.1:9/v1")
    both = load_settings(
        paths, {"AGENTSESS_EMBEDDER": "openai", "AGENTSESS_RECALL__EMBEDDER": "off"}
    )
    assert both.recall.embedder == "off"
    with pytest.raises(InvalidInput, match="AGENTSESS_RECALL__EMBEDER is not a setting"):
        load_settings(paths, {"AGENTSESS_RECALL__EMBEDER": "off"})
    with pytest.raises(InvalidInput, match="duplicate_similarity"):
        load_settings(paths, {"AGENTSESS_RECALL__DUPLICATE_SIMILARITY": "2"})


def test_ending_with_a_summary_is_one_transaction(
    store: Store, agent: str, clock: ManualClock
) -> None:
    live = store.create_session(agent, "Billing").session
    store.add_message(live.id, "We chose PostgreSQL for the billing service")
    kept = store.remember("The billing service uses PostgreSQL", session_id=live.id)
    ended = store.end_session(live.id, summarize=True)
    assert ended.summary is not None
    assert store.get_memory(ended.summary.id) == ended.summary
    assert (ended.summary.session_id, ended.summary.tags) == (live.id, ["summary"])
    assert "The billing service uses PostgreSQL" in ended.summary.content
    assert ended.memories == 2 and store.get_memory(kept.id).status == "active"
    assert store.end_session(store.create_session(agent).session.id).summary is None
    # A session that cannot be ended (expired on the way) gets no summary either.
    overdue = store.create_session(agent, "Late").session
    before = store.count_memories(status=None)
    clock.advance(minutes=overdue.window_minutes + 1)
    with pytest.raises(SessionExpired):
        store.end_session(overdue.id, summarize=True)
    assert store.count_memories(status=None) == before


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
