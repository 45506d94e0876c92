"""Modal dialogs: the one base (`Dialog`) and confirm.

The forms (new session, memory, responder) are in forms.py, extend by… and the token in
session_dialogs.py. Each validates what it can before closing (with the core's own checks),
shows problems inline, and returns plain data; the main screen or a pane performs the change
through the core.

Every dialog behaves the same way: its first field has focus before the next key is read
(keys typed while it opens wait for it, see `hold_key`), its fields scroll between a fixed
title and fixed buttons so the buttons are always on screen, `enter` in a one-line field or
`ctrl+s` anywhere submits, `escape` cancels, and its own footer lists its keys.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Footer, Input, Label, Static, TextArea

from ...core.text import visible
from ..widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


def confirm(
    app: App[Any],
    title: str,
    body: str,
    label: str,
    then: Callable[[], object],
    *,
    danger: bool = True,
    option: tuple[str, Callable[[], object]] | None = None,
) -> None:
    """Ask first; run `then()` on yes. `option`: a checkbox's label (toggled with `s`) and
    what runs instead of `then` when it is ticked."""

    def decided(yes: bool | str | None) -> None:
        if yes == OPTION_TICKED and option is not None:
            option[1]()
        elif yes:
            then()

    modal = ConfirmModal(
        title, body, label, danger=danger, option=None if option is None else option[0]
    )
    app.push_screen(modal, decided)


# What ConfirmModal answers when confirmed with its option ticked.
OPTION_TICKED = "option"


def hold_key(app: App[Any], event: events.Event) -> bool:
    """Keep a key typed while a dialog is still opening, for the dialog (True if kept).

    The app forwards each key to the focused widget as soon as it reads it, before the key
    that opened a dialog has run its action: without this, `n` then `Hello` typed fast lost
    `Hello` (it reached the session list, then a dialog with nothing focused yet).
    """
    if not isinstance(event, events.Key) or not app.screen_stack:
        return False
    screen = app.screen
    if isinstance(screen, Dialog) and screen.opening:
        screen.held.append(event)
        return True
    return False


class Dialog(ModalScreen[Any]):
    """Every modal: holds early keys until its first field (`FIRST_FOCUS`) has focus, and
    fits its scrolling fields between a fixed title and fixed buttons.

    The default `compose` is a form (title, scrolling `fields()`, error line, buttons, its
    own footer) that submits with `enter` in a one-line field, `ctrl+s` or the button; the
    confirm and help dialogs compose their own. One class, not a base and a form base: what
    a dialog does is read here, not across a stack of classes.
    """

    FIRST_FOCUS: ClassVar[str | None] = None
    SUBMIT_LABEL: ClassVar[str] = "Save"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog_cancel", tooltip="Close without changes"),
        Binding("ctrl+s", "submit", "Save", id="dialog_submit", tooltip="Submit the form"),
    ]
    # The app's width classes (-narrow, ...) style the main screen only; on a dialog they
    # restyled every widget once more as it opened.
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = []
    # Not Textual's first focusable widget as the dialog composes (the fields' scrolling
    # container): `on_mount` focuses `FIRST_FOCUS` once laid out, and the move between the
    # two restyled the dialog's ~45 widgets twice (~30 ms each time).
    AUTO_FOCUS = ""

    def __init__(self, *, wide: bool = False, classes: str | None = "dialog-screen") -> None:
        super().__init__(classes=classes)
        self.wide = wide
        self.opening = True
        self.held: list[events.Key] = []
        self._resumed = False
        self._reopened = False
        self._styled_for = ""
        if "ctrl+s" in self._bindings.key_to_bindings:
            name_key(self, "ctrl+s", self.SUBMIT_LABEL)

    # -- opening: focus first, then the keys typed meanwhile -------------------------------

    def on_mount(self) -> None:
        # Textual calls this for every dialog in addition to the dialog's own on_mount.
        blink = getattr(self.app, "blink", True)
        for text_field in self.query(Input):
            text_field.cursor_blink = blink
        for area in self.query(TextArea):
            area.cursor_blink = blink
        self._styled_for = self.app.theme
        self.fit()
        # A dialog built ahead (`AgentsessApp.prebuild`, not on the stack) is focused when it
        # is first shown (`reopen`): a field focused unseen blinked its cursor twice a second
        # from start-up on, the app's largest idle cost after the countdowns.
        if self.FIRST_FOCUS and self in self.app.screen_stack:
            self.query_one(self.FIRST_FOCUS).focus()
        # `focus` itself goes through the app's queue: replay after it, in the app's task.
        self.app.call_later(self._replay_held)

    async def _replay_held(self) -> None:
        self.opening = False
        held, self.held = sorted(self.held, key=lambda key: key.time), []
        for key in held:
            # As if just read: an early `escape` closes the dialog, and the keys after it
            # then reach whatever is on screen, as they would have without the wait.
            await self.app.on_event(events.Key(key.key, key.character))

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual restyles every widget of a screen that comes back (app classes may have
        # changed meanwhile): ~40 ms for the new-session dialog. A dialog that is opening is
        # styled already, for the theme it had when it mounted (maybe ahead of its first
        # opening, `AgentsessApp.prebuild`) or was last open; a new theme restyles it.
        theme = self.app.theme
        styled = self._styled_for in ("", theme)  # "": resumed before it mounted
        if styled and (self.opening or not self._resumed):
            event.refresh_styles = False
        self._resumed, self._styled_for = True, theme
        super()._on_screen_resume(event)
        if self.opening and self.is_mounted and self._reopened:
            self._reopened = False
            self.fit()
            if self.FIRST_FOCUS:
                self.query_one(self.FIRST_FOCUS).focus()
            self.app.call_later(self._replay_held)

    def on_screen_suspend(self) -> None:
        # Closed (and kept, to open again): Textual leaves its field focused, and pauses a
        # cursor's blink only on blur. Opening again focuses the first field. A dialog only
        # covered (the palette over it, still on the stack) keeps its field for the return.
        if self not in self.app.screen_stack:
            self.set_focus(None)

    def reopen(self) -> None:
        """Before this dialog (installed, closed) is pushed again: it holds early keys and
        focuses its first field again, as when it first opened (see `on_mount`)."""
        self.opening, self.held, self._reopened = True, [], True

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Give the scrolling fields what the terminal leaves after the dialog's fixed parts.

        (A `max-height` in CSS cannot say "the screen minus the buttons", and an auto-height
        dialog does not shrink its children: the buttons were cut off at 80x24.)
        """
        fields = self.query(".dialog-fields")
        if not fields:
            return
        scroll = fields.first()
        dialog = scroll.parent
        if not isinstance(dialog, Widget):
            return
        fixed = dialog.styles.gutter.height
        for child in dialog.children:
            if child is not scroll and child.display:
                margin = child.styles.margin
                fixed += max(child.outer_size.height, 1) + margin.top + margin.bottom
        footer = sum(1 for _ in self.query(Footer))
        scroll.styles.max_height = max(3, self.size.height - footer - fixed)

    # -- the form ----------------------------------------------------------------------

    def heading(self) -> Content:
        return Content("")

    def fields(self) -> Iterable[Widget]:
        return ()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide" if self.wide else "dialog"):
            yield Label(self.heading(), classes="dialog-title")
            with VerticalScroll(classes="dialog-fields"):
                yield from self.fields()
            error = Static("", classes="dialog-error")
            error.display = False
            yield error
            yield self.buttons()
        yield KeyFooter()

    def buttons(self) -> Horizontal:
        """The dialog's main button and Cancel, at the bottom right."""
        return Horizontal(
            Button(self.SUBMIT_LABEL, variant="primary", id="submit", compact=True),
            Button("Cancel", id="cancel", compact=True),
            classes="dialog-buttons",
        )

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    # One behaviour for every form: enter in a one-line field, ctrl+s or the button submit.
    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def _submit_event(self, event: Message) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        """What the form does; dialogs without a form have no `ctrl+s`."""

    def show_error(self, message: str) -> None:
        error = self.query_one(".dialog-error", Static)
        error.update(Content(visible(message)))
        error.display = bool(message)
        self.call_after_refresh(self.fit)  # the error line takes room from the fields


def name_key(screen: ModalScreen[Any], key: str, description: str) -> None:
    """Let the footer say what a key does in this dialog ("y Delete", "^s Create")."""
    bindings = screen._bindings.key_to_bindings
    bindings[key] = [replace(binding, description=description) for binding in bindings[key]]


def muted(text: str) -> Static:
    return Static(Content.styled(text, "$text-muted"), classes="dialog-hint")


class ConfirmModal(Dialog, inherit_bindings=False):
    """Yes/no for destructive actions: Cancel has focus, so a stray `enter` changes nothing.

    Confirm with an explicit `y` or the button; `n`, `escape` or `enter` on Cancel cancel.
    """

    FIRST_FOCUS = "#cancel"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes", id="dialog_yes", tooltip="Confirm"),
        Binding("n,escape", "cancel", "Cancel", id="dialog_no", tooltip="Cancel", key_display="n"),
        Binding("s", "toggle_option", "Toggle", id="dialog_option", tooltip="Tick or untick"),
    ]

    def __init__(
        self,
        title: str,
        body: str,
        confirm_label: str,
        *,
        danger: bool = True,
        option: str | None = None,
    ) -> None:
        super().__init__()
        # Bodies quote agent text (titles, end reasons, error messages): shown escaped.
        self.title_text = visible(title)
        self.body = visible(body)
        self.confirm_label = confirm_label
        self.danger = danger
        self.option = option
        name_key(self, "y", confirm_label)
        if option is not None:
            name_key(self, "s", option)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content.styled(self.title_text, "bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-fields"):
                yield Static(Content(self.body), classes="dialog-body")
                if self.option is not None:
                    yield Checkbox(f"{self.option} (s)", id="option", compact=True)
            yield Horizontal(
                Button(
                    f"{self.confirm_label} (y)",
                    variant="error" if self.danger else "primary",
                    id="confirm",
                    compact=True,
                ),
                Button("Cancel", id="cancel", compact=True),
                classes="dialog-buttons",
            )
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "toggle_option" or self.option is not None

    def action_toggle_option(self) -> None:
        box = self.query_one("#option", Checkbox)
        box.value = not box.value

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        ticked = self.option is not None and self.query_one("#option", Checkbox).value
        self.dismiss(OPTION_TICKED if ticked else True)

    def action_cancel(self) -> None:  # also the Cancel button (Dialog._cancel_pressed)
        self.dismiss(False)
