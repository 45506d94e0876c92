"""What responses carry: the core's dictionaries, plus what HTTP clients ask for."""

from __future__ import annotations

from typing import Any, Literal

from ..core.models import Activation, EndSummary, ExtendResult, Memory, MemoryHit, Session

# The recall modes of Store.search_memories, as the routes and the MCP tool accept them.
RecallMode = Literal["keyword", "semantic", "hybrid"]


def session_view(session: Session, now: int) -> dict[str, Any]:
    return session.to_dict(now)


def activation_view(activation: Activation, now: int) -> dict[str, Any]:
    return {
        "session": session_view(activation.session, now),
        "session_id": activation.session.id,
        "session_token": activation.token,
        "superseded": list(activation.superseded),
    }


def extend_view(result: ExtendResult, now: int) -> dict[str, Any]:
    return {
        "session": session_view(result.session, now),
        "requested_minutes": result.requested_minutes,
        "added_minutes": result.added_minutes,
        "capped": result.capped,
    }


def summary_view(summary: EndSummary, now: int) -> dict[str, Any]:
    return {
        "session": session_view(summary.session, now),
        "duration_seconds": summary.duration_ms // 1000,
        "messages": summary.messages,
        "memories": summary.memories,
    }


def memory_view(memory: Memory) -> dict[str, Any]:
    return memory.to_dict()


def hit_view(hit: MemoryHit) -> dict[str, Any]:
    return {
        **hit.memory.to_dict(),
        "score": hit.score,
        "snippet": hit.snippet,
        "why": hit.why,
        "similarity": hit.similarity,
    }
