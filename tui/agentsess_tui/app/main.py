"""`agentsess-tui`: launch the app."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("agentsess-tui: the app is being built; use `agentsess` meanwhile.", file=sys.stderr)
    return 0
