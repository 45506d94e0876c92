"""Times as the app shows them, in the user's timezone. A moment relative to now (an expiry,
a cap) is `core.phases.local_when`, shared with /status and the core's messages; this is the
timestamp of a message or memory, always with its date."""

from __future__ import annotations

from datetime import datetime


def local_datetime(ms: int) -> str:
    """A date and time in the user's timezone."""
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M")
