"""Session policy: the rules' numbers, their limits, and how layers of settings combine.

Precedence, lowest first: built-in defaults → config file → `AGENTSESS_*` environment →
the agent's stored policy → options given when a session is created. A value outside its range is
an `InvalidPolicy` naming the field, the value, the allowed range and where it came from; nothing
is clamped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    model_validator,
)

from . import policy_fields
from .errors import InvalidPolicy


class Policy(BaseModel):
    """The effective rules of one session, fixed when it is created."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    window_minutes: int = Field(360, ge=5, le=1440)
    """Length of a new activation; nothing longer than 24 h at creation."""
    auto_renew: bool = False
    """When true, activity slides expiry to now + window (an idle timeout)."""
    max_lifetime_minutes: int = Field(2880, ge=5, le=20160)
    """Hard cap: expires_at never passes activated_at + this."""
    warning_minutes: int = Field(15, ge=1, le=720)
    """Length of the *expiring* phase, and when the one-time warning fires."""
    extend_step_minutes: int = Field(60, ge=1, le=1440)
    """What the extend key adds."""
    single_active: bool = False
    """Per agent: activating a session ends the agent's other active sessions."""

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        if self.max_lifetime_minutes < self.window_minutes:
            raise ValueError(
                f"max_lifetime_minutes = {self.max_lifetime_minutes} is below "
                f"window_minutes = {self.window_minutes}: allowed window–20160"
            )
        if self.warning_minutes >= self.window_minutes:
            raise ValueError(
                f"warning_minutes = {self.warning_minutes} must be less than "
                f"window_minutes = {self.window_minutes}"
            )
        return self


POLICY_FIELDS: tuple[str, ...] = tuple(Policy.model_fields)
if POLICY_FIELDS != policy_fields.POLICY_FIELDS:  # pragma: no cover (a developer's mistake)
    raise RuntimeError("policy_fields.POLICY_FIELDS (read by config) and Policy disagree")


def _bounds(name: str) -> tuple[int, int] | None:
    """A field's (ge, le), read from its `Field(...)` constraints."""
    low = high = None
    for constraint in Policy.model_fields[name].metadata:
        low = getattr(constraint, "ge", low)
        high = getattr(constraint, "le", high)
    return None if low is None or high is None else (int(low), int(high))


# The limits as people read them in errors and help: the Field constraints above, not a copy.
LIMITS: dict[str, tuple[int, int]] = {
    name: bounds for name in POLICY_FIELDS if (bounds := _bounds(name)) is not None
}


def _no_bool_minutes(value: Any) -> Any:
    # pydantic reads True as 1: `extend_step_minutes = true` would silently mean 1 minute.
    if isinstance(value, bool):
        raise ValueError("a number of minutes, not true/false")
    return value


def _optional(name: str) -> tuple[Any, Any]:
    info = Policy.model_fields[name]
    kind: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    if name in LIMITS:
        kind = Annotated[kind, BeforeValidator(_no_bool_minutes)]
    return (kind | None, None)


# One layer of policy settings: every field of `Policy` optional, with the same constraints.
_OPTIONAL_FIELDS: dict[str, Any] = {name: _optional(name) for name in POLICY_FIELDS}
PolicyOverrides: type[BaseModel] = create_model(
    "PolicyOverrides", __config__=ConfigDict(extra="forbid", defer_build=True), **_OPTIONAL_FIELDS
)
DEFAULT_POLICY = Policy()


def check_layer(values: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Validate one layer and return only the fields it sets, converted to their types."""
    try:
        layer = PolicyOverrides.model_validate(dict(values))
    except ValidationError as exc:
        raise InvalidPolicy(_explain(exc, values, source)) from None
    return layer.model_dump(exclude_none=True)


def resolve_policy(layers: Iterable[tuple[str, Mapping[str, Any]]]) -> Policy:
    """Merge layers (lowest precedence first) into an effective, consistent policy."""
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for source, values in layers:
        for name, value in check_layer(values, source).items():
            merged[name] = value
            origin[name] = source
    try:
        return Policy(**merged)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        sources = sorted(
            {
                origin[n]
                for n in ("window_minutes", "max_lifetime_minutes", "warning_minutes")
                if n in origin
            }
        )
        where = f" (from {', '.join(sources)})" if sources else ""
        raise InvalidPolicy(
            f"Inconsistent policy: {message}{where}.",
            hint="Adjust one of the values so the window fits between the warning and the cap.",
        ) from None


def _explain(exc: ValidationError, values: Mapping[str, Any], source: str) -> str:
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else "?"
    if error["type"] == "extra_forbidden":
        return (
            f"Unknown policy field {name!r} (from {source}); "
            f"known fields: {', '.join(POLICY_FIELDS)}."
        )
    value = values.get(name)
    if name in LIMITS:
        low, high = LIMITS[name]
        if error["type"] in ("greater_than_equal", "less_than_equal"):
            return (
                f"{name} = {value!r} is out of range: allowed {low}–{high} minutes (from {source})."
            )
        return (
            f"{name} = {value!r} is not a whole number of minutes: allowed {low}–{high} "
            f"(from {source})."
        )
    return f"{name} = {value!r} is not valid: {error['msg'].lower()} (from {source})."
