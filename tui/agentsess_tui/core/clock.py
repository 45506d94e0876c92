"""Every "now" in the core comes from a Clock, so tests can freeze and move time.

Times are integer epoch milliseconds (UTC) everywhere: in the database, the models and the API.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol

SECOND_MS = 1000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS


# The times the core accepts from outside (files, callers): 1970 to the year 3000. Anything
# later is a broken or hostile file; near 9999-12-31 a session's cap (activation + lifetime)
# would not even be a date any more.
EARLIEST_MS = 0
LATEST_MS = 32_503_680_000_000  # 3000-01-01T00:00:00Z


def time_in_range(ms: int) -> bool:
    return EARLIEST_MS <= ms <= LATEST_MS


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SystemClock:
    """The wall clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that only moves when told to: frozen until `advance` or `set`."""

    def __init__(self, start: int | datetime | str = "2026-01-15T09:00:00Z") -> None:
        self._now = _to_ms(start)

    def now_ms(self) -> int:
        return self._now

    def set(self, when: int | datetime | str) -> None:
        self._now = _to_ms(when)

    def advance(
        self,
        *,
        ms: int = 0,
        seconds: float = 0,
        minutes: float = 0,
        hours: float = 0,
        days: float = 0,
    ) -> int:
        step = ms + round(
            seconds * SECOND_MS + minutes * MINUTE_MS + hours * HOUR_MS + days * DAY_MS
        )
        if step < 0:
            raise ValueError("a clock only moves forward")
        self._now += step
        return self._now


def _to_ms(when: int | datetime | str) -> int:
    if isinstance(when, int):
        return when
    if isinstance(when, str):
        return parse_iso(when)
    return round(when.timestamp() * 1000)


def to_iso(ms: int | None) -> str | None:
    """Epoch milliseconds to ISO-8601 UTC text, e.g. '2026-01-15T09:00:00.000Z'."""
    if ms is None:
        return None
    try:
        dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    except (OverflowError, ValueError, OSError):
        # Outside what a datetime can say (a row from before imports were checked): reads
        # must keep working, so say what it is instead of failing.
        return f"out-of-range time {ms} ms"
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_iso(text: str) -> int:
    """ISO-8601 text to epoch milliseconds; naive times are taken as UTC. Raises ValueError."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return round(dt.timestamp() * 1000)
