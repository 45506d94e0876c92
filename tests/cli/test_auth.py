"""An agent process authenticates with its session token (`--token` / AGENTSESS_TOKEN)
instead of naming the session; tokens are never printed whole unless asked."""

from __future__ import annotations

import pytest

from agentsess_tui.core import Store

from .helpers import Cli, counts


@pytest.fixture
def token(sid: str, db: Store) -> str:
    return db.session_token(sid)


@pytest.mark.parametrize("via", ["option", "env"])
def test_messages_add_with_a_token(run: Cli, sid: str, token: str, db: Store, via: str) -> None:
    args, env = (["--token", token], {}) if via == "option" else ([], {"AGENTSESS_TOKEN": token})
    run.ok("messages", "add", *args, "--role", "assistant", "from the agent", env=env)
    [message] = db.messages(sid)
    assert (message.role, message.content) == ("assistant", "from the agent")


@pytest.mark.parametrize("via", ["option", "env"])
def test_remember_with_a_token(run: Cli, sid: str, token: str, db: Store, via: str) -> None:
    args, env = (["--token", token], {}) if via == "option" else ([], {"AGENTSESS_TOKEN": token})
    run.ok("memory", "remember", *args, "The deadline is Friday", env=env)
    [memory] = db.list_memories(agent_id="bot")
    assert memory.session_id == sid
    assert memory.content == "The deadline is Friday"


@pytest.mark.parametrize("via", ["option", "env"])
def test_heartbeat_with_a_token(run: Cli, bot: str, db: Store, via: str) -> None:
    sid = run.new_session(bot, "--window", "1h", "--auto-renew")
    token = db.session_token(sid)
    run.now = "2026-01-15T09:30:00Z"
    args, env = (["--token", token], {}) if via == "option" else ([], {"AGENTSESS_TOKEN": token})
    run.ok("sessions", "heartbeat", *args, env=env)
    session = db.get_session(sid)
    assert session.renewal_count == 1
    assert session.last_activity_at == db.get_session(sid).expires_at - 3600_000


def test_a_token_for_another_session_writes_nothing(run: Cli, sid: str, db: Store) -> None:
    other = run.new_session("bot")
    token = db.session_token(other)
    before = counts(db)
    out = run("messages", "add", sid, "wrong session", env={"AGENTSESS_TOKEN": token})
    assert out.code == 10
    assert "is for session" in out.error_line
    assert token not in out.stderr
    assert counts(db) == before


def test_a_token_of_another_agent_is_refused(run: Cli, sid: str, token: str, db: Store) -> None:
    run.ok("agents", "add", "other")
    out = run("memory", "remember", "--agent", "other", "--token", token, "not mine")
    assert out.code == 12
    assert counts(db)["memories"] == 0


def test_tokens_die_with_their_activation(run: Cli, sid: str, token: str, db: Store) -> None:
    run.ok("sessions", "end", sid)
    ended = run("messages", "add", "--token", token, "after end")
    assert ended.code == 8

    run.ok("sessions", "resume", sid)
    revoked = run("messages", "add", "--token", token, "old token")
    assert revoked.code == 11
    assert "earlier activation" in revoked.error_line
    assert token not in revoked.stderr
    assert db.count_messages(sid) == 0

    fresh = db.session_token(sid)
    run.ok("messages", "add", "--token", fresh, "new token works")
    assert db.count_messages(sid) == 1


def test_expired_and_malformed_and_forged_tokens(run: Cli, sid: str, token: str) -> None:
    assert run("messages", "add", "--token", "not-a-token", "x").code == 10
    forged = run(
        "verify-token", token, env={"AGENTSESS_SECRET": "another installation, another secret"}
    )
    assert forged.code == 10
    assert "key" in forged.error_line
    run.now = "2026-01-15T15:00:01Z"
    expired = run("sessions", "heartbeat", "--token", token)
    assert expired.code == 7


def test_without_session_or_token_it_is_a_usage_error(run: Cli, sid: str) -> None:
    for args in (["messages", "add", "hello"], ["sessions", "heartbeat"]):
        out = run(*args)
        assert out.code == 2
        assert "AGENTSESS_TOKEN" in out.error_line


def test_verify_token_from_argument_env_and_stdin(run: Cli, sid: str, token: str) -> None:
    assert sid in run.ok("verify-token", token).stdout
    assert sid in run.ok("verify-token", env={"AGENTSESS_TOKEN": token}).stdout
    assert sid in run.ok("verify-token", input=token + "\n").stdout
    data = run.ok("verify-token", token, "--json").json()
    assert data["valid"] is True
    assert data["session"]["id"] == sid
    assert run.ok("verify-token", token, "--agent", "bot").code == 0
    assert run("verify-token", token, "--agent", "other").code == 12
    assert run("verify-token", input="").code == 4


def test_verify_token_fails_with_the_precise_code(run: Cli, sid: str, token: str) -> None:
    run.ok("sessions", "end", sid)
    assert run("verify-token", token).code == 8
    run.ok("sessions", "resume", sid)
    assert run("verify-token", token).code == 11
    run.ok("sessions", "rm", sid, "--yes")
    assert run("verify-token", token).code == 10


def test_no_command_prints_a_token_whole_unless_asked(run: Cli, bot: str, db: Store) -> None:
    outputs = [run.ok("sessions", "new", "--agent", bot, "--title", "T")]
    sid = db.list_sessions()[0].id
    token = db.session_token(sid)
    env = {"AGENTSESS_TOKEN": token}
    outputs += [
        run.ok("sessions", "ls"),
        run.ok("sessions", "ls", "--json"),
        run.ok("sessions", "show", sid),
        run.ok("sessions", "show", sid, "--json"),
        run.ok("sessions", "extend", sid, "--json"),
        run.ok("sessions", "heartbeat", env=env),
        run.ok("sessions", "heartbeat", "--json", env=env),
        run.ok("messages", "add", "hello", env=env),
        run.ok("messages", "add", "hello", "--json", env=env),
        run.ok("memory", "remember", "a fact", env=env),
        run.ok("memory", "remember", "a fact", "--json", env=env),
        run.ok("verify-token", env=env),
        run.ok("verify-token", "--json", env=env),
        run.ok("sessions", "export", sid, "-o", "-"),
        run("verify-token", token, "--agent", "someone-else"),
    ]
    run.ok("sessions", "end", sid)
    outputs += [
        run.ok("sessions", "resume", sid),
        run.ok("sessions", "resume", sid, "--json"),
        run("messages", "add", "revoked", env=env),
    ]
    for out in outputs:
        assert token not in out.stdout + out.stderr
        assert db.session_token(sid) not in out.stdout + out.stderr
    # Asked for on purpose: these print it.
    assert db.session_token(sid) in run.ok("sessions", "token", sid).stdout
