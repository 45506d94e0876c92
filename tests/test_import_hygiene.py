"""Import hygiene: the headless layers never pull in the UI, and the layers import downwards.

Every module of `core/` and `agents/` is imported alone in a fresh interpreter (what a module
imports is only visible from outside, and one module's imports must not hide another's), and
the import contracts in pyproject.toml are checked with import-linter.
"""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fresh_python import run_python

import agentsess_tui.agents
import agentsess_tui.core

ROOT = Path(__file__).resolve().parent.parent
UI = ("textual", "rich")


def _modules(*packages: ModuleType) -> list[str]:
    names: list[str] = []
    for package in packages:
        name = package.__name__
        names.append(name)
        found = pkgutil.walk_packages(package.__path__, prefix=f"{name}.")
        names += [m.name for m in found]
    return sorted(names)


HEADLESS = _modules(agentsess_tui.core, agentsess_tui.agents)


def test_every_headless_module_is_listed() -> None:
    for expected in ("core.store", "core.repo.sweep", "core.transfer.import_", "agents.http"):
        assert f"agentsess_tui.{expected}" in HEADLESS


@pytest.mark.parametrize("module", HEADLESS)
def test_a_headless_module_imports_neither_textual_nor_rich(module: str) -> None:
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {UI!r})))\n"
    )
    assert run_python(code) == "", f"{module} pulls in the UI"


def test_the_store_imports_cheaply() -> None:
    """`Store` is what every client imports first: no pydantic, sqlite-utils, jwt or httpx."""
    code = (
        "import sys\n"
        "from agentsess_tui.core.store import Store\n"
        "heavy = ('pydantic', 'sqlite_utils', 'jwt', 'httpx', 'textual', 'rich')\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
    )
    assert run_python(code) == ""


def test_a_database_path_in_the_environment_needs_no_pydantic(tmp_path: Path) -> None:
    """`AGENTSESS_DB` (or `db` in the config file) is a string: no validator is imported or
    built for it; a setting that needs one still gets it."""
    code = (
        "import os, sys\n"
        f"os.environ.update(AGENTSESS_HOME={str(tmp_path)!r}, AGENTSESS_DB='/tmp/some.db')\n"
        "from agentsess_tui.core import load_settings\n"
        "settings = load_settings()\n"
        "print(settings.db, 'pydantic' in sys.modules)\n"
        "os.environ['AGENTSESS_BUSY_TIMEOUT_MS'] = '250'\n"
        "print(load_settings().busy_timeout_ms, 'pydantic' in sys.modules)\n"
    )
    assert run_python(code).splitlines() == ["/tmp/some.db False", "250 True"]


def _lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert tool is not None, "import-linter is a test dependency: pip install -e '.[test]'"
    return subprocess.run(
        [tool, "--no-cache", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_the_import_contracts_hold() -> None:
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_broken_contract_is_reported(tmp_path: Path) -> None:
    # The same tool on a contract the code does break (core uses sqlite3): it must say so.
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "agentsess_tui"\ninclude_external_packages = true\n'
        '[[tool.importlinter.contracts]]\nname = "no sqlite"\ntype = "forbidden"\n'
        'source_modules = ["agentsess_tui.core"]\nforbidden_modules = ["sqlite3"]\n'
    )
    result = _lint_imports("--config", str(config))
    assert result.returncode != 0
    assert "no sqlite BROKEN" in result.stdout
