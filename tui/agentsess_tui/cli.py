"""`agentsess`: the command line for agents and scripts (placeholder)."""

from __future__ import annotations


def main() -> None:
    raise SystemExit("agentsess: not built yet")
