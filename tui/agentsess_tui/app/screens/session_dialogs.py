"""The dialogs of one session's window and token: extend by a typed duration, show the token.

Both are `Dialog`s (modals.py): first field focused at once, `enter` submits, `escape` closes.
The clipboard report says honestly what `y` did: the app can only ask the terminal to copy.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from textual import on
from textual.content import Content
from textual.widgets import Button, Input, Static

from ...core.clock import MINUTE_MS
from ...core.durations import format_minutes, parse_minutes
from ...core.errors import InvalidInput
from ...core.models import Session
from ...core.phases import local_when
from ...core.text import one_line
from ...core.validate import extend_minutes
from .modals import Dialog, muted, name_key

if TYPE_CHECKING:
    from collections.abc import Iterable

    from textual.widget import Widget


class ExtendModal(Dialog):
    """Extend by a typed duration: `90m`, `2h`, `1h30m`; previews the new expiry and the cap."""

    FIRST_FOCUS = "#duration"
    SUBMIT_LABEL = "Extend"

    def __init__(self, session: Session, now: int) -> None:
        super().__init__()
        self.session = session
        self.now = now

    def heading(self) -> Content:
        return Content.assemble(("Extend ", "bold"), (one_line(self.session.title, 40), "bold"))

    def fields(self) -> Iterable[Widget]:
        yield Static(
            Content(
                f"Expires {local_when(self.session.expires_at, self.now)}; the lifetime cap "
                f"is {local_when(self.session.cap_at, self.now)}. Type a duration: 30m, 2h, "
                "1h30m."
            ),
            classes="dialog-body",
        )
        yield Input(compact=True, placeholder="e.g. 90m, 2h, 1h30m", id="duration")
        yield Static("", id="preview")

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
        text = f"+{format_minutes(minutes)} → expires {local_when(new_expiry, self.now)}"
        if new_expiry < target:
            text += f" (capped by the lifetime limit: only +{format_minutes(added)})"
        preview.update(Content(text))

    def action_submit(self) -> None:
        try:
            minutes = self._minutes()
        except InvalidInput as error:
            self.show_error(str(error))
            return
        self.dismiss(minutes)


def osc52_where(env: dict[str, str] | None = None) -> str:
    """Whether a copy asked of the terminal (OSC 52) may arrive: the app can never check."""
    environ = os.environ if env is None else env
    if environ.get("TMUX"):
        return "tmux passes it on only with `set -g set-clipboard on`"
    return "most terminals accept it; some (macOS Terminal, tmux by default) ignore it"


def clipboard_report(title: str, masked: str, env: dict[str, str] | None = None) -> str:
    """What `y` did, honestly: the app can only ask the terminal (OSC 52), never check."""
    where = osc52_where(env)
    return (
        f"Asked the terminal to copy the token of “{one_line(title, 30)}” ({masked}) to the "
        f"clipboard (OSC 52): {where}. Nothing pasted? Palette (ctrl+p) → “Show token”."
    )


class TokenModal(Dialog):
    """The whole token, to select with the mouse: the fallback when OSC 52 reaches nothing."""

    FIRST_FOCUS = "#cancel"
    SUBMIT_LABEL = "Copy again"

    def __init__(self, session: Session, token: str) -> None:
        super().__init__(wide=True)
        self.session = session
        self.token = token

    def heading(self) -> Content:
        return Content.assemble(("Token of ", "bold"), (one_line(self.session.title, 50), "bold"))

    def fields(self) -> Iterable[Widget]:
        yield muted(
            "Shown in full on request: anyone who sees it can act as this session until it "
            "ends. Select it with the mouse (shift+drag in most terminals)."
        )
        yield Static(Content(self.token), id="token-text")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).label = "Close"
        name_key(self, "escape", "Close")

    def action_submit(self) -> None:
        self.app.copy_to_clipboard(self.token)
        self.notify("Asked the terminal again (OSC 52).", title="Token", timeout=4)
