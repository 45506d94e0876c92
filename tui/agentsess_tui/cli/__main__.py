"""`python -m agentsess_tui.cli`: the same as the `agentsess` script."""

from .main import main

main()
