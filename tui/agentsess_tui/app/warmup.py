"""What the first streamed reply needs, imported on a thread once the app has settled.

Textual's Markdown widget and markdown-it take ~90 ms to import. Imported when the first
reply's row is composed, that was the longest stall of the loop while a reply streamed
(bench/tui.py, the `large_stream_*` rows). A thread shares the GIL in slices of a few
milliseconds instead, so the loop goes on answering keys meanwhile.
"""

from __future__ import annotations

import contextlib
import importlib
import threading

MODULES = (
    "textual.widgets._markdown",
    # The policy model (pydantic, ~150 ms): the new-session dialog shows its defaults.
    "agentsess_tui.core.policy",
)
# After the first full listing is on screen: start-up's own work is done by then.
WARM_UP_AFTER = 0.5


def warm_up() -> threading.Thread:
    """Import MODULES on a new thread (not a daemon: an exit waits for an import under way)."""
    thread = threading.Thread(target=_import_all, name="agentsess-warm-up")
    thread.start()
    return thread


def _import_all() -> None:
    for name in MODULES:
        with contextlib.suppress(ImportError):  # the first use imports it again, and says why
            importlib.import_module(name)
