"""What a first launch shows instead of an empty screen."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

KEYS = [
    ("n", "create a session (agent, title, window, auto-renew)"),
    ("enter", "open the selected session and chat"),
    ("e / E", "extend by the policy step / by a duration you type"),
    ("r", "resume an expired or ended session"),
    ("x  c  d", "end · clear history · delete (each asks first)"),
    ("m  a", "memory inspector · add a memory"),
    ("/  s", "filter sessions · cycle the sort order"),
    ("?  ctrl+p", "all keys · command palette"),
]


class Welcome(Static):
    """A welcome panel with the keys, for an empty database."""

    def on_mount(self) -> None:
        parts: list[str | tuple[str, str]] = [
            ("Welcome to agentsess", "bold $primary"),
            "\n\n",
            "Agents work in sessions: time-boxed windows with a signed token, a conversation "
            "and access to the agent's long-term memories. Sessions expire; memories never do.",
            "\n\n",
            ("Press n to create your first session.", "bold"),
            "\n\n",
        ]
        for key, what in KEYS:
            parts += [(f"  {key:<10}", "bold $accent"), what, "\n"]
        parts += [
            "\n",
            ("Explore with sample data: agentsess-tui --demo", "$text-muted"),
            "\n",
            ("Agents and scripts use the same database: agentsess --help", "$text-muted"),
        ]
        self.update(Content.assemble(*parts))
