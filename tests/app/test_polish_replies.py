"""Issue 12, polish: what a demanding first hour turned up, each driven with Pilot against a
real database and a manual clock. This file: replies from a real chat server on 127.0.0.1
(another host needs a confirmation and never gets the key, a session deleted while its reply
streams, a failed reply that stays visible and retryable)."""

from __future__ import annotations

import asyncio

import pytest
from chat_server import API_KEY, ChatServer

from agentsess_tui.agents.hosts import confirmed_hosts, host_of
from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.screens.modals import ConfirmModal
from agentsess_tui.app.widgets.chat_input import ChatInput
from agentsess_tui.app.widgets.chat_rows import ErrorRow
from agentsess_tui.core import Store

from .helpers import SIZE, notices, settle, until


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
