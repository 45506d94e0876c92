"""`agentsess`: the command line (click). One file per command group; `main` is the script."""

from .main import cli, main

__all__ = ["cli", "main"]
