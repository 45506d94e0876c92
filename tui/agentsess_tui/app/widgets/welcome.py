"""What a first launch shows instead of an empty screen."""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content
from textual.widgets import Static

from ...core.text import one_line

# (binding ids, their default keys, what they do): a [keymap] remap shows its own keys.
KEYS = [
    (("new_session",), "n", "create a session (agent, title, window, auto-renew)"),
    (("open",), "enter", "open the selected session and chat"),
    (("extend", "extend_by"), "e / E", "extend by the policy step / by a duration you type"),
    (("resume",), "r", "resume an expired or ended session"),
    (("end", "clear", "delete"), "x  c  d", "end · clear history · delete (each asks first)"),
    (("toggle_memories", "add_memory"), "m  a", "memory inspector · add a memory"),
    (("filter", "sort"), "/  s", "filter sessions · cycle the sort order"),
    (("help",), "?", "all keys (ctrl+p: the command palette)"),
]


def keys_for(keymap: Mapping[str, str], ids: tuple[str, ...], default: str) -> str:
    """The keys of some bindings as the user mapped them (each id's own or its default)."""
    if not any(binding_id in keymap for binding_id in ids):
        return default
    defaults = default.replace(" / ", "  ").split()
    return "  ".join(
        one_line(keymap[binding_id]).replace(",", "/") if binding_id in keymap else fallback
        for binding_id, fallback in zip(ids, defaults, strict=False)
    )


class Welcome(Static):
    """A welcome panel with the keys, for an empty database."""

    def on_mount(self) -> None:
        settings = getattr(self.app, "settings", None)
        keymap: Mapping[str, str] = settings.keymap if settings is not None else {}
        new = keys_for(keymap, ("new_session",), "n")
        parts: list[str | tuple[str, str]] = [
            ("Welcome to agentsess", "bold $primary"),
            "\n\n",
            "Agents work in sessions: time-boxed windows with a signed token, a conversation "
            "and access to the agent's long-term memories. Sessions expire; memories never do.",
            "\n\n",
            (f"Press {new} to create your first session.", "bold"),
            "\n\n",
        ]
        for ids, default, what in KEYS:
            parts += [(f"  {keys_for(keymap, ids, default):<10}", "bold $accent"), what, "\n"]
        parts += [
            "\n",
            ("Explore with sample data: agentsess-tui --demo", "$text-muted"),
            "\n",
            ("Agents and scripts use the same database: agentsess --help", "$text-muted"),
        ]
        self.update(Content.assemble(*parts))
