"""Keys typed right after `enter` on the session list wait for the chat prompt.

The app forwards each key to the focused widget as soon as it reads it, before the `enter`
that opens a session has moved the focus: `enter` then `hello` typed fast reached the session
list, where `e` extends and `d` deletes. The keys behind that `enter` are held until the
prompt has the focus, then replayed (as `modals.hold_key` does for a dialog that opens).

The keys are released by what happens to the `enter`, not by a clock: when the chat prompt has
the focus after the open, or when the `enter` came back to the app without opening anything.
On a loaded machine the `enter`'s way (list, sidebar, screen, app, then the `Opened` message
back down) took more than the second an earlier timer allowed, and the keys went to the list.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App
from textual.screen import Screen
from textual.timer import Timer

from ..widgets.session_list import SessionList

# Only if the `enter` has not come back by then (a widget stopped it): keys are not held for
# ever. Once it has opened a session, they wait for the prompt however long that takes.
HOLD_AT_MOST = 10.0


class HandOff:
    """Owned by the main screen: whether keys are held, and which."""

    def __init__(self, owner: Screen[Any]) -> None:
        self.owner = owner
        self.pending = False
        self.held: list[events.Key] = []
        self.enter: events.Key | None = None  # the key that opens, until the app has seen it
        self.opens = 0  # the session list's count of opens when that key was read
        self.forwarded = False  # that key has been sent on to the list
        self.session_list: SessionList | None = None
        self.timer: Timer | None = None

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
                self.enter, self.opens, self.forwarded = event, focused.opens, False
                self.session_list = focused
                self.timer = app.set_timer(HOLD_AT_MOST, lambda: self._waited(app))
        return False

    def handled(self, app: App[Any], event: events.Event) -> None:
        """Called after the app has handled `event`. The opening key back from its bubbling
        (the list's bindings have run): if it opened nothing, nothing will take the focus."""
        if event is not self.enter:
            return
        if not self.forwarded:  # its first pass: sent on to the focused list
            self.forwarded = True
            if not event.is_forwarded:  # a binding of the app's own took it
                self.release(app)
            return
        self.enter = None
        if self.session_list is not None and self.session_list.opens == self.opens:
            self.release(app)

    def _waited(self, app: App[Any]) -> None:
        self.timer = None
        opened = self.session_list is not None and self.session_list.opens != self.opens
        if self.enter is None and opened:
            return  # the open is under way, and `release` follows it whenever it is done
        self.release(app)  # the key was lost on its way

    def release(self, app: App[Any]) -> None:
        """The prompt has the focus (or the wait is over): replay what was held, in order."""
        if not self.pending:
            return
        self.pending = False
        self.enter = self.session_list = None
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        held, self.held = sorted(self.held, key=lambda key: key.time), []
        for key in held:
            app.post_message(events.Key(key.key, key.character))
