"""The expiry sweep, run by the server itself so expired and warned events are written even
when no TUI is open. Scheduled from the next due time (as the TUI does), never a busy poll."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ..core.errors import AgentsessError
from ..core.store import Store

log = logging.getLogger("agentsess.server")
# Re-check at least this often: another process may create a session due sooner.
MAX_WAIT_S = 5.0
MIN_WAIT_S = 0.05


async def run_sweeper(store: Store, stop: asyncio.Event) -> None:
    while not stop.is_set():
        wait = MAX_WAIT_S
        try:
            result = await asyncio.to_thread(store.sweep)
            if result.expired or result.warned:
                log.info("sweep: %d expired, %d warned", len(result.expired), len(result.warned))
            if result.next_due_at is not None:
                due_in = (result.next_due_at - store.now()) / 1000
                wait = min(MAX_WAIT_S, max(MIN_WAIT_S, due_in))
        except AgentsessError as exc:  # a locked database: try again shortly
            log.warning("sweep failed: %s", exc.message)
        with contextlib.suppress(TimeoutError):  # the wait is over: sweep again
            await asyncio.wait_for(stop.wait(), timeout=wait)
