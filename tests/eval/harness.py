"""The recall evaluation: labelled memories among hundreds of unrelated ones per agent, and
paraphrased queries, scored by recall@1, recall@5 and MRR for each mode.

    memories.tsv    150 labelled memories of five agents
    queries.tsv     queries phrased without the words of the memory they should find, and
                    (`!key`) queries asked of one agent whose answer is another agent's memory
    duplicates.tsv  restatements of labelled memories (consolidation's threshold)
    distractors.py  the unrelated memories, made deterministically

Everything runs through the real store on a real SQLite file. `bench/recall.py` writes the
figures to bench/results/recall.md; tests/eval/test_recall_quality.py asserts the targets.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from agentsess_tui.core.store import Store

from .distractors import distractors

HERE = Path(__file__).parent
MODES = ("keyword", "semantic", "hybrid")
DISTRACTORS_PER_AGENT = 300
DEPTH = 10


@dataclass(frozen=True, slots=True)
class Query:
    agent_id: str
    expected: str  # a memory key
    text: str

    @property
    def foreign(self) -> bool:
        """Asked of one agent, answered by another agent's memory: must not come back."""
        return self.expected.startswith("!")


@dataclass
class Loaded:
    store: Store
    ids: dict[str, int]  # memory key -> id
    owner: dict[int, str] = field(default_factory=dict)  # memory id -> agent


def _rows(name: str) -> list[list[str]]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def labelled() -> list[tuple[str, str, str]]:
    return [(key, agent, text) for key, agent, text in _rows("memories.tsv")]


def queries() -> list[Query]:
    return [Query(agent, expected, text) for agent, expected, text in _rows("queries.tsv")]


def duplicates() -> list[tuple[str, str]]:
    return [(key, text) for key, text in _rows("duplicates.tsv")]


def load(store: Store, per_agent: int = DISTRACTORS_PER_AGENT) -> Loaded:
    """Every labelled memory and `per_agent` distractors per agent, in a shuffled order (so
    the labelled ones are neither the oldest nor the newest)."""
    items = labelled()
    agents = sorted({agent for _, agent, _ in items})
    rows: list[tuple[str | None, str, str]] = [(key, agent, text) for key, agent, text in items]
    for agent in agents:
        store.add_agent(agent)
        rows.extend((None, agent, text) for text in distractors(agent, per_agent))
    random.Random(14).shuffle(rows)
    loaded = Loaded(store, {})
    for key, agent, text in rows:
        memory = store.remember(text, agent_id=agent)
        loaded.owner[memory.id] = agent
        if key is not None:
            loaded.ids[key] = memory.id
    return loaded


def evaluate(loaded: Loaded, modes: tuple[str, ...] = MODES) -> dict[str, dict[str, float]]:
    """recall@1, recall@5, MRR (within the first DEPTH) per mode, and cross-agent hits."""
    results: dict[str, dict[str, float]] = {}
    asked = [q for q in queries() if not q.foreign]
    foreign = [q for q in queries() if q.foreign]
    for mode in modes:
        at1 = at5 = 0
        reciprocal = 0.0
        for query in asked:
            ids = _ranked(loaded, query, mode)
            want = loaded.ids[query.expected]
            if ids[:1] == [want]:
                at1 += 1
            if want in ids[:5]:
                at5 += 1
            if want in ids:
                reciprocal += 1 / (ids.index(want) + 1)
        crossed = 0
        for query in [*asked, *foreign]:
            ids = _ranked(loaded, query, mode)
            crossed += sum(loaded.owner[i] != query.agent_id for i in ids)
            if query.foreign and loaded.ids[query.expected[1:]] in ids:
                crossed += 1
        results[mode] = {
            "recall@1": at1 / len(asked),
            "recall@5": at5 / len(asked),
            "mrr": reciprocal / len(asked),
            "cross_agent_hits": crossed,
            "queries": len(asked),
            "foreign_queries": len(foreign),
        }
    return results


def _ranked(loaded: Loaded, query: Query, mode: str) -> list[int]:
    hits = loaded.store.search_memories(query.text, agent_id=query.agent_id, limit=DEPTH, mode=mode)
    return [hit.memory.id for hit in hits]


def duplicate_similarities(loaded: Loaded) -> dict[str, list[float]]:
    """Similarities that place the consolidation threshold: each restatement against its
    memory, and each labelled memory against its most similar *other* memory of the agent."""
    from agentsess_tui.core.semantic.embedders import offline_embedder

    embedder = offline_embedder()
    store = loaded.store
    restated = []
    for key, text in duplicates():
        memory = store.get_memory(loaded.ids[key])
        hits = store.search_memories(text, agent_id=memory.agent_id, mode="semantic", limit=50)
        restated.extend(h.similarity or 0.0 for h in hits if h.memory.id == memory.id)
    nearest = []
    for key, agent, text in labelled():
        hits = store.search_memories(text, agent_id=agent, mode="semantic", limit=2)
        others = [h.similarity or 0.0 for h in hits if h.memory.id != loaded.ids[key]]
        nearest.extend(others[:1])
    del embedder
    return {"restatement": sorted(restated), "nearest_distinct": sorted(nearest)}


def summary(values: list[float]) -> str:
    if not values:
        return "-"
    return f"min {min(values):.2f}, median {statistics.median(values):.2f}, max {max(values):.2f}"
