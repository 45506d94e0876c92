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
# Full-text merge steps per tick at most (each ~10 ms of write lock, writers in between).
MERGE_STEPS = 8


def merge_steps(store: Store) -> None:
    for _ in range(MERGE_STEPS):
        if not store.merge_text_indexes():
            return


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
            # Writes never merge the full-text indexes (schema.m007): a few steps per tick.
            await asyncio.to_thread(merge_steps, store)
        except AgentsessError as exc:  # a locked database: try again shortly
            log.warning("sweep failed: %s", exc.message)
        with contextlib.suppress(TimeoutError):  # the wait is over: sweep again
            await asyncio.wait_for(stop.wait(), timeout=wait)
