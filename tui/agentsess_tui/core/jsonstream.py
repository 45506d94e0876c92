"""JSON documents written piece by piece, the same text `json.dumps(..., indent=2)` gives.

A listing of 100k sessions or a transcript of 200k messages would otherwise be held whole
twice (the objects, then their text): written as they come, memory stays flat (issue 10,
bench/memory_peaks.py). Every piece goes through `text.json_visible`, like `echo_json`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from .text import json_visible

Write = Callable[[str], object]

# Pieces are gathered up to this many characters per write: one write per item would cost
# more than the JSON itself for small items.
_BATCH = 64 * 1024


def dumps(value: Any, depth: int = 0) -> str:
    """`value` as `json.dumps(indent=2)` writes it `depth` levels deep (its lines indented)."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    if depth:
        text = text.replace("\n", "\n" + "  " * depth)
    return json_visible(text)


def write_array(items: Iterable[Any], write: Write, depth: int = 0) -> None:
    """An array, as `dumps(list(items), depth)` would write it."""
    inner = "\n" + "  " * (depth + 1)
    pieces: list[str] = []
    size = 0
    empty = True
    for item in items:
        pieces += ["[" if empty else ",", inner, dumps(item, depth + 1)]
        empty = False
        size += len(pieces[-1])
        if size >= _BATCH:
            write("".join(pieces))
            pieces, size = [], 0
    pieces.append("[]" if empty else "\n" + "  " * depth + "]")
    write("".join(pieces))


def write_object(head: dict[str, Any], arrays: dict[str, Iterable[Any]], write: Write) -> None:
    """An object: the keys of `head`, then each of `arrays` written as it comes (top level)."""
    text = dumps(head)
    if not arrays:
        write(text)
        return
    write(text[:-2] if head else "{")  # drop the closing "\n}"
    for index, (key, items) in enumerate(arrays.items()):
        write(("," if head or index else "") + "\n  " + dumps(key) + ": ")
        write_array(items, write, depth=1)
    write("\n}")
