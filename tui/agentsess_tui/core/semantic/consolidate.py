"""Consolidation: a new memory that says again what an active memory of the same agent says
supersedes it, and a session's end can leave a summary memory behind.

Near-duplicates. The new memory's vector is compared with the agent's active memories; the
most similar one at or above the threshold (RecallSettings.duplicate_similarity, 0.85 by
default: see bench/results/recall.md for the similarities of restatements and of distinct
memories on the evaluation set) is marked `superseded` and the new memory's `supersedes`
column points at it. Editing the old memory's status back to `active` undoes it.

Summaries. Offline, a session's summary is extractive: its memories (every one, they are
what the agent chose to keep), then the user's messages that say most, in order, within a
size budget. With a chat backend the caller asks the model and passes its text instead.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import vectors

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

SUMMARY_CHARS = 4000
MESSAGE_CHARS = 240


def near_duplicate(
    conn: sqlite3.Connection,
    model: int,
    vector: NDArray[np.float32],
    *,
    agent_id: str,
    exclude_id: int,
    threshold: float,
) -> tuple[int, float] | None:
    """The agent's most similar active memory at or above `threshold`, with its similarity."""
    if threshold >= 1.0:
        return None
    hits = vectors.search(
        conn,
        model,
        vector,
        where=["m.agent_id = :agent", "m.status = 'active'", "m.id != :exclude"],
        params={"agent": agent_id, "exclude": exclude_id},
        agent_id=agent_id,
        limit=1,
    )
    if hits and hits[0].similarity >= threshold:
        return hits[0].memory_id, hits[0].similarity
    return None


def supersede(conn: sqlite3.Connection, new_id: int, old_id: int, now: int) -> None:
    """Mark `old_id` superseded by `new_id` (inside the caller's write transaction)."""
    conn.execute(
        "UPDATE memories SET status = 'superseded', updated_at = ? WHERE id = ?", (now, old_id)
    )
    conn.execute("UPDATE memories SET supersedes = ? WHERE id = ?", (old_id, new_id))


def extractive_summary(
    title: str, memories: Sequence[str], messages: Sequence[tuple[str, str]]
) -> str:
    """A summary of a session from what it kept and what was said: the memories first, then
    the longest user and assistant messages in their order, cut to SUMMARY_CHARS."""
    lines = [f"Summary of the session {' '.join(title.split())!r}."]
    if memories:
        lines.append("Remembered:")
        lines.extend(f"- {_one_line(text, MESSAGE_CHARS)}" for text in memories)
    spoken = [(i, role, text) for i, (role, text) in enumerate(messages) if role != "system"]
    # The messages that say most (longest first), shown in the order they were said.
    chosen = sorted(sorted(spoken, key=lambda m: -len(m[2].split()))[:8])
    if chosen:
        lines.append("Said:")
        lines.extend(f"- {role}: {_one_line(text, MESSAGE_CHARS)}" for _, role, text in chosen)
    if not memories and not chosen:
        lines.append("Nothing was said or remembered in it.")
    text = "\n".join(lines)
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
