"""Agent and user text is data: never markup, never raw terminal control sequences.

Everything shown from the database goes through `visible()` and into `Content`/`Text` objects
(never a `str` that Textual would parse as markup).
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the bidirectional overrides that can
# make text display differently from what it is ("Trojan Source").
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with control characters shown as escapes (`\\x1b`), safe to put on a terminal."""
    return _CONTROL.sub(_escape, text)


def one_line(text: str, width: int | None = None) -> str:
    """A single visible line (newlines and runs of spaces collapsed), cut to `width` with '…'."""
    line = visible(" ".join(text.split()))
    if width is not None and len(line) > width:
        return line[: max(0, width - 1)] + "…"
    return line
