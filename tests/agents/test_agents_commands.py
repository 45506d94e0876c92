"""Slash commands: parsing, help, suggestions, and the ones that need only the store."""

from __future__ import annotations

import pytest

from agentsess_tui.agents import (
    COMMANDS,
    ResponderSettings,
    SlashCommand,
    as_message,
    help_text,
    parse_slash,
    run_command,
    suggest,
)
from agentsess_tui.agents.commands import export_format, extend_minutes
from agentsess_tui.core import InvalidInput, ManualClock, Session, Store
from agentsess_tui.core.config import ChatSettings
from agentsess_tui.core.phases import local_when


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/status", SlashCommand("status", "")),
        ("  /Extend   2h  ", SlashCommand("extend", "2h")),
        (
            "/remember preference I like\nshort answers",
            SlashCommand("remember", "preference I like\nshort answers"),
        ),
        ("/new", SlashCommand("new", "")),
        ("/extnd 2h", SlashCommand("extnd", "2h")),
        ("/usr/bin/python crashed", None),
        ("//status is a word", None),
        ("hello /status", None),
        ("/", None),
        ("/ 2h", None),
        ("/2h", None),
    ],
)
def test_parse_slash(text: str, expected: SlashCommand | None) -> None:
    assert parse_slash(text) == expected


def test_double_slash_sends_a_message_starting_with_slash() -> None:
    assert as_message("//status is a word") == "/status is a word"
    assert as_message("plain text") == "plain text"


def test_the_command_list() -> None:
    usages = [spec.usage for spec in COMMANDS]
    assert usages == [
        "/status",
        "/sessions",
        "/new [title]",
        "/resume <id or title>",
        "/extend 2h",
        "/end",
        "/clear",
        "/remember [type] text",
        "/recall query",
        "/export [md|json|toon] [PATH]",
        "/backend offline|openai",
        "/model NAME",
        "/system PROMPT",
        "/help",
    ]
    text = help_text()
    for spec in COMMANDS:
        assert f"`{spec.usage}` — {spec.help}" in text


def test_suggestions_for_unknown_commands() -> None:
    assert (
        suggest("extnd")
        == "Unknown command /extnd — did you mean /extend? Type /help for the list."
    )
    assert suggest("/remeber") == (
        "Unknown command /remeber — did you mean /remember? Type /help for the list."
    )
    assert suggest("frobnicate").startswith("Unknown command /frobnicate. Type /help")


def test_argument_helpers() -> None:
    assert extend_minutes("2h") == 120 and extend_minutes("1h30m") == 90
    assert extend_minutes("") is None
    with pytest.raises(InvalidInput):
        extend_minutes("soon")
    assert export_format("") == "md" and export_format("JSON") == "json"
    with pytest.raises(InvalidInput, match="md, json, toon"):
        export_format("pdf")


# -- execution -------------------------------------------------------------------------------


def run(store: Store, session: Session, text: str) -> str:
    command = parse_slash(text)
    assert command is not None
    result = run_command(store, session.id, command, store.settings.chat, env={})
    assert result is not None
    return result.text


def test_status(store: Store, session: Session, clock: ManualClock) -> None:
    store.add_message(session.id, "hi")
    clock.advance(minutes=30)
    text = run(store, session, "/status")
    assert text.startswith(f"**Chat** (`{session.id}`) · agent `bot`")
    # Local time with the zone, the date only when not today (issue 12: one time format).
    expires = local_when(session.expires_at, clock.now_ms(), zone=True)
    assert f"- State: **active** — 5:30:00 left (expires {expires})" in text
    created = local_when(session.created_at, clock.now_ms(), zone=True)
    assert f"- Created {created} · last activity " in text
    assert "1 message · 0 memories made here · 1 event" in text
    assert "Replies: offline memory agent · system prompt: default" in text


def test_status_of_an_expired_session(store: Store, session: Session, clock: ManualClock) -> None:
    clock.advance(hours=7)
    store.sweep()
    expired = local_when(session.expires_at, clock.now_ms(), zone=True)
    assert f"State: **expired** — expired {expired}; `/resume`" in run(store, session, "/status")


def test_remember_and_recall(store: Store, session: Session) -> None:
    command = parse_slash("/remember instruction Always cite sources")
    assert command is not None
    result = run_command(store, session.id, command, store.settings.chat)
    assert result is not None and result.memory is not None
    assert (result.memory.type, result.memory.content) == ("instruction", "Always cite sources")
    assert result.text.startswith(f"Remembered as an **instruction** (**#{result.memory.id}**)")

    text = run(store, session, "/recall cite")
    assert text.startswith("1 memory for *cite*, best first:")
    assert f"**#{result.memory.id}** · instruction" in text and "**cite**" in text
    assert run(store, session, "/recall nothing-like-it").startswith("No memory of agent `bot`")
    assert run(store, session, "/recall").startswith("Recall what?")


def test_extend(store: Store, session: Session) -> None:
    command = parse_slash("/extend 2h")
    assert command is not None
    result = run_command(store, session.id, command, store.settings.chat)
    assert result is not None and result.session is not None
    assert result.text == "Extended by 2h: 8:00:00 left."
    assert result.session.expires_at == session.expires_at + 2 * 3_600_000


def test_responder_commands_change_the_session(store: Store, session: Session) -> None:
    assert run(store, session, "/backend openai").endswith(
        "No model is set yet: choose one with `/model NAME`."
    )
    assert "(model llama3.2)" in run(store, session, "/model llama3.2")
    run(store, session, "/system You are terse.")
    responder = store.get_session(session.id).metadata["responder"]
    assert responder == {
        "backend": "openai",
        "model": "llama3.2",
        "system_prompt": "You are terse.",
    }
    assert "> You are terse." in run(store, session, "/system")
    run(store, session, "/system default")
    run(store, session, "/model default")
    run(store, session, "/backend offline")
    assert store.get_session(session.id).metadata["responder"] == {"backend": "offline"}


def test_model_command_says_when_the_model_is_not_allowed(store: Store, session: Session) -> None:
    chat = ChatSettings(backend="openai", model="llama3.2", allowed_models=("qwen2.5",))
    command = parse_slash("/model gpt-4-32k")
    assert command is not None
    result = run_command(store, session.id, command, chat, env={})
    assert result is not None
    assert "keep using `llama3.2`" in result.text and "allowed_models" in result.text
    command = parse_slash("/model qwen2.5")
    assert command is not None
    result = run_command(store, session.id, command, chat, env={})
    assert result is not None and "(model qwen2.5)" in result.text


def test_bad_backend_is_refused(store: Store, session: Session) -> None:
    with pytest.raises(InvalidInput, match="not a chat backend"):
        run(store, session, "/backend gpt")


def test_app_commands_are_left_to_the_app(store: Store, session: Session) -> None:
    for name in ("sessions", "new", "resume", "end", "clear", "export"):
        command = SlashCommand(name, "")
        assert run_command(store, session.id, command, ChatSettings()) is None
    assert store.get_session(session.id).state == "active"


def test_unknown_command_raises_with_a_suggestion(store: Store, session: Session) -> None:
    with pytest.raises(InvalidInput, match="did you mean /extend"):
        run(store, session, "/extnd 2h")


def test_help_needs_no_session_state(store: Store, session: Session) -> None:
    assert run(store, session, "/help") == help_text()


def test_status_names_the_openai_backend(store: Store, session: Session) -> None:
    chat = ChatSettings(backend="openai", model="qwen2.5", base_url="http://gpu:8000/v1")
    command = SlashCommand("status", "")
    result = run_command(store, session.id, command, chat, env={})
    assert result is not None
    assert "OpenAI-compatible server at http://gpu:8000/v1 (model qwen2.5)" in result.text
    assert ResponderSettings.resolve(chat, session, env={}).describe() in result.text
