"""How the command line prints: safe text for people, one JSON document for scripts.

Agent and user text is data: everything printed goes through `core.text` first, so a message
cannot move the cursor, change colours, retitle the window or reorder what is shown.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import click

from ..core.clock import to_iso
from ..core.search import snippet_parts
from ..core.text import cell_width, json_visible, visible


def echo_json(document: Any) -> None:
    """One JSON document on stdout, readable by people and `jq` alike."""
    click.echo(json_visible(json.dumps(document, indent=2, ensure_ascii=False)))


def echo_json_array(items: Iterable[Any]) -> None:
    """`echo_json(list(items))`, byte for byte, written as the items come: a listing of 100k
    sessions never holds the whole list or its text (issue 10)."""
    from ..core.jsonstream import write_array

    write_array(items, lambda text: click.echo(text, nl=False))
    click.echo()


def json_line(document: Any) -> str:
    """One JSON document on one line (JSON Lines, for streams)."""
    return json_visible(json.dumps(document, ensure_ascii=False, separators=(",", ":")))


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
    try:
        return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, ValueError, OSError):
        return f"out-of-range time {ms} ms"


def iso(ms: int | None) -> str | None:
    return to_iso(ms)


def highlighted(snippet: str) -> str:
    """A search snippet with its match markers: bold on a colour terminal, plain otherwise."""
    style = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    snippet = re.sub(r"\s+", " ", snippet).strip()
    return "".join(
        click.style(visible(text), bold=True) if match and style else visible(text)
        for text, match in snippet_parts(snippet)
    )


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def plural(count: int, noun: str) -> str:
    """'1 message', '3 messages', '2 memories'."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"
