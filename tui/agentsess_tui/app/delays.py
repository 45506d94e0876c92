"""The app's timings, injected like the clock: tests run with `Delays.instant()` and never
wait for a timer to fire."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Delays:
    # Countdowns redraw once a second (they are derived from `now`, never queried).
    tick: float = 1.0
    # `PRAGMA data_version` is read this often to notice other processes' commits.
    poll: float = 0.5
    # Cursor moves closer together than this are a scroll: open the session where it stops.
    scroll_pause: float = 0.15
    # Typing in the memory search waits this long for the next key before searching.
    memory_search: float = 0.15
    # This long after the first full listing, while the person reads it, the new-session
    # dialog and the help are built (not shown), so that their first opening only lays them
    # out. None: never (tests build them on first use, or call `prebuild()`).
    prebuild: float | None = 1.5

    @classmethod
    def instant(cls) -> Delays:
        """No debouncing (every key acts at once); the tick and poll timers still run, but a
        test moves the clock and calls `pulse.tick()` / `pulse.poll()` itself."""
        return cls(scroll_pause=0.0, memory_search=0.0, prebuild=None)
