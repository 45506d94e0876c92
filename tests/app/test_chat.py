"""The chat pane talking back: streamed replies, cancel, a failing backend, slash commands."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from chat_server import WAIT, ChatServer, delta, reply_script
from textual.pilot import Pilot

from agentsess_tui.agents.hosts import confirm_host
from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.screens.main import MainScreen
from agentsess_tui.app.screens.modals import ConfirmModal
from agentsess_tui.app.widgets.chat_input import ChatInput
from agentsess_tui.app.widgets.chat_rows import ErrorRow, Note, StreamingReply
from agentsess_tui.app.widgets.message_view import MessageView
from agentsess_tui.app.widgets.session_list import SessionList
from agentsess_tui.core import ManualClock, Session, Store, resolve_paths

from .helpers import settle, until

SIZE = (120, 40)


def use_server(store: Store, session: Session, url: str) -> None:
    store.update_session_metadata(
        session.id, {"responder": {"backend": "openai", "base_url": url, "model": "test-model"}}
    )
    # A session's own host is used only once the person confirmed it (issue 10, item 1).
    confirm_host(None, url)


async def say(pilot: Pilot[None], text: str) -> None:
    chat_input = pilot.app.screen.query_one("#chat-input", ChatInput)
    chat_input.focus()
    chat_input.put(text)
    await pilot.press("enter")
    await settle(pilot)


def shown(app: AgentsessApp) -> list[tuple[str, str]]:
    return [(v.message.role, v.message.content) for v in app.screen.query(MessageView)]


async def wait_for_hit(pilot: Pilot[None], text: str) -> None:
    """Wait (bounded) until the command palette lists a hit containing `text`."""
    from textual.command import CommandList

    def listed() -> bool:
        lists = pilot.app.screen.query(CommandList)
        return bool(lists) and any(
            text in str(lists.first().get_option_at_index(i).prompt)
            for i in range(lists.first().option_count)
        )

    await until(pilot, listed, f"a palette hit with {text!r}")


def selected_id(app: AgentsessApp) -> str | None:
    session = app.screen.query_one(SessionList).highlighted
    return session.id if session else None


def notes(app: AgentsessApp) -> list[str]:
    return [note.markdown for note in app.screen.query(Note)]


async def test_the_offline_agent_replies_and_remembers(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    session = store.create_session(agent, "Chat").session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await say(pilot, "remember that I prefer green tea")
        await settle(pilot)
        messages = store.messages(session.id)
        assert [m.role for m in messages] == ["user", "assistant"]
        assert "preference" in messages[1].content
        assert [m.content for m in store.list_memories(agent_id=agent)] == ["I prefer green tea"]
        await say(pilot, "what tea do I like?")
        await settle(pilot)
        reply = store.messages(session.id)[-1]
        assert reply.role == "assistant" and "green tea" in reply.content
        assert shown(app)[-1] == ("assistant", reply.content)


async def test_a_streamed_reply_from_an_openai_compatible_server(
    app: AgentsessApp, store: Store, agent: str, chat_server: ChatServer
) -> None:
    session = store.create_session(agent, "Chat").session
    use_server(store, session, chat_server.url)
    chat_server.script = reply_script("Hello", " from", " the **server**")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await say(pilot, "hi")
        await settle(pilot)
        reply = store.messages(session.id)[-1]
        assert reply.content == "Hello from the **server**"
        assert "incomplete" not in reply.metadata
        assert reply.metadata["backend"] == "openai"
        assert shown(app)[-1] == ("assistant", "Hello from the **server**")
        assert not app.screen.query(StreamingReply)
        body = chat_server.requests[0].body
        assert body["stream"] is True and body["model"] == "test-model"
        assert body["messages"][-1] == {"role": "user", "content": "hi"}


async def test_escape_stops_a_reply_midway_and_keeps_the_partial_text(
    app: AgentsessApp, store: Store, agent: str, chat_server: ChatServer
) -> None:
    session = store.create_session(agent, "Chat").session
    use_server(store, session, chat_server.url)
    chat_server.script = [
        *reply_script("First part.")[:2],
        delta(" Second part."),
        ("wait",),
        delta(" never arrives"),
    ]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat_input = app.screen.query_one("#chat-input", ChatInput)
        chat_input.focus()
        chat_input.put("tell me a long story")
        await pilot.press("enter")
        assert await asyncio.to_thread(chat_server.stalled.wait, WAIT)

        def streamed() -> bool:  # the streaming row shows what arrived
            rows = app.screen.query(StreamingReply)
            return bool(rows) and rows.first().chunks >= 2

        await until(pilot, streamed, "two chunks in the streaming row")
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.is_replying(session.id)
        await pilot.press("escape")
        await settle(pilot)
        chat_server.release.set()
        reply = store.messages(session.id)[-1]
        assert reply.role == "assistant"
        assert reply.content == "First part. Second part."
        assert reply.metadata["incomplete"] is True and reply.metadata["cancelled"] is True
        assert not screen.is_replying(session.id)
        assert not app.screen.query(StreamingReply)
        assert shown(app)[-1] == ("assistant", "First part. Second part.")
        assert isinstance(app.focused, ChatInput)  # escape stopped the reply, not the typing


async def test_backend_down_shows_an_error_row_keeps_the_message_and_retry_works(
    app: AgentsessApp, store: Store, agent: str, chat_server: ChatServer, closed_port: int
) -> None:
    session = store.create_session(agent, "Chat").session
    use_server(store, session, f"http://127.0.0.1:{closed_port}/v1")
    chat_server.script = reply_script("Back", " online")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await say(pilot, "are you up?")
        await settle(pilot)
        rows = app.screen.query(ErrorRow)
        assert len(rows) == 1
        assert "connection refused" in rows.first().message.lower()
        assert [(m.role, m.content) for m in store.messages(session.id)] == [
            ("user", "are you up?")
        ]
        # The server comes up (here: the session points at a live one); ctrl+r retries.
        use_server(store, session, chat_server.url)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert not app.screen.query(ErrorRow)
        assert [(m.role, m.content) for m in store.messages(session.id)] == [
            ("user", "are you up?"),
            ("assistant", "Back online"),
        ]
        assert chat_server.requests[0].body["messages"][-1]["content"] == "are you up?"


@pytest.mark.parametrize(
    ("status", "payload", "expected"),
    [
        (401, {"error": {"message": "bad key"}}, "api key"),
        (404, {"error": {"message": "model 'test-model' not found"}}, "test-model"),
    ],
)
async def test_backend_http_errors_are_explained(
    app: AgentsessApp,
    store: Store,
    agent: str,
    chat_server: ChatServer,
    status: int,
    payload: dict[str, object],
    expected: str,
) -> None:
    session = store.create_session(agent, "Chat").session
    use_server(store, session, chat_server.url)
    chat_server.error = (status, payload)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await say(pilot, "hello?")
        await settle(pilot)
        rows = app.screen.query(ErrorRow)
        assert len(rows) == 1 and expected in rows.first().message.lower()
        assert store.messages(session.id)[0].content == "hello?"


async def test_slash_commands(
    app: AgentsessApp,
    store: Store,
    agent: str,
    clock: ManualClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    session = store.create_session(agent, "Main chat").session
    store.add_message(session.id, "hello")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await say(pilot, "/status")
        assert "Main chat" in notes(app)[-1] and "active" in notes(app)[-1]

        await say(pilot, "/extnd 2h")
        assert "did you mean /extend" in notes(app)[-1]

        before = store.get_session(session.id).expires_at
        await say(pilot, "/extend 2h")
        assert store.get_session(session.id).expires_at == before + 120 * 60_000

        await say(pilot, "/remember preference I like short answers")
        memory = store.list_memories(agent_id=agent)[0]
        assert (memory.type, memory.content) == ("preference", "I like short answers")

        await say(pilot, "/recall short")
        assert f"#{memory.id}" in notes(app)[-1]

        await say(pilot, "/help")
        assert "/export" in notes(app)[-1]

        await say(pilot, "/export md")
        # Into the exports directory, never the current one (issue 12).
        exported = resolve_paths().exports_dir / f"{session.id}.md"
        assert not (tmp_path / f"{session.id}.md").exists()
        assert exported.read_text().startswith("# Main chat")
        assert str(exported) in notes(app)[-1]

        await say(pilot, "/sessions")
        assert isinstance(app.focused, ChatInput)  # no command takes the focus from the chat
        assert "Main chat" in notes(app)[-1]

        await say(pilot, "/new Side quest")
        titles = sorted(s.title for s in store.list_sessions())
        assert titles == ["Main chat", "Side quest"]
        side = next(s for s in store.list_sessions() if s.title == "Side quest")
        assert selected_id(app) == side.id

        # /end and /clear ask first, then act on the open session.
        await say(pilot, "/end")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert store.get_session(side.id).state == "ended"

        await say(pilot, "/resume main")
        await settle(pilot)
        assert selected_id(app) == session.id
        await say(pilot, "/resume side")
        await settle(pilot)
        assert store.get_session(side.id).state == "active"

        await say(pilot, "/clear")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert store.messages(side.id) == []
        assert store.get_memory(memory.id).status == "active"


async def test_search_across_chats_jumps_to_the_message(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Elsewhere")
    target = store.create_session(agent, "Long history").session
    for index in range(120):
        text = "the zeppelin arrives at dawn" if index == 30 else f"routine message {index}"
        store.add_message(target.id, text)
    wanted = [m for m in store.messages(target.id, limit=200) if "zeppelin" in m.content][0]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"zeppelin")
        await wait_for_hit(pilot, "Message in")
        await pilot.press("enter")
        await settle(pilot)
        assert selected_id(app) == target.id
        await until(pilot, lambda: app.screen.query(".message.-found"), "the found message")
        found = app.screen.query(".message.-found")
        assert len(found) == 1
        view = found.first()
        assert isinstance(view, MessageView) and view.message.id == wanted.id
        transcript = app.screen.query_one("#transcript")
        # Centred once laid out: on screen, not just loaded.
        await until(
            pilot, lambda: transcript.region.contains_region(view.region), "the hit on screen"
        )
