"""The glue between the store's memory operations and the semantic modules: what
`remember` and `search_memories` call, so their own edits stay a line or two each.

Everything here takes a connection, the recall settings and plain values (no store), and
falls back to keywords, never failing a write, when no embedder can run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, cast

from ..errors import BackendError, InvalidInput
from ..models import Memory, MemoryHit
from . import vectors
from .embedders import OfflineEmbedder, SemanticUnavailable, embedder_for

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..config import RecallSettings
    from .backfill import Backfilled
    from .hybrid import Mode

MODES = ("keyword", "semantic", "hybrid")
# How many memories a query may embed on the spot when they have no vector yet (a few
# hundred milliseconds at the offline model's rate); more wait for `memory reindex`. A
# server lowers its store's `recall_catch_up` and indexes in the background (background.py).
CATCH_UP = 2000


def embed_for_write(
    settings: RecallSettings, title: str, content: str, *, load: bool
) -> tuple[str, NDArray[np.float32]] | None:
    """(model name, vector) for a memory about to be written, or None: recall by meaning is
    off, the embedder fails, or (`load` False) the offline model is not loaded in this
    process yet (then the first semantic recall or `memory reindex` indexes the memory)."""
    embedder = embedder_for(settings)
    if embedder is None:
        return None
    if isinstance(embedder, OfflineEmbedder) and not (load or embedder.loaded):
        return None
    try:
        return embedder.name, embedder.embed([vectors.text_of(title, content)])[0]
    except BackendError:
        return None


def store_and_consolidate(
    conn: sqlite3.Connection,
    made: tuple[str, NDArray[np.float32]],
    memory_id: int,
    agent_id: str,
    settings: RecallSettings,
    now: int,
    consolidate: bool = True,
) -> int | None:
    """Store the new memory's vector; supersede the agent's near-duplicate if there is one
    (and `consolidate`). Returns the superseded memory's id."""
    from .consolidate import near_duplicate, supersede

    name, vector = made
    model = vectors.ensure_model(conn, name, int(vector.shape[0]))
    twin = near_duplicate(
        conn,
        model,
        vector,
        agent_id=agent_id,
        exclude_id=memory_id,
        threshold=settings.duplicate_similarity if consolidate else 1.0,
    )
    vectors.store(conn, model, [memory_id], vector.reshape(1, -1))
    if twin is None:
        return None
    supersede(conn, memory_id, twin[0], now)
    return twin[0]


def check_mode(mode: str) -> Mode:
    if mode not in MODES:
        raise InvalidInput(f"{mode!r} is not a recall mode; use one of {', '.join(MODES)}.")
    return cast("Mode", mode)


def recall(
    conn: sqlite3.Connection,
    settings: RecallSettings,
    query: str,
    *,
    mode: str,
    keyword: Callable[[int], list[MemoryHit]],
    load: Callable[[list[int]], dict[int, Memory]],
    write: Callable[[], AbstractContextManager[sqlite3.Connection]],
    where: Iterable[str],
    params: dict[str, Any],
    agent_id: str | None,
    limit: int,
    catch_up_budget: int,
) -> list[MemoryHit]:
    """`search_memories` by meaning (`semantic`) or both ways (`hybrid`).

    With no embedder, `semantic` is an error and `hybrid` is keyword search: a search box
    keeps working when the embeddings server is down.
    """
    from . import hybrid

    checked = check_mode(mode)
    if not query.strip() or limit <= 0:
        return []
    embedder = embedder_for(settings)
    try:
        if embedder is None:
            raise SemanticUnavailable(
                'Recall by meaning is off ([recall] embedder = "off").',
                hint="Use `--mode keyword`, or set the embedder in config.toml.",
            )
        return hybrid.recall(
            conn,
            embedder,
            query,
            mode=checked,
            keyword=keyword,
            load=load,
            write=write,
            where=where,
            params=params,
            agent_id=agent_id,
            limit=limit,
            catch_up_budget=catch_up_budget,
        )
    except BackendError:
        if checked == "semantic":
            raise
        return keyword(limit)


def unindexed(conn: sqlite3.Connection, settings: RecallSettings) -> int:
    """How many memories the configured model has no vector for (0 when recall is off)."""
    from .backfill import pending

    embedder = embedder_for(settings)
    return 0 if embedder is None else pending(conn, embedder.name)


def index_some(
    conn: sqlite3.Connection,
    settings: RecallSettings,
    write: Callable[[], AbstractContextManager[sqlite3.Connection]],
    limit: int,
) -> int:
    """Embed up to `limit` memories without a vector; how many it embedded (fewer than
    `limit`: none is left; 0 when recall by meaning is off). An embedder that fails is a
    `BackendError`."""
    from .hybrid import catch_up

    embedder = embedder_for(settings)
    if embedder is None or conn.execute("SELECT 1 FROM memories LIMIT 1").fetchone() is None:
        return 0
    # The dimension the model's vectors were stored at, when there are any: probing it would
    # load the model (numpy, ~35 MB) in a server with nothing to index.
    known = conn.execute(
        "SELECT dim FROM vector_models WHERE name = ? ORDER BY id DESC LIMIT 1", (embedder.name,)
    ).fetchone()
    dim = int(known[0]) if known else int(embedder.embed(["dimension probe"]).shape[1])
    return catch_up(conn, embedder, write, dim, budget=limit)


def reindex(
    conn: sqlite3.Connection,
    settings: RecallSettings,
    write: Callable[[], AbstractContextManager[sqlite3.Connection]],
    *,
    everything: bool,
    progress: Callable[[int], None] | None,
) -> Backfilled:
    from .backfill import reindex as run

    embedder = embedder_for(settings)
    if embedder is None:
        raise SemanticUnavailable(
            'Recall by meaning is off ([recall] embedder = "off"): nothing to index.',
            hint="Set [recall] embedder in config.toml first.",
        )
    return run(conn, embedder, write, everything=everything, progress=progress)
