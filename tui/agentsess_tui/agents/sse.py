"""Server-sent events, line by line (the WHATWG event-stream format, the parts chat servers use).

An event is a run of `field: value` lines ended by a blank line; several `data:` lines join
with newlines; lines starting with `:` are comments (keep-alives).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ServerEvent:
    data: str
    event: str = "message"


@dataclass(slots=True)
class EventParser:
    _data: list[str] = field(default_factory=list)
    _event: str = ""

    def feed(self, line: str) -> ServerEvent | None:
        """Take one line (without its line ending); return an event when one is complete."""
        if not line:
            return self.flush()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        # `id` and `retry` matter for reconnecting, which a chat reply never does.
        return None

    def flush(self) -> ServerEvent | None:
        """The pending event, if any: at a blank line, or when the stream ends without one."""
        if not self._data:
            self._event = ""
            return None
        event = ServerEvent("\n".join(self._data), self._event or "message")
        self._data, self._event = [], ""
        return event
