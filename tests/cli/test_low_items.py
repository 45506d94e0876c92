"""Issue 10, the low items: each one its own clear behaviour, each with a test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentsess_tui.core import Store
from agentsess_tui.core.models import MEMORY_TYPES

from .helpers import Cli, counts

BIG = str(2**63)
HUGE = "9" * 5000


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_recall_of_punctuation_matches_nothing_with_or_without_agent(
    run: Cli, bot: str, db: Store
) -> None:
    db.remember("the tide tables", agent_id=bot)
    db.remember("green tea", agent_id=bot)
    for query in ("_", "__", "_ -", "'"):
        with_agent = run.ok("memory", "recall", query, "--agent", bot, "--json").json()
        without = run.ok("memory", "recall", query, "--json").json()
        assert (with_agent, without) == ([], []), query
    assert len(run.ok("memory", "recall", "tea", "--agent", bot, "--json").json()) == 1


def test_recall_with_a_token_sees_only_its_own_agents_memories(
    run: Cli, bot: str, db: Store
) -> None:
    db.add_agent("other")
    db.remember("secret plan of other", agent_id="other")
    db.remember("plan of bot", agent_id=bot)
    token = db.create_session(bot).token
    env = {"AGENTSESS_TOKEN": token}
    hits = run.ok("memory", "recall", "plan", "--json", env=env).json()
    assert [hit["agent_id"] for hit in hits] == [bot]
    mismatch = run("memory", "recall", "plan", "--agent", "other", env=env)
    assert mismatch.code == 12
    assert "other" not in mismatch.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("memory", "show", "²"),
        ("memory", "show", "٣"),
        ("memory", "show", BIG),
        ("memory", "show", HUGE),
        ("memory", "edit", BIG, "--title", "x"),
        ("memory", "forget", BIG, "--yes"),
    ],
)
def test_odd_memory_ids_are_invalid_input(run: Cli, bot: str, args: tuple[str, ...]) -> None:
    out = run(*args)
    assert out.code == 4, out.stderr
    assert "not a memory id" in out.error_line and len(out.error_line) < 400


@pytest.mark.parametrize(
    "args",
    [
        ("sessions", "ls", "--limit", BIG),
        ("sessions", "ls", "--limit", HUGE),
        ("messages", "tail", "SID", "-n", BIG),
        ("memory", "ls", "--limit", HUGE),
        ("sessions", "extend", "SID", "--by", HUGE),
        ("sessions", "extend", "SID", "--by", f"{BIG}m"),
        ("sessions", "new", "--agent", "bot", "--window", HUGE),
        ("agents", "policy", "bot", "--set", f"window={HUGE}"),
    ],
)
def test_huge_numbers_are_clear_errors(run: Cli, sid: str, args: tuple[str, ...]) -> None:
    out = run(*[sid if arg == "SID" else arg for arg in args])
    assert out.code in (2, 4, 5), out.stderr
    assert "unexpected" not in out.error_line and len(out.error_line) < 400


def test_usage_errors_are_one_line_with_the_help_hint(run: Cli) -> None:
    for args in (("sessions", "ls", "--bogus"), ("--bogus",), ("sessions", "nope"), ("memory",)):
        out = run(*args)
        if args == ("memory",):
            continue  # a group without a command prints its help: not an error line
        assert out.code == 2
        line = out.error_line
        assert "--help" in line, line


def test_an_empty_duration_is_invalid_input(run: Cli, sid: str, db: Store) -> None:
    before = db.get_session(sid).expires_at
    out = run("sessions", "extend", sid, "--by", "")
    assert out.code == 4 and "duration" in out.error_line
    assert db.get_session(sid).expires_at == before


def test_an_unknown_memory_type_is_invalid_input_naming_the_13(run: Cli, bot: str) -> None:
    for args in (
        ("memory", "remember", "--agent", bot, "--type", "opinion", "x"),
        ("memory", "ls", "--type", "opinion"),
        ("memory", "recall", "x", "--type", "opinion"),
    ):
        out = run(*args)
        assert out.code == 4, out.stderr
        assert all(kind in out.error_line for kind in MEMORY_TYPES)
    assert run.ok("memory", "ls", "--type", "FACT").code == 0


def test_an_unreadable_config_file_is_a_clear_error(run: Cli, home: Path) -> None:
    (home / "config.toml").mkdir()  # unreadable for every user, root included
    out = run("sessions", "ls")
    assert out.code == 4 and "config.toml" in out.error_line


def test_a_deeply_nested_import_is_invalid_input(run: Cli, bot: str, db: Store) -> None:
    Path("deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    before = counts(db)
    out = run("sessions", "import", "deep.json")
    assert out.code == 4 and "nested" in out.error_line
    nested = '{"a":' * 5000 + '"x"' + "}" * 5000
    document = '{"format": "agentsess.session", "version": 1, "session": {"metadata": %s}}'
    Path("deep2.json").write_text(document % nested, encoding="utf-8")
    assert run("sessions", "import", "deep2.json").code == 4
    assert counts(db) == before


def test_heartbeat_at_the_lifetime_cap_says_the_cap_stopped_it(run: Cli, bot: str) -> None:
    sid = run.new_session(
        bot, "--auto-renew", "--window", "60", "--max-lifetime", "90", "--warning", "5"
    )
    run.now = "2026-01-15T09:40:00Z"
    assert "renewed" in run.ok("sessions", "heartbeat", sid).stdout  # 10:30 = the cap
    run.now = "2026-01-15T10:00:00Z"
    out = run.ok("sessions", "heartbeat", sid)
    assert "lifetime cap" in out.stdout and "recorded" not in out.stdout.split(":")[0]
    data = run.ok("sessions", "heartbeat", sid, "--json").json()
    assert data["renewed"] is False and data["capped"] is True


def test_policy_message_matches_what_resume_does(run: Cli, bot: str, db: Store) -> None:
    sid = run.new_session(bot)
    run.ok("sessions", "end", sid)
    out = run.ok("agents", "policy", bot, "--set", "window=1h")
    assert "new sessions" in out.stdout and "resumes use it" not in out.stdout
    assert "keep" in out.stdout
    run.ok("sessions", "resume", sid)
    assert db.get_session(sid).policy.window_minutes == 360  # kept, as the message says


def test_activation_repr_masks_the_token(db: Store, bot: str) -> None:
    activation = db.create_session(bot)
    for text in (repr(activation), str(activation)):
        assert activation.token not in text
        assert activation.token.split(".")[2] not in text


def test_an_import_drops_responder_hosts_and_says_so(run: Cli, bot: str, db: Store) -> None:
    sid = run.new_session(bot)
    exported = run.ok("sessions", "export", sid, "-o", "-").json()
    exported["session"]["metadata"] = {
        "responder": {"backend": "openai", "base_url": "http://evil.example/v1", "model": "m"}
    }
    Path("hostile.json").write_text(json.dumps(exported), encoding="utf-8")
    out = run.ok("sessions", "import", "hostile.json", "--new-id")
    assert "Note: dropped responder.backend" in out.stdout
    assert "Note: dropped responder.base_url" in out.stdout
    data = run.ok("sessions", "import", "hostile.json", "--new-id", "--json").json()
    assert len(data["notes"]) == 2
    copy = db.get_session(data["session"]["id"])
    assert copy.metadata["responder"] == {"model": "m"}
