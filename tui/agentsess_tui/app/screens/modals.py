"""Modal dialogs: the shared `Dialog` base, confirm, extend by… (the forms are in forms.py).

Each validates what it can before closing (with the core's own checks), shows problems inline,
and returns plain data; the main screen performs the change through the core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea
from textual.widgets.button import ButtonVariant

from ...core.clock import MINUTE_MS
from ...core.durations import format_minutes, parse_minutes
from ...core.errors import InvalidInput
from ...core.models import Session
from ...core.text import one_line, visible
from ...core.validate import extend_minutes
from ..format import local_time

if TYPE_CHECKING:
    from textual.app import App


def confirm(
    app: App[Any],
    title: str,
    body: str,
    label: str,
    then: Callable[[], object],
    *,
    danger: bool = True,
) -> None:
    """Ask first; run `then()` on yes."""

    def decided(yes: bool | None) -> None:
        if yes:
            then()

    app.push_screen(ConfirmModal(title, body, label, danger=danger), decided)


class Dialog(ModalScreen[Any]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog_cancel", tooltip="Close without changes"),
    ]

    def on_mount(self) -> None:
        # Textual calls this for every dialog in addition to the dialog's own on_mount.
        blink = getattr(self.app, "blink", True)
        for text_field in self.query(Input):
            text_field.cursor_blink = blink
        for area in self.query(TextArea):
            area.cursor_blink = blink

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @staticmethod
    def buttons(label: str, button_id: str, variant: ButtonVariant = "primary") -> Horizontal:
        """The dialog's main button and Cancel, at the bottom right."""
        return Horizontal(
            Button(label, variant=variant, id=button_id, compact=True),
            Button("Cancel", id="cancel", compact=True),
            classes="dialog-buttons",
        )

    def show_error(self, message: str) -> None:
        error = self.query_one(".dialog-error", Static)
        error.update(Content(visible(message)))
        error.display = bool(message)


class ConfirmModal(Dialog):
    """Yes/no for destructive actions; `enter`/`y` confirm, `escape`/`n` cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes", id="dialog_yes", tooltip="Confirm"),
        Binding("n,escape", "cancel", "No", id="dialog_no", tooltip="Cancel"),
    ]

    def __init__(self, title: str, body: str, confirm_label: str, *, danger: bool = True) -> None:
        super().__init__(classes="dialog-screen")
        # Bodies quote agent text (titles, end reasons, error messages): shown escaped.
        self.title_text = visible(title)
        self.body = visible(body)
        self.confirm_label = confirm_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content.styled(self.title_text, "bold"), classes="dialog-title")
            yield Static(Content(self.body), classes="dialog-body")
            yield self.buttons(self.confirm_label, "confirm", "error" if self.danger else "primary")

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ExtendModal(Dialog):
    """Extend by a typed duration: `90m`, `2h`, `1h30m`; previews the new expiry and the cap."""

    def __init__(self, session: Session, now: int) -> None:
        super().__init__(classes="dialog-screen")
        self.session = session
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                Content.assemble(("Extend ", "bold"), (one_line(self.session.title, 40), "bold")),
                classes="dialog-title",
            )
            yield Static(
                Content(
                    f"Expires {local_time(self.session.expires_at)}; the lifetime cap is "
                    f"{local_time(self.session.cap_at)}. Type a duration: 30m, 2h, 1h30m."
                ),
                classes="dialog-body",
            )
            yield Input(compact=True, placeholder="e.g. 90m, 2h, 1h30m", id="duration")
            yield Static("", id="preview")
            yield Static("", classes="dialog-error")
            yield self.buttons("Extend", "apply")

    def on_mount(self) -> None:
        self.show_error("")
        self.query_one("#duration", Input).focus()

    def _minutes(self) -> int:
        return extend_minutes(parse_minutes(self.query_one("#duration", Input).value))

    @on(Input.Changed, "#duration")
    def _preview(self) -> None:
        preview = self.query_one("#preview", Static)
        if not self.query_one("#duration", Input).value.strip():
            preview.update("")
            self.show_error("")
            return
        try:
            minutes = self._minutes()
        except InvalidInput as error:
            preview.update("")
            self.show_error(str(error))
            return
        self.show_error("")
        target = self.session.expires_at + minutes * MINUTE_MS
        new_expiry = min(target, self.session.cap_at)
        added = max(0, new_expiry - self.session.expires_at) // MINUTE_MS
        text = f"+{format_minutes(minutes)} → expires {local_time(new_expiry)}"
        if new_expiry < target:
            text += f" (capped by the lifetime limit: only +{format_minutes(added)})"
        preview.update(Content(text))

    @on(Input.Submitted, "#duration")
    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        try:
            minutes = self._minutes()
        except InvalidInput as error:
            self.show_error(str(error))
            return
        self.dismiss(minutes)
