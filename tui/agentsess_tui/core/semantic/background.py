"""Indexing memories for recall by meaning in a background thread, for long-running processes
(the HTTP server, the MCP server).

Memories reach the database without a vector when the process that wrote them had no model
loaded (the CLI, the TUI, an import), after an upgrade or a model change. A recall embeds
such memories first, up to `CATCH_UP` of them, which is right for a one-shot command but puts
up to a second of embedding into a server request. So a server lowers its store's
`recall_catch_up` to `REQUEST_CATCH_UP` (what was just written, in the steady state) and runs
this for the rest: a batch at a time, each in its own short write transaction; until it is
done, recall ranks the memories that have a vector, and keyword search finds them all.
"""

from __future__ import annotations

import logging
import threading

from ..errors import AgentsessError
from ..protocol import SessionStore

# ~0.1 s of the offline model's time per batch: the write lock is held only to store them.
BATCH = 256
# What a request may still embed before it ranks by meaning (a few ms): the memories written
# since the last batch, so one just remembered is found by meaning at once.
REQUEST_CATCH_UP = 32
# With nothing to do, look again this often (another process may have written memories).
IDLE_S = 5.0
# After a failure (the endpoint down, the database locked), wait this long.
RETRY_S = 30.0

log = logging.getLogger("agentsess.recall")


class BackgroundIndexer:
    def __init__(self, store: SessionStore, *, batch: int = BATCH, idle_s: float = IDLE_S) -> None:
        self.store = store
        self.batch = batch
        self.idle_s = idle_s
        self.indexed = 0
        # Set whenever no memory is waiting for a vector (a test, or a caller, may wait on it).
        self.caught_up = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self) -> bool:
        """One batch; True when there may be more to do."""
        made = self.store.index_memories(self.batch)
        self.indexed += made
        return made >= self.batch

    def start(self) -> None:
        self.store.recall_catch_up = REQUEST_CATCH_UP
        self._thread = threading.Thread(target=self._run, name="recall-indexer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        backlog = False
        while not self._stop.is_set():
            try:
                more = self.step()
            except AgentsessError as exc:
                log.warning("recall index: %s (retrying in %.0f s)", exc.message, RETRY_S)
                self._stop.wait(RETRY_S)
                continue
            if more and not backlog:
                waiting = self.store.unindexed_memories()
                log.info("recall index: %d memories without a vector; indexing them", waiting)
            elif not more and backlog:
                log.info("recall index: up to date (%d memories indexed)", self.indexed)
            backlog = more
            if more:
                self.caught_up.clear()
                continue  # the next batch at once: requests take turns between batches
            self.caught_up.set()
            self._stop.wait(self.idle_s)
