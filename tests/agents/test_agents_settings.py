"""Responder settings (config, environment, session), the request, the factory, the imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from fresh_python import run_python

from agentsess_tui.agents import (
    OfflineMemoryAgent,
    ResponderSettings,
    build_request,
    default_system_prompt,
    keywords,
    recall,
    responder_for,
    update_responder_settings,
)
from agentsess_tui.agents.openai_compat import OpenAICompatResponder
from agentsess_tui.core import InvalidInput, Session, Store, load_settings, resolve_paths
from agentsess_tui.core.config import ChatSettings


def test_defaults_are_the_offline_agent(store: Store, session: Session) -> None:
    settings = ResponderSettings.resolve(ChatSettings(), session, env={})
    assert settings.backend == "offline"
    assert (settings.context_messages, settings.recall_limit) == (20, 5)
    assert isinstance(responder_for(session, ChatSettings(), store, env={}), OfflineMemoryAgent)


def test_environment_then_session_metadata(
    store: Store, session: Session, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    monkeypatch.setenv("AGENTSESS_BACKEND", "openai")
    monkeypatch.setenv("AGENTSESS_MODEL", "llama3.2")
    monkeypatch.setenv("AGENTSESS_BASE_URL", "http://gpu:8000/v1")
    monkeypatch.setenv("AGENTSESS_API_KEY", "sk-env")
    chat = load_settings(resolve_paths()).chat
    settings = ResponderSettings.resolve(chat, session)
    assert (settings.backend, settings.model, settings.base_url, settings.api_key) == (
        "openai",
        "llama3.2",
        "http://gpu:8000/v1",
        "sk-env",
    )
    updated = update_responder_settings(
        store, session.id, model="qwen2.5", system_prompt="Answer in French."
    )
    settings = ResponderSettings.resolve(chat, updated)
    # Issue 10: the session's model only among those the user allows; its prompt, always.
    assert (settings.model, settings.system_prompt) == ("llama3.2", "Answer in French.")
    monkeypatch.setenv("AGENTSESS_CHAT__ALLOWED_MODELS", "mistral, qwen2.5")
    chat = load_settings(resolve_paths()).chat
    assert chat.allowed_models == ("mistral", "qwen2.5")
    settings = ResponderSettings.resolve(chat, updated)
    assert (settings.model, settings.system_prompt) == ("qwen2.5", "Answer in French.")
    assert settings.api_key == "sk-env"  # keys only ever come from config or environment
    responder = responder_for(updated, chat, store)
    assert isinstance(responder, OpenAICompatResponder)
    assert (responder.backend, responder.model) == ("openai", "qwen2.5")

    offline = update_responder_settings(store, session.id, backend="offline")
    assert isinstance(responder_for(offline, chat, store), OfflineMemoryAgent)


def test_openai_api_key_is_the_fallback(session: Session) -> None:
    settings = ResponderSettings.resolve(ChatSettings(), session, env={"OPENAI_API_KEY": "sk-o"})
    assert settings.api_key == "sk-o"
    own = ChatSettings(api_key="sk-config")
    assert ResponderSettings.resolve(own, session, env={"OPENAI_API_KEY": "sk-o"}).api_key == (
        "sk-config"
    )
    assert "sk-config" not in repr(ResponderSettings.resolve(own, session, env={}))


def test_system_prompt_given_at_creation_is_used(store: Store, agent: str) -> None:
    created = store.create_session(agent, "Ops", system_prompt="You are the ops bot.").session
    assert ResponderSettings.resolve(ChatSettings(), created, env={}).system_prompt == (
        "You are the ops bot."
    )


def test_api_keys_never_go_into_a_session(store: Store, session: Session) -> None:
    with pytest.raises(InvalidInput, match="never in a session"):
        update_responder_settings(store, session.id, api_key="sk-secret")
    # A key put there by hand is ignored.
    store.update_session_metadata(session.id, {"responder": {"api_key": "sk-secret"}})
    settings = ResponderSettings.resolve(ChatSettings(), store.get_session(session.id), env={})
    assert settings.api_key is None


def test_a_bad_backend_in_metadata_is_a_clear_error(store: Store, session: Session) -> None:
    store.update_session_metadata(session.id, {"responder": {"backend": "gpt"}})
    with pytest.raises(InvalidInput, match="/backend offline"):
        ResponderSettings.resolve(ChatSettings(), store.get_session(session.id), env={})


def test_build_request(store: Store, session: Session) -> None:
    tea = store.remember("I prefer green tea", session_id=session.id, type="preference")
    store.remember("The build server is atlas", session_id=session.id)
    for number in range(30):
        store.add_message(session.id, f"message {number}")
    store.add_message(session.id, "Which tea should I buy?")
    settings = ResponderSettings(context_messages=20, recall_limit=5)

    request = build_request(store, session.id, "Which tea should I buy?", settings)

    assert request.session.id == session.id
    assert request.user_text == "Which tea should I buy?"
    assert [m.content for m in request.history] == [f"message {n}" for n in range(10, 30)]
    assert [hit.memory.id for hit in request.memories] == [tea.id]
    assert request.system_prompt == default_system_prompt(session)
    assert "“Chat”" in request.system_prompt and "“bot”" in request.system_prompt


def test_build_request_when_the_message_is_not_stored_yet(store: Store, session: Session) -> None:
    store.add_message(session.id, "earlier")
    request = build_request(store, session.id, "new", ResponderSettings(context_messages=1))
    assert [m.content for m in request.history] == ["earlier"]
    nothing = build_request(store, session.id, "new", ResponderSettings(context_messages=0))
    assert nothing.history == []


def test_recall_matches_any_word_and_ranks_by_how_many(store: Store, agent: str) -> None:
    both = store.remember("green tea from Kyoto", agent_id=agent)
    one = store.remember("black tea with milk", agent_id=agent)
    store.remember("the build server is atlas", agent_id=agent)
    hits = recall(store, "Do you know any green tea?", agent_id=agent)
    assert [hit.memory.id for hit in hits] == [both.id, one.id]
    assert recall(store, "what is it?", agent_id=agent) == []
    assert recall(store, "tea", agent_id=agent, limit=0) == []


def test_keywords() -> None:
    assert keywords("What's my wife’s name?") == ["wife", "name"]
    assert keywords("Do I like tea? I like TEA!") == ["like", "tea"]
    assert keywords("v2 of the 3 APIs") == ["v2", "3", "apis"]


def test_agents_import_without_textual_rich_or_httpx() -> None:
    code = (
        "import sys\n"
        "import agentsess_tui.agents\n"
        "heavy = ('textual', 'rich', 'httpx')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "print(','.join(loaded))\n"
    )
    output = run_python(code)
    assert output == "", f"agents pulled in: {output}"


@pytest.mark.parametrize(
    ("model", "allowed", "picked", "used"),
    [
        ("llama3.2", (), "gpt-4-32k", "llama3.2"),  # only the configured one by default
        ("llama3.2", (), "llama3.2", "llama3.2"),
        ("llama3.2", ("qwen2.5",), "qwen2.5", "qwen2.5"),
        ("llama3.2", ("qwen2.5",), "gpt-4-32k", "llama3.2"),
        ("llama3.2", ("*",), "gpt-4-32k", "gpt-4-32k"),
        ("", (), "qwen2.5", "qwen2.5"),  # nothing configured: the session's pick is all
        ("", ("qwen2.5",), "gpt-4-32k", ""),
    ],
)
def test_a_session_picks_its_model_only_among_the_allowed(
    store: Store,
    session: Session,
    model: str,
    allowed: tuple[str, ...],
    picked: str,
    used: str,
) -> None:
    chat = ChatSettings(backend="openai", model=model, allowed_models=allowed)
    updated = update_responder_settings(store, session.id, model=picked)
    assert ResponderSettings.resolve(chat, updated, env={}).model == used
