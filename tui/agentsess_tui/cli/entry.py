"""The console script `agentsess`, before click is imported.

Agents call `agentsess --version` to check what they talk to, often in loops; importing click
alone costs about four empty interpreters here (bench/cli.py). So the bare `--version` is
answered from this module, in click's own words (the group's version option uses the same
message); everything else goes to the click group in `main.py`.
"""

from __future__ import annotations

import sys

VERSION_MESSAGE = "%(prog)s, version %(version)s"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from .. import __version__

        print(VERSION_MESSAGE % {"prog": "agentsess", "version": __version__})
        return
    from .main import run

    run(argv)
