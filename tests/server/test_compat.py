"""MEMANTO's Practical Workflow and elizaOS's status codes, end to end against a real server."""

from __future__ import annotations

import socket

import httpx

from agentsess_tui.core import ManualClock
from agentsess_tui.server.memanto import QUERY_CONTENT_CHARS
from agentsess_tui.server.schemas import MAX_URL_BYTES

from .helpers import Server


def test_memanto_practical_workflow(server: Server) -> None:
    """The loop from MEMANTO's sessions doc, as written but for base URL and key (and one
    round instead of `while True` with a 5-minute sleep)."""
    api_key = server.key("mk_key")
    agent_id = "continuous-bot"
    base = f"{server.url}/api/v2"

    # 1. Activate session
    activate = httpx.post(
        f"{base}/agents/{agent_id}/activate", headers={"Authorization": f"Bearer {api_key}"}
    )
    token = activate.json()["session_token"]

    # 2. Process (one round of the loop)
    httpx.post(
        f"{base}/agents/{agent_id}/remember",
        params={"content": "...", "type": "fact"},
        headers={"Authorization": f"Bearer {api_key}", "X-Session-Token": token},
    )
    check = httpx.get(
        f"{base}/session/current",
        headers={"Authorization": f"Bearer {api_key}", "X-Session-Token": token},
    )
    remaining = check.json()["time_remaining_minutes"]
    assert 359 < remaining <= 360
    # A 6 h session has more than an hour left: the doc's branch would not extend; extend
    # anyway to run that call as written.
    r = httpx.post(
        f"{base}/session/extend",
        params={"extend_hours": 6},
        headers={"Authorization": f"Bearer {api_key}", "X-Session-Token": token},
    )
    assert r.status_code == 200, r.text
    assert 719 < r.json()["time_remaining_minutes"] <= 720

    # What the loop did is in the database, for the CLI and the TUI.
    store = server.store()
    session = store.verify_token(token, agent_id)
    memories = store.list_memories(agent_id=agent_id)
    assert [m.content for m in memories] == ["..."] and memories[0].session_id == session.id

    headers = {"Authorization": f"Bearer {api_key}", "X-Session-Token": token}
    hits = httpx.post(f"{base}/agents/{agent_id}/recall", params={"query": "..."}, headers=headers)
    assert hits.status_code == 200
    assert httpx.get(f"{base}/agents/{agent_id}/recall", params={"query": "x"}, headers=headers)
    bye = httpx.post(f"{base}/agents/{agent_id}/deactivate", headers=headers)
    assert bye.json()["status"] == "ended" and bye.json()["memories_created"] == 1
    # The token is dead now; remember says why.
    r = httpx.post(
        f"{base}/agents/{agent_id}/remember", params={"content": "late"}, headers=headers
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "session_ended"
    r = httpx.get(f"{base}/session/current", headers={"Authorization": f"Bearer {api_key}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "missing_session_token"


def test_memanto_expired_token_is_410(server: Server, api: httpx.Client) -> None:
    old = server.store(ManualClock(server.store().now() - 7 * 3600_000))
    old.ensure_agent("late-bot")
    token = old.create_session("late-bot").token
    r = api.post(
        "/api/v2/agents/late-bot/remember",
        params={"content": "x"},
        headers={"X-Session-Token": token},
    )
    assert r.status_code == 410 and "expired" in r.json()["error"]["message"]


def test_memanto_remember_limits_fit_in_a_url(server: Server, api: httpx.Client) -> None:
    """The longest remember the schema allows, in 4-byte characters (12 bytes each in the URL),
    is stored; a URL past the HTTP layer's limit is the 400 the schema documents."""
    token = api.post("/api/v2/agents/url-bot/activate").json()["session_token"]
    wide = "\U00028d5a"
    r = api.post(
        "/api/v2/agents/url-bot/remember",
        params={
            "content": wide * QUERY_CONTENT_CHARS,
            "title": wide * 200,
            "tags": ",".join([wide * 63] * 8),  # 511 characters
            "type": "fact",
            "confidence": 0.4619113371506055,
        },
        headers={"X-Session-Token": token},
    )
    assert r.status_code == 200, r.text[:200]
    assert len(r.json()["memory"]["content"]) == QUERY_CONTENT_CHARS
    too_long = api.post(
        "/api/v2/agents/url-bot/remember",
        params={"content": wide * (QUERY_CONTENT_CHARS + 1)},
        headers={"X-Session-Token": token},
    )
    assert too_long.status_code == 400
    assert "4000" in too_long.text

    line = f"POST /api/v2/agents/url-bot/remember?content={'a' * MAX_URL_BYTES} HTTP/1.1"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(f"{line}\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"text/plain" in head.lower(), head
    doc = api.get("/openapi.json").json()
    documented = doc["paths"]["/api/v2/agents/{agent}/remember"]["post"]["responses"]["400"]
    assert set(documented["content"]) == {"application/json", "text/plain"}
    assert body


def test_elizaos_sessions(api: httpx.Client, server: Server) -> None:
    base = "/api/messaging/sessions"
    r = api.post(base, json={"agentId": "eliza", "userId": "user-1"})
    assert r.status_code == 201, r.text
    info = r.json()
    sid = info["sessionId"]
    assert info["timeoutConfig"] == {
        "timeoutMinutes": 30,
        "autoRenew": True,
        "maxDurationMinutes": 720,
        "warningThresholdMinutes": 5,
    }
    assert info["userId"] == "user-1"
    assert api.get(f"{base}/{sid}").json()["sessionId"] == sid
    sent = api.post(f"{base}/{sid}/messages", json={"content": "hi"}).json()
    assert sent["content"] == "hi" and "sessionStatus" in sent
    history = api.get(f"{base}/{sid}/messages").json()
    assert [m["content"] for m in history["messages"]] == ["hi"]
    assert api.post(f"{base}/{sid}/renew").status_code == 200
    assert api.post(f"{base}/{sid}/heartbeat").status_code == 200
    patched = api.patch(f"{base}/{sid}/timeout", json={"timeoutMinutes": 60})
    assert patched.json()["timeoutConfig"]["timeoutMinutes"] == 60
    assert sid in [s["sessionId"] for s in api.get(base).json()["sessions"]]
    assert api.get(f"{base}/health").json()["status"] == "healthy"
    assert api.delete(f"{base}/{sid}").json()["success"] is True
    assert server.store().get_session(sid).state == "ended"


def test_elizaos_status_codes(api: httpx.Client, server: Server) -> None:
    base = "/api/messaging/sessions"
    assert api.get(f"{base}/sess_01m8rhavcy11cp20d04a5p15fc").status_code == 404
    for bad in (4, 1441):
        r = api.post(
            base, json={"agentId": "eliza", "userId": "u", "timeoutConfig": {"timeoutMinutes": bad}}
        )
        assert r.status_code == 400, r.text
        assert "5–1440" in r.json()["error"]["message"]
    # 410: a session that timed out (created 31 minutes ago with a 30-minute timeout).
    old = server.store(ManualClock(server.store().now() - 31 * 60_000))
    old.ensure_agent("eliza")
    stale = old.create_session(
        "eliza", options={"window_minutes": 30, "warning_minutes": 5, "auto_renew": True}
    ).session.id
    assert api.get(f"{base}/{stale}").status_code == 410
    assert api.post(f"{base}/{stale}/messages", json={"content": "x"}).status_code == 410
    # 422: renewing at the max duration (a 5-minute cap, 2 minutes in).
    old5 = server.store(ManualClock(server.store().now() - 2 * 60_000))
    capped = old5.create_session(
        "eliza", options={"window_minutes": 5, "max_lifetime_minutes": 5, "warning_minutes": 1}
    ).session.id
    r = api.post(f"{base}/{capped}/renew")
    assert r.status_code == 422 and "cap" in r.json()["error"]["message"]


def test_memanto_recall_by_meaning_and_deactivate_with_a_summary(server: Server) -> None:
    """recall ranks by the hybrid ranking (`mode` picks another); deactivate with
    `summarize` writes a summary memory and returns its id, as MEMANTO does."""
    headers = {"Authorization": f"Bearer {server.key('meaning_key')}"}
    base = f"{server.url}/api/v2/agents/meaning-bot"
    token = httpx.post(f"{base}/activate", headers=headers).json()["session_token"]
    headers["X-Session-Token"] = token
    httpx.post(f"{base}/remember", params={"content": "I'm vegetarian"}, headers=headers)
    httpx.post(f"{base}/remember", params={"content": "Port 8080 is busy"}, headers=headers)
    asked = {"query": "What food should I avoid ordering?"}
    semantic = httpx.get(f"{base}/recall", params={**asked, "mode": "semantic"}, headers=headers)
    assert semantic.status_code == 200, semantic.text
    first = semantic.json()["memories"][0]
    assert first["content"] == "I'm vegetarian" and first["why"].startswith("meaning")
    keyword = httpx.get(f"{base}/recall", params={**asked, "mode": "keyword"}, headers=headers)
    assert keyword.json()["count"] == 0
    bad = httpx.get(f"{base}/recall", params={**asked, "mode": "guess"}, headers=headers)
    assert bad.status_code == 400 and "mode" in bad.text  # a validation error, said clearly
    bye = httpx.post(f"{base}/deactivate", params={"summarize": "true"}, headers=headers)
    memory_id = bye.json()["summary_memory_id"]
    assert isinstance(memory_id, int)
    summary = server.store().get_memory(memory_id)
    assert summary.tags == ["summary"] and "vegetarian" in summary.content
