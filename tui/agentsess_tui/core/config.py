"""Where files live and what the user configured.

Sources, lowest precedence first: built-in defaults, `config.toml` in the user config dir,
`AGENTSESS_*` environment variables. `AGENTSESS_HOME` moves every file (data, config, key) into
one directory, which is what tests and portable setups use.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from annotated_types import Ge, Gt, Le

from .errors import InvalidInput
from .policy_fields import POLICY_FIELDS

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


# The settings are plain dataclasses, validated by pydantic (a TypeAdapter with the
# annotated constraints) only when a config file or the environment sets something: with
# nothing configured, start-up never imports pydantic (tens of milliseconds).


@dataclass(frozen=True)
class ChatSettings:
    """Where chat replies come from."""

    __pydantic_config__ = {"extra": "forbid"}

    backend: Literal["offline", "openai"] = "offline"
    """`offline`: the built-in memory agent. `openai`: any OpenAI-compatible server."""
    base_url: str = "http://127.0.0.1:11434/v1"
    """Base URL of the OpenAI-compatible API (Ollama's default here)."""
    model: str = ""
    """Model name the server knows, e.g. `llama3.2` or `gpt-4o-mini`."""
    api_key: str | None = field(default=None, repr=False)
    """Bearer key, if the server wants one (falls back to OPENAI_API_KEY)."""
    context_messages: Annotated[int, Ge(0), Le(500)] = 20
    """How many recent messages go into the context."""
    recall_limit: Annotated[int, Ge(0), Le(50)] = 5
    """How many recalled memories go into the context."""
    timeout_seconds: Annotated[float, Gt(0), Le(3600)] = 60.0
    """Give up on a reply that sends nothing for this long."""


@dataclass(frozen=True)
class RecallSettings:
    """How memories are found by meaning (core/semantic)."""

    __pydantic_config__ = {"extra": "forbid"}

    embedder: Literal["offline", "openai", "off"] = "offline"
    """`offline`: the model shipped in the wordllama package (no network). `openai`: an
    OpenAI-compatible `/v1/embeddings` endpoint. `off`: keywords only."""
    base_url: str = "http://127.0.0.1:11434/v1"
    """Base URL of the embeddings endpoint (Ollama's default here)."""
    model: str = ""
    """Embedding model the endpoint knows, e.g. `nomic-embed-text`."""
    api_key: str | None = field(default=None, repr=False)
    """Bearer key, if the endpoint wants one."""
    timeout_seconds: Annotated[float, Gt(0), Le(3600)] = 30.0
    """Give up on an embeddings request after this long."""
    duplicate_similarity: Annotated[float, Ge(0), Le(1)] = 0.85
    """Remembering something this similar to an active memory of the same agent supersedes
    it (1 turns consolidation off)."""


@dataclass(frozen=True)
class UISettings:
    __pydantic_config__ = {"extra": "forbid"}

    theme: str | None = None
    """Theme name; the last one chosen in the app is remembered when this is not set."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, after defaults, config file and environment are combined."""

    __pydantic_config__ = {"extra": "forbid"}

    db: str | None = None
    """Database file; `--db` and `AGENTSESS_DB` override it."""
    busy_timeout_ms: Annotated[int, Ge(0), Le(600_000)] = 5000
    """How long a writer waits for another process's lock before giving up."""
    policy: dict[str, Any] = field(default_factory=dict)
    """Policy defaults (window_minutes, auto_renew, …) for every session."""
    chat: ChatSettings = field(default_factory=ChatSettings)
    ui: UISettings = field(default_factory=UISettings)
    recall: RecallSettings = field(default_factory=RecallSettings)
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id → keys, e.g. {"extend": "ctrl+e"}."""
    policy_layers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """Not configuration: where each policy value came from, for error messages."""


_ENV_CHAT = {
    "AGENTSESS_BACKEND": "backend",
    "AGENTSESS_BASE_URL": "base_url",
    "AGENTSESS_MODEL": "model",
    "AGENTSESS_API_KEY": "api_key",
}


_ENV_RECALL = {
    "AGENTSESS_EMBEDDER": "embedder",
    "AGENTSESS_EMBEDDING_URL": "base_url",
    "AGENTSESS_EMBEDDING_MODEL": "model",
    "AGENTSESS_EMBEDDING_API_KEY": "api_key",
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
    env_policy = {
        name: env[key] for name in POLICY_FIELDS if env.get(key := f"AGENTSESS_{name.upper()}")
    }
    layers: list[tuple[str, dict[str, Any]]] = []
    if file_policy or env_policy:
        from .policy import check_layer

        if file_policy:
            layers.append((str(config_file), check_layer(file_policy, str(config_file))))
        for name, value in env_policy.items():
            key = f"AGENTSESS_{name.upper()}"
            layers.append((key, check_layer({name: value}, key)))

    chat = dict(raw.get("chat", {}))
    for key, name in _ENV_CHAT.items():
        if env.get(key):
            chat[name] = env[key]
    ui = dict(raw.get("ui", {}))
    recall = dict(raw.get("recall", {}))
    for key, name in _ENV_RECALL.items():
        if env.get(key):
            recall[name] = env[key]
    if env.get("AGENTSESS_THEME"):
        ui["theme"] = env["AGENTSESS_THEME"]
    values: dict[str, Any] = {
        key: value for key, value in raw.items() if key not in ("policy", "chat", "ui", "recall")
    }
    if env.get("AGENTSESS_DB"):
        values["db"] = env["AGENTSESS_DB"]
    if env.get("AGENTSESS_BUSY_TIMEOUT_MS"):
        values["busy_timeout_ms"] = env["AGENTSESS_BUSY_TIMEOUT_MS"]
    if not (values or chat or ui or recall or layers):
        return Settings()
    merged_policy: dict[str, Any] = {}
    for _, layer in layers:
        merged_policy.update(layer)
    values.update(chat=chat, ui=ui, recall=recall, policy=merged_policy)
    settings = _validated(values, config_file)
    return replace(settings, policy_layers=layers)


def _validated(values: dict[str, Any], config_file: Path) -> Settings:
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(Settings).validate_python(values)
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
