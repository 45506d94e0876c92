"""`agentsess memory …`: remember, recall, list, show, edit, forget."""

from __future__ import annotations

from pathlib import Path

from agentsess_tui.core import Store
from agentsess_tui.core.validate import MAX_MEMORY_BYTES

from .helpers import Cli, counts


def test_remember_for_an_agent(run: Cli, bot: str, db: Store) -> None:
    out = run.ok(
        "memory",
        "remember",
        "--agent",
        bot,
        "Prefers arXiv links over PDFs",
        "--type",
        "preference",
        "--tag",
        "links",
        "--tag",
        "sources,reading",
        "--confidence",
        "0.9",
    )
    assert out.stdout.startswith("Remembered #1 (preference) for bot:")
    [memory] = db.list_memories(agent_id=bot)
    assert memory.type == "preference"
    assert memory.tags == ["links", "sources", "reading"]
    assert memory.confidence == 0.9
    assert memory.session_id is None
    assert memory.title == "Prefers arXiv links over PDFs"


def test_remember_in_a_session_and_from_stdin(run: Cli, sid: str, db: Store) -> None:
    data = run.ok(
        "memory",
        "remember",
        "--session",
        sid,
        "-",
        "--title",
        "Deadline",
        "--json",
        input="The deadline is Friday\n",
    ).json()
    assert data["session_id"] == sid
    assert data["agent_id"] == "bot"
    assert data["title"] == "Deadline"
    assert db.get_memory(data["id"]).content == "The deadline is Friday\n"


def test_remember_needs_an_owner_and_a_live_session(run: Cli, sid: str, db: Store) -> None:
    assert run("memory", "remember", "orphan").code == 2
    run.now = "2026-01-15T16:00:00Z"
    assert run("memory", "remember", "--session", sid, "too late").code == 7
    assert run("memory", "remember", "--agent", "ghost", "x").code == 3
    assert run("memory", "remember", "--agent", "Bad Agent", "x").code == 4
    assert counts(db)["memories"] == 0


def test_remember_rejects_bad_values(run: Cli, bot: str, db: Store) -> None:
    assert run("memory", "remember", "--agent", bot, "x", "--confidence", "1.5").code == 4
    assert (
        run("memory", "remember", "--agent", bot, "x", "--type", "gossip").code == 4
    )  # issue 10: invalid input
    big = run("memory", "remember", "--agent", bot, "-", input="m" * (MAX_MEMORY_BYTES + 1))
    assert big.code == 4
    assert "64.0 KiB" in big.error_line
    assert counts(db)["memories"] == 0


def test_recall_shows_snippets_without_markers(run: Cli, bot: str) -> None:
    run.ok("memory", "remember", "--agent", bot, "The staging database lives on db-2")
    run.ok("memory", "remember", "--agent", bot, "Lunch is at noon", "--type", "event")
    out = run.ok("memory", "recall", "staging")
    assert "#1" in out.stdout
    assert "staging database" in out.stdout
    assert "\x02" not in out.stdout and "\x03" not in out.stdout
    assert "Lunch" not in out.stdout

    hits = run.ok("memory", "recall", "noon", "--json").json()
    assert [hit["id"] for hit in hits] == [2]
    assert "\x02" not in hits[0]["snippet"]
    assert hits[0]["score"] > 0

    assert run.ok("memory", "recall", "noon", "--type", "fact", "--json").json() == []
    none = run.ok("memory", "recall", "zebra")
    assert none.stdout == "" and "No memories match" in none.stderr


def test_recall_treats_query_syntax_as_text(run: Cli, bot: str) -> None:
    run.ok("memory", "remember", "--agent", bot, "use foo-bar (carefully)")
    for query in ("foo-bar", '"unbalanced', "(carefully)", "OR AND NOT", "*"):
        assert run("memory", "recall", query).code == 0, query


def test_ls_show_edit_forget(run: Cli, bot: str, db: Store) -> None:
    run.ok("memory", "remember", "--agent", bot, "first fact")
    run.ok("memory", "remember", "--agent", bot, "a goal", "--type", "goal", "--tag", "q1")
    lines = run.ok("memory", "ls").stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "AGENT", "TYPE"]
    assert [line.split()[0] for line in lines[1:]] == ["2", "1"]
    assert [m["id"] for m in run.ok("memory", "ls", "--type", "goal", "--json").json()] == [2]

    shown = run.ok("memory", "show", "2").stdout
    assert "q1" in shown and shown.rstrip().endswith("a goal")
    assert run.ok("memory", "show", "2", "--json").json()["tags"] == ["q1"]

    run.ok("memory", "edit", "2", "--content", "a bigger goal", "--confidence", "0.5")
    edited = db.get_memory(2)
    assert (edited.content, edited.confidence) == ("a bigger goal", 0.5)
    run.ok("memory", "edit", "2", "--tag", "")
    assert db.get_memory(2).tags == []
    assert run("memory", "edit", "2").code == 2

    run.ok("memory", "forget", "1")
    assert db.get_memory(1).status == "deleted"
    assert [m["id"] for m in run.ok("memory", "ls", "--json").json()] == [2]
    assert [m["id"] for m in run.ok("memory", "ls", "--status", "deleted", "--json").json()] == [1]
    assert len(run.ok("memory", "ls", "--status", "all", "--json").json()) == 2
    run.ok("memory", "edit", "1", "--status", "active")
    assert db.get_memory(1).status == "active"


def test_purge_asks_first(run: Cli, bot: str, db: Store) -> None:
    run.ok("memory", "remember", "--agent", bot, "secret")
    refused = run("memory", "forget", "1", "--purge")
    assert refused.code == 2
    assert db.get_memory(1).status == "active"
    run.ok("memory", "forget", "1", "--purge", "--yes")
    assert counts(db)["memories"] == 0


def test_memory_ids(run: Cli, bot: str) -> None:
    for bad in ("abc", "0", "-1", "1.5"):
        out = run("memory", "show", bad)
        assert out.code in (2, 4), bad
    assert run("memory", "show", "abc").code == 4
    assert run("memory", "show", "42").code == 3
    assert run("memory", "forget", "42").code == 3
    assert run("memory", "edit", "42", "--title", "x").code == 3


def test_an_older_database_is_upgraded_once_and_says_so(run: Cli, db_path: Path) -> None:
    from core.helpers import old_database

    from agentsess_tui.core.schema import m001_initial, m002_change_tracking

    conn = old_database(db_path, m001_initial, m002_change_tracking)
    conn.execute("INSERT INTO agents (id, name, policy, created_at) VALUES ('bot', 'bot', '{}', 0)")
    conn.execute(
        "INSERT INTO memories (agent_id, type, title, content, tags, confidence, status, "
        "created_at, updated_at) VALUES ('bot', 'fact', 'Tides', 'high tide at six', '[]', "
        "1.0, 'active', 0, 0)"
    )
    conn.commit()
    conn.close()
    first = run.ok("memory", "recall", "tide", "--agent", "bot")
    assert "Tides" in first.stdout
    assert f"Upgrading {db_path} to this version's schema" in first.stderr
    again = run.ok("memory", "recall", "tide", "--agent", "bot")
    assert again.stdout == first.stdout and again.stderr == ""
