"""The main screen's keys, and which of them need a selected, live or dead session.

Every binding has an id (remappable with `keymap` in config.toml), a description and a tooltip:
the footer, the help screen and the command palette read them from here.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

# Actions that act on the selected session, and what each needs.
NEEDS_SESSION = {"clear", "delete", "add_memory", "open", "previous_session", "next_session"}
NEEDS_LIVE = {"extend", "extend_by", "end", "copy_token"}
NEEDS_DEAD = {"resume"}
# Single-key actions that cannot fire while a text field has focus: hide them from the footer.
LETTER_ACTIONS = (
    NEEDS_SESSION
    | NEEDS_LIVE
    | NEEDS_DEAD
    | {
        "new_session",
        "filter",
        "sort",
        "toggle_memories",
        "previous_session",
        "next_session",
        "help",
        "quit",
        "explain",
    }
)

MAIN_BINDINGS: list[BindingType] = [
    # First, so that the footer never cuts it off (it cuts from the right).
    Binding(
        "question_mark",
        "help",
        "Help",
        id="help",
        tooltip="All keys, slash commands and what the colours mean",
        key_display="?",
    ),
    Binding(
        "n",
        "new_session",
        "New",
        id="new_session",
        tooltip="Create a session: agent, title, window, auto-renew, responder",
    ),
    Binding(
        "r",
        "resume",
        "Resume",
        id="resume",
        tooltip="Start a new window for an expired or ended session (new token)",
    ),
    Binding(
        "e",
        "extend",
        "Extend",
        id="extend",
        tooltip="Add the session's extend step (its policy, 1h by default)",
    ),
    Binding(
        "E",
        "extend_by",
        "Extend by…",
        id="extend_by",
        tooltip="Extend by a duration you type: 90m, 2h, 1h30m",
    ),
    Binding(
        "x",
        "end",
        "End",
        id="end",
        tooltip="End the session now; its token dies, memories stay (asks first)",
    ),
    Binding(
        "c",
        "clear",
        "Clear",
        id="clear",
        tooltip="Delete the conversation except system messages (asks first)",
    ),
    Binding(
        "d",
        "delete",
        "Delete",
        id="delete",
        tooltip="Delete the session and its history; memories stay (asks first)",
    ),
    Binding(
        "slash",
        "filter",
        "Filter",
        id="filter",
        tooltip="Filter sessions by title, agent or id",
    ),
    Binding(
        "s",
        "sort",
        "Sort",
        id="sort",
        tooltip="Cycle the order: expiry, recent activity, agent",
    ),
    Binding(
        "m",
        "toggle_memories",
        "Memories",
        id="toggle_memories",
        tooltip="Show or hide the memory inspector",
    ),
    Binding(
        "a",
        "add_memory",
        "Add memory",
        id="add_memory",
        tooltip="Add a memory for the selected session's agent",
    ),
    Binding(
        "y",
        "copy_token",
        "Copy token",
        id="copy_token",
        tooltip="Copy the session token to the clipboard (it is shown masked)",
    ),
    Binding(
        "left_square_bracket",
        "previous_session",
        "Prev",
        id="previous_session",
        tooltip="Select the previous session",
        key_display="[",
    ),
    Binding(
        "right_square_bracket",
        "next_session",
        "Next",
        id="next_session",
        tooltip="Select the next session",
        key_display="]",
    ),
    Binding("q", "quit", "Quit", id="quit", tooltip="Leave agentsess-tui"),
    Binding(
        "escape",
        "cancel_reply",
        "Stop reply",
        id="cancel_reply",
        tooltip="Stop the reply that is streaming in; what arrived is kept",
    ),
    Binding(
        "ctrl+r",
        "retry_reply",
        "Retry reply",
        id="retry_reply",
        tooltip="Ask the responder again after a failed reply",
    ),
    Binding(
        "escape",
        "back",
        "Back",
        id="back",
        tooltip="Leave the text field and return to the session list",
    ),
]


def _explained(bindings: list[BindingType]) -> list[BindingType]:
    """A hidden twin of each session key that only applies in some phases (same key, same id,
    so a `[keymap]` remap moves both): pressed when its action does not apply, it says why
    instead of doing nothing. Textual tries a key's bindings in order, the real one first."""
    wanted = NEEDS_LIVE | NEEDS_DEAD
    return [
        Binding(b.key, f"explain('{b.action}')", b.description, show=False, id=b.id)
        for b in bindings
        if isinstance(b, Binding) and b.action in wanted
    ]


MAIN_BINDINGS += _explained(MAIN_BINDINGS)
# The footer's order of the main keys, by binding id (the first binding of an id: the
# hidden twins above share it).
MAIN_ORDER: dict[str | None, int] = {}
for _index, _binding in enumerate(MAIN_BINDINGS):
    if isinstance(_binding, Binding):
        MAIN_ORDER.setdefault(_binding.id, _index)


def is_explainer(binding: Binding) -> bool:
    """The hidden twins above: not listed in the help screen or the command palette."""
    return binding.action.startswith("explain(")


def known_binding_ids() -> set[str]:
    """Every binding id a `[keymap]` may name: our widgets' and screens' (and Textual's
    own that have one). Imports the dialogs, so it runs after the first frame."""
    from textual.dom import DOMNode

    from ..panes import memories  # noqa: F401 (their classes are walked below)
    from ..widgets import session_list, transcript  # noqa: F401
    from . import forms, help, message_pager, modals  # noqa: F401

    found: set[str] = set()
    classes: list[type] = [DOMNode]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id:
                found.add(binding.id)
    return found
