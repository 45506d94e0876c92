"""The core never imports the UI: agents and scripts use it without textual or rich."""

from __future__ import annotations

from fresh_python import run_python


def test_core_imports_without_textual_or_rich() -> None:
    code = (
        "import sys\n"
        "import agentsess_tui.core, agentsess_tui.core.transfer\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(loaded))\n"
    )
    output = run_python(code)
    assert output == "", f"core pulled in: {output}"
