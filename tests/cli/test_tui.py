"""`agentsess tui` and `agentsess-tui` share one set of options (app/command.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import agentsess_tui.app.main
from agentsess_tui import __version__

from .helpers import Cli

Launch = tuple[str | None, str | None, bool]


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[Launch]:
    """Record what the app was started with instead of taking over the terminal."""
    calls: list[Launch] = []

    def fake_run(db: str | None, *, theme: str | None = None, demo: bool = False) -> int:
        calls.append((db, theme, demo))
        return 3 if demo else 0

    monkeypatch.setattr(agentsess_tui.app.main, "run", fake_run)
    return calls


def test_tui_passes_db_theme_and_demo(run: Cli, launched: list[Launch]) -> None:
    run.ok("--db", "/tmp/x.db", "tui", "--theme", "agentsess-light")
    assert launched == [("/tmp/x.db", "agentsess-light", False)]
    out = run("tui", "--demo")
    assert launched[-1] == (None, None, True)
    assert out.code == 3  # the app's exit code is ours


def test_tui_uses_agentsess_db(run: Cli, launched: list[Launch]) -> None:
    run.ok("tui", env={"AGENTSESS_DB": "/tmp/y.db"})
    assert launched == [("/tmp/y.db", None, False)]


def test_the_script_parses_the_same_options(launched: list[Launch]) -> None:
    main = agentsess_tui.app.main.main
    assert main(["--db", "/tmp/z.db", "--theme", "agentsess-light", "--demo"]) == 3
    assert launched == [("/tmp/z.db", "agentsess-light", True)]
    assert main(["--no-such-option"]) == 2  # a usage error, and nothing launched
    assert len(launched) == 1


def test_the_script_version_is_fast_and_matches_click(capsys: pytest.CaptureFixture[str]) -> None:
    script = Path(sys.executable).parent / "agentsess-tui"
    quick = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert quick == f"agentsess-tui {__version__}\n"
    assert "click" not in subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from agentsess_tui.app.main import main; main(['--version']);"
            " print(sorted(m for m in sys.modules if m.startswith('click')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[-1].strip("[]")
    from agentsess_tui.app.command import agentsess_tui as command

    with pytest.raises(SystemExit):
        command.main(["--version"], prog_name="agentsess-tui")
    assert capsys.readouterr().out == quick  # click says the same when asked another way
