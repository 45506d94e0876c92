"""Recalling memories for something a person said in chat.

`Store.search_memories` matches every word it is given (an AND query), which suits a search
box but not a sentence: "what is my favourite colour?" would need a memory containing "what",
"is" and "my". Chat recall instead searches each meaningful word on its own and adds up the
bm25 scores, which is how FTS5 ranks an OR query: memories matching more of the words, and
rarer words, come first.

That keyword ranking is fused with recall by meaning (core/semantic/hybrid.py, reciprocal
rank fusion) so "what food should I avoid?" finds "I'm vegetarian". The OR query matches
loosely, so its hits do not go first as a search box's do: both lists count alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentsess_tui.core.models import MemoryHit
from agentsess_tui.core.store import Store

# Words that carry no topic in chat: question scaffolding, pronouns, auxiliaries.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any anything are as at be because
    been before being below between both but by can could did do does doing done down during
    each else ever every few for from further get got had has have having he her here hers him
    his how i if in into is it its itself just know knew let list me mine more most much
    my myself no nor not now of off on once only or other our ours out over own please recall
    remember remind said same say she should show so some something such tell than that the
    their theirs them then there these they thing things this those through to too under until
    up us very was we were what whats when where which while who whom whose why will with
    would you your yours yourself anything everything stuff ok okay hi hello hey thanks thank
    """.split()
)
MAX_WORDS = 8
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class _Ranked:
    hit: MemoryHit
    score: float


def keywords(text: str) -> list[str]:
    """The words worth searching for, in order, lower-cased, without repeats or stopwords."""
    words: list[str] = []
    for word in _WORD.findall(text.replace("’", "'").lower()):
        if word in STOPWORDS or word in words:
            continue
        if len(word) < 2 and not word.isdigit():
            continue
        words.append(word)
    return words[:MAX_WORDS]


def recall(store: Store, text: str, *, agent_id: str, limit: int = 5) -> list[MemoryHit]:
    """The agent's active memories most related to `text`, best first (blocking)."""
    if limit <= 0:
        return []
    ranked: dict[int, _Ranked] = {}
    for word in keywords(text):
        # Longer words match as prefixes ("prefer" finds "preferences"); short ones exactly,
        # or "go" would match every "good" and "going".
        query = word if len(word) >= 4 else word + " "
        for hit in store.search_memories(query, agent_id=agent_id, limit=limit * 4):
            seen = ranked.get(hit.memory.id)
            if seen is None:
                ranked[hit.memory.id] = _Ranked(hit, hit.score)
            else:
                # Keep the snippet of the word that matched best; add the scores.
                best = hit if hit.score > seen.hit.score else seen.hit
                ranked[hit.memory.id] = _Ranked(best, seen.score + hit.score)
    order = sorted(ranked.values(), key=lambda r: (-r.score, -r.hit.memory.id))
    words = [MemoryHit(memory=r.hit.memory, score=r.score, snippet=r.hit.snippet) for r in order]
    return _with_meaning(store, text, agent_id, words[: limit * 4], limit)


def _with_meaning(
    store: Store, text: str, agent_id: str, words: list[MemoryHit], limit: int
) -> list[MemoryHit]:
    """Semantic hook: fuse the keyword hits with the agent's memories nearest in meaning."""
    from agentsess_tui.core.errors import BackendError
    from agentsess_tui.core.semantic.hybrid import fuse
    from agentsess_tui.core.semantic.vectors import VectorHit

    try:
        near = store.search_memories(text, agent_id=agent_id, mode="semantic", limit=limit * 4)
    except BackendError:  # no embedder here, or its server is down: keywords alone
        return words[:limit]
    by_id = {hit.memory.id: hit for hit in [*near, *words]}
    meaning = [VectorHit(hit.memory.id, hit.similarity or 0.0) for hit in near]
    hits = []
    for item in fuse(words, meaning, keyword_first=False)[:limit]:
        hit = by_id[item.memory_id]
        hits.append(
            MemoryHit(
                memory=hit.memory,
                score=item.score,
                snippet=item.keyword.snippet if item.keyword else hit.snippet,
                why=item.why,
                similarity=item.similarity,
            )
        )
    return hits
