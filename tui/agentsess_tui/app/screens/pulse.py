"""The main screen's clock and its eye on the database: `now`, the sweep, other processes.

A plain class the screen owns. Once a second `tick` moves the screen's `now` (countdowns
redraw themselves from it), runs the sweep when the sidebar's feed says one is due and lets
the app's collector make a full garbage collection if one is owed; every
`Delays.poll` seconds `poll` reads `PRAGMA data_version` (microseconds when nothing changed)
and reloads the sidebar and the chat when another connection committed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.errors import AgentsessError
from ..messages import Swept
from ..workers import run_store_call

if TYPE_CHECKING:
    from .main import MainScreen


class Pulse:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._data_version: int | None = None
        self._sweeping = False

    def tick(self) -> None:
        """Move `now`; sweep when due; a full garbage collection if owed (collector.py)."""
        screen = self.screen
        screen.now = screen.agentsess.clock.now_ms()
        if screen.sidebar.feed.sweep_due(screen.now):
            self.sweep()
        screen.agentsess.collector.tick()

    def poll(self) -> None:
        """Reload when another connection committed."""
        screen = self.screen
        try:
            version = screen.agentsess.store.data_version()
        except AgentsessError as error:
            screen.agentsess.show_error(error)
            return
        if version != self._data_version:
            self._data_version = version
            screen.sidebar.reload()
            screen.chat.refresh_messages()

    def sweep(self) -> None:
        """Expire and warn what is due, in a worker; its `Swept` comes back to the screen."""
        if self._sweeping:
            return
        self._sweeping = True
        store = self.screen.agentsess.store

        def sweep() -> Swept:
            try:
                result = store.sweep()
                if not store.db.readonly:
                    store.merge_text_indexes()  # writes never merge them (schema.m007)
            finally:
                self._sweeping = False
            return Swept(result.next_due_at, bool(result.expired or result.warned))

        run_store_call(self.screen, sweep, lambda swept: swept, group="sweep")

    def swept(self, event: Swept) -> None:
        self.screen.sidebar.feed.swept(event.next_due)
        if event.changed:
            self.poll()

    def after_write(self) -> None:
        """Our own write landed: reload now rather than on the next poll."""
        screen = self.screen
        screen.now = screen.agentsess.clock.now_ms()  # countdowns agree with what was done
        self.poll()
