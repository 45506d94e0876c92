"""The end-of-session summary: the chat model's (a real chat server on 127.0.0.1), the
extractive one offline or when the model fails, and the memory id it is stored under."""

from __future__ import annotations

import asyncio

from chat_server import ChatServer, openai_settings, reply_script

from agentsess_tui.agents import ResponderSettings
from agentsess_tui.agents.summary import SUMMARY_CHARS, SUMMARY_PROMPT, model_summary
from agentsess_tui.core import Session, Store


def _work(store: Store, session: Session) -> None:
    store.remember("The release is on Friday", session_id=session.id)
    store.add_message(session.id, "Ship it after the tests pass")


def test_the_model_writes_the_summary_memory(
    chat_server: ChatServer, store: Store, session: Session
) -> None:
    _work(store, session)
    chat_server.script = reply_script("Release Friday,", " once the tests pass.")
    text = asyncio.run(model_summary(store, session, openai_settings(chat_server.url)))
    assert text == "Release Friday, once the tests pass."
    sent = chat_server.requests[-1].body["messages"]
    assert sent[0] == {"role": "system", "content": SUMMARY_PROMPT}
    assert "The release is on Friday" in sent[-1]["content"]
    assert "Ship it after the tests pass" in sent[-1]["content"]
    ended = store.end_session(session.id, summarize=True, summary_text=text)
    assert ended.summary is not None
    assert store.get_memory(ended.summary.id).content == text
    assert ended.summary.tags == ["summary"] and ended.summary.session_id == session.id


def test_a_long_answer_is_cut(chat_server: ChatServer, store: Store, session: Session) -> None:
    chat_server.script = reply_script("x" * (SUMMARY_CHARS + 500))
    text = asyncio.run(model_summary(store, session, openai_settings(chat_server.url)))
    assert text is not None and len(text) == SUMMARY_CHARS and text.endswith("…")


def test_offline_or_failing_models_leave_the_extractive_summary(
    chat_server: ChatServer, store: Store, session: Session
) -> None:
    _work(store, session)
    assert asyncio.run(model_summary(store, session, ResponderSettings())) is None
    chat_server.error = (500, {"error": {"message": "boom"}})
    failed = asyncio.run(model_summary(store, session, openai_settings(chat_server.url)))
    assert failed is None
    ended = store.end_session(session.id, summarize=True, summary_text=failed)
    assert ended.summary is not None and "The release is on Friday" in ended.summary.content
