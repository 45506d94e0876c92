"""The help screen: every key (as remapped), the chat's slash commands, what colours mean."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ...agents import COMMANDS

if TYPE_CHECKING:
    from ..app import AgentsessApp


PHASES = [
    ("●", "$success", "active", "time left in the window"),
    ("◐", "$warning", "expiring", "within the warning period: extend it now"),
    ("○", "$error", "expired", "the window passed; r resumes it with a new token"),
    ("■", "$text-muted", "ended", "ended by a person, an agent, or superseded"),
]


def _bindings() -> list[tuple[str, Binding]]:
    from ..panes.memories import MemoryList
    from ..widgets.session_list import SessionList
    from .main import MainScreen

    found: list[tuple[str, Binding]] = []
    for section, bindings in (
        ("Sessions", MainScreen.BINDINGS),
        ("Session list", SessionList.BINDINGS),
        ("Memory inspector", MemoryList.BINDINGS),
    ):
        for binding in bindings:
            if isinstance(binding, Binding) and binding.id:
                found.append((section, binding))
    return found


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help_close"),
    ]

    def compose(self) -> ComposeResult:
        app = cast("AgentsessApp", self.app)
        keymap = app.settings.keymap
        parts: list[str | tuple[str, str]] = [
            ("Keys", "bold $primary"),
            "\n",
            (f"  {'key':<8}{'action':<13}{'id (for [keymap])':<18}what it does", "$text-muted"),
            "\n",
        ]
        section = ""
        for where, binding in _bindings():
            if where != section:
                section = where
                parts += ["\n", (section, "bold"), "\n"]
            key = keymap.get(binding.id or "", binding.key_display or binding.key)
            key = key.replace("left_square_bracket", "[").replace("right_square_bracket", "]")
            key = key.replace("slash", "/")
            parts += [
                (f"  {key:<8}", "bold $accent"),
                (f"{binding.description:<13}", "bold"),
                (f"{binding.id:<18}", "$secondary"),
                (binding.tooltip, "$text-muted"),
                "\n",
            ]
        parts += [
            "\n",
            ("  ctrl+p  ", "bold $accent"),
            ("Palette      ", "bold"),
            (" " * 18, ""),
            ("every action, jump to a session, switch theme", "$text-muted"),
            "\n",
            ("  ctrl+q  ", "bold $accent"),
            ("Quit         ", "bold"),
            (" " * 18, ""),
            ("leave from anywhere, even a text field", "$text-muted"),
            "\n\n",
            ("Sidebar colours", "bold $primary"),
            "\n",
        ]
        for mark, style, name, meaning in PHASES:
            parts += [(f"  {mark} {name:<9}", style), (f" {meaning}", "$text-muted"), "\n"]
        parts += [
            ("  ━━━━━━━━━━ ", "$success"),
            ("the bar is the time left as a share of the window", "$text-muted"),
            "\n\n",
            ("Chat", "bold $primary"),
            "\n",
            (
                "  enter sends; escape stops a streaming reply, or returns to the sessions; "
                "ctrl+r retries a failed reply. Slash commands:",
                "$text-muted",
            ),
            "\n",
        ]
        for spec in COMMANDS:
            parts += [(f"  {spec.usage:<24}", "bold $accent"), (spec.help, "$text-muted"), "\n"]
        parts += [
            "\n",
            (
                'Keys are remappable by id in config.toml, e.g. [keymap] extend = "ctrl+e".',
                "$text-muted",
            ),
        ]
        with VerticalScroll(id="help-body"):
            yield Static(Content.assemble(*parts), id="help-text")
