"""Dialogs in the running app (part of bench/tui.py, issue 12): from the key that opens one
until its first field is drawn. `n` (the new-session dialog, the largest form) and `?` (help,
the longest text), each closed with escape before the next; the first open of a process is
reported in the note, since it also imports and builds what the dialog needs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tui_history import ESCAPE, Term

# Text each dialog draws once it is up: the title field's placeholder, the help's key table.
DIALOGS = {
    "new": (b"n", "What is this session for?", "the new-session dialog (`n`)"),
    "help": (b"?", "id (for [keymap])", "the help (`?`)"),
}


def measure(term: Term, info: dict[str, Any], log: Callable[[str], None]) -> list[dict[str, Any]]:
    runs, timeout = info["runs"], info["timeout"]
    log(f"dialogs: open and close × {runs}")
    opened: dict[str, list[float]] = {name: [] for name in DIALOGS}
    for _ in range(runs):
        for name, (key, marker, _) in DIALOGS.items():
            mark = len(term.text)
            sent = time.perf_counter()
            term.send(key)
            opened[name].append(1000 * (term.wait_for(marker, timeout, start=mark) - sent))
            term.drain(0.3)
            term.send(ESCAPE)  # alone: followed by a key at once it could read as alt+key
            term.drain(0.6)
    return [
        {
            "id": f"dialog_{name}_ms",
            "label": f"Opening {what}: its first field on screen",
            "unit": "ms",
            "runs": opened[name],
            "target": 100.0,
            "note": f"from the key until {marker!r} is written; the first open of the process "
            f"{opened[name][0]:.0f} ms",
        }
        for name, (_, marker, what) in DIALOGS.items()
    ]
