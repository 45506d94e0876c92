"""Limits on what goes into the database, checked before anything is written."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import InvalidInput
from .models import MEMORY_TYPES, ROLES

MAX_MESSAGE_BYTES = 1024 * 1024
MAX_MEMORY_BYTES = 64 * 1024
MAX_TITLE_CHARS = 200
MAX_METADATA_BYTES = 64 * 1024
MAX_TAGS = 32
MAX_TAG_CHARS = 64
MAX_EXTEND_MINUTES = 20160


def _size(nbytes: int) -> str:
    if nbytes >= 1024 * 1024:
        return f"{nbytes / (1024 * 1024):.1f} MiB"
    if nbytes >= 1024:
        return f"{nbytes / 1024:.1f} KiB"
    return f"{nbytes} bytes"


def utf8_size(text: str, what: str) -> int:
    """Size in bytes as stored; text SQLite cannot store (lone surrogates, e.g. from undecodable
    input read with `surrogateescape`) is an `InvalidInput`, not a UnicodeEncodeError."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"{what} contains a character that is not valid Unicode (at position {exc.start}).",
            hint="Check the input's encoding; agentsess stores UTF-8 text.",
        ) from None


def message_content(content: str) -> str:
    if not isinstance(content, str):
        raise InvalidInput("A message's content must be text.")
    size = utf8_size(content, "The message")
    if size > MAX_MESSAGE_BYTES:
        raise InvalidInput(
            f"The message is {_size(size)}; the limit is {_size(MAX_MESSAGE_BYTES)} "
            f"({MAX_MESSAGE_BYTES:,} bytes).",
            hint="Split it into several messages, or store it in a file and send its path.",
        )
    if not content.strip():
        raise InvalidInput("The message is empty.", hint="Type something before sending.")
    return content


def role(value: str) -> str:
    if value not in ROLES:
        raise InvalidInput(f"{value!r} is not a message role; use one of {', '.join(ROLES)}.")
    return value


def title(value: str | None, default: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        return default
    utf8_size(text, "The title")
    if len(text) > MAX_TITLE_CHARS:
        raise InvalidInput(
            f"The title is {len(text)} characters; the limit is {MAX_TITLE_CHARS}.",
            hint="Use a shorter title.",
        )
    return text


def default_memory_title(content: str) -> str:
    """A memory without a title is named by its first 50 characters (remember and import)."""
    text = " ".join(content.split())
    return text[:50] if len(text) <= 50 else text[:49] + "…"


def memory_title(value: str | None, content: str) -> str:
    return title(value, default=default_memory_title(content))


def metadata(value: Mapping[str, Any] | None) -> str:
    if value is None:
        return "{}"
    if not isinstance(value, Mapping):
        raise InvalidInput("Metadata must be a JSON object.")
    try:
        text = json.dumps(dict(value), separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"Metadata is not JSON-serialisable: {exc}.") from None
    if utf8_size(text, "Metadata") > MAX_METADATA_BYTES:
        raise InvalidInput(f"Metadata is larger than the {_size(MAX_METADATA_BYTES)} limit.")
    return text


def memory_content(content: str) -> str:
    if not isinstance(content, str) or not content.strip():
        raise InvalidInput("A memory needs some content.", hint="Say what should be remembered.")
    size = utf8_size(content, "The memory")
    if size > MAX_MEMORY_BYTES:
        raise InvalidInput(
            f"The memory is {_size(size)}; the limit is {_size(MAX_MEMORY_BYTES)}.",
            hint="Keep memories short; store long material as an artifact file and remember "
            "its path.",
        )
    return content


def memory_type(value: str) -> str:
    kind = value.strip().lower()
    if kind not in MEMORY_TYPES:
        raise InvalidInput(
            f"{value!r} is not a memory type.", hint=f"Use one of: {', '.join(MEMORY_TYPES)}."
        )
    return kind


def tags(values: Iterable[str] | None) -> list[str]:
    cleaned: list[str] = []
    for raw in values or ():
        for part in str(raw).split(","):
            tag = " ".join(part.split()).lower()
            if not tag:
                continue
            utf8_size(tag, "A tag")
            if len(tag) > MAX_TAG_CHARS:
                raise InvalidInput(f"The tag {tag[:20]!r}… is longer than {MAX_TAG_CHARS} chars.")
            if tag not in cleaned:
                cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise InvalidInput(f"{len(cleaned)} tags given; the limit is {MAX_TAGS}.")
    return cleaned


def confidence(value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"Confidence {value!r} is not a number between 0 and 1.") from None
    if not 0.0 <= number <= 1.0:
        raise InvalidInput(f"Confidence {value!r} is out of range: allowed 0–1.")
    return number


def extend_minutes(minutes: int) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise InvalidInput(f"{minutes!r} is not a whole number of minutes.")
    if not 1 <= minutes <= MAX_EXTEND_MINUTES:
        raise InvalidInput(
            f"Extend by {minutes} minutes is out of range: allowed 1–{MAX_EXTEND_MINUTES} "
            "(14 days).",
            hint="Give a positive duration such as 30m, 2h or 1h30m.",
        )
    return minutes


# Responder settings a file must never carry in: where replies go (and so where the user's
# key and conversation would be sent) is the user's decision, not a session file's.
RESPONDER_HOST_KEYS = ("backend", "base_url")


def without_responder_hosts(metadata: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`metadata` minus `responder.backend` / `responder.base_url`, and a note per key dropped."""
    kept = dict(metadata)
    responder = kept.get("responder")
    if not isinstance(responder, Mapping):
        return kept, []
    dropped = [key for key in RESPONDER_HOST_KEYS if key in responder]
    rest = {key: value for key, value in responder.items() if key not in RESPONDER_HOST_KEYS}
    if rest:
        kept["responder"] = rest
    else:
        kept.pop("responder")
    return kept, [
        f"dropped responder.{key} from the session's metadata: replies go where your own "
        "configuration says"
        for key in dropped
    ]
