"""Themes are data: TOML files validated by a model and turned into `textual.theme.Theme`.

Bundled themes ship inside the package (`agentsess_tui/themes` in the wheel; the repository's
`themes/` in a checkout); users add their own as `*.toml` in `<config dir>/themes`. A file that
fails to load is reported (all failures in one notification) and skipped.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "agentsess-dark"


class ThemeFile(BaseModel):
    """What a theme file may contain; colours are anything Textual can parse."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    success: str | None = None
    warning: str | None = None
    error: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator(
        "primary",
        "secondary",
        "accent",
        "foreground",
        "background",
        "surface",
        "panel",
        "boost",
        "success",
        "warning",
        "error",
    )
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Color.parse(value)
            except ColorParseError:
                raise ValueError(f"{value!r} is not a colour") from None
        return value

    def to_theme(self) -> Theme:
        return Theme(**self.model_dump())


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


def load_theme_file(path: Path) -> Theme:
    """One theme, or ValueError with a readable reason."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    try:
        return ThemeFile.model_validate(data).to_theme()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "file"
        raise ValueError(f"{path.name}: {where}: {error['msg']}") from None


def load_themes(user_dir: Path | None) -> ThemeSet:
    """Bundled themes, then the user's (which may replace a bundled one by name)."""
    found = ThemeSet()
    directories = [bundled_themes_dir()]
    if user_dir is not None and user_dir.is_dir():
        directories.append(user_dir)
    for directory in directories:
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ValueError as exc:
                found.errors.append(str(exc))
                continue
            found.themes[theme.name] = theme
    return found
