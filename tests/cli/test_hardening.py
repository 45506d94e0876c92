"""Issue 10: nothing an agent, a file or another user sends takes the user's key, terminal
or data. One test (at least) per hole the attack runs found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentsess_tui.core import Store

from .helpers import Cli


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def exported(run: Cli, sid: str) -> dict:  # type: ignore[type-arg]
    return json.loads(run.ok("sessions", "export", sid, "-o", "-").stdout)


# -- item 1: an import never carries a responder host in -------------------------------------


def test_import_drops_responder_hosts_and_says_so(run: Cli, sid: str, db: Store) -> None:
    db.update_session_metadata(
        sid,
        {
            "responder": {
                "backend": "openai",
                "base_url": "http://evil.example/v1",
                "model": "m",
                "system_prompt": "Be brief.",
            },
            "team": "ops",
        },
    )
    Path("s.json").write_text(json.dumps(exported(run, sid)), encoding="utf-8")
    out = run.ok("sessions", "import", "s.json", "--new-id")
    assert "responder" in out.stdout and "base_url" in out.stdout and "dropped" in out.stdout
    data = run.ok("sessions", "import", "s.json", "--new-id", "--json").json()
    assert any("base_url" in note for note in data["notes"])
    imported = db.get_session(data["session"]["id"])
    assert imported.metadata == {
        "responder": {"model": "m", "system_prompt": "Be brief."},
        "team": "ops",
    }


# -- items 2 (CLI) and 6: nothing raw reaches the terminal ----------------------------------

# ESC sequences (clear screen, OSC 52 clipboard write ended by BEL), BS, a C1 CSI, bidi
# override and marks, line separator, BOM, zero-width space, a tag character.
HOSTILE = (
    "x\x1b[2J\x1b]52;c;cHduZWQ=\x07\x08\x9b31m\u202e\u200e\u200f\u061c\u2028\u2029"
    "\ufeff\u200b\U000e0041y"
)


def assert_safe(*texts: str) -> None:
    from agentsess_tui.core.text import is_safe

    for text in texts:
        assert is_safe(text), f"raw control characters in: {text[:300]!r}"


@pytest.fixture
def hostile(run: Cli, db: Store) -> dict[str, str]:
    """A hostile string in every text field the core stores."""
    db.add_agent("evil", HOSTILE)
    session = db.create_session(
        "evil", HOSTILE, metadata={HOSTILE: HOSTILE, "nested": {"k": [HOSTILE]}}
    ).session
    db.add_message(session.id, HOSTILE, metadata={HOSTILE: HOSTILE})
    db.add_message(session.id, HOSTILE, role="assistant")
    memory = db.remember(
        HOSTILE, session_id=session.id, title=HOSTILE, tags=[HOSTILE, "ok"], type="fact"
    )
    ended = db.create_session("evil", HOSTILE).session
    db.end_session(ended.id, reason=HOSTILE)
    return {"session": session.id, "ended": ended.id, "memory": str(memory.id)}


def test_no_raw_control_character_leaves_the_cli(run: Cli, hostile: dict[str, str]) -> None:
    sid, ended, mid = hostile["session"], hostile["ended"], hostile["memory"]
    commands = [
        ("agents", "ls"),
        ("agents", "ls", "--json"),
        ("agents", "show", "evil"),
        ("agents", "show", "evil", "--json"),
        ("agents", "policy", "evil"),
        ("sessions", "ls"),
        ("sessions", "ls", "--json"),
        ("sessions", "ls", "--all"),
        ("sessions", "show", sid),
        ("sessions", "show", sid, "--json"),
        ("sessions", "show", ended),
        ("sessions", "show", ended, "--json"),
        ("sessions", "export", sid, "-o", "-"),
        ("sessions", "export", sid, "--format", "md", "-o", "-"),
        ("sessions", "export", sid, "--format", "toon", "-o", "-"),
        ("messages", "tail", sid),
        ("messages", "tail", sid, "--json"),
        ("memory", "ls", "--agent", "evil"),
        ("memory", "ls", "--agent", "evil", "--json"),
        ("memory", "show", mid),
        ("memory", "show", mid, "--json"),
        ("memory", "recall", "x", "--agent", "evil"),
        ("memory", "recall", "x", "--agent", "evil", "--json"),
        ("sessions", "extend", sid, "1h"),
        ("sessions", "heartbeat", sid),
        ("sessions", "clear", ended, "--yes"),
        ("sessions", "end", sid, "--reason", HOSTILE),
        ("sessions", "resume", sid),
        # error texts that quote what they were given
        ("sessions", "show", HOSTILE),
        ("memory", "show", HOSTILE),
        ("agents", "show", HOSTILE),
        ("memory", "ls", "--agent", HOSTILE),
        ("sessions", "new", "--agent", "evil", "--title", HOSTILE),
        ("sessions", HOSTILE),
        (HOSTILE,),
    ]
    for command in commands:
        out = run(*command)
        assert_safe(out.stdout, out.stderr)
        assert out.stdout or out.stderr, command


def test_exported_files_keep_the_data_but_no_raw_controls(
    run: Cli, hostile: dict[str, str], db: Store
) -> None:
    sid = hostile["session"]
    for fmt in ("json", "toon", "md"):
        run.ok("sessions", "export", sid, "--format", fmt, "-o", f"out.{fmt}")
        text = Path(f"out.{fmt}").read_text(encoding="utf-8")
        assert_safe(text)
    # JSON keeps the exact data: it parses back to the hostile strings.
    document = json.loads(Path("out.json").read_text(encoding="utf-8"))
    assert document["session"]["title"] == db.get_session(sid).title
    assert document["messages"][0]["content"] == HOSTILE
    assert "\\u001b" in Path("out.json").read_text(encoding="utf-8")
    assert json.loads(Path("out.toon").read_text(encoding="utf-8"))["messages"][0]["content"] == (
        HOSTILE
    )
    # Markdown shows them visibly.
    assert "\\x1b]52;c;" in Path("out.md").read_text(encoding="utf-8")


def test_the_launchers_error_line_is_escaped(tmp_path: Path) -> None:
    import subprocess
    import sys

    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    launcher = Path(sys.executable).parent / "agentsess-tui"
    db = str(blocker / f"{HOSTILE}.db")
    cli = str(Path(sys.executable).parent / "agentsess")
    for command in ([str(launcher), "--db", db], [cli, "--db", db, "tui"]):
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 14, done.stderr
        err = done.stderr.decode("utf-8", "surrogateescape")
        assert_safe(err, done.stdout.decode("utf-8", "surrogateescape"))
        assert len(err.splitlines()) == 1 and "\\x1b]52" in err


# -- item 5: an import under a held lock or on a full disk is 13 / 14 -----------------------


def test_import_under_a_held_lock_is_exit_13(run: Cli, sid: str, db: Store, db_path: Path) -> None:
    import sqlite3

    Path("s.json").write_text(json.dumps(exported(run, sid)), encoding="utf-8")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        out = run(
            "sessions", "import", "s.json", "--new-id", env={"AGENTSESS_BUSY_TIMEOUT_MS": "50"}
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert out.code == 13, out.stderr
    assert "locked" in out.error_line


def test_import_on_a_full_disk_is_a_storage_error(run: Cli, sid: str, db: Store) -> None:
    from agentsess_tui.core import StorageError
    from agentsess_tui.core.transfer import import_text

    text = json.dumps(exported(run, sid))
    conn = db.db.conn()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from here on
    big = json.loads(text)
    big["messages"] = [{"role": "user", "content": "x" * 100_000}] * 20
    with pytest.raises(StorageError, match="Cannot write") as caught:
        import_text(db, json.dumps(big), new_id=True)
    assert caught.value.exit_code == 14


# -- item 8: times near the end of the calendar ---------------------------------------------


def test_an_import_with_times_near_9999_is_refused(run: Cli, sid: str, db: Store) -> None:
    from .helpers import counts

    document = exported(run, sid)
    document["session"]["expires_at"] = "9999-12-31T23:59:59Z"
    document["session"]["activated_at"] = "9999-12-31T23:00:00Z"
    Path("late.json").write_text(json.dumps(document), encoding="utf-8")
    before = counts(db)
    out = run("sessions", "import", "late.json", "--new-id")
    assert out.code == 4
    assert "between" in out.error_line and "nothing was imported" in out.error_line
    assert counts(db) == before
    for field, value in (("created_at", -5_000_000_000_000), ("ended_at", 10**15)):
        document = exported(run, sid)
        document["session"][field] = value
        Path("bad.json").write_text(json.dumps(document), encoding="utf-8")
        assert run("sessions", "import", "bad.json", "--new-id").code == 4, field
    assert counts(db) == before


def test_a_stored_far_future_time_does_not_break_reads(run: Cli, sid: str, db: Store) -> None:
    """A row written before the check (or by hand): listing and showing still work."""
    conn = db.db.conn()
    late = 253_402_300_799_000  # 9999-12-31T23:59:59Z
    conn.execute(
        "UPDATE sessions SET expires_at = ?, cap_at = ?, warn_at = ?, ended_at = ? WHERE id = ?",
        (late, late + 10**12, late, late + 10**12, sid),
    )
    for command in (("sessions", "ls", "--json"), ("sessions", "show", sid), ("sessions", "ls")):
        out = run(*command)
        assert out.code == 0, (command, out.stderr)
    run.ok("sessions", "show", sid, "--json").json()


def test_a_fake_now_near_9999_is_invalid_input(run: Cli, bot: str) -> None:
    out = run("sessions", "new", "--agent", bot, env={"AGENTSESS_FAKE_NOW": "9999-12-31T23:00:00Z"})
    assert out.code == 4 and "between 1970 and 3000" in out.error_line
