"""The chat's prompt: a multi-line box that sends on enter, keeps a history, completes commands.

Keys are handled in the widget's own key handler, in the order they were typed. (A binding runs
only after the key has bubbled up to the app, so with an `enter` binding the keys typed just
after it were inserted first, and a command then cleared them.) The box is emptied at the moment
of sending, so text typed right after `enter` stays in it.

- enter sends; shift+enter and ctrl+j insert a newline (terminals that cannot tell shift+enter
  from enter still send ctrl+j); a bracketed paste keeps every line;
- up on the first line (down on the last) walks through what was sent in this session;
- tab completes a slash command's name, cycling through the candidates when several match.

What is pasted or put in the box passes through `core.text.visible`: it never holds a raw
control character.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os.path import commonprefix
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea

from ...agents.commands import COMMAND_NAMES
from ...core.text import visible


@dataclass
class History:
    """What was sent in one session, oldest first, and where up/down have got to."""

    entries: list[str] = field(default_factory=list)
    index: int | None = None  # browsing: the entry shown; None: the draft is shown
    draft: str = ""

    def add(self, text: str) -> None:
        if not self.entries or self.entries[-1] != text:
            self.entries.append(text)
        self.index = None
        self.draft = ""

    def older(self, current: str) -> str | None:
        if not self.entries or self.index == 0:
            return None
        if self.index is None:
            self.draft = current
            self.index = len(self.entries)
        self.index -= 1
        return self.entries[self.index]

    def newer(self) -> str | None:
        if self.index is None:
            return None
        self.index += 1
        if self.index >= len(self.entries):
            self.index = None
            return self.draft
        return self.entries[self.index]


def completions(text: str) -> list[str]:
    """The commands a prompt `/na…` may complete to (nothing once there is an argument)."""
    if not text.startswith("/") or any(char.isspace() for char in text):
        return []
    typed = text[1:].lower()
    return [name for name in COMMAND_NAMES if name.startswith(typed)]


class ChatInput(TextArea):
    """The prompt. Posts `ChatInput.Submitted` with the text, already removed from the box."""

    # Shown in the footer while the prompt has the focus, remappable by id; the keys are acted
    # on in `_on_key` (see the module docstring), which looks them up here.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "send",
            "Send",
            id="chat_send",
            key_display="⏎",
            tooltip="Send the message or run the /command (the box empties at once)",
        ),
        Binding(
            "ctrl+j",
            "newline",
            "Newline",
            id="chat_newline",
            key_display="⇧⏎/^j",
            tooltip="A new line in the message (shift+enter where the terminal tells it apart)",
        ),
    ]
    MAX_LINES = 6

    class Submitted(Message):
        def __init__(self, chat_input: ChatInput, text: str) -> None:
            super().__init__()
            self.chat_input = chat_input
            self.text = text

        @property
        def control(self) -> ChatInput:
            return self.chat_input

    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(
            id=id, placeholder=placeholder, soft_wrap=True, tab_behavior="focus", compact=False
        )
        self.sent = History()
        self._cycle: list[str] = []  # the candidates tab is cycling through

    # -- the keys --------------------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        handled = True
        action = self._bound_action(key)
        if action == "send":
            self.action_send()
        elif action == "newline" or key == "shift+enter":
            self.action_newline()
        elif key == "tab":
            handled = self.complete()
        elif key == "up" and self._on_first_line():
            handled = self._show(self.sent.older(self.text))
        elif key == "down" and self._on_last_line():
            handled = self._show(self.sent.newer())
        else:
            handled = False
        if handled:
            event.stop()
            event.prevent_default()
            return
        if key != "tab":
            self._end_cycle()
        await super()._on_key(event)

    def _bound_action(self, key: str) -> str | None:
        """send or newline when `key` is bound to it (as remapped with [keymap])."""
        for binding in self._bindings.key_to_bindings.get(key, []):
            if binding.action in ("send", "newline"):
                return binding.action
        return None

    async def _on_paste(self, event: events.Paste) -> None:
        # Every line is kept (CR LF and CR become newlines); control characters are escaped.
        text = event.text.replace("\r\n", "\n").replace("\r", "\n")
        event.prevent_default()
        event.stop()
        if self.read_only:
            return
        result = self._replace_via_keyboard(visible(text), *self.selection)
        if result is not None:
            self.move_cursor(result.end_location)

    def action_send(self) -> None:
        text = self.text
        if not text.strip():
            return
        self.sent.add(text)
        self._end_cycle()
        self.clear()
        self.post_message(self.Submitted(self, text))

    def action_newline(self) -> None:
        self._replace_via_keyboard("\n", *self.selection)

    # -- what the pane asks ----------------------------------------------------------------

    def put(self, text: str) -> None:
        """Replace the box's text, the cursor at its end. Through `visible`: history and the
        last message come from the database, where another process may have written them."""
        self.load_text(visible(text))
        self.move_cursor(self.document.end)

    def restore(self, text: str) -> None:
        """Give back text that could not be sent (kept before anything typed since)."""
        typed = self.text
        self.put(text if not typed else f"{text}\n{typed}")

    # -- history and completion ------------------------------------------------------------

    def _on_first_line(self) -> bool:
        return self.cursor_location[0] == 0 and self.selection.is_empty

    def _on_last_line(self) -> bool:
        return self.cursor_location[0] == self.document.line_count - 1 and self.selection.is_empty

    def _show(self, text: str | None) -> bool:
        if text is None:
            return False
        self.put(text)
        return True

    def complete(self) -> bool:
        """Tab: complete a command's name; several candidates: their common start, then each
        in turn. False when there is nothing to complete (tab then moves the focus)."""
        if self._cycle:
            current = self.text.strip().lstrip("/")
            index = self._cycle.index(current) if current in self._cycle else -1
            self.put("/" + self._cycle[(index + 1) % len(self._cycle)])
            return True
        found = completions(self.text)
        if not found:
            return False
        if len(found) == 1:
            self.put(f"/{found[0]} ")
            return True
        prefix = commonprefix(found)
        if len(prefix) > len(self.text) - 1:
            self.put("/" + prefix)
        else:
            self._cycle = found
            self.put("/" + found[0])
        self.border_subtitle = "  ".join("/" + name for name in found)
        return True

    def _end_cycle(self) -> None:
        if self._cycle or self.border_subtitle:
            self._cycle = []
            self.border_subtitle = ""
