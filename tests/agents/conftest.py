"""Fixtures for the responder tests: a live session (the chat server is in tests/conftest)."""

from __future__ import annotations

import pytest

from agentsess_tui.core import Session, Store


@pytest.fixture
def session(store: Store, agent: str) -> Session:
    return store.create_session(agent, "Chat").session
