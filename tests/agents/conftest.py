"""Fixtures for the responder tests: a real chat server, a refused port, a live session."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from agents_chat_server import WAIT, ChatServer, ChatServerHandler, ChatServerHTTP

from agentsess_tui.core import Session, Store


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


@pytest.fixture
def session(store: Store, agent: str) -> Session:
    return store.create_session(agent, "Chat").session
