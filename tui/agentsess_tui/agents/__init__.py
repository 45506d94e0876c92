"""Responders for the chat pane, headless (no textual, no rich): usable without the TUI.

- `OfflineMemoryAgent`: the default; remembers, recalls and cites memories, no network.
- `OpenAICompatResponder`: streams from any OpenAI-compatible server (imported lazily: it
  needs httpx, which only that backend pays for).

A reply, from a worker of the app or a script::

    settings = ResponderSettings.resolve(store.settings.chat, session)
    request = build_request(store, session.id, text, settings)        # blocking reads
    responder = responder_for(session, store.settings.chat, store)
    message = await run_reply(store, session.id, responder, request, on_chunk=show)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr

if TYPE_CHECKING:
    from .actions import CommandResult, recall_text, run_command, status_text
    from .base import (
        BACKENDS,
        ChatBackendError,
        ReplyRequest,
        Responder,
        ResponderSettings,
        build_request,
        default_system_prompt,
        responder_for,
        session_responder,
        update_responder_settings,
    )
    from .commands import (
        COMMANDS,
        CommandSpec,
        SlashCommand,
        as_message,
        find_command,
        help_text,
        parse_slash,
        suggest,
    )
    from .intents import Intent, TypeGuess, detect_type, parse_intent
    from .offline import OfflineMemoryAgent, remember_reply
    from .openai_compat import OpenAICompatResponder, build_messages
    from .runner import run_reply

# Public name -> the module that defines it. Loaded on first use: the app imports what it
# needs at start-up (settings, commands, the runner) and the offline agent when it replies.
_SOURCES = {
    "actions": (
        "CommandResult",
        "recall_text",
        "run_command",
        "status_text",
    ),
    "base": (
        "BACKENDS",
        "ChatBackendError",
        "ReplyRequest",
        "Responder",
        "ResponderSettings",
        "build_request",
        "default_system_prompt",
        "responder_for",
        "session_responder",
        "update_responder_settings",
    ),
    "commands": (
        "COMMANDS",
        "CommandSpec",
        "SlashCommand",
        "as_message",
        "find_command",
        "help_text",
        "parse_slash",
        "suggest",
    ),
    "intents": (
        "Intent",
        "TypeGuess",
        "detect_type",
        "parse_intent",
    ),
    "offline": (
        "OfflineMemoryAgent",
        "remember_reply",
    ),
    "recall": (
        "keywords",
        "recall",
    ),
    "runner": ("run_reply",),
    "openai_compat": (
        "OpenAICompatResponder",
        "build_messages",
    ),
}
__getattr__ = lazy_getattr(__name__, _SOURCES, globals())

# `recall` is both a submodule and its function: bind the function now (the module is light),
# or importing the submodule would leave the package attribute pointing at the module.
from .recall import keywords, recall  # noqa: E402

__all__ = [
    "BACKENDS",
    "COMMANDS",
    "ChatBackendError",
    "CommandResult",
    "CommandSpec",
    "Intent",
    "OfflineMemoryAgent",
    "OpenAICompatResponder",
    "ReplyRequest",
    "Responder",
    "ResponderSettings",
    "SlashCommand",
    "TypeGuess",
    "as_message",
    "build_messages",
    "build_request",
    "default_system_prompt",
    "detect_type",
    "find_command",
    "help_text",
    "keywords",
    "parse_intent",
    "parse_slash",
    "recall",
    "recall_text",
    "remember_reply",
    "responder_for",
    "run_command",
    "run_reply",
    "session_responder",
    "status_text",
    "suggest",
    "update_responder_settings",
]
