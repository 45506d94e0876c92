"""Export and import: lossless JSON, Agentry .toon both ways, imports all or nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentsess_tui.core import AlreadyExists, InvalidInput, ManualClock, State, Store
from agentsess_tui.core.clock import parse_iso
from agentsess_tui.core.transfer import (
    default_filename,
    export_session,
    import_file,
    import_text,
)

from .helpers import count

TABLES = ("agents", "sessions", "messages", "memories", "events")


def _counts(path: Path) -> dict[str, int]:
    return {table: count(path, f"SELECT count(*) FROM {table}") for table in TABLES}  # noqa: S608


@pytest.fixture
def other(tmp_path: Path, clock: ManualClock) -> Iterator[Store]:
    """A second installation: its own database and its own key."""
    store = Store(tmp_path / "elsewhere.db", clock=clock, key=b"a key of another installation!!!")
    yield store
    store.close()


def _rich_session(store: Store, clock: ManualClock) -> str:
    store.add_agent("bot", "Research Bot", policy={"warning_minutes": 20})
    activation = store.create_session(
        "bot", "Literature review", options={"auto_renew": True}, metadata={"project": "ü"}
    )
    sid = activation.session.id
    store.add_message(sid, "You are careful.", role="system")
    store.add_message(sid, "Find papers on *FTS5*\nand bm25", metadata={"lang": "en"})
    clock.advance(minutes=3)
    store.add_message(sid, "Here are three. 📄", role="assistant")
    store.add_message(sid, '{"tool": "search"}', role="tool")
    store.remember("bm25 ranks by term rarity", session_id=sid, type="learning", tags=["ir"])
    forgotten = store.remember("a wrong idea", session_id=sid, confidence=0.1)
    store.forget_memory(forgotten.id)
    store.extend_session(sid, 30)
    clock.set(store.get_session(sid).warn_at)
    store.sweep()
    clock.advance(minutes=1)
    store.end_session(sid, "review done")
    return sid


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    document = dict(document)
    document.pop("exported_at")
    document["events"] = [e for e in document["events"] if e["kind"] != "imported"]
    return document


def test_json_round_trip_into_another_database(
    store: Store, other: Store, clock: ManualClock
) -> None:
    sid = _rich_session(store, clock)
    text = export_session(store, sid, "json")
    clock.advance(days=1)
    result = import_text(other, text)
    assert (result.format, result.messages, result.memories) == ("json", 4, 2)
    assert result.session.id == sid
    original, copy = store.get_session(sid), other.get_session(sid)
    for name in (
        "agent_id",
        "title",
        "state",
        "created_at",
        "activated_at",
        "last_activity_at",
        "expires_at",
        "warned_at",
        "renewal_count",
        "resume_count",
        "ended_at",
        "end_reason",
        "window_minutes",
        "policy_json",
        "metadata",
    ):
        assert getattr(copy, name) == getattr(original, name), name
    assert [m.to_dict() | {"id": 0} for m in other.messages(sid)] == [
        m.to_dict() | {"id": 0} for m in store.messages(sid)
    ]
    again = json.loads(export_session(other, sid, "json"))
    assert _comparable(again) == _comparable(json.loads(text))
    imported = other.events(sid)[-1]
    assert (imported.kind, imported.at) == ("imported", clock.now_ms())
    assert imported.detail == {"format": "json", "original_id": sid}
    assert other.get_agent("bot").name == "Research Bot"
    assert {m.status for m in other.list_memories(session_id=sid, status=None)} == {
        "active",
        "deleted",
    }


def test_an_existing_agent_keeps_its_own_policy_and_name(
    store: Store, other: Store, clock: ManualClock
) -> None:
    sid = _rich_session(store, clock)
    other.add_agent("bot", "Local name", policy={"window_minutes": 90})
    import_text(other, export_session(store, sid))
    agent = other.get_agent("bot")
    assert (agent.name, agent.policy) == ("Local name", {"window_minutes": 90})
    # The session keeps the policy it was created with.
    assert other.get_session(sid).policy == store.get_session(sid).policy


def test_an_active_session_arrives_ended_and_can_be_resumed(
    store: Store, other: Store, agent: str, clock: ManualClock
) -> None:
    activation = store.create_session(agent)
    store.add_message(activation.session.id, "hello")
    text = export_session(store, activation.session.id)
    session = import_text(other, text).session
    assert (session.state, session.end_reason, session.ended_at) == (
        State.ENDED,
        "imported",
        clock.now_ms(),
    )
    assert session.token_jti != activation.session.token_jti
    resumed = other.resume_session(session.id)
    assert other.verify_token(resumed.token).id == session.id
    other.add_message(session.id, "continued elsewhere")
    assert [m.content for m in other.messages(session.id)] == ["hello", "continued elsewhere"]


def test_an_expired_session_stays_expired(
    store: Store, other: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent).session
    clock.set(session.expires_at)
    store.sweep()
    imported = import_text(other, export_session(store, session.id)).session
    assert imported.state == State.EXPIRED
    assert imported.expires_at == session.expires_at


def test_toon_export_is_agentrys_format(store: Store, agent: str) -> None:
    session = store.create_session(agent).session
    store.add_message(session.id, "hi", role="user")
    store.add_message(session.id, "hello ✨", role="assistant")
    assert default_filename(session, "toon") == f"{session.id}_chat.toon"
    assert default_filename(session, "json") == f"{session.id}.json"
    document = json.loads(export_session(store, session.id, "toon"))
    assert document == {
        "session_id": session.id,
        "created_at": "2026-01-15T09:00:00.000Z",
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello ✨"},
        ],
    }


def test_toon_round_trip(store: Store, other: Store, agent: str, tmp_path: Path) -> None:
    session = store.create_session(agent).session
    for role, text in [("system", "be brief"), ("user", "q?"), ("assistant", "a."), ("tool", "{}")]:
        store.add_message(session.id, text, role=role)
    toon = export_session(store, session.id, "toon")
    path = tmp_path / default_filename(session, "toon")
    path.write_text(toon, encoding="utf-8")
    result = import_file(other, path)
    assert result.format == "toon"
    imported = result.session
    assert imported.id == session.id
    assert imported.agent_id == "agentry"  # Agentry files do not say whose they are
    assert (imported.state, imported.end_reason) == (State.ENDED, "imported")
    assert imported.created_at == session.created_at
    assert export_session(other, session.id, "toon") == toon
    assert import_text(other, toon, agent_id="bot", new_id=True).session.agent_id == "bot"


def test_an_agentry_file_with_extras_imports(other: Store, clock: ManualClock) -> None:
    toon = {
        "session_id": "agentry-42",
        "created_at": "2026-01-10T08:00:00Z",
        "title": "From Agentry",
        "model": "ignored",
        "messages": [
            {"role": "user", "content": "first", "created_at": "2026-01-10T08:01:00Z"},
            {"role": "assistant", "content": "second", "created_at": 1768032120},
        ],
    }
    result = import_text(other, json.dumps(toon), agent_id="helper")
    session = result.session
    assert (session.id, session.title, session.agent_id) == ("agentry-42", "From Agentry", "helper")
    messages = other.messages("agentry-42")
    assert [m.created_at for m in messages] == [
        parse_iso("2026-01-10T08:01:00Z"),
        1768032120 * 1000,
    ]
    assert session.last_activity_at == 1768032120 * 1000
    assert session.metadata == {"imported_from": "agentry"}


def test_an_existing_id_is_never_overwritten(
    store: Store, agent: str, db_path: Path, clock: ManualClock
) -> None:
    session = store.create_session(agent).session
    store.add_message(session.id, "original")
    text = export_session(store, session.id)
    toon = export_session(store, session.id, "toon")
    store.add_message(session.id, "newer")
    before = _counts(db_path)
    for document in (text, toon):
        with pytest.raises(AlreadyExists, match="nothing was imported"):
            import_text(store, document, agent_id=agent)
    assert _counts(db_path) == before
    assert [m.content for m in store.messages(session.id)] == ["original", "newer"]
    copy = import_text(store, text, new_id=True).session
    assert copy.id != session.id
    assert copy.id.startswith("sess_")
    assert [m.content for m in store.messages(copy.id)] == ["original"]
    assert [m.content for m in store.messages(session.id)] == ["original", "newer"]
    assert store.events(copy.id)[-1].detail == {"format": "json", "original_id": session.id}


def _export(store: Store, clock: ManualClock) -> dict[str, Any]:
    store.add_agent("bot")
    sid = store.create_session("bot").session.id
    for i in range(5):
        store.add_message(sid, f"message {i}")
    store.remember("a memory", session_id=sid)
    document: dict[str, Any] = json.loads(export_session(store, sid))
    store.delete_session(sid)
    return document


def _break(document: dict[str, Any], how: str) -> str:
    broken = json.loads(json.dumps(document))
    if how == "truncated":
        text = json.dumps(broken)
        return text[: len(text) // 2]
    if how == "bad role in the last message":
        broken["messages"][-1]["role"] = "robot"
    elif how == "empty message":
        broken["messages"][3]["content"] = "  "
    elif how == "oversized message":
        broken["messages"][2]["content"] = "x" * (1024 * 1024 + 1)
    elif how == "bad event time":
        broken["events"].append({"at": "yesterday-ish", "kind": "extended", "detail": {}})
    elif how == "message time out of range":
        broken["messages"][1]["created_at"] = 10**30
    elif how == "huge renewal count":
        broken["session"]["renewal_count"] = 10**30
    elif how == "unknown event kind":
        broken["events"].append({"at": "2026-01-15T09:00:00Z", "kind": "exploded"})
    elif how == "memory title too long":
        broken["memories"][0]["title"] = "t" * 500
    elif how == "bad memory confidence":
        broken["memories"][0]["confidence"] = 7
    elif how == "bad policy":
        broken["session"]["policy"]["window_minutes"] = 99999
    elif how == "bad agent policy":
        broken["agent"]["policy"] = {"window_minutes": 1}
    elif how == "missing session":
        del broken["session"]
    elif how == "bad session id":
        broken["session"]["id"] = "../../etc/passwd"
    elif how == "newer version":
        broken["version"] = 99
    elif how == "not an object":
        return json.dumps([broken])
    return json.dumps(broken)


@pytest.mark.parametrize(
    "how",
    [
        "truncated",
        "bad role in the last message",
        "empty message",
        "oversized message",
        "bad event time",
        "message time out of range",
        "huge renewal count",
        "unknown event kind",
        "memory title too long",
        "bad memory confidence",
        "bad policy",
        "bad agent policy",
        "missing session",
        "bad session id",
        "newer version",
        "not an object",
    ],
)
def test_a_broken_file_imports_nothing(
    store: Store, clock: ManualClock, db_path: Path, how: str
) -> None:
    document = _export(store, clock)
    before = _counts(db_path)
    with pytest.raises(InvalidInput):
        import_text(store, _break(document, how))
    assert _counts(db_path) == before
    # The same document, unbroken, imports fine.
    assert import_text(store, json.dumps(document)).messages == 5


def test_a_broken_toon_imports_nothing(other: Store, db_path: Path) -> None:
    for text in (
        '{"session_id": "x1", "messages": [{"role": "user"}]}',
        '{"session_id": "x1", "messages": [{"role": "user", "content": "a"}',
        '{"session_id": "x1", "messages": "none"}',
        '{"session_id": "bad id!", "messages": []}',
        '{"session_id": "x1", "created_at": 1e300, "messages": []}',
        '{"session_id": "x1", "created_at": "0000-01-01", "messages": []}',
        '{"messages": []}',
        "[]",
        "",
    ):
        with pytest.raises(InvalidInput):
            import_text(other, text)
    assert _counts(other.path) == dict.fromkeys(TABLES, 0)


def test_import_file_errors(other: Store, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no file"):
        import_file(other, tmp_path / "missing.toon")
    binary = tmp_path / "binary.toon"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InvalidInput, match="Cannot read"):
        import_file(other, binary)


def test_markdown_export(store: Store, agent: str) -> None:
    session = store.create_session(agent, "Design chat").session
    store.add_message(session.id, "What about **bold**?")
    store.add_message(session.id, "It stays as written.", role="assistant")
    text = export_session(store, session.id, "md")
    assert text.startswith("# Design chat\n")
    assert f"`{session.id}`" in text
    assert "- Messages: 2" in text
    assert "### user · 2026-01-15T09:00:00.000Z" in text
    assert "What about **bold**?" in text
    assert text.index("What about") < text.index("It stays as written.")
    with pytest.raises(InvalidInput, match="not an export format"):
        export_session(store, session.id, "xml")  # type: ignore[arg-type]


def test_message_times_before_the_session_do_not_move_it_back(other: Store) -> None:
    toon = {
        "session_id": "agentry-7",
        "created_at": "2026-01-10T08:00:00Z",
        "messages": [{"role": "user", "content": "x", "created_at": "2026-01-09T08:00:00Z"}],
    }
    session = import_text(other, json.dumps(toon)).session
    assert session.last_activity_at == session.created_at == session.expires_at
