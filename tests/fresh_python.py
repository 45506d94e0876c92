"""Run a snippet in a fresh interpreter: what a module imports is only visible from outside."""

from __future__ import annotations

import subprocess
import sys


def run_python(code: str) -> str:
    """The snippet's standard output, stripped; a failing snippet fails the test."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()
