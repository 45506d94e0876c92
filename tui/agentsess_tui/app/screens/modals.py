"""Modal dialogs: confirm, extend by…, new session, add/edit memory.

Each validates what it can before closing (with the core's own checks), shows problems inline,
and returns plain data; the main screen performs the change through the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static, TextArea
from textual.widgets.button import ButtonVariant

from ...core.clock import MINUTE_MS
from ...core.durations import format_minutes, parse_minutes
from ...core.errors import InvalidInput
from ...core.ids import check_agent_id
from ...core.models import MEMORY_TYPES, Memory, Session
from ...core.text import one_line, visible
from ...core.validate import extend_minutes
from ..format import local_time

if TYPE_CHECKING:
    from textual.app import App

    from ...core.policy import Policy


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


class _Dialog(ModalScreen[Any]):
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


class ConfirmModal(_Dialog):
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


class ExtendModal(_Dialog):
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


@dataclass
class NewSessionRequest:
    agent_id: str
    title: str | None
    options: dict[str, Any] = field(default_factory=dict)
    system_prompt: str | None = None
    responder: dict[str, str] = field(default_factory=dict)


class NewSessionModal(_Dialog):
    """Agent (pick or type a new id), title, window, auto-renew, responder, system prompt."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog_cancel", tooltip="Close without changes"),
        Binding("ctrl+s", "create", "Create", id="dialog_create", tooltip="Create the session"),
    ]

    def __init__(
        self,
        agents: list[str],
        default_agent: str | None,
        default_backend: str,
        preview: Callable[[str, dict[str, Any]], Policy],
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.agents = agents
        self.default_agent = default_agent or (agents[0] if agents else "assistant")
        self.default_backend = default_backend
        # The policy the session would get (agent policy + these options), checked by the core.
        self.preview = preview

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Content.styled("New session", "bold"), classes="dialog-title")
            yield Label("Agent (pick one, or type a new id to create it)")
            yield Input(
                compact=True,
                value=self.default_agent,
                suggester=SuggestFromList(self.agents, case_sensitive=True),
                id="agent",
            )
            yield Label("Title")
            yield Input(compact=True, placeholder="What is this session for?", id="title")
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
            yield Label("System prompt (optional)")
            yield TextArea(id="system-prompt", soft_wrap=True, show_line_numbers=False)
            yield Static("", classes="dialog-error")
            yield self.buttons("Create", "create")

    def _default_policy(self) -> Policy:
        try:
            return self.preview(self.default_agent, {})
        except InvalidInput:
            from ...core.policy import Policy

            return Policy()

    def on_mount(self) -> None:
        self.show_error("")
        self.query_one("#title", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog_cancel", tooltip="Close without changes"),
        Binding("ctrl+s", "save", "Save", id="dialog_save", tooltip="Save the memory"),
    ]

    def __init__(self, agent_id: str, memory: Memory | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.agent_id = agent_id
        self.memory = memory

    def compose(self) -> ComposeResult:
        memory = self.memory
        heading = f"Edit memory #{memory.id}" if memory else "Add a memory"
        with Vertical(classes="dialog wide"):
            yield Label(
                Content.assemble((heading, "bold"), (f"  ·  {self.agent_id}", "$secondary")),
                classes="dialog-title",
            )
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
            yield Label("Content")
            yield TextArea(memory.content if memory else "", id="content", soft_wrap=True)
            yield Label("Tags (comma-separated)")
            yield Input(compact=True, value=", ".join(memory.tags) if memory else "", id="tags")
            yield Static("", classes="dialog-error")
            yield self.buttons("Save", "save")

    def on_mount(self) -> None:
        self.show_error("")
        self.query_one("#content", TextArea).focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog_cancel", tooltip="Close without changes"),
        Binding("ctrl+s", "save", "Save", id="dialog_save", tooltip="Save the settings"),
    ]

    def __init__(self, session: Session, current: dict[str, str], defaults: dict[str, str]) -> None:
        super().__init__(classes="dialog-screen")
        self.session = session
        self.current = current
        self.defaults = defaults

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(
                Content.assemble(
                    ("Responder for ", "bold"), (one_line(self.session.title, 50), "bold")
                ),
                classes="dialog-title",
            )
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
            yield Label("System prompt (empty: the default one)")
            yield TextArea(self.current.get("system_prompt", ""), id="system-prompt")
            yield Static(
                Content.styled(
                    "Empty fields use config.toml [chat] and AGENTSESS_* values. API keys are "
                    "never stored in a session.",
                    "$text-muted",
                ),
            )
            yield Static("", classes="dialog-error")
            yield self.buttons("Save", "save")

    def on_mount(self) -> None:
        self.show_error("")

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        backend = self.query_one("#backend", Select).value
        self.dismiss(
            ResponderChoice(
                backend=backend if isinstance(backend, str) else "offline",
                model=self.query_one("#model", Input).value.strip(),
                base_url=self.query_one("#base-url", Input).value.strip(),
                system_prompt=self.query_one("#system-prompt", TextArea).text.strip(),
            )
        )
