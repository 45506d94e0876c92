"""Parsing durations people type (`90m`, `2h`, `1h30m`, `1d`) and formatting time left."""

from __future__ import annotations

import re

from .clock import DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS
from .errors import InvalidInput

# Longest units first: with `h` before `hours?`, "1hour" would stop after "1h".
# ASCII digits only (`\d` takes any script's, and int() of thousands of them fails).
_PART = re.compile(r"([0-9]+)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m)?", re.IGNORECASE)
# Nine digits are 1,900 years of minutes: anything longer is a typo, not a duration.
_MAX_DIGITS = 9
_UNIT_MINUTES = {"d": 1440, "h": 60, "m": 1}


def parse_minutes(text: str | int) -> int:
    """'90m' → 90, '2h' → 120, '1h30m' → 90, '1d' → 1440, '45' → 45 (bare numbers are minutes)."""
    if isinstance(text, int):
        return text
    value = text.strip().lower().replace(" ", "")
    if value.startswith("-"):
        raise InvalidInput(
            f"{text!r} is negative.", hint="Give a positive duration such as 90m, 2h or 1h30m."
        )
    total = 0
    pos = 0
    for match in _PART.finditer(value):
        if match.start() != pos or not match.group(0):
            break
        if len(match.group(1)) > _MAX_DIGITS:
            raise InvalidInput(
                f"{text[:40]!r}{'…' if len(text) > 40 else ''} is far too long a duration.",
                hint="Use minutes or units, e.g. 45, 90m, 2h, 1h30m or 1d.",
            )
        unit = (match.group(2) or "m")[0]
        total += int(match.group(1)) * _UNIT_MINUTES[unit]
        pos = match.end()
    if not value or pos != len(value):
        raise InvalidInput(
            f"{text!r} is not a duration.",
            hint="Use minutes or units, e.g. 45, 90m, 2h, 1h30m or 1d.",
        )
    return total


def format_minutes(minutes: int) -> str:
    """120 → '2h', 90 → '1h 30m', 1500 → '1d 1h'."""
    if minutes <= 0:
        return "0m"
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return " ".join(p for p in parts if p)


def format_countdown(remaining_ms: int) -> str:
    """Time left as the sidebar shows it: '5:59:12' under a day, '2d 3h' beyond, '0:00:00' at 0."""
    if remaining_ms <= 0:
        return "0:00:00"
    # Round up: a countdown shows 0:00:00 only when time is really up.
    seconds = -(-remaining_ms // SECOND_MS)
    if remaining_ms >= DAY_MS:
        days, rest = divmod(seconds, 86400)
        return f"{days}d {rest // 3600}h"
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def format_ago(elapsed_ms: int) -> str:
    """'just now', '3m ago', '2h ago', '4d ago'."""
    if elapsed_ms < MINUTE_MS:
        return "just now"
    if elapsed_ms < HOUR_MS:
        return f"{elapsed_ms // MINUTE_MS}m ago"
    if elapsed_ms < DAY_MS:
        return f"{elapsed_ms // HOUR_MS}h ago"
    return f"{elapsed_ms // DAY_MS}d ago"


def format_span(ms: int) -> str:
    """A duration in words for summaries: '1h 30m', '45s'."""
    if ms < MINUTE_MS:
        return f"{max(ms, 0) // SECOND_MS}s"
    return format_minutes(ms // MINUTE_MS)
