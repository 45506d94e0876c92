"""A long-running process indexes memories without a vector in batches, off the request path:
with `recall_catch_up` 0 a recall embeds only its query."""

from __future__ import annotations

from pathlib import Path

from fresh_python import run_python

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.config import RecallSettings, Settings
from agentsess_tui.core.semantic.background import REQUEST_CATCH_UP, BackgroundIndexer

WORDS = ["tea", "coffee", "port", "vegetarian", "deploy", "invoice", "garden", "cache"]


def unvectored(db_path: Path, clock: ManualClock, count: int) -> None:
    """Memories written by a process with recall by meaning off: no vectors."""
    writer = Store(db_path, clock=clock, settings=Settings(recall=RecallSettings(embedder="off")))
    writer.ensure_agent("bot")
    for index in range(count):
        writer.remember(f"note {index} about {WORDS[index % len(WORDS)]}", agent_id="bot")
    writer.close()


def test_steps_index_a_batch_at_a_time_until_none_is_left(
    db_path: Path, clock: ManualClock
) -> None:
    unvectored(db_path, clock, 120)
    store = Store(db_path, clock=clock)
    assert store.unindexed_memories() == 120
    indexer = BackgroundIndexer(store, batch=50)
    assert [indexer.step(), indexer.step(), indexer.step()] == [True, True, False]
    assert indexer.indexed == 120 and store.unindexed_memories() == 0
    assert indexer.step() is False and indexer.indexed == 120


def test_without_catch_up_a_recall_embeds_only_its_query(db_path: Path, clock: ManualClock) -> None:
    unvectored(db_path, clock, 40)
    store = Store(db_path, clock=clock)
    store.recall_catch_up = 0
    hits = store.search_memories("tea", agent_id="bot", mode="hybrid", limit=50)
    # Keyword search still finds them all; nothing was indexed on the way.
    assert {h.memory.content for h in hits} == {f"note {i} about tea" for i in range(0, 40, 8)}
    assert all(h.why == "keyword" for h in hits)
    assert store.unindexed_memories() == 40
    assert store.search_memories("hot drink", agent_id="bot", mode="semantic") == []
    # The default (a one-shot command): the first recall by meaning indexes them.
    store.recall_catch_up = 2000
    assert store.search_memories("hot drink", agent_id="bot", mode="semantic")
    assert store.unindexed_memories() == 0


def test_the_thread_indexes_and_says_when_it_is_caught_up(
    db_path: Path, clock: ManualClock
) -> None:
    unvectored(db_path, clock, 300)
    store = Store(db_path, clock=clock)
    indexer = BackgroundIndexer(store, batch=64)
    indexer.start()
    try:
        assert store.recall_catch_up == REQUEST_CATCH_UP
        assert indexer.caught_up.wait(60), "the indexer never caught up"
        assert store.unindexed_memories() == 0 and indexer.indexed == 300
    finally:
        indexer.stop()


def test_nothing_to_index_loads_no_model(db_path: Path, clock: ManualClock) -> None:
    """A server whose memories all have vectors (or that has none) starts its indexer without
    loading numpy or the model: the vectors' dimension is read from the database."""
    store = Store(db_path, clock=clock)
    store.ensure_agent("bot")
    store.remember("the build cache lives on disk", agent_id="bot", embed=True)
    assert store.unindexed_memories() == 0
    store.close()
    code = (
        "import sys\n"
        "from agentsess_tui.core import Store\n"
        f"store = Store({str(db_path)!r})\n"
        "print(store.index_memories(256), 'numpy' in sys.modules)\n"
    )
    assert run_python(code) == "0 False"
    empty = db_path.with_name("empty.db")
    Store(empty, clock=clock).close()  # created here: creating a database imports more
    code = code.replace(repr(str(db_path)), repr(str(empty)))
    assert run_python(code) == "0 False"
