"""Snapshot tests: each scene of `make screenshots`, on demo data with a frozen clock.

Update after an intended visual change with `pytest tests/app --snapshot-update` and look at
the report before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from agentsess_tui.app.screenshots import SCENES, Scene, build_app, prepare


@pytest.mark.parametrize("scene", SCENES, ids=[scene.name for scene in SCENES])
def test_scene(scene: Scene, home: Path, snap_compare: Callable[..., bool]) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await prepare(pilot, scene)

    assert snap_compare(build_app(scene, home), terminal_size=scene.size, run_before=run_before)
