"""The one sanitizer: what may reach a terminal."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentsess_tui.core.text import (
    cell_width,
    is_safe,
    json_visible,
    one_line,
    truncate,
    visible,
)

HOSTILE = [
    "\x1b]2;pwned\x1b\\",  # OSC 2: window title
    "\x1b]52;c;ZXZpbA==\x07",  # OSC 52: clipboard
    "\x9b31m",  # C1 CSI
    "\x08\x07\x7f",
    "\u202eevil\u202c",
    "\u2066iso\u2069",
    "\u200e\u200f\u061c",  # LRM, RLM, ALM
    "\u2028\u2029",
    "\u200b\ufeff",  # ZWSP, BOM
    "\U000e0041\U000e0042",  # tag characters (hidden instructions)
    "\ud800",  # a lone surrogate
]


@pytest.mark.parametrize("text", HOSTILE)
def test_every_unsafe_character_is_escaped(text: str) -> None:
    shown = visible(text)
    assert is_safe(shown)
    assert all(ch in "\n\t" or 0x20 <= ord(ch) < 0x7F for ch in shown), shown
    assert "\\" in shown


def test_safe_text_is_unchanged_and_layout_kept() -> None:
    text = "Größe: 東京 ✓ café\n\tindented 👩‍💻"
    assert visible(text) == text
    assert is_safe(text)


def test_escapes_are_readable() -> None:
    assert visible("a\x1bb") == "a\\x1bb"
    assert visible("\u202e") == "\\u202e"
    assert visible("\U000e0041") == "\\U000e0041"


@given(st.text())
def test_visible_output_is_always_safe(text: str) -> None:
    assert is_safe(visible(text))
    assert is_safe(one_line(text, 20))


def test_one_line_collapses_and_cuts_by_cells() -> None:
    assert one_line("a\n\n b\tc") == "a b c"
    assert one_line("東京東京東京", 5) == "東京…"
    assert cell_width(one_line("東京東京東京", 5)) <= 5
    assert truncate("short", 10) == "short"
    assert truncate("abcdef", 4) == "abc…"


def test_cell_width() -> None:
    assert cell_width("abc") == 3
    assert cell_width("東京") == 4
    assert cell_width("e\u0301") == 1  # combining accent


def test_json_visible_keeps_the_data() -> None:
    data = {"t": "x\x1b]52;c;AA\x07 \x9b \u202e \U000e0041"}
    text = json_visible(json.dumps(data, ensure_ascii=False))
    assert is_safe(text)
    assert json.loads(text) == data
