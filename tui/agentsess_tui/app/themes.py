"""Themes are data: TOML files validated by a model and turned into `textual.theme.Theme`.

Bundled themes ship inside the package (`agentsess_tui/themes` in the wheel; the repository's
`themes/` in a checkout); users add their own as `*.toml` in `<config dir>/themes`. A file that
fails to load is reported (all failures in one notification) and skipped.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from textual.theme import Theme

DEFAULT_THEME = "agentsess-dark"


@dataclass
class ThemeSet:
    themes: dict[str, Theme] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def bundled_themes_dir() -> Path:
    package = Path(__file__).resolve().parent.parent
    installed = package / "themes"  # inside a wheel
    if installed.is_dir():
        return installed
    return package.parent.parent / "themes"  # a source checkout (editable install)


def load_theme_file(path: Path, *, trusted: bool = False) -> Theme:
    """One theme, or ValueError with a readable reason. Bundled (`trusted`) files skip the
    schema check, which the test suite runs on them, so start-up does not import pydantic."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    if trusted:
        return Theme(**data)
    from pydantic import ValidationError

    from .theme_file import ThemeFile

    try:
        return ThemeFile.model_validate(data).to_theme()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "file"
        raise ValueError(f"{path.name}: {where}: {error['msg']}") from None


def load_themes(user_dir: Path | None) -> ThemeSet:
    """Bundled themes, then the user's (which may replace a bundled one by name)."""
    found = ThemeSet()
    directories = [(bundled_themes_dir(), True)]
    if user_dir is not None and user_dir.is_dir():
        directories.append((user_dir, False))
    for directory, trusted in directories:
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = load_theme_file(path, trusted=trusted)
            except ValueError as exc:
                found.errors.append(str(exc))
                continue
            found.themes[theme.name] = theme
    return found
