"""Recall by meaning through the real store with the offline model: hybrid ranking and why a
hit was found, filters before ranking, vectors beside memories (tagged, written on demand,
dropped when the words change), consolidation of near duplicates, and the summary written when
a session ends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.config import RecallSettings, Settings
from agentsess_tui.core.errors import InvalidInput, SessionExpired

from .helpers import count


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


def test_an_agent_without_memories_is_answered_without_loading_the_model(
    store: Store, agent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentsess_tui.core.semantic import embedders

    monkeypatch.setattr(embedders, "_offline", None)  # as in a new process: not loaded yet
    store.add_agent("other")
    store.remember("I'm vegetarian: no meat or fish for me.", agent_id="other")
    for mode in ("semantic", "hybrid"):
        assert store.search_memories("what food to avoid", agent_id=agent, mode=mode) == []
    assert embedders._offline is None or not embedders._offline.loaded
    store.remember("I eat only plants.", agent_id=agent)
    hits = store.search_memories("what food to avoid", agent_id=agent, mode="semantic")
    assert [h.memory.content for h in hits] == ["I eat only plants."]
    assert embedders._offline is not None and embedders._offline.loaded


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
