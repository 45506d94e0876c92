"""Fixtures shared by every test: an isolated AGENTSESS_HOME, a manual clock, a real store."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from chat_server import WAIT, ChatServer, ChatServerHandler, ChatServerHTTP

from agentsess_tui.core import ManualClock, Store

START = "2026-01-15T09:00:00Z"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own AGENTSESS_HOME and no inherited AGENTSESS_* settings."""
    import os

    for key in list(os.environ):
        if key.startswith("AGENTSESS_") or key == "OPENAI_API_KEY":
            monkeypatch.delenv(key)
    root = tmp_path / "home"
    root.mkdir()
    monkeypatch.setenv("AGENTSESS_HOME", str(root))
    return root


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def db_path(home: Path) -> Path:
    return home / "agentsess.db"


@pytest.fixture
def store(db_path: Path, clock: ManualClock) -> Iterator[Store]:
    store = Store(db_path, clock=clock)
    yield store
    store.close()


@pytest.fixture
def agent(store: Store) -> str:
    store.add_agent("bot", "Test bot")
    return "bot"


@pytest.fixture
def chat_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatServer]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = ChatServerHTTP(("127.0.0.1", 0), ChatServerHandler)
    server.chat = ChatServer(url=f"http://127.0.0.1:{server.server_address[1]}/v1")
    # A short poll interval only makes shutdown quick; requests are served immediately.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server.chat
    server.chat.release.set()
    server.shutdown()
    server.server_close()
    thread.join(WAIT)


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
