"""A whole session from the shell, as an agent wrapper script would drive it: real processes,
the installed `agentsess` script, JSON between the steps, time moved by AGENTSESS_FAKE_NOW."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import Outcome, shell

pytestmark = pytest.mark.slow


def ok(out: Outcome) -> Outcome:
    assert out.code == 0, f"exit {out.code}: {out.stderr}"
    assert "Traceback" not in out.stderr
    return out


def test_new_message_extend_end_resume_export_import(tmp_path: Path) -> None:
    ok(shell("agents", "add", "research-bot", "--json"))
    created = ok(
        shell(
            "sessions",
            "new",
            "--agent",
            "research-bot",
            "--title",
            "Lit review",
            "--window",
            "2h",
            "--json",
        )
    ).json()
    sid = created["session"]["id"]
    assert created["session"]["phase"] == "active"
    assert created["session"]["remaining_seconds"] == 2 * 3600
    assert "token" not in created

    token = ok(shell("sessions", "token", sid)).stdout.strip()
    agent_env = {"AGENTSESS_TOKEN": token}
    ok(shell("messages", "add", sid, "Find papers on WAL"))
    ok(shell("messages", "add", "--role", "assistant", "-", input="Found 3.\n", env=agent_env))
    ok(shell("memory", "remember", "Readers never block writers in WAL", env=agent_env))
    ok(shell("sessions", "heartbeat", env=agent_env))

    later = "2026-01-15T10:30:00Z"
    extended = ok(shell("sessions", "extend", sid, "--by", "1h", "--json", now=later)).json()
    assert extended["added_seconds"] == 3600
    assert extended["session"]["remaining_seconds"] == 90 * 60

    ended = ok(shell("sessions", "end", sid, "--reason", "lunch", "--json", now=later)).json()
    assert ended["duration_seconds"] == 90 * 60
    assert (ended["messages"], ended["memories"]) == (2, 1)
    refused = shell("messages", "add", "--token", token, "after end", now=later)
    assert refused.code == 8

    resumed_at = "2026-01-15T13:00:00Z"
    resumed = ok(shell("sessions", "resume", sid, "--json", "--show-token", now=resumed_at))
    new_token = resumed.json()["token"]
    assert new_token != token
    assert shell("verify-token", token, now=resumed_at).code == 11
    assert (
        sid in ok(shell("verify-token", now=resumed_at, env={"AGENTSESS_TOKEN": new_token})).stdout
    )

    shown = ok(shell("sessions", "show", sid, "--json", now=resumed_at)).json()
    kinds = [event["kind"] for event in shown["events"]]
    assert kinds == ["created", "extended", "ended", "resumed"]

    ok(shell("sessions", "export", sid, "-o", str(tmp_path / "lit.json"), now=resumed_at))
    other_db = str(tmp_path / "other.db")
    imported = ok(
        shell("--db", other_db, "sessions", "import", str(tmp_path / "lit.json"), "--json")
    )
    assert imported.json()["session"]["id"] == sid
    transcript = ok(shell("--db", other_db, "messages", "tail", sid, "--json")).json()
    assert [m["content"] for m in transcript] == ["Find papers on WAL", "Found 3.\n"]
    hits = ok(shell("--db", other_db, "memory", "recall", "writers", "--json")).json()
    assert [hit["content"] for hit in hits] == ["Readers never block writers in WAL"]

    # The original database still has it, active again.
    rows = ok(shell("sessions", "ls", "--state", "active", "--json", now=resumed_at)).json()
    assert [row["id"] for row in rows] == [sid]


def test_expiry_is_driven_by_the_fake_clock(tmp_path: Path) -> None:
    sid = ok(shell("sessions", "new", "--agent", "bot", "--create-agent", "--window", "30m", "-q"))
    sid_text = sid.stdout.strip()
    expired = shell("messages", "add", sid_text, "late", now="2026-01-15T09:30:00Z")
    assert expired.code == 7
    assert "expired just now" in expired.error_line
    swept = ok(shell("sweep", "--json", now="2026-01-15T09:45:00Z")).json()
    assert swept["expired"] == []  # the failed write already turned it expired
    listed = ok(shell("sessions", "ls", now="2026-01-15T09:45:00Z")).stdout
    assert "expired 15m ago" in listed


def test_sweep_expires_and_warns(tmp_path: Path) -> None:
    ok(shell("agents", "add", "bot"))
    short = ok(
        shell("sessions", "new", "--agent", "bot", "--window", "10m", "--warning", "5m", "-q")
    )
    soon = ok(
        shell("sessions", "new", "--agent", "bot", "--window", "20m", "--warning", "15m", "-q")
    )
    result = ok(shell("sweep", "--json", now="2026-01-15T09:10:00Z")).json()
    assert result["expired"] == [short.stdout.strip()]
    assert result["warned"] == [soon.stdout.strip()]
    assert result["next_due_at"] == "2026-01-15T09:20:00.000Z"
    text = ok(shell("sweep", now="2026-01-15T09:10:00Z")).stdout
    assert "Expired 0" in text
