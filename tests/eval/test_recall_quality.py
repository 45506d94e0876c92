"""Recall quality on the labelled evaluation set (tests/eval/harness.py), through the real
store, with 300 unrelated memories per agent beside the labelled ones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsess_tui.core import ManualClock, Store

from . import harness

# Recorded in bench/results/recall.md (python bench/recall.py); a drop below these fails.
SEMANTIC_RECALL_AT_5 = 0.75
HYBRID_RECALL_AT_5 = 0.75


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Loaded]:
    path: Path = tmp_path_factory.mktemp("eval") / "eval.db"
    store = Store(path, clock=ManualClock("2026-01-15T09:00:00Z"))
    yield harness.load(store)
    store.close()


@pytest.fixture(scope="module")
def results(loaded: harness.Loaded) -> dict[str, dict[str, float]]:
    return harness.evaluate(loaded)


def test_the_set_is_big_enough_and_queries_avoid_the_memories_words() -> None:
    memories = harness.labelled()
    queries = harness.queries()
    assert len(memories) >= 150
    assert len({agent for _, agent, _ in memories}) >= 5
    assert len([q for q in queries if not q.foreign]) >= 75
    assert len([q for q in queries if q.foreign]) >= 10
    text = {key: body for key, _, body in memories}
    stop = {
        "the",
        "a",
        "an",
        "in",
        "on",
        "of",
        "for",
        "to",
        "is",
        "my",
        "i",
        "and",
        "do",
        "at",
        "with",
        "be",
        "are",
        "it",
        "s",
        "me",
        "what",
        "when",
        "how",
        "which",
    }

    def words(value: str) -> set[str]:
        return {w for w in re.findall(r"[a-z0-9]+", value.lower())} - stop

    for query in queries:
        key = query.expected.lstrip("!")
        shared = words(query.text) & words(text[key])
        assert not shared, (query.text, shared)


def test_keyword_search_misses_paraphrases(results: dict[str, dict[str, float]]) -> None:
    assert results["keyword"]["recall@5"] <= 0.3


def test_meaning_finds_them(results: dict[str, dict[str, float]]) -> None:
    assert results["semantic"]["recall@5"] >= SEMANTIC_RECALL_AT_5
    assert results["hybrid"]["recall@5"] >= HYBRID_RECALL_AT_5
    for metric in ("recall@1", "recall@5", "mrr"):
        assert results["hybrid"][metric] >= results["keyword"][metric]


def test_hybrid_reaches_the_issue_target(results: dict[str, dict[str, float]]) -> None:
    assert results["hybrid"]["recall@5"] >= 0.8


def test_no_hit_ever_comes_from_another_agent(results: dict[str, dict[str, float]]) -> None:
    for mode in harness.MODES:
        assert results[mode]["cross_agent_hits"] == 0, mode


def test_hybrid_is_never_worse_than_keyword_on_keyword_queries(loaded: harness.Loaded) -> None:
    """Queries made of a memory's own rarest-looking words (its two longest): the keyword
    search's home ground."""
    scores: dict[str, list[float]] = {"keyword": [], "hybrid": []}
    for key, agent, text in harness.labelled():
        longest = sorted(re.findall(r"[A-Za-z]{4,}", text), key=len, reverse=True)[:2]
        query = " ".join(longest)
        want = loaded.ids[key]
        for mode, found in scores.items():
            hits = loaded.store.search_memories(query, agent_id=agent, limit=10, mode=mode)
            ids = [hit.memory.id for hit in hits]
            found.append(1 / (ids.index(want) + 1) if want in ids else 0.0)
    keyword, hybrid = scores["keyword"], scores["hybrid"]
    assert sum(keyword) > 100  # the keyword search does find these
    assert sum(hybrid) >= sum(keyword)
    assert sum(h >= 1.0 for h in hybrid) >= sum(k >= 1.0 for k in keyword)


def test_restatements_pass_the_consolidation_threshold_and_distinct_memories_do_not(
    loaded: harness.Loaded,
) -> None:
    from agentsess_tui.core.config import RecallSettings

    threshold = RecallSettings().duplicate_similarity
    sims = harness.duplicate_similarities(loaded)
    assert len(sims["restatement"]) == len(harness.duplicates())
    assert min(sims["restatement"]) >= threshold
    assert max(sims["nearest_distinct"]) < threshold - 0.2
