"""Textual's Footer, rebuilt only when the keys it shows change.

The stock Footer recomposes (every key a new widget, each restyled) whenever a screen refreshes
its bindings, which screens do on each focus change, cursor move and load, whether or not a
key changed. At start that was ~15 % of the main thread's work, while the first key waited.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


def shown_keys(screen: Screen[Any]) -> tuple[tuple[object, ...], ...]:
    """What a footer on `screen` draws: each shown binding, enabled or not, and its tooltip."""
    return tuple(
        (binding.key, binding.action, binding.description, binding.group, enabled, tooltip)
        for (_, binding, enabled, tooltip) in screen.active_bindings.values()
        if binding.show
    )


class KeyFooter(Footer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._drawn: tuple[tuple[object, ...], ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        keys = shown_keys(screen)
        if keys == self._drawn:
            return
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._drawn = keys  # the stock footer recomposes now; otherwise it waits
        super().bindings_changed(screen)
