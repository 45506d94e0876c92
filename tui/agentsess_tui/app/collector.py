"""Full garbage collections while nobody waits for the screen.

Once the app is up, some 50,000–90,000 objects live outside what start-up froze (the open
chat's widgets and drawn lines, the dialogs built ahead, what the warm-up imported), and a
full collection walks them in 50–90 ms on bench/tui.py's data, mostly in cache misses on the
frozen objects they point to (70,000 fresh lists take 2.5 ms). Python starts one after every
tenth middle collection, which while the person types or opens dialogs is every few seconds:
measured in a pseudo-terminal, the help's opening waited 75–87 ms for one, twice in three
openings.

Two things, both measured in bench/tui.py. Once start-up has settled, what it built is
collected and frozen (`AgentsessApp.start_up_settled`), so a full collection walks only what
came later. And while `pacing` is on, Python makes no full collection by itself; `tick` (once
a second, from the main screen's clock) makes the one Python would have made, once no key or
click has come for `quiet` seconds, or at once when `overdue` are owed (a person typing on
and on). Young and middle collections (2–4 ms) run as before. With both, the benchmark's
frequent-word filter went 144 → 89 ms, ↓ enter on the 100k-message session 236 → 103 ms and
the dialogs' openings 63 / 51 → 51 / 43 ms (medians).

What is left: once the person has switched between sessions for a while, what Textual keeps
for the open chat is 100,000–220,000 unfrozen objects, and a full collection of them takes
90–190 ms (bench/tui.py's live steps, logged with `gc.callbacks`). It still runs only in a
pause; a key that arrives during it waits for it.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable, Iterator

# Seconds without input before a full collection may run: typing and reading a dialog
# leave shorter gaps; a person who stops for this long is reading.
QUIET_SECONDS = 2.0
# Middle collections owed after which the full one runs even while keys come (Python's
# own rule is 10). Textual's drawn lines are garbage only a full collection frees (each
# caches itself): with 100, filtering for 20 s piled up 145,000 objects, one 450 ms
# collection.
OVERDUE = 30
# A threshold the count of middle collections never reaches: no automatic full collection.
NEVER = 1 << 30


class QuietCollector:
    def __init__(
        self,
        *,
        now: Callable[[], float] = time.monotonic,
        quiet: float = QUIET_SECONDS,
        overdue: int = OVERDUE,
    ) -> None:
        self._now = now
        self.quiet = quiet
        self.overdue = overdue
        self.due = gc.get_threshold()[2]  # what Python would wait for (10)
        self.active = False
        self._last_input = now()
        self.collections = 0  # made by `tick`

    @contextlib.contextmanager
    def pacing(self) -> Iterator[None]:
        """Full collections only from `tick` while inside (the thresholds are put back)."""
        thresholds = gc.get_threshold()
        self.due = thresholds[2]
        gc.set_threshold(thresholds[0], thresholds[1], NEVER)
        self.active = True
        try:
            yield
        finally:
            self.active = False
            gc.set_threshold(*thresholds)

    def input_seen(self) -> None:
        """A key, a click or a paste arrived (the app calls this for every input event)."""
        self._last_input = self._now()

    def tick(self) -> bool:
        """Make the full collection that is owed, if the person has been quiet; whether it ran."""
        if not self.active:
            return False
        owed = gc.get_count()[2]
        if owed < self.due:
            return False
        if owed < self.overdue and self._now() - self._last_input < self.quiet:
            return False
        gc.collect()
        self.collections += 1
        return True
