"""Issue 9: every setting reachable from the environment by its field path; the older short
names still work as aliases; nothing configured keeps pydantic off the start-up path."""

from __future__ import annotations

from pathlib import Path

import pytest
from fresh_python import run_python

from agentsess_tui.core import InvalidInput, load_settings, resolve_paths


def settings(env: dict[str, str], home: Path):  # type: ignore[no-untyped-def]
    return load_settings(resolve_paths({"AGENTSESS_HOME": str(home)}), {**env})


def test_field_paths_reach_every_section(home: Path) -> None:
    loaded = settings(
        {
            "AGENTSESS_CHAT__MODEL": "llama3.2",
            "AGENTSESS_CHAT__BACKEND": "openai",
            "AGENTSESS_CHAT__CONTEXT_MESSAGES": "7",
            "AGENTSESS_CHAT__TIMEOUT_SECONDS": "2.5",
            "AGENTSESS_CHAT__ALLOWED_BASE_URLS": "http://a:1/v1, http://b:2/v1",
            "AGENTSESS_UI__THEME": "agentsess-light",
            "AGENTSESS_POLICY__WINDOW_MINUTES": "90",
            "AGENTSESS_KEYMAP__EXTEND": "ctrl+e",
            "AGENTSESS_BUSY_TIMEOUT_MS": "100",
        },
        home,
    )
    chat = loaded.chat
    assert (chat.model, chat.backend, chat.context_messages, chat.timeout_seconds) == (
        "llama3.2",
        "openai",
        7,
        2.5,
    )
    assert chat.allowed_base_urls == ("http://a:1/v1", "http://b:2/v1")
    assert loaded.ui.theme == "agentsess-light"
    assert loaded.policy == {"window_minutes": 90}
    assert loaded.keymap == {"extend": "ctrl+e"}
    assert loaded.busy_timeout_ms == 100


def test_old_names_are_aliases_and_the_path_name_wins(home: Path) -> None:
    old = settings(
        {"AGENTSESS_MODEL": "a", "AGENTSESS_THEME": "t", "AGENTSESS_WINDOW_MINUTES": "60"}, home
    )
    assert (old.chat.model, old.ui.theme, old.policy) == ("a", "t", {"window_minutes": 60})
    both = settings(
        {
            "AGENTSESS_MODEL": "old",
            "AGENTSESS_CHAT__MODEL": "new",
            "AGENTSESS_WINDOW_MINUTES": "60",
            "AGENTSESS_POLICY__WINDOW_MINUTES": "120",
        },
        home,
    )
    assert both.chat.model == "new"
    assert both.policy == {"window_minutes": 120}


def test_bad_names_and_values_are_clear_errors(home: Path) -> None:
    with pytest.raises(InvalidInput, match="AGENTSESS_CHAT__MODLE is not a setting"):
        settings({"AGENTSESS_CHAT__MODLE": "x"}, home)
    with pytest.raises(InvalidInput, match="not a setting"):
        settings({"AGENTSESS_NOPE__X": "x"}, home)
    with pytest.raises(InvalidInput, match="context_messages"):
        settings({"AGENTSESS_CHAT__CONTEXT_MESSAGES": "9999"}, home)
    with pytest.raises(InvalidInput, match="AGENTSESS_POLICY__WINDOW_MINUTES"):
        settings({"AGENTSESS_POLICY__WINDOW_MINUTES": "1"}, home)


def test_nothing_configured_keeps_pydantic_unloaded(home: Path) -> None:
    code = (
        "import os, sys\n"
        f"os.environ['AGENTSESS_HOME'] = {str(home)!r}\n"
        "os.environ['AGENTSESS_HOME_UNUSED__X'] = ''\n"
        "from agentsess_tui.core.config import load_settings\n"
        "load_settings()\n"
        "print('pydantic' in sys.modules)\n"
    )
    assert run_python(code) == "False"
