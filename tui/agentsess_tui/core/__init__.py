"""The headless core: models, policy, clock, store, tokens, memories, events, import/export.

Never imports textual or rich (a test proves it), so agents and scripts can use it directly::

    from agentsess_tui.core import open_store
    store = open_store()
    activation = store.create_session("research-bot", "Literature review")
    store.add_message(activation.session.id, "Find papers on X", role="user")
"""

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
from .policy import Policy
from .store import Store, open_store

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
