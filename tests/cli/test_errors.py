"""Bad input and bad files: one clear line on stderr, a distinct exit code, nothing written."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from agentsess_tui.cli.base import AgentsessGroup
from agentsess_tui.core import Store
from agentsess_tui.core.errors import ERROR_TYPES

from .helpers import SCRIPT, START, Cli, counts, shell


def test_help_lists_every_exit_code(run: Cli) -> None:
    text = run.ok("--help").stdout
    listed = {int(m.group(1)) for m in re.finditer(r"^\s+(\d+)  \S", text, re.MULTILINE)}
    for error in ERROR_TYPES[1:]:
        assert error.exit_code in listed, error.__name__
    codes = {error.exit_code for error in ERROR_TYPES[1:]}
    assert len(codes) == len(ERROR_TYPES) - 1, "two error types share an exit code"
    assert codes.isdisjoint({0, 1, 2})
    assert {0, 1, 2} <= listed
    assert "AGENTSESS_FAKE_NOW" in text


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["agents", "add", "Bad Agent"], 4, "not a valid agent id"),
        (["agents", "add", "x" * 65], 4, "not a valid agent id"),
        (["agents", "add", "bot"], 6, "already exists"),
        (["agents", "add", "new", "--set", "window=0"], 5, "window_minutes = 0"),
        (["agents", "add", "new", "--set", "nonsense"], 4, "KEY=VALUE"),
        (["agents", "policy", "bot", "--set", "colour=blue"], 5, "Unknown policy field"),
        (["agents", "show", "ghost"], 3, "No agent 'ghost'"),
        (["sessions", "new", "--agent", "UPPER"], 4, "not a valid agent id"),
        (["sessions", "new", "--agent", "ghost"], 3, "--create-agent"),
        (["sessions", "new", "--agent", "bot", "--window", "0"], 5, "allowed 5–1440"),
        (["sessions", "new", "--agent", "bot", "--window=-5m"], 4, "--window"),
        (["sessions", "new", "--agent", "bot", "--window", "25h"], 5, "window_minutes = 1500"),
        (["sessions", "new", "--agent", "bot", "--window", "soon"], 4, "not a duration"),
        (["sessions", "new", "--agent", "bot", "--max-lifetime", "15d"], 5, "5–20160"),
        (["sessions", "new", "--agent", "bot", "--warning", "0"], 5, "warning_minutes"),
        (["sessions", "new", "--agent", "bot", "--warning", "6h"], 5, "less than"),
        (["sessions", "new", "--agent", "bot", "--step", "0m"], 5, "extend_step_minutes"),
        (["sessions", "new", "--agent", "bot", "--step", "2d"], 5, "extend_step_minutes"),
        (["sessions", "new", "--agent", "bot", "--title", "t" * 201], 4, "limit is 200"),
        (["sessions", "show", "../etc"], 4, "not a valid session id"),
        (["sessions", "extend", "sess_missing"], 3, "No session"),
        (["sessions", "ls", "--state", "sleeping"], 2, "sleeping"),
        (["sessions", "nope"], 2, "nope"),
    ],
)
def test_bad_input_is_one_line_an_exit_code_and_nothing_written(
    run: Cli, bot: str, db: Store, args: list[str], code: int, fragment: str
) -> None:
    before = counts(db)
    out = run(*args)
    assert out.code == code, out.stderr
    assert fragment in out.stderr
    assert out.stdout == ""
    if code != 2:  # click's own usage errors print the usage too
        out.error_line  # noqa: B018 (asserts exactly one line)
    assert "Traceback" not in out.stderr
    assert counts(db) == before


def test_corrupt_database_is_left_untouched(run: Cli, tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    garbage = bytes(range(256)) * 64
    path.write_bytes(garbage)
    for args in (["sessions", "ls"], ["agents", "add", "bot"]):
        out = run("--db", str(path), *args)
        assert out.code == 14
        assert "not an agentsess database or is damaged" in out.error_line
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.db", "home"]


def test_database_in_a_missing_or_unwritable_place(run: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "a-directory.db"
    folder.mkdir()
    assert run("--db", str(folder), "sessions", "ls").code == 14


@pytest.mark.slow
def test_locked_database_gives_up_clearly_and_writes_nothing(
    run: Cli, sid: str, db: Store, db_path: Path
) -> None:
    before = counts(db)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "conn.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.readline()\n"
            "conn.execute('ROLLBACK')\n",
            str(db_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        env = {"AGENTSESS_BUSY_TIMEOUT_MS": "200"}
        for args in (
            ["messages", "add", sid, "blocked"],
            ["sessions", "new", "--agent", "bot"],
            ["memory", "remember", "--agent", "bot", "blocked"],
        ):
            out = shell(*args, env=env)
            assert out.code == 13, out.stderr
            assert "locked by another process" in out.error_line
            assert "AGENTSESS_BUSY_TIMEOUT_MS" in out.error_line
            assert "Traceback" not in out.stderr
        # Reads still work while a writer holds the lock (WAL).
        assert shell("sessions", "ls", env=env).code == 0
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=15)
    assert counts(db) == before


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["sessions", "show", "sess_missing"], 3),
        (["sessions", "new", "--agent", "Bad"], 4),
        (["agents", "add", "x", "--set", "window=1"], 5),
        (["verify-token", "not.a.token"], 10),
        (["sessions", "ls", "--bogus"], 2),
    ],
)
def test_real_process_exit_codes_without_tracebacks(args: list[str], code: int) -> None:
    out = shell(*args)
    assert out.code == code
    assert "Traceback" not in out.stderr
    assert out.stdout == ""
    if code != 2:
        out.error_line  # noqa: B018


@pytest.mark.slow
def test_real_process_corrupt_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    out = shell("--db", str(path), "sessions", "ls")
    assert out.code == 14
    assert "not an agentsess database or is damaged" in out.error_line
    assert path.read_bytes() == b"this is not sqlite" * 100


def boom_group() -> click.Group:
    @click.group(cls=AgentsessGroup)
    def group() -> None:
        pass

    @group.command()
    def boom() -> None:
        raise RuntimeError("kaput\nsecond line")

    return group


def test_unexpected_errors_are_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(boom_group(), ["boom"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr == (
        "agentsess: unexpected error: RuntimeError: kaput second line (run again with "
        "AGENTSESS_DEBUG=1 for a traceback, and report it)\n"
    )
    monkeypatch.setenv("AGENTSESS_DEBUG", "1")
    with pytest.raises(RuntimeError, match="kaput"):
        CliRunner().invoke(boom_group(), ["boom"], catch_exceptions=False)


def test_bad_settings_are_errors_not_tracebacks(run: Cli, home: Path) -> None:
    (home / "config.toml").write_text("[policy\nwindow = ")
    out = run("sessions", "ls")
    assert out.code == 4
    assert "config.toml" in out.error_line

    (home / "config.toml").write_text("[policy]\nwindow_minutes = 2\n")
    assert run("sessions", "ls").code == 5

    (home / "config.toml").unlink()
    out = run("sessions", "ls", env={"AGENTSESS_FAKE_NOW": "next tuesday"})
    assert out.code == 4
    assert "AGENTSESS_FAKE_NOW" in out.error_line


def test_db_option_env_and_home(run: Cli, home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.db"
    by_env = tmp_path / "by-env.db"
    run.ok("--db", str(elsewhere), "agents", "add", "one")
    run.ok("agents", "add", "two", env={"AGENTSESS_DB": str(by_env)})
    run.ok("agents", "add", "three")
    assert [a["id"] for a in run.ok("--db", str(elsewhere), "agents", "ls", "--json").json()] == [
        "one"
    ]
    env = {"AGENTSESS_DB": str(by_env)}
    assert [a["id"] for a in run.ok("agents", "ls", "--json", env=env).json()] == ["two"]
    # --db beats AGENTSESS_DB.
    assert [
        a["id"] for a in run.ok("--db", str(elsewhere), "agents", "ls", "--json", env=env).json()
    ] == ["one"]
    assert [a["id"] for a in run.ok("agents", "ls", "--json").json()] == ["three"]
    assert (home / "agentsess.db").exists()


@pytest.mark.slow
@pytest.mark.parametrize(("answer", "code", "left"), [("y", 0, 0), ("n", 1, 1)])
def test_confirmation_on_a_terminal(
    run: Cli, sid: str, db: Store, answer: str, code: int, left: int
) -> None:
    run.ok("messages", "add", sid, "hello")
    primary, secondary = pty.openpty()
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "agentsess_tui.cli"]
    try:
        proc = subprocess.Popen(
            [*command, "sessions", "clear", sid],
            stdin=secondary,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "AGENTSESS_FAKE_NOW": START},
        )
        os.write(primary, f"{answer}\n".encode())
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        os.close(primary)
        os.close(secondary)
    assert proc.returncode == code, stderr
    assert b"Clear the conversation" in stderr
    assert db.count_messages(sid) == left
    assert b"Traceback" not in stderr
