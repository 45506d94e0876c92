"""Failed API-key guesses are throttled per client address and per key prefix (429 with
Retry-After), against the real server; a key already in use keeps working through both.

Client addresses: uvicorn trusts X-Forwarded-For from 127.0.0.1 (its default), so one test
process can stand for many addresses, exactly as a reverse proxy would present them.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from agentsess_tui.server.auth_throttle import PREFIX_FACTOR, AuthThrottle

from .helpers import Server, start_server

pytestmark = pytest.mark.filterwarnings(
    "ignore:Use `streamable_http_client` instead:DeprecationWarning"
)
BUDGET = 2  # failures per minute per address


@pytest.fixture
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(
        tmp_path_factory.mktemp("throttle"), "--rate-limit", "0", "--auth-failures", str(BUDGET)
    )
    yield server
    server.stop()


def get(srv: Server, key: str, address: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}", "X-Forwarded-For": address}
    return httpx.get(f"{srv.url}/agents", headers=headers, timeout=30)


def refused(r: httpx.Response) -> bool:
    return (
        r.status_code == 429
        and r.json()["error"]["code"] == "too_many_failures"
        and int(r.headers["Retry-After"]) >= 1
    )


def test_guesses_from_one_address_are_refused_unchecked(srv: Server) -> None:
    good = srv.key("laptop")
    fresh = srv.key("fresh")  # valid, but never used from the attacker's address
    assert get(srv, good, "10.0.0.1").status_code == 200  # in use from the legitimate host
    assert get(srv, good, "10.0.0.66").status_code == 200  # and once from the attacker's NAT
    statuses = [get(srv, f"ask_guess{i:040d}", "10.0.0.66").status_code for i in range(BUDGET)]
    assert statuses == [401] * BUDGET
    r = get(srv, "ask_guess-after-budget", "10.0.0.66")
    assert refused(r) and "unknown API key" in r.json()["error"]["message"]
    # Refused before checking: even a correct key never proven from there gets the 429,
    # so a blocked address learns nothing from its guesses.
    assert refused(get(srv, fresh, "10.0.0.66"))
    assert refused(
        httpx.get(
            f"{srv.url}/agents",
            headers={"X-Forwarded-For": "10.0.0.66", "Authorization": "Bearer junk"},
        )
    )
    # Not locked out: the key already in use, at both its addresses, and other addresses.
    assert get(srv, good, "10.0.0.66").status_code == 200
    assert get(srv, good, "10.0.0.1").status_code == 200
    assert get(srv, fresh, "10.0.0.2").status_code == 200
    # A missing key is not a guess: it costs nothing and says what is missing.
    other = httpx.get(f"{srv.url}/agents", headers={"X-Forwarded-For": "10.0.0.3"})
    assert other.status_code == 401 and other.json()["error"]["code"] == "missing_key"
    assert good not in srv.log_text() and fresh not in srv.log_text()


def test_guesses_at_one_prefix_from_many_addresses(srv: Server) -> None:
    target = srv.key("target")
    bystander = srv.key("bystander")
    assert get(srv, target, "10.1.0.1").status_code == 200
    prefix = target[:10]
    # Each attacking address stays within its own budget; together they exhaust the prefix's.
    attackers = [f"10.9.0.{n}" for n in range(PREFIX_FACTOR)]
    for n, address in enumerate(attackers):
        for i in range(BUDGET):
            assert get(srv, f"{prefix}guess{n}-{i}{'x' * 30}", address).status_code == 401
    assert refused(get(srv, f"{prefix}one-more{'x' * 30}", "10.9.1.1"))  # a new address too
    # The legitimate holder, where it already works, is not locked out; other keys neither.
    assert get(srv, target, "10.1.0.1").status_code == 200
    assert get(srv, bystander, "10.9.1.1").status_code == 200
    # What the attacker can still do: make a *new* address of the target wait (Retry-After).
    assert refused(get(srv, target, "10.1.0.2"))


async def test_mcp_endpoint_is_throttled_too(srv: Server) -> None:
    key = srv.key("mcp")
    for i in range(BUDGET):
        r = httpx.post(
            f"{srv.url}/mcp",
            json={},
            headers={"Authorization": f"Bearer ask_nope{i}", "X-Forwarded-For": "10.2.0.9"},
        )
        assert r.status_code == 401
    r = httpx.post(
        f"{srv.url}/mcp",
        json={},
        headers={"Authorization": f"Bearer {key}", "X-Forwarded-For": "10.2.0.9"},
    )
    assert refused(r)
    # The same key from a clean address: a whole MCP session works.
    headers = {"Authorization": f"Bearer {key}", "X-Forwarded-For": "10.2.0.10"}
    async with (
        streamablehttp_client(f"{srv.url}/mcp", headers=headers) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        assert any(t.name == "recall" for t in (await session.list_tools()).tools)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_budget_refills_and_retry_after_is_honest() -> None:
    clock = Clock()
    throttle = AuthThrottle(6, monotonic=clock)  # 6 per minute: one back every 10 s
    for i in range(6):
        assert throttle.check("a", f"ask_x{i}") == 0
        throttle.failed("a", f"ask_x{i}")
    wait = throttle.check("a", "ask_x7")
    assert wait == pytest.approx(10.0)
    clock.now += 9.9
    assert throttle.check("a", "ask_x7") > 0
    clock.now += 0.2
    assert throttle.check("a", "ask_x7") == 0
    assert throttle.check("b", "ask_x7") == 0  # another address was never affected


def test_prefix_budget_and_trust_are_exact() -> None:
    clock = Clock()
    throttle = AuthThrottle(1, monotonic=clock)
    real = "ask_abcdef" + "R" * 40
    throttle.succeeded("home", real)
    for n in range(PREFIX_FACTOR):
        throttle.failed(f"bot{n}", "ask_abcdef" + f"guess{n}")
    assert throttle.check("elsewhere", "ask_abcdef" + "G" * 40) > 0
    assert throttle.check("home", real) == 0  # the exact key, where it was proven
    assert throttle.check("home", real[:-1] + "S") > 0  # one character off is a guess
    assert throttle.check("elsewhere", "ask_zzzzzz" + "R" * 40) == 0  # another prefix
    assert AuthThrottle(0).check("x", "ask_y") == 0  # 0 turns it off
    off = AuthThrottle(0)
    for _ in range(100):
        off.failed("x", "ask_y")
    assert off.check("x", "ask_y") == 0
