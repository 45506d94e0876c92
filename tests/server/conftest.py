"""Fixtures: one real server per test module, an admin key, a client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from .helpers import Server, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("server"), "--rate-limit", "0")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def admin_key(server: Server) -> str:
    return server.key("admin")


@pytest.fixture
def api(server: Server, admin_key: str) -> Iterator[httpx.Client]:
    with server.client(admin_key) as client:
        yield client
