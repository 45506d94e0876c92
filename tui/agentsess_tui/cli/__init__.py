"""`agentsess`: the command line (click). One file per command group; `main` is the script.

Importing this package does not import click (`entry.main` answers `--version` without it);
`cli`, the click group, is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .entry import main

if TYPE_CHECKING:
    from .main import cli

__all__ = ["cli", "main"]


def __getattr__(name: str) -> Any:
    if name == "cli":
        from .main import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
