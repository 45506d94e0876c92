"""`python -m agentsess_tui.cli`: the same as the `agentsess` script."""

from .entry import main

main()
