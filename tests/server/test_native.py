"""The native API against a real server: every session, message and memory route, every
error status, and auth (missing, wrong, revoked, another agent's key, another session's
token)."""

from __future__ import annotations

import httpx
import pytest

from agentsess_tui.core import ManualClock
from agentsess_tui.core.repo.keys import ApiKeys

from .helpers import Server


def new_session(api: httpx.Client, agent: str = "bot", **body: object) -> tuple[str, str]:
    r = api.post(f"/agents/{agent}/sessions", json=body or None)
    assert r.status_code == 201, r.text
    return r.json()["session_id"], r.json()["session_token"]


def error(r: httpx.Response, status: int) -> dict[str, str]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    detail: dict[str, str] = r.json()["error"]
    assert detail["code"] and detail["message"]
    assert "Traceback" not in r.text
    return detail


def test_health_needs_no_key(server: Server) -> None:
    assert httpx.get(f"{server.url}/health").json()["status"] == "ok"


def test_session_lifecycle(api: httpx.Client, server: Server) -> None:
    sid, token = new_session(api, title="Review", policy={"window_minutes": 60})
    one = f"/agents/bot/sessions/{sid}"
    got = api.get(one).json()
    assert got["title"] == "Review" and got["policy"]["window_minutes"] == 60
    assert got["counts"]["messages"] == 0
    # The CLI's and TUI's store sees the same session.
    assert server.store().get_session(sid).title == "Review"

    ext = api.post(f"{one}/extend", json={"minutes": 30}).json()
    assert ext["added_minutes"] == 30 and not ext["capped"]
    assert api.post(f"{one}/heartbeat").json()["id"] == sid
    patched = api.patch(f"{one}/policy", json={"window_minutes": 120, "auto_renew": True})
    assert patched.status_code == 200, patched.text
    assert patched.json()["policy"]["auto_renew"] is True

    api.post(f"{one}/messages", json={"content": "hello", "role": "user"})
    summary = api.post(f"{one}/end", json={"reason": "done"}).json()
    assert summary["messages"] == 1 and summary["session"]["state"] == "ended"
    error(api.post(f"{one}/heartbeat"), 409)
    # The old token died with the activation.
    error(api.get("/api/v2/session/current", headers={"X-Session-Token": token}), 409)

    resumed = api.post(f"{one}/resume").json()
    assert resumed["session"]["state"] == "active" and resumed["session_token"] != token
    assert api.post(f"{one}/clear").json()["deleted"] == 1
    gone = api.delete(one).json()
    assert gone["deleted"] == sid
    error(api.get(one), 404)


def test_list_sessions_keyset_paging_and_state(api: httpx.Client) -> None:
    ids = [new_session(api, "pager")[0] for _ in range(5)]
    api.post(f"/agents/pager/sessions/{ids[0]}/end")
    first = api.get("/agents/pager/sessions", params={"limit": 2}).json()
    assert [s["id"] for s in first["sessions"]] == ids[::-1][:2]
    second = api.get(
        "/agents/pager/sessions", params={"limit": 2, "before": first["next_cursor"]}
    ).json()
    assert [s["id"] for s in second["sessions"]] == ids[::-1][2:4]
    ended = api.get("/agents/pager/sessions", params={"state": "ended"}).json()["sessions"]
    assert [s["id"] for s in ended] == [ids[0]]
    error(api.get("/agents/pager/sessions", params={"state": "bogus"}), 400)


def test_messages_paging_and_reply(api: httpx.Client) -> None:
    sid, _ = new_session(api)
    path = f"/agents/bot/sessions/{sid}/messages"
    ids = [api.post(path, json={"content": f"m{i}"}).json()["message"]["id"] for i in range(4)]
    page = api.get(path, params={"before": ids[3], "limit": 2}).json()
    assert [m["content"] for m in page["messages"]] == ["m1", "m2"]
    after = api.get(path, params={"after": ids[1]}).json()
    assert [m["content"] for m in after["messages"]] == ["m2", "m3"]
    # Hector's shape asks the responder (the offline memory agent) for a reply.
    r = api.post(path, json={"message": "remember that the deadline is Friday"}).json()
    assert r["reply"]["role"] == "assistant" and "Friday" in r["reply"]["content"]


def test_stream_reply_as_sse(api: httpx.Client) -> None:
    sid, _ = new_session(api)
    with api.stream(
        "POST", f"/agents/bot/sessions/{sid}/messages/stream", json={"content": "hello there"}
    ) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        text = r.read().decode()
    events = [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("event:")]
    assert events[0] == "message" and events[-1] == "done" and "delta" in events


def test_memories_remember_recall_edit_forget(api: httpx.Client) -> None:
    sid, token = new_session(api, "mem")
    base = "/agents/mem/memories"
    m = api.post(
        base,
        json={"content": "Prefers arXiv links", "type": "preference", "tags": ["src"]},
        headers={"X-Session-Token": token},
    ).json()
    assert m["session_id"] == sid and m["type"] == "preference"
    api.post(base, json={"content": "The build uses make"})
    hits = api.get(base, params={"q": "arxiv"}).json()["memories"]
    assert [h["id"] for h in hits] == [m["id"]]
    assert api.get(base, params={"q": "arxiv", "type": "fact"}).json()["memories"] == []
    assert api.get(base, params={"session": sid}).json()["memories"][0]["id"] == m["id"]
    edited = api.patch(f"{base}/{m['id']}", json={"content": "Prefers arXiv and DOI links"})
    assert edited.json()["content"] == "Prefers arXiv and DOI links"
    assert api.delete(f"{base}/{m['id']}").json()["status"] == "deleted"
    assert api.get(base, params={"q": "arxiv"}).json()["memories"] == []
    error(api.get(f"/agents/bot/memories/{m['id']}"), 404)  # not bot's memory
    error(api.get(f"{base}/{2**63}"), 400)
    error(api.delete(f"{base}/{2**63}"), 400)  # too big for SQLite: a clean error, not a 500


def test_recall_modes(api: httpx.Client) -> None:
    """`mode`: hybrid by default (each hit says why), keyword, semantic; anything else 400."""
    base = "/agents/modes/memories"
    api.post("/agents/modes/sessions")
    diet = api.post(base, json={"content": "I'm vegetarian: no meat or fish"}).json()
    api.post(base, json={"content": "The printer on floor 2 jams"})
    question = {"q": "What food should I avoid ordering?"}
    hits = api.get(base, params={**question, "mode": "semantic"}).json()["memories"]
    assert hits[0]["id"] == diet["id"] and hits[0]["similarity"] > 0
    assert api.get(base, params={**question, "mode": "keyword"}).json()["memories"] == []
    words = api.get(base, params={"q": "vegetarian"}).json()["memories"]
    assert words[0]["id"] == diet["id"] and words[0]["why"].startswith("keyword")
    assert "mode" in str(error(api.get(base, params={**question, "mode": "nearest"}), 400))


def test_export_and_import(api: httpx.Client) -> None:
    sid, _ = new_session(api, title="Exported")
    api.post(f"/agents/bot/sessions/{sid}/messages", json={"content": "keep me"})
    doc = api.get(f"/agents/bot/sessions/{sid}/export").json()["content"]
    import json

    r = api.post("/agents/bot/sessions/import", json={"document": json.loads(doc)})
    error(r, 409)  # same id exists
    r = api.post("/agents/bot/sessions/import", json={"document": json.loads(doc), "new_id": True})
    assert r.status_code == 201, r.text
    assert r.json()["messages"] == 1 and r.json()["session"]["id"] != sid


def test_error_statuses(api: httpx.Client, server: Server) -> None:
    error(api.get("/agents/bot/sessions/not a session!"), 400)  # malformed id
    error(api.get("/agents/bot/sessions/sess_01m8rhavcy11cp20d04a5p15fc"), 404)
    detail = error(api.post("/agents/bot/sessions", json={"policy": {"window_minutes": 2}}), 400)
    assert "window_minutes" in detail["message"] and "5–1440" in detail["message"]
    error(api.post("/agents/bot/sessions", json={"nonsense": 1}), 400)
    error(
        api.post(
            "/agents/bot/sessions",
            content=b"{not json",
            headers={"content-type": "application/json"},
        ),
        400,
    )
    error(api.post("/agents/Bad Agent/sessions"), 400)
    # At the lifetime cap: 422 naming the cap.
    sid, _ = new_session(
        api, policy={"window_minutes": 5, "max_lifetime_minutes": 5, "warning_minutes": 1}
    )
    detail = error(api.post(f"/agents/bot/sessions/{sid}/extend"), 422)
    assert "cap" in detail["message"]
    # Expired: a session created 7 h ago with a 6 h window, in the same database.
    old = server.store(ManualClock(server.store().now() - 7 * 3600_000))
    stale = old.create_session("bot", "stale").session.id
    detail = error(api.post(f"/agents/bot/sessions/{stale}/messages", json={"content": "x"}), 410)
    assert "expired" in detail["message"]
    # Too large: over the body limit, refused before it is read.
    sid, _ = new_session(api)
    error(api.post(f"/agents/bot/sessions/{sid}/messages", content=b"x" * (3 * 1024 * 1024)), 413)
    error(api.get("/no/such/route"), 404)
    assert server.store().count_messages(sid) == 0


def test_auth(server: Server, api: httpx.Client) -> None:
    with server.client() as anon:
        assert error(anon.get("/agents"), 401)["code"] == "missing_key"
    with server.client("ask_wrong") as wrong:
        error(wrong.get("/agents"), 401)
    with server.client(**{"Authorization": "Basic abc"}) as basic:
        error(basic.get("/agents"), 401)
    scoped_key = server.key("only-alpha", "alpha")
    sid_bot, token_bot = new_session(api, "bot")
    with server.client(scoped_key) as scoped:
        sid_alpha, token_alpha = new_session(scoped, "alpha")
        assert error(scoped.get(f"/agents/bot/sessions/{sid_bot}"), 403)["code"] == (
            "agent_not_allowed"
        )
        error(scoped.post("/agents/bot/sessions"), 403)
        assert [a["id"] for a in scoped.get("/agents").json()["agents"]] == ["alpha"]
        # Another agent's token, even with a key for that agent, is refused.
        error(scoped.get("/api/v2/session/current", headers={"X-Session-Token": token_bot}), 403)
    # Another session's token on this session: 401.
    r = api.get(f"/agents/alpha/sessions/{sid_alpha}", headers={"X-Session-Token": token_bot})
    error(r, 403)
    sid2, token2 = new_session(api, "bot")
    r = api.post(f"/agents/bot/sessions/{sid_bot}/heartbeat", headers={"X-Session-Token": token2})
    error(r, 401)
    error(api.get("/api/v2/session/current", headers={"X-Session-Token": "garbage"}), 401)
    # Revoked: stops working at once, from another process.
    ApiKeys(server.store().db).revoke("only-alpha")
    with server.client(scoped_key) as revoked:
        error(revoked.get("/agents"), 401)
    # Keys and tokens never reach the log.
    log = server.log_text()
    assert scoped_key not in log and token_bot not in log and token_alpha not in log


@pytest.mark.slow
def test_rate_limit_and_retry_after(tmp_path_factory: pytest.TempPathFactory) -> None:
    from .helpers import start_server

    srv = start_server(tmp_path_factory.mktemp("limited"), "--rate-limit", "3", "--no-mcp")
    try:
        key = srv.key("k")
        with srv.client(key) as client:
            statuses = [client.get("/agents").status_code for _ in range(4)]
            assert statuses[:3] == [200, 200, 200]
            r = client.get("/agents")
            detail = error(r, 429)
            assert int(r.headers["Retry-After"]) >= 1 and "k" in detail["message"]
    finally:
        srv.stop()
