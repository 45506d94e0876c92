"""The small pieces: durations people type, the clock, ids, and session bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentsess_tui.core import InvalidInput, ManualClock, NotFound, State, Store
from agentsess_tui.core.clock import DAY_MS, HOUR_MS, MINUTE_MS, parse_iso, to_iso
from agentsess_tui.core.durations import (
    format_ago,
    format_countdown,
    format_minutes,
    format_span,
    parse_minutes,
)
from agentsess_tui.core.ids import check_agent_id, check_session_id, new_session_id


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45", 45),
        ("90m", 90),
        ("2h", 120),
        ("1h30m", 90),
        ("1h30", 90),
        ("1d", 1440),
        ("1d2h", 1560),
        (" 2 h ", 120),
        ("10M", 10),
        ("1hour", 60),
        ("2 hours", 120),
        ("2hrs", 120),
        ("3days", 4320),
        ("1 day", 1440),
        ("5minutes", 5),
        ("15 mins", 15),
        ("1 hour 30 min", 90),
        ("0", 0),
        (30, 30),
    ],
)
def test_parse_minutes(text: str | int, minutes: int) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "abc", "-5", "1.5h", "90s", "h", "2h-1m", "1h 30x", "½h"])
def test_parse_minutes_refuses_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_minutes(text)


def test_formatting_durations() -> None:
    assert [format_minutes(m) for m in (0, 5, 90, 120, 1441, 1500)] == [
        "0m",
        "5m",
        "1h 30m",
        "2h",
        "1d 1m",
        "1d 1h",
    ]
    assert format_countdown(0) == format_countdown(-1) == "0:00:00"
    assert format_countdown(1) == "0:00:01"  # rounds up: 0:00:00 only when time is up
    assert format_countdown(5 * HOUR_MS + 59 * MINUTE_MS + 12_000) == "5:59:12"
    assert format_countdown(2 * DAY_MS + 3 * HOUR_MS) == "2d 3h"
    assert [format_ago(ms) for ms in (0, 59_999, MINUTE_MS, 3 * HOUR_MS, 4 * DAY_MS)] == [
        "just now",
        "just now",
        "1m ago",
        "3h ago",
        "4d ago",
    ]
    assert (format_span(45_000), format_span(90 * MINUTE_MS)) == ("45s", "1h 30m")


def test_manual_clock() -> None:
    clock = ManualClock("2026-01-15T09:00:00Z")
    start = clock.now_ms()
    assert start == parse_iso("2026-01-15T09:00:00+00:00")
    assert clock.now_ms() == start  # frozen
    assert clock.advance(minutes=1, ms=5) == start + MINUTE_MS + 5
    with pytest.raises(ValueError, match="forward"):
        clock.advance(seconds=-1)
    clock.set(datetime(2026, 1, 16, tzinfo=UTC))
    assert to_iso(clock.now_ms()) == "2026-01-16T00:00:00.000Z"
    assert parse_iso("2026-01-15T11:00:00+02:00") == start
    assert parse_iso("2026-01-15T09:00:00") == start  # naive is UTC
    assert to_iso(start + 7) == "2026-01-15T09:00:00.007Z"
    assert to_iso(None) is None


def test_ids() -> None:
    assert check_agent_id("research-bot.v2_x") == "research-bot.v2_x"
    for bad in ("", "Bot", "a b", "x" * 65, "bot/1"):
        with pytest.raises(InvalidInput):
            check_agent_id(bad)
    early, late = new_session_id(1_000), new_session_id(2_000)
    assert early < late
    assert len(early) == len("sess_") + 26
    assert check_session_id(early) == early
    for bad in ("", "../x", "sess x", "-leading", "x" * 81):
        with pytest.raises(InvalidInput):
            check_session_id(bad)


def test_rename_metadata_and_counts_in_any_state(store: Store, agent: str) -> None:
    session = store.create_session(agent, "Old", metadata={"keep": 1, "drop": 2}).session
    store.add_message(session.id, "hi")
    store.remember("fact", session_id=session.id)
    store.end_session(session.id)
    renamed = store.rename_session(session.id, "  New   name ")
    assert renamed.title == "New name"
    assert store.rename_session(session.id, "   ").title == "New name"
    with pytest.raises(InvalidInput):
        store.rename_session(session.id, "t" * 201)
    updated = store.update_session_metadata(session.id, {"drop": None, "add": [1, 2]})
    assert updated.metadata == {"keep": 1, "add": [1, 2]}
    assert updated.state == State.ENDED
    assert store.session_counts(session.id) == {"messages": 1, "memories": 1, "events": 2}
    with pytest.raises(NotFound):
        store.rename_session("sess_none", "x")


def test_system_prompt_is_kept_in_the_metadata(store: Store, agent: str) -> None:
    session = store.create_session(
        agent, system_prompt="  Be brief.  ", metadata={"responder": {"backend": "offline"}}
    ).session
    assert session.metadata == {"responder": {"backend": "offline", "system_prompt": "Be brief."}}
    assert store.messages(session.id) == []
    with pytest.raises(InvalidInput):
        store.create_session(agent, system_prompt="x" * (1024 * 1024 + 1))
    assert len(store.list_sessions()) == 1


def test_a_title_too_long_creates_nothing(store: Store, agent: str) -> None:
    with pytest.raises(InvalidInput, match="limit is 200"):
        store.create_session(agent, "t" * 201)
    assert store.list_sessions() == []
    assert store.create_session(agent, "   ").session.title == "Session 2026-01-15 09:00"


def test_session_as_json(store: Store, agent: str, clock: ManualClock) -> None:
    session = store.create_session(agent).session
    clock.advance(minutes=350)
    row = session.to_dict(clock.now_ms())
    assert row["phase"] == "expiring"
    assert row["remaining_seconds"] == 600
    assert row["expires_at"] == "2026-01-15T15:00:00.000Z"
    assert row["expires_at_ms"] == session.expires_at
    assert "token_jti" not in row and "policy_json" not in row
    assert row["policy"]["window_minutes"] == 360
    assert session.window_fraction(clock.now_ms()) == pytest.approx(10 / 360)


def test_agents(store: Store) -> None:
    created = store.add_agent("bot", "  Research   Bot ")
    assert created.name == "Research Bot"
    assert store.get_agent("bot") == created
    assert store.ensure_agent("bot") == created
    assert store.ensure_agent("new").name == "new"
    assert [a.id for a in store.list_agents()] == ["bot", "new"]
    with pytest.raises(Exception, match="already exists"):
        store.add_agent("bot")
    with pytest.raises(NotFound, match="agentsess agents add ghost"):
        store.get_agent("ghost")
