"""Writes never merge the full-text indexes (automerge off, schema.m007); a long-running
process merges them in bounded steps, and search finds the same rows either way."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.schema import TEXT_INDEXES


def test_automerge_is_off_on_every_text_index(store: Store, db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    for table in TEXT_INDEXES:
        (value,) = conn.execute(f"SELECT v FROM {table}_config WHERE k = 'automerge'").fetchone()  # noqa: S608
        assert value == 0, table
    conn.close()


def test_merge_steps_do_the_work_writes_left_and_search_agrees(
    store: Store, db_path: Path, clock: ManualClock
) -> None:
    store.ensure_agent("bot")
    session = store.create_session("bot").session
    # One transaction each: a new segment per index each time; FTS5 itself merges only when
    # 16 pile up on a level, so 60 writes leave 12 on level 0 for the steps.
    for index in range(60):
        store.remember(f"memory {index} about the garden shed", agent_id="bot")
        store.add_message(session.id, f"message {index} about the garden shed", "user")
    before = {h.memory.id for h in store.search_memories("garden shed", limit=100)}
    said = {h.message.id for h in store.search_messages("garden shed", limit=100)}
    assert len(before) == 60 and len(said) == 60

    steps = 0
    while store.merge_text_indexes(pages=8):
        steps += 1
        assert steps < 200, "merging never finished"
    assert steps >= 1  # segments had piled up: there was work
    assert store.merge_text_indexes() is False  # nothing left to do

    assert {h.memory.id for h in store.search_memories("garden shed", limit=100)} == before
    assert {h.message.id for h in store.search_messages("garden shed", limit=100)} == said
    conn = sqlite3.connect(db_path)
    for table in ("messages_fts", "memories_fts"):
        conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")  # noqa: S608
    conn.close()
