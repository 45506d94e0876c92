"""Reading a session file's top-level JSON object without holding the file.

An import of 88 MB took 493 MB through `json.loads` and pydantic (issue 10). A session file is
one object whose big parts are three arrays (messages, events, memories) of small objects, so
this reads the object's keys with the standard library's decoder (`raw_decode`), one value at
a time from a sliding buffer, and hands the arrays out element by element. No dependency: the
standard decoder does the parsing; only the outer object and its arrays are walked here.

`scan` walks the whole file once: the small values (format, session, agent, …) and where each
array starts. `elements` then reads one array from there, as the import writes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

# The keys read element by element; every other value is read whole (they are small).
ARRAYS = ("messages", "events", "memories")

_CHUNK = 1 << 20
_NOT_SPACE = re.compile(r"[^ \t\n\r]")
_DECODER = json.JSONDecoder()


class Malformed(ValueError):
    """Not JSON (or not an object), with where: like json.JSONDecodeError."""

    def __init__(self, msg: str, line: int, column: int) -> None:
        super().__init__(f"{msg}: line {line} column {column}")
        self.msg, self.lineno, self.colno = msg, line, column


class NotAnObject(ValueError):
    """Valid JSON, but not an object."""


@dataclass
class Scanned:
    head: dict[str, Any] = field(default_factory=dict)  # every key but the arrays
    arrays: dict[str, int] = field(default_factory=dict)  # key -> offset of its "["
    counts: dict[str, int] = field(default_factory=dict)


class _Reader:
    """A window on a text stream: `pos` is an offset in the whole text."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.buf = ""
        self.start = 0  # offset of buf[0] in the whole text
        self.i = 0  # index in buf
        self.eof = False
        self.lines = 1  # newlines before buf[0], counted as the window moves on
        self.line_start = 0

    @property
    def pos(self) -> int:
        return self.start + self.i

    def _more(self, at_least: int = _CHUNK) -> bool:
        """Read more; drop what was consumed. False at the end of the text."""
        if self.eof:
            return False
        consumed = self.buf[: self.i]
        newlines = consumed.count("\n")
        if newlines:
            self.lines += newlines
            self.line_start = self.start + consumed.rindex("\n") + 1
        self.buf, self.start, self.i = self.buf[self.i :], self.start + self.i, 0
        data = self.stream.read(max(at_least, _CHUNK))
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            found = _NOT_SPACE.search(self.buf, self.i)
            if found:
                self.i = found.start()
                return self.buf[self.i]
            self.i = len(self.buf)
            if not self._more():
                return ""

    def expect(self, chars: str, what: str) -> str:
        char = self.peek()
        if not char or char not in chars:
            raise self.error(f"Expecting {what}")
        self.i += 1
        return char

    def value(self) -> Any:
        """The next JSON value, read whole (an element or a small top-level value)."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.i)
            except json.JSONDecodeError as exc:
                # Maybe only the window ends here: read on (doubling, so a long value is not
                # parsed over and over), and give the decoder's error only at the end.
                where = self.start + exc.pos  # _more moves the window
                if self._more(len(self.buf)):
                    continue
                raise self.error(exc.msg, where - self.start) from None
            # A number may go on past the window ("12" of "123"): read on to be sure.
            if end == len(self.buf) and self._more(len(self.buf)):
                continue
            self.i = end
            return value

    def error(self, msg: str, index: int | None = None) -> Malformed:
        index = self.i if index is None else index
        before = self.buf[:index]
        newlines = before.count("\n")
        line = self.lines + newlines
        if newlines:
            column = index - before.rindex("\n")
        else:
            column = self.start + index - self.line_start + 1
        return Malformed(msg, line, column)

    def skip_to(self, offset: int) -> None:
        """Move on to `offset` of the text without parsing what is before it."""
        while self.start + len(self.buf) <= offset:
            self.i = len(self.buf)
            if not self._more():
                break
        self.i = offset - self.start


def scan(open_text: Callable[[], TextIO]) -> Scanned:
    """The top-level object: small values read, arrays only walked (each element parsed and
    dropped, so a malformed one fails here, before anything is written)."""
    found = Scanned()
    with open_text() as stream:
        reader = _Reader(stream)
        if reader.peek() != "{":
            reader.value()  # Malformed when it is not JSON at all
            raise NotAnObject
        reader.i += 1
        if reader.peek() == "}":
            reader.i += 1
        else:
            while True:
                if reader.peek() != '"':
                    raise reader.error("Expecting property name enclosed in double quotes")
                key = reader.value()
                reader.expect(":", "':' delimiter")
                if key in ARRAYS and reader.peek() == "[":
                    found.head.pop(key, None)
                    found.arrays[key] = reader.pos
                    found.counts[key] = sum(1 for _ in _walk(reader))
                else:
                    found.arrays.pop(key, None)  # the last of two equal keys wins, as in json
                    found.head[key] = reader.value()
                if reader.expect(",}", "',' delimiter") == "}":
                    break
        if reader.peek():
            raise reader.error("Extra data")
    return found


def elements(open_text: Callable[[], TextIO], offset: int) -> Iterator[Any]:
    """The elements of the array that starts at `offset` (from `scan`), one at a time."""
    with open_text() as stream:
        reader = _Reader(stream)
        reader.skip_to(offset)
        yield from _walk(reader)


def _walk(reader: _Reader) -> Iterator[Any]:
    reader.expect("[", "an array")
    if reader.peek() == "]":
        reader.i += 1
        return
    while True:
        yield reader.value()
        if reader.expect(",]", "',' delimiter") == "]":
            return
