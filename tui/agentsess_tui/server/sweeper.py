"""The expiry sweep, run by the server itself so expired and warned events are written even
when no TUI is open. Scheduled from the next due time (as the TUI does), never a busy poll.

And the WAL checkpoints: the server's commits never checkpoint (a commit that did took
15-20 ms instead of 0.4, once every ~100 writes, and every request queued behind it waited as
long); a task does it twice a second on its own thread, without the write lock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

from ..core.errors import AgentsessError
from ..core.sqlite_errors import translate
from ..core.store import Store

log = logging.getLogger("agentsess.server")
# Re-check at least this often: another process may create a session due sooner.
MAX_WAIT_S = 5.0
MIN_WAIT_S = 0.05
# Full-text merge steps per tick at most (each ~10 ms of write lock, writers in between).
MERGE_STEPS = 8
CHECKPOINT_EVERY_S = 0.5


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


def checkpoint(store: Store) -> int:
    try:
        return store.db.checkpoint()
    except sqlite3.Error as exc:
        raise translate(exc, store.path) from None


async def run_checkpointer(store: Store, stop: asyncio.Event) -> None:
    """Set `store.db.set_autocheckpoint(0)` first, before other threads open connections.
    Checkpoints once more when stopped."""
    while True:
        try:
            await asyncio.to_thread(checkpoint, store)
        except AgentsessError as exc:
            log.warning("checkpoint failed: %s", exc.message)
        if stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=CHECKPOINT_EVERY_S)
