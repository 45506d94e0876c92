"""Memories: remember, list, update, forget, and full-text recall that never chokes on input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentsess_tui.core import (
    AgentMismatch,
    InvalidInput,
    ManualClock,
    NotFound,
    SessionEnded,
    Store,
)
from agentsess_tui.core import search as search_module

from .helpers import count, raw


def test_remember_with_defaults(store: Store, agent: str, clock: ManualClock) -> None:
    long = "The deployment pipeline needs manual approval for every production release."
    memory = store.remember(long, agent_id=agent, tags=["Ops, CI", "ci", " deploy "])
    assert memory.type == "fact"
    assert memory.confidence == 0.8
    assert memory.status == "active"
    assert memory.session_id is None
    assert memory.title == long[:49] + "…"
    assert len(memory.title) == 50
    assert memory.tags == ["ops", "ci", "deploy"]
    assert memory.created_at == memory.updated_at == clock.now_ms()
    assert store.get_memory(memory.id) == memory
    short = store.remember("  two\n words ", agent_id=agent, type=" Decision ", confidence=1)
    assert (short.title, short.type, short.confidence) == ("two words", "decision", 1.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({}, InvalidInput, "give an agent or a session"),
        ({"agent_id": "ghost"}, NotFound, "ghost"),
        ({"agent_id": "Not A Slug"}, InvalidInput, "not a valid agent id"),
        ({"agent_id": "bot", "type": "rumour"}, InvalidInput, "not a memory type"),
        ({"agent_id": "bot", "confidence": 1.5}, InvalidInput, "allowed 0–1"),
        ({"agent_id": "bot", "confidence": float("nan")}, InvalidInput, "out of range"),
        ({"agent_id": "bot", "tags": ["x" * 65]}, InvalidInput, "longer than 64"),
        ({"agent_id": "bot", "tags": [str(i) for i in range(33)]}, InvalidInput, "33 tags"),
        ({"agent_id": "bot", "title": "t" * 201}, InvalidInput, "limit is 200"),
    ],
)
def test_remember_refuses_bad_input_and_writes_nothing(
    store: Store, agent: str, db_path: Path, kwargs: dict[str, object], error: type, words: str
) -> None:
    with pytest.raises(error, match=words):
        store.remember("some content", **kwargs)  # type: ignore[arg-type]
    assert count(db_path, "SELECT count(*) FROM memories") == 0


@pytest.mark.parametrize("content", ["", "   ", "x" * (64 * 1024 + 1), "bad \udc80 text"])
def test_remember_refuses_bad_content(store: Store, agent: str, content: str) -> None:
    with pytest.raises(InvalidInput):
        store.remember(content, agent_id=agent)
    assert store.count_memories(agent_id=agent) == 0


def test_remember_in_a_session_checks_the_agent_and_the_session(
    store: Store, agent: str, db_path: Path
) -> None:
    store.add_agent("other")
    sid = store.create_session(agent).session.id
    before = store.get_session(sid)
    with pytest.raises(AgentMismatch, match="belongs to agent 'bot'"):
        store.remember("x", agent_id="other", session_id=sid)
    assert store.get_session(sid) == before  # not even activity was recorded
    assert store.remember("ok", agent_id=agent, session_id=sid).session_id == sid
    store.end_session(sid)
    with pytest.raises(SessionEnded):
        store.remember("too late", session_id=sid)
    assert count(db_path, "SELECT count(*) FROM memories") == 1


def test_list_filters_and_pages(store: Store, agent: str) -> None:
    store.add_agent("other")
    sid = store.create_session(agent).session.id
    a = store.remember("alpha", agent_id=agent, type="goal")
    b = store.remember("beta", session_id=sid)
    c = store.remember("gamma", agent_id="other")
    d = store.remember("delta", agent_id=agent)
    store.forget_memory(d.id)
    assert [m.id for m in store.list_memories()] == [c.id, b.id, a.id]
    assert [m.id for m in store.list_memories(agent_id=agent)] == [b.id, a.id]
    assert [m.id for m in store.list_memories(type="goal")] == [a.id]
    assert [m.id for m in store.list_memories(session_id=sid)] == [b.id]
    assert [m.id for m in store.list_memories(status="deleted")] == [d.id]
    assert [m.id for m in store.list_memories(status=None)] == [d.id, c.id, b.id, a.id]
    assert [m.id for m in store.list_memories(status=None, before_id=c.id, limit=1)] == [b.id]
    assert store.count_memories(agent_id=agent) == 2
    assert store.count_memories(agent_id=agent, status="deleted") == 1
    with pytest.raises(InvalidInput, match="not a memory status"):
        store.list_memories(status="gone")


def test_update_memory(store: Store, agent: str, clock: ManualClock) -> None:
    memory = store.remember("cats sleep a lot", agent_id=agent)
    clock.advance(minutes=1)
    updated = store.update_memory(
        memory.id, content="dogs bark", tags=["pets"], confidence=0.3, type="observation"
    )
    assert (updated.content, updated.tags, updated.confidence, updated.type) == (
        "dogs bark",
        ["pets"],
        0.3,
        "observation",
    )
    assert updated.updated_at == clock.now_ms() != updated.created_at
    assert updated.title == "dogs bark"  # a title derived from the content follows it
    assert store.search_memories("cats") == []
    assert [h.memory.id for h in store.search_memories("dogs")] == [memory.id]
    assert [h.memory.id for h in store.search_memories("pets")] == [memory.id]  # tags indexed
    superseded = store.update_memory(memory.id, status="superseded")
    assert superseded.status == "superseded"
    assert store.search_memories("dogs") == []
    assert [h.memory.id for h in store.search_memories("dogs", status="superseded")] == [memory.id]
    with pytest.raises(InvalidInput):
        store.update_memory(memory.id, status="lost")
    titled = store.update_memory(memory.id, title="Pets")
    assert store.update_memory(memory.id, content="dogs bark loudly").title == titled.title
    assert store.update_memory(memory.id, title="   ").title == "dogs bark loudly"
    with pytest.raises(NotFound):
        store.update_memory(memory.id + 100, content="x")


def test_forget_marks_deleted_and_purge_removes(store: Store, agent: str, db_path: Path) -> None:
    kept = store.remember("forgettable lemon fact", agent_id=agent)
    gone = store.remember("purged lemon fact", agent_id=agent)
    assert store.forget_memory(kept.id).status == "deleted"
    assert store.get_memory(kept.id).status == "deleted"
    assert [h.memory.id for h in store.search_memories("lemon")] == [gone.id]
    assert {h.memory.id for h in store.search_memories("lemon", status=None)} == {
        gone.id,
        kept.id,
    }
    store.forget_memory(gone.id, purge=True)
    with pytest.raises(NotFound):
        store.get_memory(gone.id)
    assert [h.memory.id for h in store.search_memories("purged", status=None)] == []
    with pytest.raises(NotFound):
        store.forget_memory(gone.id)
    with pytest.raises(InvalidInput):
        store.get_memory(0)
    conn = raw(db_path)
    conn.execute("INSERT INTO memories_fts(memories_fts) VALUES ('integrity-check')")
    conn.close()


# -- recall ----------------------------------------------------------------------------------


def test_ranking_prefers_title_then_tags_then_content(store: Store, agent: str) -> None:
    in_content = store.remember(
        "we talked about many things including kayaks", agent_id=agent, title="River trip"
    )
    in_tags = store.remember(
        "we talked about many things on the water", agent_id=agent, tags=["kayaks"]
    )
    in_title = store.remember(
        "we talked about many things on the lake", agent_id=agent, title="Kayaks"
    )
    hits = store.search_memories("kayaks")
    assert [h.memory.id for h in hits] == [in_title.id, in_tags.id, in_content.id]
    assert hits[0].score > hits[1].score > hits[2].score > 0


def test_ranking_prefers_more_matches(store: Store, agent: str) -> None:
    once = store.remember("tea is a drink; coffee is another drink", agent_id=agent, title="a")
    twice = store.remember("tea tea is a drink; coffee is a drink", agent_id=agent, title="b")
    store.remember("nothing to see", agent_id=agent)
    hits = store.search_memories("tea")
    assert [h.memory.id for h in hits] == [twice.id, once.id]
    assert "\x02tea\x03" in hits[0].snippet


def test_search_filters(store: Store, agent: str) -> None:
    store.add_agent("other")
    sid = store.create_session(agent).session.id
    goal = store.remember("ship the orbital release", agent_id=agent, type="goal")
    fact = store.remember("orbital mechanics are hard", session_id=sid)
    theirs = store.remember("orbital view from the window", agent_id="other")
    old = store.remember("orbital plan, outdated", agent_id=agent)
    store.update_memory(old.id, status="superseded")

    def ids(**filters: object) -> set[int]:
        return {h.memory.id for h in store.search_memories("orbital", **filters)}  # type: ignore[arg-type]

    assert ids() == {goal.id, fact.id, theirs.id}
    assert ids(agent_id=agent) == {goal.id, fact.id}
    assert ids(agent_id="other") == {theirs.id}
    assert ids(type="goal") == {goal.id}
    assert ids(session_id=sid) == {fact.id}
    assert ids(status="superseded") == {old.id}
    assert ids(status=None) == {goal.id, fact.id, theirs.id, old.id}
    assert ids(agent_id=agent, type="fact", session_id=sid) == {fact.id}
    assert len(store.search_memories("orbital", limit=2)) == 2


def test_agent_filtered_search_matches_words_never_agent_tokens(store: Store, agent: str) -> None:
    """The agent tokens indexed beside each memory's words cannot be found by what users type."""
    from agentsess_tui.core.schema import agent_token

    store.add_agent("research.bot")
    mine = store.remember("notes about the harbour", agent_id=agent)
    theirs = store.remember("the harbour at dawn", agent_id="research.bot")
    token = agent_token("research.bot")
    for query in (token, token[1:], token[1:4], "research", "bot", agent):
        assert store.search_memories(query) == [], query
    assert [h.memory.id for h in store.search_memories("the", agent_id=agent)] == [mine.id]
    hits = store.search_memories("harbour", agent_id="research.bot")
    assert [h.memory.id for h in hits] == [theirs.id]
    assert hits[0].snippet.replace("\x02", "").replace("\x03", "") == "the harbour at dawn"
    store.update_memory(theirs.id, content="a lighthouse at dusk")
    assert store.search_memories("harbour", agent_id="research.bot") == []
    assert [h.memory.id for h in store.search_memories("lighthouse")] == [theirs.id]


def test_search_as_you_type(store: Store, agent: str) -> None:
    memory = store.remember("Python packaging with hatchling", agent_id=agent)
    for typed in ("p", "py", "pyt", "pyth", "python", "python pack", "python packaging hat"):
        hits = [h.memory.id for h in store.search_memories(typed)]
        if typed == "p":
            assert hits == []  # one letter is not a prefix search: too many matches to be useful
        else:
            assert hits == [memory.id], typed
    # A finished word (trailing space) is matched whole.
    assert store.search_memories("pyth ") == []
    assert [h.memory.id for h in store.search_memories("python ")] == [memory.id]


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("foo-bar", True),
        ("foo-b", True),
        ('"foo', True),
        ('foo"bar', True),
        ("'foo'", True),
        ("*", False),
        ("**", False),
        ('"', False),
        ('""', False),
        ("OR", True),  # the word "or", not the operator
        ("AND", False),
        ("NOT foo", False),
        ("foo OR", True),
        ("NEAR(", True),
        ("NEAR(foo bar)", False),
        ("foo NEAR", True),
        ("title:foo", False),
        ("^foo", True),
        ("foo*", True),
        ("(foo)", True),
        ("-foo", True),
        ("{foo}", True),
        ("café", True),
        ("cafe", True),
        ("CAFÉ", True),
        ("Zürich", True),
        ("zurich", True),
        ("東京", True),
        ("😀", False),
        ("foo\x00bar", True),
        ("foo \udcff", True),
        ("", False),
        ("   ", False),
    ],
)
def test_user_queries_with_punctuation_never_raise(
    store: Store, agent: str, query: str, finds: bool
) -> None:
    memory = store.remember(
        "The foo-bar service runs in a café in Zürich or 東京, or near there.", agent_id=agent
    )
    hits = store.search_memories(query)
    assert [h.memory.id for h in hits] == ([memory.id] if finds else [])


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.text()
    | st.text(st.sampled_from("\"*()[]{}:^-+_.,'NEAROT \t\x00\ud800\U0001f600éab"), max_size=30)
)
def test_any_text_is_a_safe_query(store: Store, agent: str, query: str) -> None:
    if not store.count_memories(agent_id=agent):
        store.remember('notes: "quoted" foo-bar (NEAR) OR * ab éa', agent_id=agent, tags=["ab"])
    for hit in store.search_memories(query, agent_id=agent, type="fact"):
        assert hit.memory.agent_id == agent


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(
        st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8), min_size=1, max_size=6
    ),
    pick=st.integers(min_value=0),
)
def test_every_word_of_a_memory_finds_it(
    store: Store, agent: str, words: list[str], pick: int
) -> None:
    memory = store.remember(" ".join(words), agent_id=agent, title="x")
    word = words[pick % len(words)]
    assert memory.id in {h.memory.id for h in store.search_memories(word, limit=1000)}
    assert memory.id in {h.memory.id for h in store.search_memories(word[:2], limit=1000)}


def test_ranking_looks_at_the_newest_candidates_only(
    store: Store, agent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bm25 ranks a bounded set: the newest SEARCH_CANDIDATES matches that pass the filters."""
    monkeypatch.setattr(search_module, "SEARCH_CANDIDATES", 3)
    strong_but_old = store.remember("zinc zinc zinc", agent_id=agent, title="zinc")
    newer = [store.remember(f"zinc note {i}", agent_id=agent) for i in range(3)]
    other_type = [store.remember("zinc", agent_id=agent, type="goal") for _ in range(3)]
    hits = {h.memory.id for h in store.search_memories("zinc", type="fact")}
    assert hits == {m.id for m in newer}  # the old strong match is outside the window
    assert strong_but_old.id not in hits
    assert {h.memory.id for h in store.search_memories("zinc", type="goal")} == {
        m.id for m in other_type
    }
    monkeypatch.setattr(search_module, "SEARCH_CANDIDATES", 1000)
    best = store.search_memories("zinc", type="fact")[0]
    assert best.memory.id == strong_but_old.id
