"""`agentsess tui`: launch the full-screen app on the same database."""

from __future__ import annotations

import click

from ..app.command import tui_options
from .context import Runtime


@click.command("tui")
@tui_options
@click.pass_obj
def tui(rt: Runtime, theme: str | None, demo: bool) -> None:
    """Launch the terminal app (the same as `agentsess-tui`)."""
    # Imported here: Textual takes a while to load, and no other command needs it.
    from ..app.main import run

    raise click.exceptions.Exit(run(rt.db, theme=theme, demo=demo))
