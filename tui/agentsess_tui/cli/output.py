"""How the command line prints: safe text for people, one JSON document for scripts.

Agent and user text is data. Before it reaches a terminal, control characters (except newline
and tab) and bidirectional overrides become visible escapes, so a message cannot move the
cursor, change colours, retitle the window or reorder what is shown.
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click

from ..core.clock import to_iso
from ..core.durations import format_ago, format_countdown
from ..core.models import Phase, Session
from ..core.search import snippet_parts

# C0 controls except tab and newline, DEL, C1 controls, and the invisible bidi controls.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Inside json.dumps(ensure_ascii=False) output C0 is escaped already; these are not.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str) -> str:
    """Text for a terminal: control sequences shown as escapes, newlines and tabs kept."""
    return _UNSAFE.sub(_escape, text)


def one_line(text: str, width: int | None = None) -> str:
    """Safe text on one line (whitespace runs become one space), cut to `width` cells."""
    line = " ".join(safe(text).split())
    if width is not None and cell_width(line) > width:
        cut = ""
        for char in line:
            if cell_width(cut + char) > width - 1:
                break
            cut += char
        line = cut + "…"
    return line


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: wide East Asian characters count two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def echo_json(document: Any) -> None:
    """One JSON document on stdout, readable by people and `jq` alike."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    click.echo(_UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def json_line(document: Any) -> str:
    """One JSON document on one line (JSON Lines, for streams)."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def note(text: str) -> None:
    """A remark for people on stderr, so stdout stays clean for pipes."""
    click.echo(text, err=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Plain aligned columns, like `kubectl get`: no colour, no borders."""
    widths = [cell_width(h) for h in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], cell_width(cell))
    for row in [list(headers), *rows]:
        cells = [cell + " " * (widths[i] - cell_width(cell)) for i, cell in enumerate(row)]
        click.echo("  ".join(cells).rstrip())


def when(ms: int | None) -> str:
    """An absolute time for people, always UTC: '2026-01-15 09:00:00 UTC'."""
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(ms: int | None) -> str | None:
    return to_iso(ms)


def time_left(session: Session, now: int) -> str:
    """'5:59:12' while live, 'expired 3m ago' or 'ended 2h ago' after."""
    phase = session.phase(now)
    if phase == Phase.ENDED:
        return f"ended {format_ago(now - (session.ended_at or now))}"
    if phase == Phase.EXPIRED:
        return f"expired {format_ago(now - session.expires_at)}"
    return format_countdown(session.remaining_ms(now))


def highlighted(snippet: str) -> str:
    """A search snippet with its match markers: bold on a colour terminal, plain otherwise."""
    style = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    snippet = re.sub(r"\s+", " ", snippet).strip()
    return "".join(
        click.style(safe(text), bold=True) if match and style else safe(text)
        for text, match in snippet_parts(snippet)
    )


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def plural(count: int, noun: str) -> str:
    """'1 message', '3 messages', '2 memories'."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"
