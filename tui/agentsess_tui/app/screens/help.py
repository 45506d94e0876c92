"""The help screen: every key (as remapped), the chat's slash commands, what colours mean."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ...agents import COMMANDS
from ..widgets.key_footer import KeyFooter
from .modals import Dialog

if TYPE_CHECKING:
    from ..app import AgentsessApp


PHASES = [
    ("●", "$success", "active", "time left in the window"),
    ("◐", "$warning", "expiring", "within the warning period: extend it now"),
    ("○", "$error", "expired", "the window passed; r resumes it with a new token"),
    ("■", "$text-muted", "ended", "ended by a person, an agent, or superseded"),
]


def _bindings() -> list[tuple[str, Binding]]:
    from ..panes.chat import ChatPane
    from ..panes.memories import MemoryInspector, MemoryList
    from ..widgets.chat_input import ChatInput
    from ..widgets.session_list import SessionList
    from .keys import is_explainer
    from .main import MainScreen

    found: list[tuple[str, Binding]] = []
    for section, bindings in (
        ("Sessions", MainScreen.BINDINGS),
        ("Session list", SessionList.BINDINGS),
        ("Chat", ChatPane.BINDINGS),
        ("Chat prompt", ChatInput.BINDINGS),
        ("Memory inspector", [*MemoryInspector.BINDINGS, *MemoryList.BINDINGS]),
    ):
        for binding in bindings:
            if isinstance(binding, Binding) and binding.id and not is_explainer(binding):
                found.append((section, binding))
    return found


# Where descriptions start: "  key     action       id (for [keymap])  " is 41 columns.
KEY_COLUMNS = 41
COMMAND_COLUMNS = 26


def _wrapped(text: str, width: int, indent: int) -> list[str]:
    """`text` in lines that fit `width` after an `indent` (continuations line up under it)."""
    return textwrap.wrap(text, max(24, width - indent)) or [""]


class HelpScreen(Dialog, inherit_bindings=False):
    """As wide as its text, up to the terminal; narrower terminals wrap the descriptions under
    their column instead of cutting them off."""

    FIRST_FOCUS = "#help-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,q,question_mark,f1", "dismiss", "Close", id="help_close", key_display="esc"
        ),
    ]

    def __init__(self) -> None:
        super().__init__(classes=None)
        self._width = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(id="help-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._show()

    def on_resize(self) -> None:
        self._show()

    def reopen(self) -> None:
        super().reopen()
        self.query_one("#help-body").scroll_home(animate=False)

    def on_screen_resume(self) -> None:
        self._show()  # the terminal may have another width since it was last open

    def _show(self) -> None:
        # The border, padding and scrollbar of #help-body take 6 columns, and one spare.
        # Past 120 columns prose gets hard to read: wider terminals get a centred 120.
        width = min(max(40, self.size.width - 7), 120)
        if width != self._width:
            self._width = width
            self.query_one("#help-text", Static).update(self.text(width))

    def text(self, width: int) -> Content:
        app = cast("AgentsessApp", self.app)
        keymap = app.settings.keymap
        parts: list[str | tuple[str, str]] = [
            ("Keys", "bold $primary"),
            "\n",
            (f"  {'key':<8}{'action':<13}{'id (for [keymap])':<18}what it does", "$text-muted"),
            "\n",
        ]

        def described(text: str, indent: int) -> None:
            lines = _wrapped(text, width, indent)
            parts.append((lines[0], "$text-muted"))
            for line in lines[1:]:
                parts.extend(["\n", (" " * indent + line, "$text-muted")])
            parts.append("\n")

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
            ]
            described(binding.tooltip, KEY_COLUMNS)
        parts += ["\n", ("  ctrl+p  ", "bold $accent"), ("Palette      ", "bold"), " " * 18]
        described("every action of the selected session, jump to a session, theme", KEY_COLUMNS)
        parts += [("  ctrl+q  ", "bold $accent"), ("Quit         ", "bold"), " " * 18]
        described("leave from anywhere, even a text field", KEY_COLUMNS)
        parts += ["\n", ("Dialogs", "bold $primary"), "\n  "]
        described(
            "enter in a one-line field or ctrl+s submits; escape cancels; tab moves between "
            "fields. Confirmations start on Cancel: y (or the button) confirms.",
            2,
        )
        parts += ["\n", ("Sidebar colours", "bold $primary"), "\n"]
        for mark, style, name, meaning in PHASES:
            parts += [(f"  {mark} {name:<9}", style), " "]
            described(meaning, 14)
        parts += [("  ━━━━━━━━━━ ", "$success")]
        described("the bar is the time left as a share of the window", 13)
        parts += ["\n", ("Chat", "bold $primary"), "\n  "]
        described(
            "enter sends; shift+enter or ctrl+j starts a new line (a paste keeps its lines); "
            "up/down on the first/last line walk through what you sent; tab completes a "
            "command; escape stops a streaming reply, or returns to the sessions; ctrl+r "
            "regenerates (retries a failed reply). Slash commands:",
            2,
        )
        for spec in COMMANDS:
            parts.append((f"  {spec.usage:<24}", "bold $accent"))
            described(spec.help, COMMAND_COLUMNS)
        parts.append("\n")
        described('Keys are remappable by id in config.toml, e.g. [keymap] extend = "ctrl+e".', 0)
        return Content.assemble(*parts)
