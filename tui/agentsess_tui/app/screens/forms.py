"""The form dialogs: new session, add/edit memory, responder settings.

Each validates what it can before closing (with the core's own checks), shows problems inline,
and returns plain data; the main screen or a pane performs the change through the core. They
share `Dialog` (modals.py): fields that scroll between a fixed title and fixed buttons,
early keys held for the first field, `enter`/`ctrl+s` submit, their own footer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual import on
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Select, Static, TextArea

from ...core.durations import format_minutes, parse_minutes
from ...core.errors import InvalidInput
from ...core.ids import check_agent_id
from ...core.models import MEMORY_TYPES, Memory, Session
from ...core.text import one_line
from .modals import Dialog, muted

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from textual.widget import Widget

    from ...core.policy import Policy


@dataclass
class NewSessionRequest:
    agent_id: str
    title: str | None
    options: dict[str, Any] = field(default_factory=dict)
    system_prompt: str | None = None
    responder: dict[str, str] = field(default_factory=dict)


class NewSessionModal(Dialog):
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
                yield Label(f"or pick one of {len(self.agents)}", id="agent-count")
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

    def reset(self, agents: list[str], default_agent: str | None, default_backend: str) -> None:
        """Empty the form for another session, as a new dialog would be (the session actions
        keep one and open it again: building its ~50 widgets took most of its opening)."""
        # What has not changed is not set again: a label's or a pick list's update lays the
        # whole dialog out again as it opens (~40 ms of each opening, in Pilot).
        changed = agents != self.agents
        self.agents = agents
        self.default_agent = default_agent or (agents[0] if agents else "assistant")
        self.default_backend = default_backend
        self.query_one("#title", Input).value = ""
        agent = self.query_one("#agent", Input)
        pick = self.query_one("#agent-pick", Select)
        if changed:
            agent.suggester = SuggestFromList(agents, case_sensitive=True)
            self.query_one("#agent-count", Label).update(f"or pick one of {len(agents)}")
            pick.set_options([(one_line(one, 30), one) for one in agents])
        else:
            pick.clear()  # nothing picked, as after set_options (a no-op when nothing was)
        agent.value = self.default_agent
        policy = self._default_policy()
        for field_id, minutes in (
            ("#window", policy.window_minutes),
            ("#warning", policy.warning_minutes),
        ):
            window = self.query_one(field_id, Input)
            window.value, window.placeholder = "", f"policy: {format_minutes(minutes)}"
        self.query_one("#auto-renew", Select).clear()
        self.query_one("#backend", Select).value = default_backend
        self.query_one("#model", Input).value = ""
        self.query_one("#system-prompt", TextArea).clear()
        if self.query_one(".dialog-error", Static).display:
            self.show_error("")
        self.query_one(".dialog-fields").scroll_home(animate=False)
        self.reopen()

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


class MemoryModal(Dialog):
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

    def on_mount(self) -> None:
        # Textual puts the cursor at the start; an edit goes on from the end of the text.
        if self.memory is not None:
            area = self.query_one("#content", TextArea)
            area.move_cursor(area.document.end)

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


class ResponderModal(Dialog):
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
