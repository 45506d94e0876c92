"""Indexing memories that have no vector of the current model: after an upgrade, after a
model change, or for memories written while the model was not loaded.

Batches of `BATCH` memories, each embedded outside the lock and written in its own short
transaction, so agents keep writing while a million memories are indexed; a batch written
meanwhile by another process is skipped, not duplicated.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from . import vectors
from .embedders import Embedder

BATCH = 2000


@dataclass(frozen=True, slots=True)
class Backfilled:
    indexed: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.indexed / self.seconds if self.seconds > 0 else 0.0


def pending(conn: sqlite3.Connection, model_name: str) -> int:
    """Memories without a vector of `model_name` (at any dimension it was stored at)."""
    row = conn.execute(
        "SELECT id FROM vector_models WHERE name = ? ORDER BY id DESC LIMIT 1", (model_name,)
    ).fetchone()
    return vectors.count_unindexed(conn, None if row is None else int(row[0]))


def reindex(
    conn: sqlite3.Connection,
    embedder: Embedder,
    write: Callable[[], AbstractContextManager[sqlite3.Connection]],
    *,
    everything: bool = False,
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
) -> Backfilled:
    """Give every memory a vector of `embedder`'s model (`everything`: make them all anew).
    `progress(n)` hears each batch's size."""
    started = time.perf_counter()
    dim = int(embedder.embed(["dimension probe"]).shape[1])
    with write() as wconn:
        model = vectors.ensure_model(wconn, embedder.name, dim)
    done = 0
    after = 0
    while True:
        if everything:
            rows = conn.execute(
                "SELECT id, title, content FROM memories WHERE id > ? ORDER BY id LIMIT ?",
                (after, batch),
            ).fetchall()
            todo = [(int(r[0]), vectors.text_of(r[1], r[2])) for r in rows]
        else:
            todo = vectors.unindexed(conn, model, after_id=after, limit=batch)
        if not todo:
            break
        made = embedder.embed([text for _, text in todo])
        with write() as wconn:
            vectors.store(wconn, model, [memory_id for memory_id, _ in todo], made)
        after = todo[-1][0]
        done += len(todo)
        if progress is not None:
            progress(len(todo))
    return Backfilled(done, time.perf_counter() - started)
