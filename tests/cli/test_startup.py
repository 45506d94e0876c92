"""Start-up stays lean: agents call `agentsess` in loops, so `--version` imports click and
nothing else heavy, `sessions ls` imports the store but not pydantic, and each command's module
is loaded only when that command is used (or help lists it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from fresh_python import run_python

from agentsess_tui.cli.base import OrderedGroup
from agentsess_tui.cli.main import COMMANDS, cli
from agentsess_tui.core import Store

HEAVY = ("pydantic", "sqlite_utils", "httpx", "jwt", "textual", "rich")


def imported_by(argv: list[str], names: tuple[str, ...]) -> tuple[int, list[str]]:
    """Run `agentsess argv` in a fresh interpreter: its exit code and which of `names`
    (packages or modules) it imported."""
    code = (
        "import json, sys\n"
        "from agentsess_tui.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "    status = 0\n"
        "except SystemExit as exit:\n"
        "    status = exit.code or 0\n"
        f"names = {names!r}\n"
        "loaded = sorted(n for n in names if n in sys.modules)\n"
        "print()\n"
        "print(json.dumps([status, loaded]))\n"
    )
    status, loaded = json.loads(run_python(code).splitlines()[-1])
    return status, loaded


def test_version_imports_nothing_heavy(home: Path) -> None:
    modules = (*HEAVY, "click", "agentsess_tui.core.store", "agentsess_tui.cli.sessions")
    status, loaded = imported_by(["--version"], modules)
    assert status == 0
    assert loaded == []


def test_version_without_click_says_what_click_says(home: Path) -> None:
    import agentsess_tui

    fast = run_python("from agentsess_tui.cli import main\nmain(['--version'])\n")
    # Another option before it: the click group answers.
    slow = run_python(
        "from agentsess_tui.cli import main\n"
        "try:\n"
        "    main(['--db', 'unused.db', '--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    assert fast == slow == f"agentsess, version {agentsess_tui.__version__}"


def test_sessions_ls_imports_the_store_but_not_pydantic(home: Path) -> None:
    store = Store(home / "agentsess.db")
    store.add_agent("bot")
    store.create_session("bot", "Already here")
    store.close()
    modules = (*HEAVY, "agentsess_tui.core.store", "agentsess_tui.core.transfer", "annotated_types")
    status, loaded = imported_by(["sessions", "ls"], modules)
    assert status == 0
    assert loaded == ["agentsess_tui.core.store"]


def test_every_command_in_the_table_loads_under_its_name() -> None:
    for name, target in COMMANDS.items():
        command = cli.get_command(click.Context(cli), name)
        assert isinstance(command, click.Command), target
        assert command.name == name, target
    assert cli.list_commands(click.Context(cli)) == list(COMMANDS)


def test_help_lists_the_lazy_commands_in_declared_order() -> None:
    text = CliRunner().invoke(cli, ["sessions", "--help"]).stdout
    listed = [line.split()[0] for line in text.split("Commands:")[1].splitlines() if line.strip()]
    assert listed[-2:] == ["export", "import"]
    assert listed[:2] == ["new", "ls"]


def test_a_lazy_command_is_imported_only_when_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lazy_probe_cmd.py").write_text(
        "import click\n\n@click.command('probe')\ndef probe():\n    click.echo('probed')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    group = OrderedGroup(name="g", lazy_commands={"probe": "lazy_probe_cmd:probe"})
    assert "lazy_probe_cmd" not in sys.modules
    assert group.list_commands(click.Context(group)) == ["probe"]
    assert "lazy_probe_cmd" not in sys.modules
    result = CliRunner().invoke(group, ["probe"])
    assert result.stdout == "probed\n"
    assert "lazy_probe_cmd" in sys.modules
    monkeypatch.delitem(sys.modules, "lazy_probe_cmd")


def test_a_bad_lazy_target_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not 'module:attribute'"):
        OrderedGroup(name="g", lazy_commands={"x": "agentsess_tui.cli.main"})
    group = OrderedGroup(name="g", lazy_commands={"x": "agentsess_tui.cli.main:EPILOG"})
    with pytest.raises(TypeError, match="not a click command"):
        group.get_command(click.Context(group), "x")
