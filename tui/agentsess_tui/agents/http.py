"""httpx, without its command-line tool.

`import httpx` also imports `httpx._main` (click, pygments and rich: ~90 ms, and rich in a
layer that must never import it) whenever those happen to be installed, only to offer
`httpx.main`. The agents never run httpx's CLI: import httpx with that one module blocked.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import cast

__all__ = ["httpx"]

_modules = cast("dict[str, ModuleType | None]", sys.modules)
# None in sys.modules makes httpx's `from ._main import main` an ImportError, which it expects
# (it then defines a stub `main`); unblocked right after, so nothing else is affected.
_blocked = "httpx" not in _modules and "httpx._main" not in _modules
if _blocked:
    _modules["httpx._main"] = None
try:
    import httpx
finally:
    if _blocked and "httpx._main" in _modules and _modules["httpx._main"] is None:
        del _modules["httpx._main"]
