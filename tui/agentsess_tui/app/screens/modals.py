"""Modal dialogs: confirm, extend by…, new session, add/edit memory, responder, token.

Each validates what it can before closing (with the core's own checks), shows problems inline,
and returns plain data; the main screen performs the change through the core.

Every dialog behaves the same way: its first field has focus before the next key is read
(keys typed while it opens wait for it, see `Dialog.hold`), its fields scroll between a fixed
title and fixed buttons so Create/Cancel are always on screen, `enter` in a one-line field or
`ctrl+s` anywhere submits, `escape` cancels, and its own footer lists its keys.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static, TextArea

from ...core.clock import MINUTE_MS
from ...core.durations import format_minutes, parse_minutes
from ...core.errors import InvalidInput
from ...core.ids import check_agent_id
from ...core.models import MEMORY_TYPES, Memory, Session
from ...core.text import one_line
from ...core.validate import extend_minutes
from ..widgets.chat_header import local_time

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from ...core.policy import Policy


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
    """A modal that holds early keys until its first field (`FIRST_FOCUS`) has focus."""

    FIRST_FOCUS: ClassVar[str | None] = None
    # The app's width classes (-narrow, ...) style the main screen only; on a dialog they
    # restyled every widget once more as it opened.
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = []

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.opening = True
        self.held: list[events.Key] = []

    def on_mount(self) -> None:
        # Textual calls this for every dialog in addition to the dialog's own on_mount.
        blink = getattr(self.app, "blink", True)
        for text_field in self.query("Input, TextArea"):
            text_field.cursor_blink = blink  # type: ignore[attr-defined]
        self.fit()
        if self.FIRST_FOCUS:
            self.query_one(self.FIRST_FOCUS).focus()
        # `focus` itself goes through the app's queue: replay after it, in the app's task.
        self.app.call_later(self._replay_held)

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
        assert isinstance(dialog, Widget)
        fixed = dialog.styles.gutter.height
        for child in dialog.children:
            if child is not scroll and child.display:
                margin = child.styles.margin
                fixed += max(child.outer_size.height, 1) + margin.top + margin.bottom
        footer = sum(1 for _ in self.query(Footer))
        scroll.styles.max_height = max(3, self.size.height - footer - fixed)

    async def _replay_held(self) -> None:
        self.opening = False
        held, self.held = sorted(self.held, key=lambda key: key.time), []
        for key in held:
            # As if just read: an early `escape` closes the dialog, and the keys after it
            # then reach whatever is on screen, as they would have without the wait.
            await self.app.on_event(events.Key(key.key, key.character))


class _Dialog(Dialog):
    """A form: title, scrolling fields, error line, buttons, and its own footer."""

    SUBMIT_LABEL: ClassVar[str] = "Save"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog_cancel", tooltip="Close without changes"),
        Binding("ctrl+s", "submit", "Save", id="dialog_submit", tooltip="Submit the form"),
    ]

    def __init__(self, *, wide: bool = False) -> None:
        super().__init__(classes="dialog-screen")
        self.wide = wide
        name_key(self, "ctrl+s", self.SUBMIT_LABEL)

    def heading(self) -> Content:
        raise NotImplementedError

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
        yield Footer()

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
        raise NotImplementedError

    def show_error(self, message: str) -> None:
        error = self.query_one(".dialog-error", Static)
        error.update(Content(message))
        error.display = bool(message)
        self.call_after_refresh(self.fit)  # the error line takes room from the fields


def name_key(screen: Dialog, key: str, description: str) -> None:
    """Let the footer say what a key does in this dialog ("y Delete", "^s Create")."""
    bindings = screen._bindings.key_to_bindings
    bindings[key] = [replace(binding, description=description) for binding in bindings[key]]


def muted(text: str) -> Static:
    return Static(Content.styled(text, "$text-muted"), classes="dialog-hint")


class ConfirmModal(Dialog):
    """Yes/no for destructive actions: Cancel has focus, so a stray `enter` changes nothing.

    Confirm with an explicit `y` or the button; `n`, `escape` or `enter` on Cancel cancel.
    """

    FIRST_FOCUS = "#cancel"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes", id="dialog_yes", tooltip="Confirm"),
        Binding("n,escape", "cancel", "Cancel", id="dialog_no", tooltip="Cancel", key_display="n"),
    ]

    def __init__(self, title: str, body: str, confirm_label: str, *, danger: bool = True) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label
        self.danger = danger
        name_key(self, "y", confirm_label)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content.styled(self.title_text, "bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-fields"):
                yield Static(Content(self.body), classes="dialog-body")
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
        yield Footer()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class ExtendModal(_Dialog):
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
                f"Expires {local_time(self.session.expires_at)}; the lifetime cap is "
                f"{local_time(self.session.cap_at)}. Type a duration: 30m, 2h, 1h30m."
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
        text = f"+{format_minutes(minutes)} → expires {local_time(new_expiry)}"
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


@dataclass
class NewSessionRequest:
    agent_id: str
    title: str | None
    options: dict[str, Any] = field(default_factory=dict)
    system_prompt: str | None = None
    responder: dict[str, str] = field(default_factory=dict)


class NewSessionModal(_Dialog):
    """Agent (pick an existing one, or type a new id), title, window, auto-renew, responder,
    system prompt."""

    FIRST_FOCUS = "#title"
    SUBMIT_LABEL = "Create"

    def __init__(
        self,
        agents: list[str],
        default_agent: str | None,
        default_backend: str,
        preview: Callable[[str, dict[str, Any]], Policy],
    ) -> None:
        super().__init__(wide=True)
        self.agents = agents
        self.default_agent = default_agent or (agents[0] if agents else "assistant")
        self.default_backend = default_backend
        # The policy the session would get (agent policy + these options), checked by the core.
        self.preview = preview

    def heading(self) -> Content:
        return Content.styled("New session", "bold")

    def fields(self) -> Iterable[Widget]:
        yield Label("Title")
        yield Input(compact=True, placeholder="What is this session for?", id="title")
        with Horizontal(classes="dialog-row"):
            with Vertical():
                yield Label("Agent (a new id creates it)")
                yield Input(
                    compact=True,
                    value=self.default_agent,
                    suggester=SuggestFromList(self.agents, case_sensitive=True),
                    id="agent",
                )
            with Vertical():
                yield Label(f"or pick one of {len(self.agents)}")
                yield Select(
                    [(one_line(agent, 30), agent) for agent in self.agents],
                    compact=True,
                    prompt="existing agents",
                    id="agent-pick",
                )
        policy = self._default_policy()
        with Horizontal(classes="dialog-row"):
            with Vertical():
                yield Label("Window")
                yield Input(
                    compact=True,
                    placeholder=f"policy: {format_minutes(policy.window_minutes)}",
                    id="window",
                )
            with Vertical():
                yield Label("Warn before expiry")
                yield Input(
                    compact=True,
                    placeholder=f"policy: {format_minutes(policy.warning_minutes)}",
                    id="warning",
                )
            with Vertical():
                yield Label("Auto-renew")
                yield Select(
                    [("on: activity extends it", True), ("off: fixed window", False)],
                    compact=True,
                    prompt="agent's policy",
                    id="auto-renew",
                )
        with Horizontal(classes="dialog-row"):
            with Vertical():
                yield Label("Responder")
                yield Select(
                    [("offline memory agent", "offline"), ("OpenAI-compatible", "openai")],
                    compact=True,
                    value=self.default_backend,
                    allow_blank=False,
                    id="backend",
                )
            with Vertical():
                yield Label("Model (OpenAI-compatible only)")
                yield Input(compact=True, placeholder="from config", id="model")
        yield Label("System prompt (optional; enter adds a line, ctrl+s creates)")
        yield TextArea(id="system-prompt", soft_wrap=True, show_line_numbers=False)

    def _default_policy(self) -> Policy:
        try:
            return self.preview(self.default_agent, {})
        except InvalidInput:
            from ...core.policy import Policy

            return Policy()

    @on(Select.Changed, "#agent-pick")
    def _agent_picked(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#agent", Input).value = event.value

    def action_submit(self) -> None:
        agent_id = self.query_one("#agent", Input).value.strip()
        options: dict[str, Any] = {}
        try:
            check_agent_id(agent_id)
            for field_id, name in (("#window", "window_minutes"), ("#warning", "warning_minutes")):
                value = self.query_one(field_id, Input).value.strip()
                if value:
                    options[name] = parse_minutes(value)
            auto_renew = self.query_one("#auto-renew", Select).value
            if isinstance(auto_renew, bool):
                options["auto_renew"] = auto_renew
            self.preview(agent_id, options)  # checks each value and the whole policy
        except InvalidInput as error:
            self.show_error(str(error))
            return
        responder: dict[str, str] = {}
        backend = self.query_one("#backend", Select).value
        # The configured backend stays the default: store only a different choice.
        if isinstance(backend, str) and backend != self.default_backend:
            responder["backend"] = backend
        model = self.query_one("#model", Input).value.strip()
        if model:
            responder["model"] = model
        prompt = self.query_one("#system-prompt", TextArea).text.strip()
        self.dismiss(
            NewSessionRequest(
                agent_id=agent_id,
                title=self.query_one("#title", Input).value.strip() or None,
                options=options,
                system_prompt=prompt or None,
                responder=responder,
            )
        )


@dataclass
class MemoryDraft:
    type: str
    title: str | None
    content: str
    tags: list[str]
    confidence: float


class MemoryModal(_Dialog):
    """Add a memory for an agent, or edit one."""

    FIRST_FOCUS = "#content"

    def __init__(self, agent_id: str, memory: Memory | None = None) -> None:
        super().__init__(wide=True)
        self.agent_id = agent_id
        self.memory = memory

    def heading(self) -> Content:
        memory = self.memory
        heading = f"Edit memory #{memory.id}" if memory else "Add a memory"
        return Content.assemble((heading, "bold"), (f"  ·  {self.agent_id}", "$secondary"))

    def fields(self) -> Iterable[Widget]:
        memory = self.memory
        yield Label("Content (enter adds a line; ctrl+s saves)")
        yield TextArea(memory.content if memory else "", id="content", soft_wrap=True)
        with Horizontal(classes="dialog-row"):
            with Vertical():
                yield Label("Type")
                yield Select(
                    [(kind, kind) for kind in MEMORY_TYPES],
                    compact=True,
                    value=memory.type if memory else "fact",
                    allow_blank=False,
                    id="type",
                )
            with Vertical():
                yield Label("Confidence (0–1)")
                yield Input(
                    compact=True,
                    value=f"{memory.confidence:.2f}" if memory else "0.80",
                    id="confidence",
                )
        yield Label("Title (defaults to the start of the content)")
        yield Input(compact=True, value=memory.title if memory else "", id="title")
        yield Label("Tags (comma-separated)")
        yield Input(compact=True, value=", ".join(memory.tags) if memory else "", id="tags")

    def action_submit(self) -> None:
        content = self.query_one("#content", TextArea).text
        if not content.strip():
            self.show_error("A memory needs some content.")
            return
        try:
            confidence = float(self.query_one("#confidence", Input).value)
        except ValueError:
            self.show_error("Confidence must be a number between 0 and 1.")
            return
        if not 0.0 <= confidence <= 1.0:
            self.show_error("Confidence must be between 0 and 1.")
            return
        kind = self.query_one("#type", Select).value
        tags = [t.strip() for t in self.query_one("#tags", Input).value.split(",") if t.strip()]
        self.dismiss(
            MemoryDraft(
                type=kind if isinstance(kind, str) else "fact",
                title=self.query_one("#title", Input).value.strip() or None,
                content=content,
                tags=tags,
                confidence=confidence,
            )
        )


@dataclass
class ResponderChoice:
    backend: str
    model: str
    base_url: str
    system_prompt: str


class ResponderModal(_Dialog):
    """Who replies in this session: backend, model, server and system prompt."""

    FIRST_FOCUS = "#backend"

    def __init__(self, session: Session, current: dict[str, str], defaults: dict[str, str]) -> None:
        super().__init__(wide=True)
        self.session = session
        self.current = current
        self.defaults = defaults

    def heading(self) -> Content:
        return Content.assemble(
            ("Responder for ", "bold"), (one_line(self.session.title, 50), "bold")
        )

    def fields(self) -> Iterable[Widget]:
        with Horizontal(classes="dialog-row"):
            with Vertical():
                yield Label("Backend")
                yield Select(
                    [("offline memory agent", "offline"), ("OpenAI-compatible", "openai")],
                    compact=True,
                    value=self.current.get("backend") or self.defaults["backend"],
                    allow_blank=False,
                    id="backend",
                )
            with Vertical():
                yield Label("Model")
                yield Input(
                    compact=True,
                    value=self.current.get("model", ""),
                    placeholder=self.defaults["model"] or "e.g. llama3.2",
                    id="model",
                )
        yield Label("Server base URL (OpenAI-compatible)")
        yield Input(
            compact=True,
            value=self.current.get("base_url", ""),
            placeholder=self.defaults["base_url"],
            id="base-url",
        )
        yield Label("System prompt (empty: the default one; enter adds a line, ctrl+s saves)")
        yield TextArea(self.current.get("system_prompt", ""), id="system-prompt")
        yield muted(
            "Empty fields use config.toml [chat] and AGENTSESS_* values. API keys are "
            "never stored in a session."
        )

    def action_submit(self) -> None:
        backend = self.query_one("#backend", Select).value
        self.dismiss(
            ResponderChoice(
                backend=backend if isinstance(backend, str) else "offline",
                model=self.query_one("#model", Input).value.strip(),
                base_url=self.query_one("#base-url", Input).value.strip(),
                system_prompt=self.query_one("#system-prompt", TextArea).text.strip(),
            )
        )


def clipboard_report(title: str, masked: str, env: dict[str, str] | None = None) -> str:
    """What `y` did, honestly: the app can only ask the terminal (OSC 52), never check."""
    environ = os.environ if env is None else env
    where = (
        "tmux passes it on only with `set -g set-clipboard on`"
        if environ.get("TMUX")
        else "most terminals accept it; some (macOS Terminal, tmux by default) ignore it"
    )
    return (
        f"Asked the terminal to copy the token of “{one_line(title, 30)}” ({masked}) to the "
        f"clipboard (OSC 52): {where}. Nothing pasted? Palette (ctrl+p) → “Show token”."
    )


class TokenModal(_Dialog):
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
