"""Agent and user text is data: it never reaches the terminal as control sequences."""

from __future__ import annotations

import io
import json
import sys

import click
import pytest

from agentsess_tui.cli.output import highlighted
from agentsess_tui.core import Store
from agentsess_tui.core.text import cell_width, one_line
from agentsess_tui.core.text import visible as safe

from .helpers import Cli

HOSTILE = "hi \x1b[2J\x1b]0;pwned\x07 \r\x08 \x9b31m \u202eevil\u202c \x00 end"
RAW = ("\x1b", "\x07", "\r", "\x08", "\x9b", "\u202e", "\x00")


def assert_clean(text: str) -> None:
    for char in RAW:
        assert char not in text, repr(char)


def test_safe_escapes_controls_but_keeps_newlines_and_tabs() -> None:
    assert safe("a\x1b[31mb") == "a\\x1b[31mb"
    assert safe("tab\there\nnext") == "tab\there\nnext"
    assert safe("\u202e") == "\\u202e"
    assert safe("\x9b") == "\\x9b"
    assert safe("héllo — 日本") == "héllo — 日本"
    assert one_line("a\nb\tc  d") == "a b c d"
    assert cell_width("日本") == 4
    assert one_line("日本語のタイトル", 7) == "日本語…"


def test_messages_are_shown_escaped(run: Cli, sid: str, db: Store) -> None:
    run.ok("messages", "add", sid, HOSTILE)
    out = run.ok("messages", "tail", sid).stdout
    assert_clean(out)
    assert "\\x1b[2J" in out and "\\x9b" in out and "\\u202e" in out
    assert db.messages(sid)[0].content == HOSTILE  # stored as given


def test_json_output_round_trips_and_stays_clean(run: Cli, sid: str) -> None:
    run.ok("messages", "add", sid, HOSTILE)
    out = run.ok("messages", "tail", sid, "--json").stdout
    assert_clean(out)
    assert json.loads(out)[0]["content"] == HOSTILE


def test_titles_and_memories_are_shown_escaped(run: Cli, bot: str, db: Store) -> None:
    sid = run.new_session(bot, "--title", "title \x1b[31mred\x1b[0m \u202etxt")
    run.ok("memory", "remember", "--session", sid, HOSTILE, "--tag", "t\x1bag")
    outputs = [
        run.ok("sessions", "ls").stdout,
        run.ok("sessions", "show", sid).stdout,
        run.ok("memory", "ls").stdout,
        run.ok("memory", "show", "1").stdout,
        run.ok("memory", "recall", "evil").stdout,
        run.ok("sessions", "end", sid).stdout,
    ]
    for out in outputs:
        assert_clean(out)
    assert "title \\x1b[31mred" in outputs[0]


@pytest.mark.parametrize(
    "args",
    [
        ["sessions", "show", "sess_\x1b[31m"],
        ["agents", "add", "\x1b]0;x\x07"],
        ["memory", "show", "\x1b[2J"],
        ["sessions", "new", "--agent", "bot", "--window", "\x1b[2J"],
    ],
)
def test_errors_quoting_input_are_clean(run: Cli, bot: str, args: list[str]) -> None:
    out = run(*args)
    assert out.code == 4
    assert_clean(out.stderr)
    out.error_line  # noqa: B018


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_snippet_matches_are_bold_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    snippet = "the \x02staging\x03 db\n\x1b"
    assert highlighted(snippet) == "the staging db \\x1b"
    monkeypatch.setattr(sys, "stdout", _Terminal())
    assert highlighted(snippet) == f"the {click.style('staging', bold=True)} db \\x1b"
    monkeypatch.setenv("NO_COLOR", "1")
    assert highlighted(snippet) == "the staging db \\x1b"
