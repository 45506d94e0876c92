"""The TUI's options, defined once with click: the `agentsess-tui` command here, and
`agentsess tui` (cli/tui.py) with the same `tui_options`.

They live in the app package, not in `cli/`, because importing anything under `cli/` runs
its `__init__`, which loads every command of `agentsess` (with pydantic): a few hundred
milliseconds that the TUI's start-up would pay for nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from .. import __version__

F = TypeVar("F", bound=Callable[..., object])

VERSION_MESSAGE = "%(prog)s %(version)s"


def tui_options(command: F) -> F:
    """--theme and --demo, for both commands."""
    command = click.option(
        "--demo", is_flag=True, help="Open a temporary database filled with sample data."
    )(command)
    return click.option(
        "--theme",
        metavar="NAME",
        help="Theme to use, e.g. agentsess-light (remembered for next time).",
    )(command)


@click.command(
    "agentsess-tui",
    epilog="Agents and scripts use the same database with the `agentsess` command.",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("--db", metavar="PATH", help="Database file (default: AGENTSESS_DB or the data dir).")
@tui_options
@click.version_option(__version__, "--version", prog_name="agentsess-tui", message=VERSION_MESSAGE)
def agentsess_tui(db: str | None, theme: str | None, demo: bool) -> None:
    """Watch and drive AI agent sessions: live countdowns, chat, memories."""
    from .main import run

    raise click.exceptions.Exit(run(db, theme=theme, demo=demo))
