"""Per-key request rate limit: a token bucket per API key, refilled continuously.

In-process state: one server process, one budget per key. A refused request learns how many
seconds until the next token (`Retry-After`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        *,
        burst: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`per_minute` <= 0 turns the limit off."""
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1, per_minute))
        self.monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def acquire(self, key: str) -> float:
        """0 if the request may go ahead, else the seconds to wait before the next one."""
        if not self.enabled:
            return 0.0
        now = self.monotonic()
        with self._lock:
            tokens = refill(self._buckets.get(key), now, self.rate, self.capacity)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


def refill(state: tuple[float, float] | None, now: float, rate: float, capacity: float) -> float:
    """The tokens in a bucket last seen at `state` = (tokens, when), refilled up to `now`."""
    if state is None:
        return capacity
    tokens, last = state
    return min(capacity, tokens + (now - last) * rate)


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
