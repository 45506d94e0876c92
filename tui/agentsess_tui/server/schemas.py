"""Request bodies and the error document, as pydantic models: FastAPI validates with them and
writes them into the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# SQLite integers are 64-bit: a larger id would be an OverflowError, not a clear 400.
MAX_ID = 2**63 - 1


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str
    message: str
    hint: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_STATUSES = {
    400: "Invalid input or policy (the message names the field, value and range)",
    401: "Missing, unknown or revoked API key; bad session token",
    403: "The API key may not act for this agent",
    404: "No such agent, session or memory",
    409: "The session is ended, or the id exists already",
    410: "The session has expired (resume it)",
    413: "The request body is too large",
    422: "Cannot extend or renew: the lifetime cap is reached",
    429: "Rate limited (see Retry-After)",
    503: "The database is locked by another process (see Retry-After)",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in ERROR_STATUSES.items()
}
# uvicorn's HTTP parser answers a request it cannot parse (a request line over 64 KiB, say)
# itself, in plain text, before the app sees it.
MAX_URL_BYTES = 64 * 1024
ERROR_RESPONSES[400]["description"] += (
    "; as text/plain, a request the HTTP layer cannot parse (e.g. a URL over 64 KiB)"
)
ERROR_RESPONSES[400]["content"] = {"text/plain": {"schema": {"type": "string"}}}


class PolicyFields(Strict):
    window_minutes: int | None = Field(None, description="5–1440")
    auto_renew: bool | None = None
    max_lifetime_minutes: int | None = Field(None, description="window–20160")
    warning_minutes: int | None = Field(None, description="1–720, below the window")
    extend_step_minutes: int | None = Field(None, description="1–1440")
    single_active: bool | None = None

    def given(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class AgentIn(Strict):
    id: str
    name: str | None = None
    policy: PolicyFields | None = None


class SessionIn(Strict):
    title: str | None = None
    policy: PolicyFields | None = None
    metadata: dict[str, Any] | None = None
    system_prompt: str | None = None


class ExtendIn(Strict):
    minutes: int | None = Field(None, description="Default: the session's extend step")


class EndIn(Strict):
    reason: str | None = None


class MessageIn(Strict):
    content: str | None = Field(None, description="The message text")
    message: str | None = Field(None, description="Hector's name for `content`; implies reply")
    role: str = "user"
    metadata: dict[str, Any] | None = None
    reply: bool | None = Field(
        None, description="Also ask the session's responder for a reply (default: no)"
    )

    def text(self) -> str:
        return self.content if self.content is not None else (self.message or "")

    def wants_reply(self) -> bool:
        return self.reply if self.reply is not None else self.message is not None


class MemoryIn(Strict):
    content: str
    type: str = "fact"
    title: str | None = None
    tags: list[str] = Field(default_factory=list)
    confidence: float = 0.8
    session_id: str | None = None


class MemoryPatch(Strict):
    content: str | None = None
    title: str | None = None
    type: str | None = None
    tags: list[str] | None = None
    confidence: float | None = None
    status: str | None = None


class ImportIn(Strict):
    document: dict[str, Any] = Field(description="An agentsess JSON export or an Agentry .toon")
    new_id: bool = False
