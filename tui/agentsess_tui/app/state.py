"""Small UI state remembered between runs (the last theme), in the data dir."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from agentsess_tui.core.errors import AgentsessError
from agentsess_tui.core.files import write_private


def load_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(path: Path, **changes: Any) -> None:
    """Merge `changes` into the state file; failures are ignored (it is only a preference)."""
    state = load_state(path)
    state.update(changes)
    with contextlib.suppress(OSError, AgentsessError):
        write_private(path, json.dumps(state))
