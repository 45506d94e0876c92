"""Where replies go, and with which key, is the user's decision: never a session's.

A session's metadata (written by any agent through the core, or carried in by an import) may
ask for another host; it is used only when the user allowed that host in config.toml or
confirmed it in the TUI, and the user's API key goes only to hosts from the configuration.
"""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from chat_server import ChatServer, reply_script

from agentsess_tui.agents import (
    OfflineMemoryAgent,
    ResponderSettings,
    build_request,
    responder_for,
    update_responder_settings,
)
from agentsess_tui.agents.hosts import confirm_host, confirmed_hosts, host_of, pending_host
from agentsess_tui.agents.openai_compat import OpenAICompatResponder
from agentsess_tui.core import InvalidInput, Session, Store, load_settings, resolve_paths
from agentsess_tui.core.config import ChatSettings

EVIL = "http://evil.example:8080/v1"


def hostile(store: Store, session: Session, **responder: str) -> Session:
    """What any agent can do through the core: write the session's metadata."""
    return store.update_session_metadata(session.id, {"responder": responder})


def test_a_session_cannot_redirect_the_key_of_an_openai_user(
    store: Store, session: Session
) -> None:
    chat = ChatSettings(backend="openai", base_url="http://gpu:8000/v1", api_key="sk-user")
    bad = hostile(store, session, base_url=EVIL, model="m")
    settings = ResponderSettings.resolve(chat, bad, env={"OPENAI_API_KEY": "sk-env"})
    assert settings.base_url == "http://gpu:8000/v1"
    assert settings.api_key == "sk-user"
    assert settings.model == "m"  # a model name is the session's to pick
    pending = pending_host(bad, chat)
    assert (
        pending is not None and pending.url == EVIL and pending.host == "http://evil.example:8080"
    )
    assert "evil.example" in pending.describe()


def test_an_offline_user_stays_offline_whatever_the_session_says(
    store: Store, session: Session
) -> None:
    chat = ChatSettings(api_key="sk-user")  # backend offline
    bad = hostile(store, session, backend="openai", base_url=EVIL, model="m")
    settings = ResponderSettings.resolve(chat, bad, env={"AGENTSESS_API_KEY": "sk-env"})
    assert settings.backend == "offline"
    assert isinstance(responder_for(bad, chat, store, env={}), OfflineMemoryAgent)
    # Even without a host of its own, `backend: openai` does not send the conversation to
    # the default URL of an offline user.
    only_backend = hostile(store, session, backend="openai")
    assert ResponderSettings.resolve(chat, only_backend, env={}).backend == "offline"
    assert pending_host(only_backend, chat) is not None


def test_the_key_never_reaches_a_session_host(
    chat_server: ChatServer, store: Store, session: Session
) -> None:
    """End to end: the real client against a real server the session points at."""
    chat_server.script = reply_script("hello")
    chat = ChatSettings(backend="openai", base_url="http://127.0.0.1:9/v1", api_key="sk-user")
    bad = hostile(store, session, backend="openai", base_url=chat_server.url, model="m")
    responder = responder_for(bad, chat, store, env={})
    assert isinstance(responder, OpenAICompatResponder)
    assert responder.settings.base_url == "http://127.0.0.1:9/v1"
    # Confirmed in the TUI: replies may go there, still without the user's key.
    confirm_host(resolve_paths().state_file, chat_server.url)
    confirmed = responder_for(bad, chat, store, env={})
    assert isinstance(confirmed, OpenAICompatResponder)
    assert confirmed.settings.base_url == chat_server.url
    assert confirmed.settings.api_key is None
    request = build_request(store, session.id, "hi", confirmed.settings)

    async def drain() -> str:
        return "".join([chunk async for chunk in confirmed.reply(request)])

    assert asyncio.run(drain()) == "hello"
    assert [
        r for r in chat_server.requests if "authorization" in {k.lower() for k in r.headers}
    ] == []


def test_hosts_the_user_allowed_in_config_get_the_key(
    store: Store, session: Session, home: Path
) -> None:
    (home / "config.toml").write_text(
        '[chat]\nbackend = "openai"\napi_key = "sk-user"\n'
        'allowed_base_urls = ["http://gpu2:8000/v1"]\n',
        encoding="utf-8",
    )
    chat = load_settings(resolve_paths()).chat
    asks = hostile(store, session, base_url="http://GPU2:8000/other")
    settings = ResponderSettings.resolve(chat, asks, env={})
    assert (settings.base_url, settings.api_key) == ("http://GPU2:8000/other", "sk-user")
    assert pending_host(asks, chat) is None
    # An offline user who allowed a host lets a session use it.
    offline = ChatSettings(allowed_base_urls=("http://gpu2:8000/v1",))
    asks = hostile(store, session, backend="openai", base_url="http://gpu2:8000/v1")
    assert ResponderSettings.resolve(offline, asks, env={}).backend == "openai"


def test_confirmed_hosts_live_in_a_private_state_file(home: Path) -> None:
    state = resolve_paths().state_file
    state.write_text('{"theme": "agentsess-light"}', encoding="utf-8")
    confirm_host(state, "https://Box.example/v1")
    confirm_host(state, "https://box.example:443/v2")  # the same host
    assert confirmed_hosts(state) == frozenset({"https://box.example"})
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert '"theme": "agentsess-light"' in state.read_text(encoding="utf-8")
    state.write_text("not json", encoding="utf-8")
    assert confirmed_hosts(state) == frozenset()


def test_host_of() -> None:
    assert host_of("http://a.example/v1") == "http://a.example"
    assert host_of("HTTPS://A.example:443/x") == "https://a.example"
    assert host_of("http://a.example:8080") == "http://a.example:8080"
    assert host_of("http://user:pw@a.example/v1") is None  # credentials in a URL: never
    assert host_of("ftp://a.example") is None
    assert host_of("no url") is None


def test_a_session_base_url_must_be_a_plain_http_url(store: Store, session: Session) -> None:
    for bad in ("ftp://x/v1", "http://user:pw@x/v1", "http://x/\x1b]52;c;AAAA\x07"):
        with pytest.raises(InvalidInput, match="base URL"):
            update_responder_settings(store, session.id, base_url=bad)
    assert store.get_session(session.id).metadata == session.metadata
