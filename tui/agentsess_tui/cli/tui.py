"""`agentsess tui`: launch the full-screen app on the same database."""

from __future__ import annotations

import click

from .context import Runtime


@click.command("tui")
@click.option("--theme", metavar="NAME", help="Theme to use (remembered for next time).")
@click.option("--demo", is_flag=True, help="Open a temporary database with sample data.")
@click.pass_obj
def tui(rt: Runtime, theme: str | None, demo: bool) -> None:
    """Launch the terminal app (the same as `agentsess-tui`)."""
    # Imported here: Textual takes a while to load, and no other command needs it.
    from ..app.main import main as app_main

    argv: list[str] = []
    if rt.db:
        argv += ["--db", rt.db]
    if theme:
        argv += ["--theme", theme]
    if demo:
        argv.append("--demo")
    raise click.exceptions.Exit(app_main(argv) or 0)
