"""Where files live and what the user configured.

Sources, lowest precedence first: built-in defaults, `config.toml` in the user config dir,
`AGENTSESS_*` environment variables. `AGENTSESS_HOME` moves every file (data, config, key) into
one directory, which is what tests and portable setups use.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InvalidInput
from .policy import POLICY_FIELDS, check_layer

APP_NAME = "agentsess"
DB_FILENAME = "agentsess.db"


@dataclass(frozen=True, slots=True)
class Paths:
    data_dir: Path
    config_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def default_db(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def key_file(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def themes_dir(self) -> Path:
        return self.config_dir / "themes"

    @property
    def state_file(self) -> Path:
        """Small UI state the app remembers between runs (the last theme)."""
        return self.data_dir / "ui-state.json"


def resolve_paths(env: Mapping[str, str] | None = None) -> Paths:
    env = os.environ if env is None else env
    home = env.get("AGENTSESS_HOME")
    if home:
        root = Path(home).expanduser()
        return Paths(data_dir=root, config_dir=root)
    import platformdirs

    return Paths(
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
    )


class ChatSettings(BaseModel):
    """Where chat replies come from."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["offline", "openai"] = "offline"
    """`offline`: the built-in memory agent. `openai`: any OpenAI-compatible server."""
    base_url: str = "http://127.0.0.1:11434/v1"
    """Base URL of the OpenAI-compatible API (Ollama's default here)."""
    model: str = ""
    """Model name the server knows, e.g. `llama3.2` or `gpt-4o-mini`."""
    api_key: str | None = None
    """Bearer key, if the server wants one (falls back to OPENAI_API_KEY)."""
    context_messages: int = Field(20, ge=0, le=500)
    """How many recent messages go into the context."""
    recall_limit: int = Field(5, ge=0, le=50)
    """How many recalled memories go into the context."""
    timeout_seconds: float = Field(60.0, gt=0, le=3600)
    """Give up on a reply that sends nothing for this long."""


class UISettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    theme: str | None = None
    """Theme name; the last one chosen in the app is remembered when this is not set."""


class Settings(BaseModel):
    """Everything configurable, after defaults, config file and environment are combined."""

    model_config = ConfigDict(extra="forbid")

    db: str | None = None
    """Database file; `--db` and `AGENTSESS_DB` override it."""
    busy_timeout_ms: int = Field(5000, ge=0, le=600_000)
    """How long a writer waits for another process's lock before giving up."""
    policy: dict[str, Any] = Field(default_factory=dict)
    """Policy defaults (window_minutes, auto_renew, …) for every session."""
    chat: ChatSettings = Field(default_factory=ChatSettings)
    ui: UISettings = Field(default_factory=UISettings)
    keymap: dict[str, str] = Field(default_factory=dict)
    """Binding id → keys, e.g. {"extend": "ctrl+e"}."""

    # Not configuration: where each policy value came from, for error messages.
    policy_layers: list[tuple[str, dict[str, Any]]] = Field(default_factory=list, exclude=True)


_ENV_CHAT = {
    "AGENTSESS_BACKEND": "backend",
    "AGENTSESS_BASE_URL": "base_url",
    "AGENTSESS_MODEL": "model",
    "AGENTSESS_API_KEY": "api_key",
}


def load_settings(paths: Paths | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read config.toml (if any) and the environment. Bad values are clear errors."""
    env = os.environ if env is None else env
    paths = paths or resolve_paths(env)
    raw: dict[str, Any] = {}
    config_file = paths.config_file
    if config_file.is_file():
        try:
            raw = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(
                f"Cannot read {config_file}: {exc}.", hint="Fix the TOML syntax or move the file."
            ) from None
    file_policy = raw.get("policy", {})
    if not isinstance(file_policy, dict):
        raise InvalidInput(f"[policy] in {config_file} must be a table.")
    layers: list[tuple[str, dict[str, Any]]] = []
    if file_policy:
        layers.append((str(config_file), check_layer(file_policy, str(config_file))))

    for name in POLICY_FIELDS:
        key = f"AGENTSESS_{name.upper()}"
        if env.get(key):
            layers.append((key, check_layer({name: env[key]}, key)))

    chat = dict(raw.get("chat", {}))
    for key, name in _ENV_CHAT.items():
        if env.get(key):
            chat[name] = env[key]
    ui = dict(raw.get("ui", {}))
    if env.get("AGENTSESS_THEME"):
        ui["theme"] = env["AGENTSESS_THEME"]
    values: dict[str, Any] = {
        key: value for key, value in raw.items() if key not in ("policy", "chat", "ui")
    }
    if env.get("AGENTSESS_DB"):
        values["db"] = env["AGENTSESS_DB"]
    if env.get("AGENTSESS_BUSY_TIMEOUT_MS"):
        values["busy_timeout_ms"] = env["AGENTSESS_BUSY_TIMEOUT_MS"]
    merged_policy: dict[str, Any] = {}
    for _, layer in layers:
        merged_policy.update(layer)
    try:
        return Settings(**values, policy=merged_policy, chat=chat, ui=ui, policy_layers=layers)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise InvalidInput(
            f"Setting {where!r} is not valid: {error['msg'].lower()}.",
            hint=f"Check {config_file} and the AGENTSESS_* environment variables.",
        ) from None


def database_path(
    settings: Settings, paths: Paths, override: str | os.PathLike[str] | None
) -> Path:
    """`--db` beats `AGENTSESS_DB` / config `db`, which beat the default in the data dir."""
    if override:
        return Path(override).expanduser()
    if settings.db:
        return Path(settings.db).expanduser()
    return paths.default_db
