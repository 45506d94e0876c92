"""The OpenAI-compatible client against a real streaming chat server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from typing import Any

import pytest
from chat_server import API_KEY, WAIT, ChatServer, delta, openai_settings, reply_script

from agentsess_tui.agents import (
    ChatBackendError,
    ReplyRequest,
    ResponderSettings,
    build_request,
    run_reply,
)
from agentsess_tui.agents.openai_compat import OpenAICompatResponder, build_messages
from agentsess_tui.core import Session, Store


def collect(responder: OpenAICompatResponder, request: ReplyRequest) -> list[str]:
    async def main() -> list[str]:
        return [chunk async for chunk in responder.reply(request)]

    return asyncio.run(main())


def failure(
    responder: OpenAICompatResponder, request: ReplyRequest
) -> tuple[list[str], ChatBackendError]:
    """The chunks that arrived before the reply failed, and the failure."""
    chunks: list[str] = []

    async def main() -> None:
        async for chunk in responder.reply(request):
            chunks.append(chunk)

    with pytest.raises(ChatBackendError) as caught:
        asyncio.run(main())
    return chunks, caught.value


def client(server: ChatServer, **changes: Any) -> OpenAICompatResponder:
    return OpenAICompatResponder(openai_settings(server.url, **changes))


def simple_request(session: Session, text: str = "Hi") -> ReplyRequest:
    return ReplyRequest(session=session, user_text=text, system_prompt="Be brief.")


def test_streams_the_reply_in_chunks(chat_server: ChatServer, session: Session) -> None:
    responder = client(chat_server)
    assert collect(responder, simple_request(session)) == ["Hello", " there", "!"]


def test_request_carries_system_prompt_memories_history_model_and_key(
    chat_server: ChatServer, store: Store, session: Session
) -> None:
    store.update_session_metadata(session.id, {"responder": {"system_prompt": "You are Ada."}})
    tea = store.remember(
        "I prefer green tea in the afternoon", agent_id=session.agent_id, type="preference"
    )
    store.remember("The build server is called atlas", agent_id=session.agent_id)
    for number in range(1, 6):
        store.add_message(session.id, f"question {number}", role="user")
        store.add_message(session.id, f"answer {number}", role="assistant")
    store.add_message(session.id, "tool output", role="tool")
    store.add_message(session.id, "What tea do I like?", role="user")
    chat = dataclasses.replace(store.settings.chat, context_messages=3, recall_limit=2)
    settings = ResponderSettings.resolve(chat, store.get_session(session.id))
    settings = openai_settings(
        chat_server.url, system_prompt=settings.system_prompt, context_messages=3, recall_limit=2
    )
    request = build_request(store, session.id, "What tea do I like?", settings)

    collect(OpenAICompatResponder(settings), request)

    (recorded,) = chat_server.requests
    assert recorded.path == "/v1/chat/completions"
    assert recorded.headers["Authorization"] == f"Bearer {API_KEY}"
    assert "text/event-stream" in recorded.headers["Accept"]
    body = recorded.body
    assert body["model"] == "test-model"
    assert body["stream"] is True
    system, *history, last = body["messages"]
    assert system["role"] == "system"
    assert system["content"].startswith("You are Ada.")
    assert f"#{tea.id} (preference) I prefer green tea in the afternoon" in system["content"]
    assert "atlas" not in system["content"]  # not recalled for a question about tea
    # The last 3 messages before the question; the tool message stays out of the context.
    assert history == [
        {"role": "user", "content": "question 5"},
        {"role": "assistant", "content": "answer 5"},
    ]
    assert last == {"role": "user", "content": "What tea do I like?"}


def test_no_system_message_without_a_prompt_or_memories(session: Session) -> None:
    request = ReplyRequest(session=session, user_text="Hi")
    assert build_messages(request) == [{"role": "user", "content": "Hi"}]


def test_no_key_sends_no_authorization_header(chat_server: ChatServer, session: Session) -> None:
    collect(
        client(chat_server, api_key=None),
        simple_request(session),
    )
    assert "Authorization" not in chat_server.requests[0].headers


def test_sse_details_comments_crlf_and_multiline_data(
    chat_server: ChatServer, session: Session
) -> None:
    first = json.dumps({"choices": [{"delta": {"content": "one "}}]})
    chat_server.script = [
        ("raw", ": keep-alive\r\n\r\n"),
        ("raw", f"event: message\r\ndata: {first}\r\n\r\n"),
        # One event whose JSON is split over two data lines (joined with a newline).
        ("raw", 'data: {"choices": [{"delta":\ndata: {"content": "two"}}]}\n\n'),
        ("raw", "data: [DONE]\n\n"),
    ]
    assert collect(client(chat_server), simple_request(session)) == [
        "one ",
        "two",
    ]


def test_finish_reason_without_done_is_a_complete_reply(
    chat_server: ChatServer, session: Session
) -> None:
    chat_server.script = [delta("All"), delta(" done", "stop")]
    responder = client(chat_server)
    assert collect(responder, simple_request(session)) == ["All", " done"]


def test_a_server_that_ignores_stream_true_still_works(
    chat_server: ChatServer, session: Session
) -> None:
    chat_server.content_type = "application/json"
    completion = {"choices": [{"message": {"role": "assistant", "content": "Whole reply."}}]}
    chat_server.script = [("raw", json.dumps(completion))]
    responder = client(chat_server)
    assert collect(responder, simple_request(session)) == ["Whole reply."]


# -- failures --------------------------------------------------------------------------------


def test_connection_refused(closed_port: int, session: Session) -> None:
    url = f"http://127.0.0.1:{closed_port}/v1"
    _, error = failure(OpenAICompatResponder(openai_settings(url)), simple_request(session))
    assert error.reason == "refused"
    assert error.exit_code == 15
    assert str(error).startswith(f"Cannot reach the chat server at {url}: connection refused.")
    assert "ollama serve" in str(error) and "base URL" in str(error)
    # The hint names what works: /backend accepts no URL (issue 12).
    assert "/backend" not in str(error) and "Responder settings" in str(error)


@pytest.mark.parametrize("status", [401, 403])
def test_bad_api_key(chat_server: ChatServer, session: Session, status: int) -> None:
    # Some servers echo the key they got; it must not reach the message.
    chat_server.error = (status, {"error": {"message": f"Incorrect API key provided: {API_KEY}"}})
    _, error = failure(client(chat_server), simple_request(session))
    assert error.reason == "auth"
    assert f"HTTP {status}" in str(error)
    assert "rejected the API key" in str(error)
    assert "AGENTSESS_API_KEY" in str(error)
    assert API_KEY not in str(error)


def test_missing_api_key_says_so(chat_server: ChatServer, session: Session) -> None:
    chat_server.error = (401, {"error": {"message": "You didn't provide an API key."}})
    settings = openai_settings(chat_server.url, api_key=None)
    _, error = failure(OpenAICompatResponder(settings), simple_request(session))
    assert "wants an API key" in str(error) and "AGENTSESS_API_KEY" in str(error)


def test_unknown_model(chat_server: ChatServer, session: Session) -> None:
    chat_server.error = (404, {"error": {"message": "model 'missing-model' not found"}})
    settings = openai_settings(chat_server.url, model="missing-model")
    _, error = failure(OpenAICompatResponder(settings), simple_request(session))
    assert error.reason == "model"
    assert str(error).startswith(f"Unknown model 'missing-model' at {chat_server.url}")
    assert "model 'missing-model' not found" in str(error)
    assert "ollama list" in str(error) and "/models" in str(error)


def test_openai_style_model_not_found_code(chat_server: ChatServer, session: Session) -> None:
    chat_server.error = (
        404,
        {"error": {"message": "The model `gpt-9` does not exist", "code": "model_not_found"}},
    )
    _, error = failure(client(chat_server), simple_request(session))
    assert error.reason == "model"


def test_wrong_path_is_not_blamed_on_the_model(chat_server: ChatServer, session: Session) -> None:
    chat_server.error = (404, "404 page not found")
    _, error = failure(client(chat_server), simple_request(session))
    assert error.reason == "not_found"
    assert "/v1" in str(error) and "base URL" in str(error)


def test_server_error_shows_the_servers_message(chat_server: ChatServer, session: Session) -> None:
    chat_server.error = (500, {"error": "out of memory while loading the model"})
    _, error = failure(client(chat_server), simple_request(session))
    assert error.reason == "http"
    assert "HTTP 500: out of memory while loading the model" in str(error)


def test_timeout_when_the_server_sends_nothing(chat_server: ChatServer, session: Session) -> None:
    chat_server.stall_before_headers = True
    settings = openai_settings(chat_server.url, timeout_seconds=0.3)
    _, error = failure(OpenAICompatResponder(settings), simple_request(session))
    assert chat_server.stalled.is_set()
    assert error.reason == "timeout"
    assert "sent nothing for 0.3 s" in str(error)
    assert "timeout_seconds" in str(error)
    assert not error.partial


def test_timeout_mid_stream_keeps_what_arrived(chat_server: ChatServer, session: Session) -> None:
    chat_server.script = [delta("Partial "), delta("answer"), ("wait",)]
    settings = openai_settings(chat_server.url, timeout_seconds=0.3)
    chunks, error = failure(OpenAICompatResponder(settings), simple_request(session))
    assert chunks == ["Partial ", "answer"]
    assert error.reason == "timeout" and error.partial
    assert "is kept" in str(error)


def test_malformed_json_mid_stream(chat_server: ChatServer, session: Session) -> None:
    chat_server.script = [
        delta("Good "),
        ("event", '{"choices": [{"delta": {"content": "ba'),
        delta("x"),
    ]
    chunks, error = failure(client(chat_server), simple_request(session))
    assert chunks == ["Good "]
    assert error.reason == "malformed" and error.partial
    assert "malformed stream: an event is not valid JSON" in str(error)


def test_stream_ending_without_done(chat_server: ChatServer, session: Session) -> None:
    chat_server.script = [delta("Cut"), delta(" off")]
    chunks, error = failure(client(chat_server), simple_request(session))
    assert chunks == ["Cut", " off"]
    assert error.reason == "incomplete" and error.partial
    assert "ended before the reply was finished (no [DONE])" in str(error)


def test_stream_ending_without_anything(chat_server: ChatServer, session: Session) -> None:
    chat_server.script = []
    chunks, error = failure(client(chat_server), simple_request(session))
    assert chunks == []
    assert error.reason == "empty"
    assert "without any reply" in str(error)


def test_done_without_any_content(chat_server: ChatServer, session: Session) -> None:
    chat_server.script = reply_script()
    _, error = failure(client(chat_server), simple_request(session))
    assert error.reason == "empty"


def test_connection_dropped_mid_stream(chat_server: ChatServer, session: Session) -> None:
    chat_server.script = [delta("Half"), ("drop",)]
    chunks, error = failure(client(chat_server), simple_request(session))
    assert chunks == ["Half"]
    assert error.reason == "broken" and error.partial


def test_error_event_mid_stream(chat_server: ChatServer, session: Session) -> None:
    chat_server.script = [
        delta("So "),
        ("event", json.dumps({"error": {"message": "GPU fell over"}})),
    ]
    _, error = failure(client(chat_server), simple_request(session))
    assert "GPU fell over" in str(error)


def test_no_model_configured_fails_before_connecting(
    chat_server: ChatServer, session: Session
) -> None:
    _, error = failure(
        OpenAICompatResponder(openai_settings(chat_server.url, model="")), simple_request(session)
    )
    assert error.reason == "config"
    assert "/model NAME" in str(error) and "AGENTSESS_MODEL" in str(error)
    assert chat_server.requests == []


def test_invalid_base_url(session: Session) -> None:
    _, error = failure(
        OpenAICompatResponder(openai_settings("ftp://example.invalid/v1")), simple_request(session)
    )
    assert error.reason == "config"


def test_api_key_never_logged(
    chat_server: ChatServer, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    responder = client(chat_server)
    collect(responder, simple_request(session))
    assert caplog.records  # httpx and httpcore did log the request
    assert API_KEY not in caplog.text
    assert API_KEY not in repr(responder.settings)


# -- cancelling --------------------------------------------------------------------------------


def test_cancel_closes_the_connection_and_keeps_the_partial_reply(
    chat_server: ChatServer, store: Store, session: Session
) -> None:
    chat_server.script = [delta("Streaming "), delta("slowly"), ("wait",), *reply_script("never")]
    store.add_message(session.id, "Tell me a story", role="user")
    settings = openai_settings(chat_server.url)
    request = build_request(store, session.id, "Tell me a story", settings)

    async def main() -> None:
        got_text = asyncio.Event()
        seen: list[str] = []

        def on_chunk(chunk: str) -> None:
            seen.append(chunk)
            if "".join(seen) == "Streaming slowly":
                got_text.set()

        task = asyncio.create_task(
            run_reply(
                store, session.id, OpenAICompatResponder(settings), request, on_chunk=on_chunk
            )
        )
        await got_text.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    chat_server.release.set()
    assert chat_server.disconnected.wait(WAIT), "the client never closed its connection"
    user, reply = store.messages(session.id)
    assert (user.role, user.content) == ("user", "Tell me a story")
    assert reply.content == "Streaming slowly"
    assert reply.metadata["incomplete"] is True and reply.metadata["cancelled"] is True
    assert reply.metadata["backend"] == "openai" and reply.metadata["model"] == "test-model"


def test_a_failed_stream_keeps_the_users_message_and_the_partial_reply(
    chat_server: ChatServer, store: Store, session: Session
) -> None:
    chat_server.script = [delta("The answer "), delta("is"), ("wait",)]
    store.add_message(session.id, "What is the answer?", role="user")
    settings = openai_settings(chat_server.url, timeout_seconds=0.3)
    request = build_request(store, session.id, "What is the answer?", settings)
    with pytest.raises(ChatBackendError) as caught:
        asyncio.run(run_reply(store, session.id, OpenAICompatResponder(settings), request))
    user, reply = store.messages(session.id)
    assert (user.role, user.content) == ("user", "What is the answer?")
    assert reply.content == "The answer is"
    assert reply.metadata["incomplete"] is True
    assert reply.metadata["error"] == str(caught.value)
    assert "sent nothing for 0.3 s" in reply.metadata["error"]


def test_a_shared_client_is_reused_and_left_open(chat_server: ChatServer, session: Session) -> None:
    import httpx

    async def main() -> list[str]:
        async with httpx.AsyncClient() as client:
            responder = OpenAICompatResponder(openai_settings(chat_server.url), client=client)
            first = [chunk async for chunk in responder.reply(simple_request(session))]
            second = [chunk async for chunk in responder.reply(simple_request(session))]
            assert not client.is_closed
            return first + second

    assert asyncio.run(main()) == ["Hello", " there", "!"] * 2
