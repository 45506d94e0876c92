"""A session's conversation: keyset paging, limits, edits and search across chats."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentsess_tui.core import InvalidInput, ManualClock, NotFound, Store
from agentsess_tui.core.search import MARK_END, MARK_START, plain_snippet, snippet_parts
from agentsess_tui.core.validate import MAX_MESSAGE_BYTES

from .helpers import count


@pytest.fixture
def sid(store: Store, agent: str) -> str:
    return store.create_session(agent).session.id


def _fill(store: Store, sid: str, n: int) -> list[int]:
    return [store.add_message(sid, f"message {i}").id for i in range(1, n + 1)]


def test_keyset_paging_walks_back_through_the_transcript(store: Store, sid: str) -> None:
    ids = _fill(store, sid, 25)
    last = store.messages(sid, limit=10)
    assert [m.id for m in last] == ids[15:]
    older = store.messages(sid, before_id=last[0].id, limit=10)
    assert [m.id for m in older] == ids[5:15]
    oldest = store.messages(sid, before_id=older[0].id, limit=10)
    assert [m.id for m in oldest] == ids[:5]
    assert store.messages(sid, before_id=oldest[0].id, limit=10) == []
    assert [m.content for m in store.messages(sid)] == [f"message {i}" for i in range(1, 26)]


def test_after_id_returns_what_came_later(store: Store, sid: str) -> None:
    ids = _fill(store, sid, 8)
    assert [m.id for m in store.messages(sid, after_id=ids[4])] == ids[5:]
    assert [m.id for m in store.messages(sid, after_id=ids[1], limit=2)] == ids[2:4]
    assert store.messages(sid, after_id=ids[-1]) == []
    assert [m.id for m in store.messages(sid, after_id=0)] == ids


def test_transcripts_do_not_mix(store: Store, agent: str, sid: str) -> None:
    other = store.create_session(agent).session.id
    mine = store.add_message(sid, "mine")
    theirs = store.add_message(other, "theirs")
    assert [m.id for m in store.messages(sid)] == [mine.id]
    assert [m.id for m in store.messages(other)] == [theirs.id]
    assert store.count_messages(sid) == 1


def test_a_message_round_trips(store: Store, sid: str, clock: ManualClock) -> None:
    sent = store.add_message(
        sid, "Hällo 👋\n\tcontrol \x1b[31m kept as data", "assistant", {"model": "m", "n": 1}
    )
    (stored,) = store.messages(sid)
    assert stored == sent
    assert stored.created_at == clock.now_ms()
    assert stored.metadata == {"model": "m", "n": 1}


def test_message_size_limit(store: Store, sid: str, db_path: Path) -> None:
    store.add_message(sid, "x" * MAX_MESSAGE_BYTES)  # exactly 1 MiB is allowed
    store.add_message(sid, "é" * (MAX_MESSAGE_BYTES // 2))  # bytes are counted, not characters
    before = store.get_session(sid)
    for too_big in ("x" * (MAX_MESSAGE_BYTES + 1), "é" * (MAX_MESSAGE_BYTES // 2) + "x"):
        with pytest.raises(InvalidInput, match="1,048,576 bytes"):
            store.add_message(sid, too_big)
    with pytest.raises(InvalidInput) as caught:
        store.add_message(sid, "y" * 10_000_000)
    assert "9.5 MiB" in caught.value.message
    assert "the limit is 1.0 MiB" in caught.value.message
    assert count(db_path, "SELECT count(*) FROM messages") == 2
    assert store.get_session(sid) == before
    assert [e.kind for e in store.events(sid)] == ["created"]


@pytest.mark.parametrize("content", ["", "   ", "\n\t"])
def test_empty_messages_are_refused(store: Store, sid: str, content: str) -> None:
    with pytest.raises(InvalidInput, match="empty"):
        store.add_message(sid, content)
    assert store.messages(sid) == []


def test_bad_role_metadata_and_text(store: Store, sid: str) -> None:
    with pytest.raises(InvalidInput, match="'robot' is not a message role"):
        store.add_message(sid, "hi", role="robot")
    with pytest.raises(InvalidInput, match="not JSON-serialisable"):
        store.add_message(sid, "hi", metadata={"when": object()})
    with pytest.raises(InvalidInput, match="Metadata is larger"):
        store.add_message(sid, "hi", metadata={"blob": "x" * 70_000})
    with pytest.raises(InvalidInput, match="not valid Unicode"):
        store.add_message(sid, "broken \udcff input")
    assert store.messages(sid) == []


def test_messages_of_an_unknown_session(store: Store) -> None:
    with pytest.raises(NotFound):
        store.add_message("sess_missing", "hello")
    assert store.messages("sess_missing") == []
    with pytest.raises(InvalidInput, match="not a valid session id"):
        store.messages("../etc/passwd")


def test_update_message_replaces_content_and_reindexes(store: Store, sid: str) -> None:
    message = store.add_message(sid, "draft about penguins", "assistant", {"streaming": True})
    store.end_session(sid)  # finishing a reply accepted while live is allowed
    updated = store.update_message(message.id, "final about otters", {"streaming": None, "t": 2})
    assert updated.content == "final about otters"
    assert updated.metadata == {"t": 2}
    assert store.search_messages("penguins") == []
    assert [h.message.id for h in store.search_messages("otters")] == [message.id]
    with pytest.raises(NotFound):
        store.update_message(10_000, "x")
    with pytest.raises(InvalidInput):
        store.update_message(message.id, "x" * (MAX_MESSAGE_BYTES + 1))
    assert store.messages(sid)[0].content == "final about otters"


def test_search_messages_across_chats(store: Store, agent: str, sid: str) -> None:
    store.add_agent("other")
    other = store.create_session("other", "Other chat").session.id
    mine = store.add_message(sid, "the quarterly budget review is on friday")
    theirs = store.add_message(other, "budget cuts everywhere")
    store.add_message(sid, "nothing relevant here")
    hits = store.search_messages("budget")
    assert {h.message.id for h in hits} == {mine.id, theirs.id}
    assert [h.message.id for h in store.search_messages("budget", agent_id="other")] == [theirs.id]
    hit = store.search_messages("quarterly budg")[0]  # the last word is a prefix
    assert hit.message.id == mine.id
    assert hit.agent_id == agent
    assert f"{MARK_START}quarterly{MARK_END}" in hit.snippet
    assert ("quarterly", True) in snippet_parts(hit.snippet)
    assert MARK_START not in plain_snippet(hit.snippet)
    assert store.search_messages("budget", limit=1)[0].message.id in {mine.id, theirs.id}
    assert store.search_messages("zzz") == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text() | st.text(st.sampled_from("\"*():^-+_'NEARO \x00\ud800ab")))
def test_message_search_never_raises(store: Store, sid: str, query: str) -> None:
    if not store.messages(sid, limit=1):
        store.add_message(sid, 'a "quoted" foo-bar OR NEAR(x) ünïcödé line')
    hits = store.search_messages(query)
    assert all(hit.message.session_id == sid for hit in hits)
