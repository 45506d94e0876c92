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
from typing import TYPE_CHECKING, Annotated, Any, Literal

if TYPE_CHECKING:
    # Bound at run time by `_validated`: importing annotated_types pulls in typing_extensions
    # (~10-25 ms), the largest single cost of `agentsess sessions ls` otherwise.
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
    def exports_dir(self) -> Path:
        """Where `/export` writes unless `[ui] exports_dir` says otherwise."""
        return self.data_dir / "exports"

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


# The settings are plain dataclasses, validated by pydantic (a TypeAdapter per field given,
# with the annotated constraints) only when a config file or the environment sets something
# other than the database path: otherwise start-up never imports pydantic (~100 ms here).


@dataclass(frozen=True)
class ChatSettings:
    """Where chat replies come from."""

    __pydantic_config__ = {"extra": "forbid"}

    def allows_model(self, model: str) -> bool:
        """May a session's replies use `model` (see `allowed_models`)?"""
        if not self.model and not self.allowed_models:
            return True  # nothing configured: the session's pick is the only model there is
        return model == self.model or model in self.allowed_models or "*" in self.allowed_models

    backend: Literal["offline", "openai"] = "offline"
    """`offline`: the built-in memory agent. `openai`: any OpenAI-compatible server."""
    base_url: str = "http://127.0.0.1:11434/v1"
    """Base URL of the OpenAI-compatible API (Ollama's default here)."""
    allowed_base_urls: tuple[str, ...] = ()
    """Other hosts a session may send its replies to (the API key goes there too)."""
    model: str = ""
    """Model name the server knows, e.g. `llama3.2` or `gpt-4o-mini`."""
    allowed_models: tuple[str, ...] = ()
    """Other models a session may pick (`/model`, or its metadata, which any agent can
    write): by default only `model`, so a session cannot run an arbitrary (say, costlier)
    model on your key; `["*"]` allows any. With no `model` set, a session's pick is used."""
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
    exports_dir: str | None = None
    """Where /export writes (default: `exports` in the data dir); `~` is expanded."""
    bell: bool = False
    """Ring the terminal bell when a session enters its warning period or expires, so that
    someone in another tmux window or tab notices."""


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


# Every field is reachable from the environment by its path: AGENTSESS_<SECTION>__<FIELD>
# (AGENTSESS_CHAT__MODEL, AGENTSESS_UI__THEME, AGENTSESS_POLICY__WINDOW_MINUTES,
# AGENTSESS_KEYMAP__EXTEND) and AGENTSESS_<FIELD> for top-level ones (AGENTSESS_DB). The
# older short names stay as documented aliases; the path name wins when both are set.
ENV_PREFIX = "AGENTSESS_"
_ENV_ALIASES = {
    "AGENTSESS_BACKEND": ("chat", "backend"),
    "AGENTSESS_BASE_URL": ("chat", "base_url"),
    "AGENTSESS_MODEL": ("chat", "model"),
    "AGENTSESS_API_KEY": ("chat", "api_key"),
    "AGENTSESS_THEME": ("ui", "theme"),
    "AGENTSESS_EMBEDDER": ("recall", "embedder"),
    "AGENTSESS_EMBEDDING_URL": ("recall", "base_url"),
    "AGENTSESS_EMBEDDING_MODEL": ("recall", "model"),
    "AGENTSESS_EMBEDDING_API_KEY": ("recall", "api_key"),
    **{f"AGENTSESS_{name.upper()}": ("policy", name) for name in POLICY_FIELDS},
}
_TOP_LEVEL = {"AGENTSESS_DB": "db", "AGENTSESS_BUSY_TIMEOUT_MS": "busy_timeout_ms"}
# Tuple fields take a comma-separated list from the environment.
_LIST_FIELDS = {("chat", "allowed_base_urls"), ("chat", "allowed_models")}


def _section_fields(section: str) -> set[str] | None:
    from dataclasses import fields

    if section == "chat":
        return {f.name for f in fields(ChatSettings)}
    if section == "ui":
        return {f.name for f in fields(UISettings)}
    if section == "recall":
        return {f.name for f in fields(RecallSettings)}
    if section == "policy":
        return set(POLICY_FIELDS)
    return None


def env_settings(env: Mapping[str, str]) -> dict[str, dict[str, tuple[str, Any]]]:
    """The environment's settings by section ("" for top level): field → (variable, value).

    Aliases first, then path names, so a path name overrides its alias. Unknown
    `AGENTSESS_<SECTION>__<FIELD>` names are errors: a typo must not be silently ignored.
    """
    found: dict[str, dict[str, tuple[str, Any]]] = {}
    paths: list[tuple[str, str]] = []
    for key, value in env.items():
        if not value or not key.startswith(ENV_PREFIX):
            continue
        if key in _ENV_ALIASES:
            section, name = _ENV_ALIASES[key]
            found.setdefault(section, {})[name] = (key, value)
        elif key in _TOP_LEVEL:
            found.setdefault("", {})[_TOP_LEVEL[key]] = (key, value)
        elif "__" in key:
            paths.append((key, value))
    for key, value in sorted(paths):
        section, _, name = key[len(ENV_PREFIX) :].lower().partition("__")
        if section == "keymap":
            found.setdefault("keymap", {})[name] = (key, value)
            continue
        known = _section_fields(section)
        if known is None or name not in known:
            raise InvalidInput(
                f"{key} is not a setting.",
                hint="Use AGENTSESS_CHAT__<FIELD>, AGENTSESS_UI__<FIELD>, "
                "AGENTSESS_RECALL__<FIELD>, AGENTSESS_POLICY__<FIELD> or "
                "AGENTSESS_KEYMAP__<BINDING> with a field of config.toml "
                "(e.g. AGENTSESS_CHAT__MODEL).",
            )
        parsed: Any = value
        if (section, name) in _LIST_FIELDS:
            parsed = [item.strip() for item in value.split(",") if item.strip()]
        found.setdefault(section, {})[name] = (key, parsed)
    return found


def load_settings(paths: Paths | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read config.toml (if any) and the environment. Bad values are clear errors."""
    env = os.environ if env is None else env
    paths = paths or resolve_paths(env)
    raw: dict[str, Any] = {}
    config_file = paths.config_file
    if config_file.exists():
        try:
            raw = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(
                f"Cannot read {config_file}: {exc}.", hint="Fix the TOML syntax or move the file."
            ) from None
        except OSError as exc:  # unreadable: no permission, a directory, an I/O error
            raise InvalidInput(
                f"Cannot read {config_file}: {exc.strerror or exc}.",
                hint="Check its permissions, or move it aside to use the defaults.",
            ) from None
    file_policy = raw.get("policy", {})
    if not isinstance(file_policy, dict):
        raise InvalidInput(f"[policy] in {config_file} must be a table.")
    from_env = env_settings(env) if any(key.startswith(ENV_PREFIX) for key in env) else {}
    env_policy = from_env.get("policy", {})
    layers: list[tuple[str, dict[str, Any]]] = []
    if file_policy or env_policy:
        from .policy import check_layer

        if file_policy:
            layers.append((str(config_file), check_layer(file_policy, str(config_file))))
        for name, (key, value) in env_policy.items():
            layers.append((key, check_layer({name: value}, key)))

    chat = dict(raw.get("chat", {}))
    chat.update({name: value for name, (_, value) in from_env.get("chat", {}).items()})
    ui = dict(raw.get("ui", {}))
    ui.update({name: value for name, (_, value) in from_env.get("ui", {}).items()})
    recall = dict(raw.get("recall", {}))
    recall.update({name: value for name, (_, value) in from_env.get("recall", {}).items()})
    values: dict[str, Any] = {
        key: value for key, value in raw.items() if key not in ("policy", "chat", "ui", "recall")
    }
    if from_env.get("keymap"):
        file_keymap = values.get("keymap", {})
        keymap = dict(file_keymap) if isinstance(file_keymap, dict) else {}
        keymap.update({name: value for name, (_, value) in from_env["keymap"].items()})
        values["keymap"] = keymap
    values.update({name: value for name, (_, value) in from_env.get("", {}).items()})
    if not (values or chat or ui or recall or layers):
        return Settings()
    merged_policy: dict[str, Any] = {}
    for _, layer in layers:
        merged_policy.update(layer)
    values.update(chat=chat, ui=ui, recall=recall, policy=merged_policy)
    settings = _validated(values, config_file)
    return replace(settings, policy_layers=layers)


def _validated(values: dict[str, Any], config_file: Path) -> Settings:
    """`values` as Settings, each given field checked by pydantic against its annotation.

    Field by field, and only the fields given: a validator for the whole of Settings took
    ~30 ms to build, and importing pydantic ~100 ms more, on the start-up path of every
    command with any configuration. A path (`db`, a string) needs neither."""
    import dataclasses

    known = {f.name: f.type for f in dataclasses.fields(Settings) if f.name != "policy_layers"}
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known:
            raise InvalidInput(
                f"Setting {name!r} is not valid: unexpected keyword argument.",
                hint=f"Check {config_file} and the AGENTSESS_* environment variables.",
            )
        if name in ("chat", "ui", "recall", "policy", "keymap") and not value:
            continue  # the default
        if known[name] == "str | None" and (value is None or isinstance(value, str)):
            checked[name] = value
            continue
        from pydantic import ValidationError

        try:
            checked[name] = _adapter(name).validate_python(value)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in (name, *error["loc"]))
            raise InvalidInput(
                f"Setting {where!r} is not valid: {error['msg'].lower()}.",
                hint=f"Check {config_file} and the AGENTSESS_* environment variables.",
            ) from None
    return Settings(**checked)


_ADAPTERS: dict[str, Any] = {}


def _adapter(name: str) -> Any:
    """pydantic's validator for one field of Settings."""
    adapter = _ADAPTERS.get(name)
    if adapter is None:
        import typing

        import annotated_types
        from pydantic import TypeAdapter

        # The annotations are strings: the constraint names must be in this module's
        # namespace when they are resolved.
        globals().update(Ge=annotated_types.Ge, Gt=annotated_types.Gt, Le=annotated_types.Le)
        hint = typing.get_type_hints(Settings, globalns=globals(), include_extras=True)[name]
        _ADAPTERS[name] = adapter = TypeAdapter(hint)
    return adapter


def database_path(
    settings: Settings, paths: Paths, override: str | os.PathLike[str] | None
) -> Path:
    """`--db` beats `AGENTSESS_DB` / config `db`, which beat the default in the data dir."""
    if override:
        return Path(override).expanduser()
    if settings.db:
        return Path(settings.db).expanduser()
    return paths.default_db
