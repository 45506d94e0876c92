"""Issue 12, polish: what a demanding first hour turned up, each driven with Pilot against a
real database and a manual clock."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
from chat_server import API_KEY, ChatServer
from textual.widgets import Input, OptionList, Select

from agentsess_tui.agents.hosts import confirmed_hosts, host_of
from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.panes.chat import ChatPane
from agentsess_tui.app.panes.memories import MemoryInspector
from agentsess_tui.app.screens.modals import ConfirmModal
from agentsess_tui.app.widgets.chat_header import ChatHeader
from agentsess_tui.app.widgets.chat_input import ChatInput
from agentsess_tui.app.widgets.chat_rows import ErrorRow, Note
from agentsess_tui.app.widgets.session_list import SessionList
from agentsess_tui.app.widgets.transcript import Transcript
from agentsess_tui.core import ManualClock, Store

from .conftest import INSTANT
from .helpers import notices, settle, sidebar_rows, until

SIZE = (120, 36)


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
        app.screen.tick()  # type: ignore[attr-defined]
        await settle(pilot)
        for key in ("e", "x"):
            before = len(notices(app))
            await pilot.press(key)
            await settle(pilot)
            new = notices(app)[before:]
            assert any("has expired" in n and "Press r" in n for n in new), (key, new)


async def test_at_80_columns_the_inspector_replaces_the_chat_and_m_closes_it(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Narrow")
    store.remember("Prefers tea", agent_id=agent)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        chat = app.screen.query_one("#chat")
        inspector = app.screen.query_one("#memories")
        assert not chat.display or chat.size.width == 0
        assert inspector.size.width >= 40
        assert "m: back to the chat" in app.export_screenshot().replace("&#160;", " ")
        await pilot.press("m")  # a second m closes: it is not typed into the search
        await settle(pilot)
        assert not inspector.display
        assert app.screen.query_one("#memory-search", Input).value == ""
        assert app.screen.query_one("#chat").size.width > 40
        await pilot.press("m", "escape")  # escape goes back to the chat too
        await settle(pilot)
        assert not inspector.display


async def test_at_160_columns_the_inspector_stands_beside_the_chat(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Wide")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert app.screen.query_one("#chat").size.width >= 54
        assert app.screen.query_one("#memories").display


async def test_the_memory_search_and_type_filter_do_not_follow_to_another_agent(
    app: AgentsessApp, store: Store
) -> None:
    store.add_agent("alpha")
    store.add_agent("beta")
    store.create_session("alpha", "A")
    store.create_session("beta", "B")
    store.remember("alpha likes tea", agent_id="alpha", type="preference")
    store.remember("beta likes coffee", agent_id="beta", type="fact")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m", "slash", *"tea")
        await settle(pilot)
        search = app.screen.query_one("#memory-search", Input)
        assert search.value == "tea"
        app.screen.query_one("#memory-type", Select).value = "preference"
        await settle(pilot)
        first = app.screen.query_one("#memories", MemoryInspector).agent_id
        app.screen.query_one("#sessions").focus()
        await pilot.press("right_square_bracket")
        await settle(pilot)
        inspector = app.screen.query_one("#memories", MemoryInspector)
        assert inspector.agent_id != first
        assert search.value == ""
        assert app.screen.query_one("#memory-type", Select).is_blank()
        listed = app.screen.query_one("#memory-list", OptionList)
        assert listed.option_count == 1


async def test_zero_shows_every_agents_memories(app: AgentsessApp, store: Store) -> None:
    store.add_agent("alpha")
    store.add_agent("beta")
    store.create_session("alpha", "A")
    store.remember("alpha likes tea", agent_id="alpha")
    store.remember("beta likes coffee", agent_id="beta")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        listed = app.screen.query_one("#memory-list", OptionList)
        assert listed.option_count == 1
        await pilot.press("0")
        await settle(pilot)
        assert listed.option_count == 2
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "Memories of all agents" in shown and "beta" in shown
        await pilot.press("0")
        await settle(pilot)
        assert listed.option_count == 1


async def test_a_session_asking_for_another_host_needs_a_confirmation_and_never_gets_the_key(
    app: AgentsessApp,
    store: Store,
    agent: str,
    chat_server: ChatServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    session = store.create_session(agent, "Elsewhere").session
    store.update_session_metadata(
        session.id,
        {"responder": {"backend": "openai", "base_url": chat_server.url, "model": "m"}},
    )
    host = host_of(chat_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat_input = app.screen.query_one("#chat-input", ChatInput)
        chat_input.focus()
        chat_input.put("hi")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the host dialog")
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "127.0.0.1" in shown
        assert app.screen.focused is not None and app.screen.focused.id == "cancel"
        await pilot.press("enter")  # Cancel has the focus: a stray enter sends nothing
        await settle(pilot)
        assert chat_server.requests == []
        assert host not in confirmed_hosts()
        assert any("Not sent" in str(row.render()) for row in app.screen.query(ErrorRow))
        app.screen.query_one("#sessions").focus()
        await pilot.press("ctrl+r")  # asked again
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the dialog again")
        assert chat_server.requests == []
        await pilot.press("y")
        await until(pilot, lambda: len(store.messages(session.id)) == 2, "the reply")
    assert len(chat_server.requests) == 1
    # Confirmed, not configured: the key never goes there (agents/hosts.py).
    headers = {k.lower(): v for k, v in chat_server.requests[0].headers.items()}
    assert API_KEY not in headers.get("authorization", "")
    assert host in confirmed_hosts()
    assert store.messages(session.id)[-1].content == "Hello there!"


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


async def test_escape_clears_the_filter_and_the_chat_follows_the_filtered_list(
    app: AgentsessApp, store: Store
) -> None:
    store.add_agent("alpha")
    store.add_agent("beta")
    store.create_session("alpha", "Quarterly report", options={"window_minutes": 30})
    triage = store.create_session("beta", "Bug triage").session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.query_one(ChatPane).open_id != triage.id  # the first listed is open
        await pilot.press("slash", *"triage")
        await settle(pilot)
        assert len(sidebar_rows(app)) == 1
        assert screen.query_one(ChatPane).open_id == triage.id  # not the hidden one
        await pilot.press("escape")
        await settle(pilot)
        filter_box = screen.query_one("#filter", Input)
        assert filter_box.value == "" and not filter_box.display
        assert len(sidebar_rows(app)) == 2
        assert isinstance(screen.focused, SessionList)
        # Applied with enter, escape from the list clears it too.
        await pilot.press("slash", *"report", "enter")
        await settle(pilot)
        assert len(sidebar_rows(app)) == 1 and isinstance(screen.focused, SessionList)
        await pilot.press("escape")
        await settle(pilot)
        assert len(sidebar_rows(app)) == 2 and not filter_box.display


async def test_a_theme_picked_on_demo_data_is_not_saved(store: Store, clock: ManualClock) -> None:
    from agentsess_tui.app.main import make_app
    from agentsess_tui.core import resolve_paths

    paths = resolve_paths()
    demo = make_app(store, clock=clock, paths=paths, blink=False, demo=True)
    async with demo.run_test(size=SIZE) as pilot:
        await settle(pilot)
        demo.theme = "agentsess-light"
        await settle(pilot)
    assert not paths.state_file.exists() or "agentsess-light" not in paths.state_file.read_text()
    real = make_app(store, clock=clock, paths=paths, blink=False)
    async with real.run_test(size=SIZE):
        assert real.theme == "agentsess-dark"


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
        app.screen.tick()  # type: ignore[attr-defined]
        await settle(pilot)
        assert len(rang) == (1 if bell else 0)
        clock.advance(minutes=5)  # expired
        app.screen.tick()  # type: ignore[attr-defined]
        await settle(pilot)
        assert len(rang) == (2 if bell else 0)
        assert any("Session expired" in n for n in notices(app))


async def test_g_and_shift_g_go_to_the_top_and_the_bottom(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    for number in range(6):
        store.create_session(agent, f"S{number}", options={"window_minutes": 30 + number})
    newest = store.list_sessions(limit=1)[0]
    for number in range(60):
        store.add_message(newest.id, f"message {number}")
    for number in range(5):
        store.remember(f"memory {number}", agent_id=agent)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session_list = app.screen.query_one(SessionList)
        await pilot.press("G")
        assert session_list.cursor == 5
        await pilot.press("g")
        assert session_list.cursor == 0
        await settle(pilot)
        transcript = app.screen.query_one(Transcript)
        transcript.focus()
        await settle(pilot)
        assert transcript.scroll_y == transcript.max_scroll_y > 0
        assert app.focused is transcript, app.focused
        await pilot.press("g")  # the top of the page; the older page loads as at home
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert transcript.scroll_y == 0
        assert transcript.views[0].message.content == "message 0"
        await pilot.press("G")
        await settle(pilot)
        assert transcript.scroll_y == transcript.max_scroll_y
        session_list.focus()
        await pilot.press("m")
        await settle(pilot)
        memories = app.screen.query_one("#memory-list", OptionList)
        await pilot.press("G")
        assert memories.highlighted == 4
        await pilot.press("g")
        assert memories.highlighted == 0


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


def footer_keys(app: AgentsessApp) -> list[tuple[str, str]]:
    from textual.widgets._footer import FooterKey

    return [(key.key_display, key.description) for key in app.screen.query(FooterKey)]


async def test_remapped_keys_keep_their_place_in_the_footer_and_the_welcome_says_them(
    store: Store, clock: ManualClock
) -> None:
    from agentsess_tui.app.main import make_app
    from agentsess_tui.app.widgets.welcome import Welcome
    from agentsess_tui.core import resolve_paths
    from agentsess_tui.core.config import Settings

    settings = Settings(keymap={"new_session": "N", "extend": "f", "no_such_binding": "z"})
    app = make_app(
        store, clock=clock, settings=settings, paths=resolve_paths(), blink=False, delays=INSTANT
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        welcome = str(app.screen.query_one(Welcome).render())
        assert "Press N to create your first session." in welcome
        assert "Press n " not in welcome
        said = notices(app)
        assert any("no_such_binding" in n and "Unknown key bindings" in n for n in said), said
        assert not any("'extend'" in n for n in said)
    store.add_agent("bot")
    store.create_session("bot", "Remapped")
    again = make_app(
        store, clock=clock, settings=settings, paths=resolve_paths(), blink=False, delays=INSTANT
    )
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app = again
        descriptions = [description for _, description in footer_keys(app)]
        # In their usual place, not moved behind Quit where the footer cuts them off.
        assert descriptions.index("New") < descriptions.index("Clear")
        assert descriptions.index("Extend") < descriptions.index("Clear")
        assert ("f", "Extend") in footer_keys(app)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_help_is_always_in_the_visible_part_of_the_footer(
    app: AgentsessApp, store: Store, agent: str, size: tuple[int, int]
) -> None:
    store.create_session(agent, "Visible")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        from textual.widgets import Footer

        footer = app.screen.query_one(Footer)
        visible = [
            key
            for key in footer.query("FooterKey")
            if key.region.right <= footer.region.right and key.region.width > 0
        ]
        assert any("Help" in str(key.description) for key in visible)  # type: ignore[attr-defined]


async def test_deleting_a_session_while_its_reply_streams_is_not_an_error(
    app: AgentsessApp, store: Store, agent: str, chat_server: ChatServer
) -> None:
    from chat_server import WAIT, delta, reply_script

    from agentsess_tui.agents.hosts import confirm_host
    from agentsess_tui.app.widgets.chat_rows import StreamingReply

    session = store.create_session(agent, "Doomed").session
    store.update_session_metadata(
        session.id,
        {"responder": {"backend": "openai", "base_url": chat_server.url, "model": "m"}},
    )
    confirm_host(None, chat_server.url)
    chat_server.script = [
        *reply_script("First part.")[:2],
        ("wait",),
        delta(" more"),
        *reply_script()[-2:],
    ]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat_input = app.screen.query_one("#chat-input", ChatInput)
        chat_input.focus()
        chat_input.put("talk")
        await pilot.press("enter")
        assert await asyncio.to_thread(chat_server.stalled.wait, WAIT)
        await until(pilot, lambda: bool(app.screen.query(StreamingReply)), "the stream")
        app.screen.query_one("#sessions").focus()
        await pilot.press("d", "y")
        await settle(pilot)
        chat_server.release.set()
        await until(pilot, lambda: not app.screen.is_replying(session.id), "the end")  # type: ignore[attr-defined]
        await settle(pilot)
        said = notices(app)
        assert not any("No message" in n for n in said), said
        assert not app.screen.query(ErrorRow)
        assert store.list_sessions() == []


async def test_a_failed_reply_stays_visible_and_retryable_after_switching_away_and_back(
    app: AgentsessApp, store: Store, agent: str, chat_server: ChatServer, closed_port: int
) -> None:
    from agentsess_tui.agents.hosts import confirm_host

    down = f"http://127.0.0.1:{closed_port}/v1"
    other = store.create_session(agent, "Other", options={"window_minutes": 30}).session
    session = store.create_session(agent, "Failing").session
    store.update_session_metadata(
        session.id, {"responder": {"backend": "openai", "base_url": down, "model": "m"}}
    )
    confirm_host(None, down)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.open_session(session.id)  # type: ignore[attr-defined]
        await settle(pilot)
        chat_input = app.screen.query_one("#chat-input", ChatInput)
        chat_input.focus()
        chat_input.put("are you up?")
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.screen.query(ErrorRow)), "the error row")
        app.screen.open_session(other.id)  # type: ignore[attr-defined]
        await settle(pilot)
        assert not app.screen.query(ErrorRow)
        app.screen.open_session(session.id)  # type: ignore[attr-defined]
        await settle(pilot)
        rows = app.screen.query(ErrorRow)
        assert len(rows) == 1 and "connection refused" in rows.first().message.lower()
        # ctrl+r still retries, now against a live server; the mark goes away.
        store.update_session_metadata(
            session.id,
            {"responder": {"backend": "openai", "base_url": chat_server.url, "model": "m"}},
        )
        confirm_host(None, chat_server.url)
        app.screen.query_one("#sessions").focus()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: len(store.messages(session.id)) == 2, "the retried reply")
        await settle(pilot)
        assert not app.screen.query(ErrorRow)
    user = store.messages(session.id)[0]
    assert user.content == "are you up?" and "reply_failed" not in user.metadata
