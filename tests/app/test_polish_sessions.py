"""Issue 12, polish: what a demanding first hour turned up, each driven with Pilot against a
real database and a manual clock. This file: session keys and commands and what they say (a
resume that changes nothing, keys that do not apply, /status and local times, the bell,
/export). The layout and keys are in test_polish_layout.py, replies in test_polish_replies.py."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.widgets.chat_header import ChatHeader
from agentsess_tui.app.widgets.chat_input import ChatInput
from agentsess_tui.app.widgets.chat_rows import Note
from agentsess_tui.core import ManualClock, Store

from .conftest import INSTANT
from .helpers import SIZE, notices, settle


async def test_resume_of_an_active_session_says_nothing_changed(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Busy").session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat = app.screen.query_one("#chat-input")
        chat.focus()
        await pilot.press(*"/resume", "enter")
        await settle(pilot)
    after = store.get_session(session.id)
    assert (after.resume_count, after.activated_at, after.token_jti) == (
        session.resume_count,
        session.activated_at,
        session.token_jti,
    )
    said = notices(app)
    assert any("already active" in n and "nothing changed" in n for n in said), said
    assert not any("no longer works" in n for n in said), said


async def test_session_keys_that_do_not_apply_say_why(
    app: AgentsessApp, store: Store, agent: str, clock: ManualClock
) -> None:
    store.create_session(agent, "Short", options={"window_minutes": 30})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert any("Already active" in n for n in notices(app)), notices(app)
        clock.advance(minutes=31)
        app.screen.pulse.tick()  # type: ignore[attr-defined]
        await settle(pilot)
        for key in ("e", "x"):
            before = len(notices(app))
            await pilot.press(key)
            await settle(pilot)
            new = notices(app)[before:]
            assert any("has expired" in n and "Press r" in n for n in new), (key, new)


def test_local_when_gives_the_date_when_not_today_and_the_zone_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agentsess_tui.core.phases import local_when

    now = 1_764_600_000_000  # 2025-12-01 14:40 UTC
    two_days = now + 2 * 86_400_000
    assert local_when(now, now) == "14:40"
    assert local_when(two_days, now) == "2025-12-03 14:40"  # not a bare 14:40
    assert local_when(now, now, zone=True) == "14:40 UTC"
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    assert local_when(now, now) == "23:40"  # local, not UTC
    assert local_when(now + 3_600_000, now) == "2025-12-02 00:40"
    assert local_when(now, now, zone=True) == "23:40 JST"


async def test_status_says_created_and_last_activity_in_local_time_and_counts_in_words(
    app: AgentsessApp, store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent, "Counted", options={"auto_renew": True}).session
    clock.advance(minutes=5)
    store.add_message(session.id, "hello")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat_input = app.screen.query_one("#chat-input", ChatInput)
        chat_input.focus()
        chat_input.put("/status")
        await pilot.press("enter")
        await settle(pilot)
        text = " ".join(note.markdown for note in app.screen.query(Note))
        header = str(app.screen.query_one(ChatHeader).render())
    created = time.strftime("%H:%M", time.gmtime(session.created_at / 1000))
    assert f"Created {created} UTC" in text and "last activity" in text
    assert not re.search(r"\d{4}-\d\d-\d\dT", text)  # no raw ISO
    assert "expiry slid by 1 write, resumed 0 times" in text
    assert "expiry slid by 1 write, resumed 0 times" in header
    assert "1 resumes" not in header and "renewals" not in header


@pytest.mark.parametrize("bell", [True, False])
async def test_the_bell_rings_when_a_session_warns_and_when_it_expires(
    store: Store, agent: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, bell: bool
) -> None:
    from agentsess_tui.app.main import make_app
    from agentsess_tui.core import resolve_paths
    from agentsess_tui.core.config import load_settings

    paths = resolve_paths()
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(f"[ui]\nbell = {str(bell).lower()}\n", encoding="utf-8")
    settings = load_settings(paths)
    rang: list[int] = []
    monkeypatch.setattr(AgentsessApp, "bell", lambda self: rang.append(clock.now_ms()))
    store.create_session(agent, "Ring", options={"window_minutes": 30, "warning_minutes": 5})
    app = make_app(store, clock=clock, settings=settings, paths=paths, blink=False, delays=INSTANT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rang == []
        clock.advance(minutes=26)  # into the warning period
        app.screen.pulse.tick()  # type: ignore[attr-defined]
        await settle(pilot)
        assert len(rang) == (1 if bell else 0)
        clock.advance(minutes=5)  # expired
        app.screen.pulse.tick()  # type: ignore[attr-defined]
        await settle(pilot)
        assert len(rang) == (2 if bell else 0)
        assert any("Session expired" in n for n in notices(app))


async def test_export_writes_to_the_exports_directory_or_the_path_given(
    app: AgentsessApp,
    store: Store,
    agent: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agentsess_tui.core import resolve_paths

    session = store.create_session(agent, "Exported").session
    store.add_message(session.id, "keep this")
    cwd = tmp_path / "checkout"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat_input = app.screen.query_one("#chat-input", ChatInput)
        for command in ("/export", f"/export json {elsewhere}", f"/export {elsewhere}/notes.md"):
            chat_input.focus()
            chat_input.put(command)
            await pilot.press("enter")
            await settle(pilot)
        said = [note.markdown for note in app.screen.query(Note)]
    exports = resolve_paths().exports_dir
    assert list(cwd.iterdir()) == []  # never the directory the app started in
    default = exports / f"{session.id}.md"
    assert "keep this" in default.read_text()
    assert oct(exports.stat().st_mode & 0o777) == "0o700"
    assert oct(default.stat().st_mode & 0o777) == "0o600"
    assert (elsewhere / f"{session.id}.json").exists()
    assert "keep this" in (elsewhere / "notes.md").read_text()
    assert any(str(default) in note for note in said)  # the full path is said
