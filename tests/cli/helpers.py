"""Driving `agentsess` in tests: in-process with CliRunner (fast), or as a real subprocess.

Time never passes by sleeping: every run sets AGENTSESS_FAKE_NOW, and a test moves it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from agentsess_tui.cli import cli
from agentsess_tui.core import Store

START = "2026-01-15T09:00:00Z"
SCRIPT = Path(sys.executable).parent / "agentsess"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def error_line(self) -> str:
        """The one line an error prints on stderr (and it must be exactly one)."""
        lines = self.stderr.splitlines()
        assert len(lines) == 1, f"expected one line on stderr, got: {self.stderr!r}"
        assert lines[0].startswith("agentsess: "), lines[0]
        return lines[0]


class Cli:
    """`agentsess` in-process, at a fake time that the test moves."""

    def __init__(self) -> None:
        self.runner = CliRunner()
        self.now = START

    def __call__(
        self, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None
    ) -> Outcome:
        result = self.runner.invoke(
            cli,
            list(args),
            input=input,
            env={"AGENTSESS_FAKE_NOW": self.now, **(env or {})},
            catch_exceptions=False,
        )
        return Outcome(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, **kwargs: Any) -> Outcome:
        outcome = self(*args, **kwargs)
        assert outcome.code == 0, f"exit {outcome.code}: {outcome.stderr}"
        return outcome

    def new_session(self, agent: str = "bot", *options: str) -> str:
        return self.ok("sessions", "new", "--agent", agent, "-q", *options).stdout.strip()


def shell(
    *args: str,
    input: str | bytes | None = None,
    env: dict[str, str] | None = None,
    now: str = START,
    cwd: Path | None = None,
) -> Outcome:
    """The installed `agentsess` script in a real subprocess."""
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "agentsess_tui.cli"]
    data = input.encode() if isinstance(input, str) else input
    completed = subprocess.run(
        [*command, *args],
        input=data if data is not None else b"",
        capture_output=True,
        env={**os.environ, "AGENTSESS_FAKE_NOW": now, **(env or {})},
        cwd=cwd,
        timeout=60,
        check=False,
    )
    return Outcome(
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )


def counts(store: Store) -> dict[str, int]:
    """Every row in the database, by table: 'nothing written' means this did not change."""
    conn = store.db.conn()
    return {
        table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
        for table in ("agents", "sessions", "messages", "memories", "events")
    }
