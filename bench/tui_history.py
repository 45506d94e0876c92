"""The sidebar over a long history, in the running app (part of bench/tui.py, issue 11).

`end` to the last of every session and `home` back; the filter by a rare title word (about
100 matches at any size, found whole through the trigram index) and by a frequent one (the
first FILTER_LIMIT in sidebar order). Each is timed from the keys written to the terminal until the
rows are on screen: the last session's title for `end`, row 1's for `home`, and for the filter
the status line with the final count (written in the same frame as the rows).
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from agentsess_tui.app.panes.sidebar import FILTER_LIMIT

END, HOME, SLASH, CTRL_U, ESCAPE = b"\x1b[F", b"\x1b[H", b"/", b"\x15", b"\x1b"
FILTER_PLACEHOLDER = "Filter: title"


class Term(Protocol):
    text: bytearray | bytes

    def send(self, keys: bytes) -> None: ...
    def drain(self, seconds: float) -> None: ...
    def wait_for(
        self, marker: str | re.Pattern[bytes], timeout: float, start: int = 0
    ) -> float: ...


def _count(total: int) -> str:
    return "|".join(sorted({str(total), f"{total:,}"}))


def last_title(db: Path) -> str:
    """The last row in the sidebar's default order: the ended session that ended first."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT title FROM sessions WHERE state = 'ended' ORDER BY ended_at ASC, id DESC "
            "LIMIT 1"
        ).fetchone()
        return str(row[0])
    finally:
        conn.close()


def rare_count(db: Path, word: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(
            conn.execute(
                "SELECT count(*) FROM sessions_fts WHERE sessions_fts MATCH ?", (f'"{word}"',)
            ).fetchone()[0]
        )
    finally:
        conn.close()


def _timed(term: Term, keys: bytes, marker: str | re.Pattern[bytes], timeout: float) -> float:
    mark = len(term.text)
    sent = time.perf_counter()
    term.send(keys)
    return 1000 * (term.wait_for(marker, timeout, start=mark) - sent)


def measure(
    term: Term, db: Path, info: dict[str, Any], log: Callable[[str], None]
) -> list[dict[str, Any]]:
    runs, timeout, total = info["runs"], info["timeout"], info["sessions"]
    last = last_title(db)
    # The title as a whole word: "Notes 12" must not be taken for "Notes 123".
    last_marker = re.compile(re.escape(last.encode()) + rb"(?![0-9])")
    log(f"history: end / home × {runs} (last row {last!r})")
    ends: list[float] = []
    homes: list[float] = []
    for _ in range(runs):
        ends.append(_timed(term, END, last_marker, timeout))
        term.drain(0.6)
        homes.append(_timed(term, HOME, info["first_title"], timeout))
        term.drain(0.6)
    words = info["filter"]
    rare, frequent = words.get("rare", "walrus"), words.get("frequent", "review")
    matches = rare_count(db, rare)
    many = rare_count(db, frequent)
    shown = f"{FILTER_LIMIT}\\+" if many > FILTER_LIMIT else str(many)
    finals = {
        rare: re.compile(rf"\b{matches} of (?:{_count(total)}) sessions?".encode()),
        frequent: re.compile(rf"\b{shown} of (?:{_count(total)}) sessions?".encode()),
    }
    filtered: dict[str, list[float]] = {rare: [], frequent: []}
    log(f"history: filter by {rare!r} ({matches} matches) and {frequent!r} × {runs}")
    # The unfiltered status ("N sessions", not "k of N sessions").
    listed = re.compile(rf"(?<!of )\b(?:{_count(total)}) sessions? · sorted by".encode())
    # The filter stays open between runs: a lone escape followed by `/` can reach a busy app
    # as one alt+/ key.
    _timed(term, SLASH, FILTER_PLACEHOLDER, timeout)
    term.drain(0.3)
    for _ in range(runs):
        for word in (rare, frequent):
            filtered[word].append(_timed(term, word.encode(), finals[word], timeout))
            term.drain(0.3)
            _timed(term, CTRL_U, listed, timeout)
            term.drain(0.3)
    for _ in range(2):  # close the empty filter (the second one is harmless on the list)
        term.send(ESCAPE)
        term.drain(1.0)
    return [
        {
            "id": "history_end_ms",
            "label": f"`end`: the last of {total:,} sessions on screen",
            "unit": "ms",
            "runs": ends,
            "target": 100.0,
            "note": f"from the key until the last row's title ({last!r}) is written",
        },
        {
            "id": "history_home_ms",
            "label": "`home`: back to the first row",
            "unit": "ms",
            "runs": homes,
            "note": f"until row 1's title ({info['first_title']!r}) is written again",
        },
        {
            "id": "filter_rare_ms",
            "label": f"Filter by a rare title word ({rare!r}, {matches} matches)",
            "unit": "ms",
            "runs": filtered[rare],
            "target": 100.0,
            "note": "the word typed in one write; until the status line gives the final count "
            "(the same frame as the rows)",
        },
        {
            "id": "filter_frequent_ms",
            "label": f"Filter by a frequent title word ({frequent!r}, {many:,} matches)",
            "unit": "ms",
            "runs": filtered[frequent],
            "target": 100.0,
            "note": f"until the status line gives the count ('{FILTER_LIMIT}+ of …' beyond "
            f"{FILTER_LIMIT:,}: the first ones in sidebar order)",
        },
    ]
