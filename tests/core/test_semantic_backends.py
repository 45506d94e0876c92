"""Recall's other backends and their settings: the OpenAI-compatible endpoint (a real server on
127.0.0.1; hostile or failing answers are refused, writes and keyword search keep working),
recall turned off, and [recall] read from the environment."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from embeddings_server import EmbeddingsServer, serve

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.config import RecallSettings, Settings, load_settings, resolve_paths
from agentsess_tui.core.errors import BackendError, InvalidInput
from agentsess_tui.core.semantic.embedders import OpenAIEmbedder

from .helpers import count


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
