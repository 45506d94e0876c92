"""Chat slash commands: the list with one-line help, parsing, and suggestions for typos.

Parsing is headless so the TUI and tests share it. A message is a command only when it starts
with `/` and a name followed by a space or the end: `/etc is missing` is a command named `etc`
(unknown, answered with a hint), `/usr/bin/python crashed` is a plain message, and `//text`
sends `/text` as a message.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from agentsess_tui.core.durations import parse_minutes
from agentsess_tui.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    usage: str
    help: str
    needs_app: bool = False
    """Executed by the TUI (navigation, confirmation, files) rather than `run_command`."""


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("status", "/status", "Show this session's state, time left, counts and responder."),
    CommandSpec(
        "sessions", "/sessions", "List the sessions (escape goes to the list).", needs_app=True
    ),
    CommandSpec("new", "/new [title]", "Start a new session for this agent.", needs_app=True),
    CommandSpec(
        "resume",
        "/resume <id or title>",
        "Resume an expired or ended session (this one when none is named).",
        needs_app=True,
    ),
    CommandSpec("extend", "/extend 2h", "Add time to this session (default: the extend step)."),
    CommandSpec("end", "/end", "End this session; its memories stay.", needs_app=True),
    CommandSpec("clear", "/clear", "Clear this session's messages; memories stay.", needs_app=True),
    CommandSpec("remember", "/remember [type] text", "Store a memory for this agent."),
    CommandSpec("recall", "/recall query", "Search this agent's memories."),
    CommandSpec(
        "export",
        "/export [md|json|toon] [PATH]",
        "Export this session (Markdown by default).",
        needs_app=True,
    ),
    CommandSpec(
        "backend",
        "/backend offline|openai",
        "Choose who replies here: the offline memory agent or an OpenAI-compatible server.",
    ),
    CommandSpec(
        "model", "/model NAME", "Set this session's model for the OpenAI-compatible backend."
    ),
    CommandSpec("system", "/system PROMPT", "Set this session's system prompt."),
    CommandSpec("help", "/help", "List the chat commands."),
)
COMMAND_NAMES: tuple[str, ...] = tuple(spec.name for spec in COMMANDS)
EXPORT_FORMATS = ("md", "json", "toon")
# Resets a session's own model or system prompt to the configured one.
RESET_WORD = "default"

_SLASH = re.compile(r"^/(?P<name>[A-Za-z][\w-]*)(?:\s+(?P<args>.*))?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class SlashCommand:
    name: str
    """Lower-case, without the slash."""
    args: str
    """Everything after the name, surrounding whitespace removed."""

    @property
    def spec(self) -> CommandSpec | None:
        return find_command(self.name)


def parse_slash(text: str) -> SlashCommand | None:
    """The command in a chat input, or None when it is a message to send."""
    stripped = text.strip()
    if stripped.startswith("//"):
        return None
    match = _SLASH.match(stripped)
    if match is None:
        return None
    return SlashCommand(match.group("name").lower(), (match.group("args") or "").strip())


def as_message(text: str) -> str:
    """What to send for a non-command input: `//text` becomes `/text`, the rest unchanged."""
    stripped = text.lstrip()
    if stripped.startswith("//"):
        return text[: len(text) - len(stripped)] + stripped[1:]
    return text


def find_command(name: str) -> CommandSpec | None:
    name = name.lower().lstrip("/")
    return next((spec for spec in COMMANDS if spec.name == name), None)


def suggest(name: str) -> str:
    """The message for an unknown command, with the closest known one if there is one."""
    name = name.lstrip("/")
    close = difflib.get_close_matches(name.lower(), COMMAND_NAMES, n=1, cutoff=0.6)
    if close:
        return f"Unknown command /{name} — did you mean /{close[0]}? Type /help for the list."
    return (
        f"Unknown command /{name}. Type /help for the list, or start with // to send a "
        "message that begins with /."
    )


def help_text() -> str:
    """The command list as Markdown (for /help and the help screen)."""
    lines = [f"- `{spec.usage}` — {spec.help}" for spec in COMMANDS]
    return (
        "**Chat commands**\n\n"
        + "\n".join(lines)
        + "\n\nAnything else is sent as a message; start with // to send text beginning with /."
    )


# -- arguments -------------------------------------------------------------------------------


def extend_minutes(args: str) -> int | None:
    """`/extend 2h` → 120; no argument → None (the session's extend step)."""
    if not args.strip():
        return None
    return parse_minutes(args)


def export_format(args: str) -> str:
    value = args.strip().lower() or "md"
    value = {"markdown": "md"}.get(value, value)
    if value not in EXPORT_FORMATS:
        raise InvalidInput(
            f"{args.strip()!r} is not an export format.",
            hint=f"Use one of: {', '.join(EXPORT_FORMATS)} (e.g. /export json).",
        )
    return value
