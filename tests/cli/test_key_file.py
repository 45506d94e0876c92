"""The signing key is loaded and checked before anything is written (issue 10, medium 4):
a damaged or unreadable key file fails `sessions new`/`resume` with exit 14 and no change."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentsess_tui.core import Store

from .helpers import Cli, counts


def _key_file(home: Path) -> Path:
    return home / "secret.key"


def _damage(key_file: Path, how: str) -> None:
    if how == "damaged":
        key_file.write_text("this is not a hex key\n")
    elif how == "short":
        key_file.write_text("abcd\n")
    else:  # unreadable: a directory where the file should be
        key_file.unlink()
        key_file.mkdir()


HOW = ["damaged", "short", "unreadable"]


@pytest.mark.parametrize("how", HOW)
def test_new_session_with_a_bad_key_writes_nothing(
    run: Cli, bot: str, db: Store, home: Path, how: str
) -> None:
    run.new_session(bot)  # creates the key file
    key_file = _key_file(home)
    assert key_file.is_file()
    _damage(key_file, how)
    before = counts(db)
    out = run("sessions", "new", "--agent", bot)
    assert out.code == 14, out.stderr
    assert "key file" in out.error_line
    assert counts(db) == before
    missing_agent = run("sessions", "new", "--agent", "newcomer", "--create-agent")
    assert missing_agent.code == 14
    assert counts(db) == before  # not even the agent


@pytest.mark.parametrize("how", HOW)
def test_single_active_with_a_bad_key_ends_no_other_session(
    run: Cli, db: Store, home: Path, how: str
) -> None:
    run.ok("agents", "add", "solo", "--set", "single-active=true")
    first = run.new_session("solo")
    _damage(_key_file(home), how)
    before = counts(db)
    assert run("sessions", "new", "--agent", "solo").code == 14
    assert db.get_session(first).state == "active"
    assert [e.kind for e in db.events(first)] == ["created"]
    assert counts(db) == before


@pytest.mark.parametrize("how", HOW)
def test_resume_with_a_bad_key_writes_nothing(
    run: Cli, sid: str, db: Store, home: Path, how: str
) -> None:
    run.ok("sessions", "end", sid)
    _damage(_key_file(home), how)
    before = counts(db)
    session = db.get_session(sid)
    assert run("sessions", "resume", sid).code == 14
    assert counts(db) == before
    assert db.get_session(sid) == session
