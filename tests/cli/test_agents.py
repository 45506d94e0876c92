"""`agentsess agents …`: add, list, show, policy."""

from __future__ import annotations

from agentsess_tui.core import Store

from .helpers import Cli


def test_add_and_list(run: Cli, db: Store) -> None:
    assert run.ok("agents", "add", "research-bot", "--name", "Research Bot").stdout == (
        "Added agent research-bot (Research Bot).\n"
    )
    run.ok("agents", "add", "planner", "--set", "window=2h", "--set", "auto-renew=true")
    lines = run.ok("agents", "ls").stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "OVERRIDES", "CREATED"]
    assert lines[1].startswith("planner ")
    assert "auto_renew=true, window_minutes=120" in lines[1]
    data = run.ok("agents", "ls", "--json").json()
    assert [a["id"] for a in data] == ["planner", "research-bot"]
    assert data[0]["policy"] == {"window_minutes": 120, "auto_renew": True}
    assert db.get_agent("research-bot").name == "Research Bot"


def test_empty_list(run: Cli) -> None:
    out = run.ok("agents", "ls")
    assert out.stdout == "" and "agents add" in out.stderr
    assert run.ok("agents", "ls", "--json").json() == []


def test_show_counts_sessions_by_phase(run: Cli, bot: str) -> None:
    run.new_session(bot)
    ended = run.new_session(bot)
    run.ok("sessions", "end", ended)
    run.ok("memory", "remember", "--agent", bot, "a fact")
    data = run.ok("agents", "show", bot, "--json").json()
    assert data["sessions"] == {"active": 1, "expiring": 0, "expired": 0, "ended": 1}
    assert data["memories"] == 1
    assert data["effective_policy"]["window_minutes"] == 360
    text = run.ok("agents", "show", bot).stdout
    assert "1 active" in text and "1 ended" in text
    assert "window_minutes        360 (6h)   default" in text


def test_policy_set_unset_and_where_values_come_from(run: Cli, bot: str, db: Store) -> None:
    out = run.ok("agents", "policy", bot, "--set", "window=2h", "--set", "step=30m")
    assert "Updated" in out.stdout
    assert "120 (2h)   agent" in out.stdout
    assert db.effective_policy(bot).extend_step_minutes == 30
    sid = run.new_session(bot)
    assert db.get_session(sid).policy.window_minutes == 120

    run.ok("agents", "policy", bot, "--unset", "window")
    data = run.ok("agents", "policy", bot, "--json").json()
    assert data["overrides"] == {"extend_step_minutes": 30}
    assert data["effective"]["window_minutes"] == 360

    env = {"AGENTSESS_WARNING_MINUTES": "20"}
    text = run.ok("agents", "policy", bot, env=env).stdout
    assert "AGENTSESS_WARNING_MINUTES" in text


def test_policy_errors_name_field_value_and_range(run: Cli, bot: str, db: Store) -> None:
    out = run("agents", "policy", bot, "--set", "max-lifetime=30d")
    assert out.code == 5
    assert "max_lifetime_minutes = 43200" in out.error_line and "5–20160" in out.error_line
    out = run("agents", "policy", bot, "--set", "warning=2h", "--set", "window=1h")
    assert out.code == 5
    assert db.get_agent(bot).policy == {}
    assert run("agents", "policy", bot, "--set", "auto-renew=maybe").code == 5
