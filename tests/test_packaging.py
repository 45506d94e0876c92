"""The wheel carries what the app needs at run time: the bundled themes and the stylesheet."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_themes_and_stylesheet(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("agentsess_tui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for theme in ("agentsess-dark", "agentsess-light", "agentsess-high-contrast"):
        assert f"agentsess_tui/themes/{theme}.toml" in names
    assert "agentsess_tui/app/app.tcss" in names
    entry_points = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith("entry_points.txt")))
        .decode()
    )
    assert "agentsess-tui = agentsess_tui.app.main:main" in entry_points
    assert "agentsess = agentsess_tui.cli:main" in entry_points
    # The version is written once, in the package, and the wheel's metadata reads it.
    from agentsess_tui import __version__

    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
    assert f"Version: {__version__}\n" in metadata.decode()
