"""Keys typed right after `enter` on the session list wait for the chat prompt.

The app forwards each key to the focused widget as soon as it reads it, before the `enter`
that opens a session has moved the focus: `enter` then `hello` typed fast reached the session
list, where `e` extends and `d` deletes. The keys behind that `enter` are held until the
prompt has the focus, then replayed (as `modals.hold_key` does for a dialog that opens).
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App
from textual.screen import Screen

from ..widgets.session_list import SessionList

# Never hold keys longer than this, whatever happens to the `enter` (seconds).
HOLD_AT_MOST = 1.0


class HandOff:
    """Owned by the main screen: whether keys are held, and which."""

    def __init__(self, owner: Screen[Any]) -> None:
        self.owner = owner
        self.pending = False
        self.held: list[events.Key] = []

    def hold(self, app: App[Any], event: events.Event) -> bool:
        """Called for every event the app reads; True when `event` is kept for later."""
        if not isinstance(event, events.Key) or event.is_forwarded:
            return False
        if app.screen is not self.owner:
            # A dialog opened (`d` then `enter` typed fast: the enter was read before d's
            # dialog was up): its keys are its own, and nothing waits for the chat any more.
            self.release(app)
            return False
        if self.pending:
            self.held.append(event)
            return True
        focused = app.focused
        if isinstance(focused, SessionList) and focused.highlighted is not None:
            bound = focused._bindings.key_to_bindings.get(event.key, [])  # as remapped
            if any(binding.action == "open" for binding in bound):
                self.pending = True
                app.set_timer(HOLD_AT_MOST, lambda: self.release(app))
        return False

    def release(self, app: App[Any]) -> None:
        """The prompt has the focus (or the wait is over): replay what was held, in order."""
        if not self.pending:
            return
        self.pending = False
        held, self.held = sorted(self.held, key=lambda key: key.time), []
        for key in held:
            app.post_message(events.Key(key.key, key.character))
