"""agentsess-tui: time-boxed AI agent sessions, their conversations and long-term memories."""

__version__ = "0.1.0"
