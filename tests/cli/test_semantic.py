"""`agentsess memory recall --mode`, `memory reindex`, consolidation on `memory remember`,
and `sessions end --summarize`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fresh_python import run_python

from agentsess_tui.core import Store

from .helpers import Cli, counts


def _remember(run: Cli, bot: str, text: str) -> str:
    return run.ok("memory", "remember", "--agent", bot, text).stdout


def test_recall_modes_and_why(run: Cli, bot: str) -> None:
    _remember(run, bot, "I'm vegetarian: no meat or fish for me.")
    _remember(run, bot, "The printer on the second floor jams on Mondays.")
    question = "what food should I avoid ordering?"
    out = run.ok("memory", "recall", question, "--agent", bot)  # hybrid by default
    assert out.stdout.splitlines()[0].startswith("#1  fact  bot")
    assert "[meaning 0." in out.stdout.splitlines()[0]
    keyword = run.ok("memory", "recall", question, "--agent", bot, "--mode", "keyword")
    assert keyword.stdout == "" and "No memories match" in keyword.stderr
    hits = run.ok("memory", "recall", "printer", "--mode", "hybrid", "--json").json()
    assert [h["id"] for h in hits][:1] == [2]
    assert hits[0]["why"].startswith("keyword + meaning")
    assert 0 < hits[0]["similarity"] <= 1
    semantic = run.ok("memory", "recall", "office equipment", "--mode", "semantic", "--json")
    assert {h["why"].split()[0] for h in semantic.json()} == {"meaning"}
    bad = run("memory", "recall", "x", "--mode", "fuzzy")
    assert bad.code == 2 and "fuzzy" in bad.stderr


def test_remember_says_what_it_supersedes_and_edit_undoes_it(run: Cli, bot: str, db: Store) -> None:
    _remember(run, bot, "I am allergic to peanuts.")
    out = run.ok("memory", "remember", "--agent", bot, "I'm allergic to peanuts.")
    assert out.stdout.startswith("Remembered #2 (fact) for bot (supersedes #1):")
    assert "memory edit 1 --status active" in out.stderr
    assert db.get_memory(1).status == "superseded"
    data = run.ok("memory", "show", "2", "--json").json()
    assert data["supersedes"] == 1
    listed = run.ok("memory", "ls", "--status", "superseded").stdout
    assert "superseded" in listed
    run.ok("memory", "edit", "1", "--status", "active")
    assert db.get_memory(1).status == "active"


def test_reindex_backfills_with_a_progress_bar(
    run: Cli, bot: str, db: Store, db_path: Path
) -> None:
    for i in range(30):
        db.remember(f"Note {i} about the garden shed", agent_id=bot)
    conn = sqlite3.connect(db_path)
    conn.execute("DELETE FROM memory_vectors")
    conn.commit()
    out = run.ok("memory", "reindex")
    assert out.stdout.startswith("Indexed 30 memories in ")
    assert "Indexing memories" in out.stderr
    assert conn.execute("SELECT count(*) FROM memory_vectors").fetchone()[0] == 30
    again = run.ok("memory", "reindex", "--json").json()
    assert again["indexed"] == 0
    assert run.ok("memory", "reindex", "--all", "--json").json()["indexed"] == 30


def test_end_summarize_writes_a_summary_memory(run: Cli, sid: str, db: Store) -> None:
    run.ok("messages", "add", sid, "We chose PostgreSQL for the billing service")
    run.ok("memory", "remember", "--session", sid, "The billing service uses PostgreSQL")
    data = run.ok("sessions", "end", sid, "--summarize", "--json").json()
    memory = db.get_memory(data["summary_memory_id"])
    assert memory.session_id == sid
    assert memory.type == "event" and memory.tags == ["summary"]
    assert "The billing service uses PostgreSQL" in memory.content
    assert "We chose PostgreSQL for the billing service" in memory.content
    assert db.get_memory(1).status == "active"  # a summary never supersedes what it sums up
    assert data["session"]["state"] == "ended"


def test_end_summarize_text_and_a_dead_session_writes_nothing(
    run: Cli, sid: str, db: Store
) -> None:
    out = run.ok("sessions", "end", sid, "--summarize")
    assert "Summary written as memory #1." in out.stdout
    assert "Nothing was said or remembered" in db.get_memory(1).content
    before = counts(db)
    again = run("sessions", "end", sid, "--summarize")
    assert again.code != 0
    assert counts(db) == before


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_recall_never_crosses_agents(run: Cli, bot: str, mode: str) -> None:
    run.ok("agents", "add", "other")
    _remember(run, "other", "I'm vegetarian: no meat or fish for me.")
    _remember(run, bot, "The printer jams.")
    hits = run.ok("memory", "recall", "vegetarian food", "--agent", bot, "--mode", mode, "--json")
    assert all(h["agent_id"] == bot for h in hits.json())


@pytest.mark.parametrize(
    "argv",
    [
        ["sessions", "ls"],
        ["memory", "ls"],
        ["memory", "recall", "printer", "--mode", "keyword"],
        ["sessions", "end", "nope", "--summarize"],
    ],
)
def test_commands_that_need_no_meaning_never_load_numpy(home: Path, argv: list[str]) -> None:
    """Each command's module loads lazily (cli/main.py); the memory commands import the
    semantic modules, which must not pull numpy or the model in until a vector is needed."""
    store = Store(home / "agentsess.db")
    store.add_agent("bot")
    store.remember("The printer jams.", agent_id="bot")
    store.close()
    code = (
        "import sys\n"
        "from agentsess_tui.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('numpy', 'wordllama', 'tokenizers', 'safetensors')\n"
        "print()\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)) or '-')\n"
    )
    assert run_python(code).splitlines()[-1] == "-"
