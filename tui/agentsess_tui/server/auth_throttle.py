"""Throttling failed API-key guesses, without handing an attacker a way to lock a key out.

What counts: a `Bearer` key the store does not know (or has revoked). Each failure spends a
token from two buckets: the client address's (`failures` per minute, bursts of as many) and,
for a key that looks like ours (`ask_…`), its shown prefix's (three times that, shared by every
address, so guesses spread over many addresses at one key are capped too). Successes cost
nothing.

When a bucket is empty the request is refused with 429 and Retry-After *before* its key is
checked, so a refused guess teaches nothing, and a correct guess in a blocked state fails too.

Why a legitimate key keeps working: a key that has already authenticated from an address is
remembered (its hash with the address, in memory) and passes every block at that address. So
an attacker who learns a key's prefix (it is shown by `keys ls`) and floods it can refuse only
*new* addresses for that key until the bucket refills (seconds), never a client already using
it; and a client sharing an address with an attacker (NAT) keeps its keys. The remembered pass
is no oracle: it matches only the exact hash of a key already proven from that address.

State is per server process and bounded (least recently seen entries are dropped first).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from ..core.repo.keys import KEY_PREFIX, SHOWN_CHARS, hash_key
from .ratelimit import refill

DEFAULT_FAILURES_PER_MINUTE = 10
PREFIX_FACTOR = 3
MAX_TRACKED = 10_000
# How long a key proven from an address passes blocks there without being used again.
TRUSTED_FOR_S = 24 * 3600.0


class _Buckets:
    """Token buckets by name that refill continuously, at most `MAX_TRACKED` of them."""

    def __init__(self, capacity: float, per_minute: float) -> None:
        self.capacity = capacity
        self.rate = per_minute / 60.0
        self.state: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def wait(self, name: str, now: float) -> float:
        tokens = refill(self.state.get(name), now, self.rate, self.capacity)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def spend(self, name: str, now: float) -> None:
        tokens = refill(self.state.get(name), now, self.rate, self.capacity)
        self.state[name] = (max(0.0, tokens - 1.0), now)
        self.state.move_to_end(name)
        if len(self.state) > MAX_TRACKED:
            self.state.popitem(last=False)


def key_prefix(key: str) -> str | None:
    """The prefix `keys ls` shows, for a key shaped like ours; None for anything else."""
    return key[:SHOWN_CHARS] if key.startswith(KEY_PREFIX) and len(key) > SHOWN_CHARS else None


class AuthThrottle:
    def __init__(
        self,
        failures_per_minute: int = DEFAULT_FAILURES_PER_MINUTE,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`failures_per_minute` <= 0 turns the throttle off."""
        self.enabled = failures_per_minute > 0
        per_minute = float(max(1, failures_per_minute))
        self.by_address = _Buckets(per_minute, per_minute)
        self.by_prefix = _Buckets(per_minute * PREFIX_FACTOR, per_minute * PREFIX_FACTOR)
        self.trusted: OrderedDict[tuple[str, str], float] = OrderedDict()
        self.monotonic = monotonic
        self._lock = threading.Lock()

    def _is_trusted(self, address: str, digest: str, now: float) -> bool:
        seen = self.trusted.get((address, digest))
        return seen is not None and now - seen <= TRUSTED_FOR_S

    def check(self, address: str, key: str) -> float:
        """0 if `key` may be verified now, else the seconds before this address may try."""
        if not self.enabled:
            return 0.0
        now = self.monotonic()
        with self._lock:
            if self._is_trusted(address, hash_key(key), now):
                return 0.0
            wait = self.by_address.wait(address, now)
            prefix = key_prefix(key)
            if prefix is not None:
                wait = max(wait, self.by_prefix.wait(prefix, now))
            return wait

    def failed(self, address: str, key: str) -> None:
        if not self.enabled:
            return
        now = self.monotonic()
        with self._lock:
            self.by_address.spend(address, now)
            prefix = key_prefix(key)
            if prefix is not None:
                self.by_prefix.spend(prefix, now)

    def succeeded(self, address: str, key: str) -> None:
        if not self.enabled:
            return
        now = self.monotonic()
        with self._lock:
            self.trusted[(address, hash_key(key))] = now
            self.trusted.move_to_end((address, hash_key(key)))
            if len(self.trusted) > MAX_TRACKED:
                self.trusted.popitem(last=False)
