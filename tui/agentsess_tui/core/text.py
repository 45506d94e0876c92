"""The one place that decides what text may reach a terminal.

Agent and user text is data. Before any of it is shown (the TUI, the CLI, notifications,
modals, error lines), characters that a terminal would act on, or that make text display
differently from what it is, become visible escapes (`\\x1b`, `\\u202e`):

- C0 controls except tab and newline, DEL and C1 controls: ESC starts the sequences that move
  the cursor, retitle the window (OSC 2) or write the clipboard (OSC 52);
- bidirectional controls (LRM, RLM, ALM, embeddings, overrides, isolates), which can reorder
  what a reader sees ("Trojan Source");
- invisible characters that hide text or split words: zero-width space, word joiner and the
  invisible operators, the byte-order mark, line and paragraph separators (U+2028/2029),
  interlinear annotations, and the Unicode tag block (used to smuggle hidden instructions);
- lone surrogates, which cannot be encoded for a terminal at all.

Zero-width joiners and non-joiners stay: emoji sequences and many scripts need them.
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(
    "["
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (not tab, newline), DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, isolates
    "\u200b\u2028\u2029\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb"  # invisible
    "\ud800-\udfff"  # lone surrogates
    "\U000e0000-\U000e007f"  # tags
    "]"
)
# Characters that take no cell of their own.
_ZERO_WIDTH = {"\u200c", "\u200d", "\ufe0e", "\ufe0f"}
ELLIPSIS = "…"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` with every unsafe character shown as an escape; newlines and tabs kept."""
    return _UNSAFE.sub(_escape, text)


def is_safe(text: str) -> bool:
    """True when `visible(text)` would change nothing."""
    return _UNSAFE.search(text) is None


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: wide East Asian characters two, combining marks none."""
    width = 0
    for char in text:
        if char in _ZERO_WIDTH or unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def truncate(text: str, width: int) -> str:
    """`text` cut to at most `width` cells, ending in '…' when something was cut."""
    if width <= 0:
        return ""
    if len(text) <= width and cell_width(text) <= width:
        return text
    cut: list[str] = []
    used = 0
    for char in text:
        cells = cell_width(char)
        if used + cells > width - 1:
            break
        cut.append(char)
        used += cells
    return "".join(cut) + ELLIPSIS


def one_line(text: str, width: int | None = None) -> str:
    """A single visible line (runs of whitespace, newlines included, become one space),
    cut to `width` cells with '…'."""
    line = visible(" ".join(text.split()))
    return line if width is None else truncate(line, width)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON spells characters beyond the BMP as a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_visible(document: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with every unsafe character
    written as a `\\uXXXX` escape: the same data for a parser, nothing raw for a terminal."""
    return _UNSAFE.sub(_json_escape, document)
