"""Times as the app shows them, in the user's timezone: one place for every widget and modal."""

from __future__ import annotations

from datetime import datetime


def local_time(ms: int) -> str:
    """A time of day in the user's timezone."""
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%H:%M")


def local_datetime(ms: int) -> str:
    """A date and time in the user's timezone."""
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M")
