"""The headless core: models, policy, clock, store, tokens, memories, events, import/export.

Never imports textual or rich (a test proves it), so agents and scripts can use it directly::

    from agentsess_tui.core import open_store
    store = open_store()
    activation = store.create_session("research-bot", "Literature review")
    store.add_message(activation.session.id, "Find papers on X", role="user")

The names below are loaded on first use: importing one light module (`core.errors`,
`core.clock`) does not pull in pydantic and the whole store, which keeps start-up fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr

if TYPE_CHECKING:
    from .clock import Clock, ManualClock, SystemClock
    from .config import Paths, Settings, load_settings, resolve_paths
    from .errors import (
        AgentMismatch,
        AgentsessError,
        AlreadyExists,
        BackendError,
        CannotExtend,
        DatabaseLocked,
        InvalidInput,
        InvalidPolicy,
        NotFound,
        SessionEnded,
        SessionExpired,
        StorageError,
        TokenInvalid,
        TokenRevoked,
    )
    from .models import (
        Activation,
        Agent,
        EndSummary,
        Event,
        ExtendResult,
        Memory,
        MemoryHit,
        Message,
        MessageHit,
        Phase,
        Session,
        State,
        SweepResult,
    )
    from .opening import open_store
    from .policy import Policy
    from .store import Store

# Public name -> the module that defines it.
_SOURCES = {
    "clock": ("Clock", "ManualClock", "SystemClock"),
    "config": ("Paths", "Settings", "load_settings", "resolve_paths"),
    "errors": (
        "AgentMismatch",
        "AgentsessError",
        "AlreadyExists",
        "BackendError",
        "CannotExtend",
        "DatabaseLocked",
        "InvalidInput",
        "InvalidPolicy",
        "NotFound",
        "SessionEnded",
        "SessionExpired",
        "StorageError",
        "TokenInvalid",
        "TokenRevoked",
    ),
    "models": (
        "Activation",
        "Agent",
        "EndSummary",
        "Event",
        "ExtendResult",
        "Memory",
        "MemoryHit",
        "Message",
        "MessageHit",
        "Phase",
        "Session",
        "State",
        "SweepResult",
    ),
    "policy": ("Policy",),
    "opening": ("open_store",),
    "store": ("Store",),
}
__getattr__ = lazy_getattr(__name__, _SOURCES, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Activation",
    "Agent",
    "AgentMismatch",
    "AgentsessError",
    "AlreadyExists",
    "BackendError",
    "CannotExtend",
    "Clock",
    "DatabaseLocked",
    "EndSummary",
    "Event",
    "ExtendResult",
    "InvalidInput",
    "InvalidPolicy",
    "ManualClock",
    "Memory",
    "MemoryHit",
    "Message",
    "MessageHit",
    "NotFound",
    "Paths",
    "Phase",
    "Policy",
    "SessionEnded",
    "SessionExpired",
    "Session",
    "Settings",
    "State",
    "StorageError",
    "Store",
    "SweepResult",
    "SystemClock",
    "TokenInvalid",
    "TokenRevoked",
    "load_settings",
    "open_store",
    "resolve_paths",
]
