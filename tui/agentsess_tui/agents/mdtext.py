"""Putting people's and agents' text into the Markdown replies the chat pane renders.

Stored memories and typed text are data: when a reply shows them, Markdown syntax inside them
is backslash-escaped, so the text appears exactly as it was written (nothing is dropped).
"""

from __future__ import annotations

import re

from agentsess_tui.core.models import Memory, MemoryHit
from agentsess_tui.core.search import MARK_END, MARK_START
from agentsess_tui.core.text import visible

# Inline characters that start emphasis, code, links, HTML or tables in CommonMark.
_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
# Characters that start a block (heading, quote, list, rule) when they open a line.
_BLOCK_START = re.compile(r"^(\s*)([#>+\-=])", re.MULTILINE)
_ORDERED_START = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)


def escape(text: str) -> str:
    """Text that renders as itself in Markdown (unsafe characters made visible)."""
    text = _INLINE.sub(r"\\\1", visible(text))
    text = _BLOCK_START.sub(r"\1\\\2", text)
    return _ORDERED_START.sub(r"\1\\\2", text)


def inline(text: str, limit: int = 80) -> str:
    """One escaped line: whitespace collapsed, shortened with an ellipsis past `limit`."""
    line = " ".join(text.split())
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return escape(line)


def quote(text: str) -> str:
    """A Markdown block quote of the text, every line escaped."""
    return "\n".join("> " + escape(line) if line.strip() else ">" for line in text.splitlines())


def memory_label(memory: Memory) -> str:
    """`#12 · preference · “Prefers tea”`: how replies name a memory."""
    return f"**#{memory.id}** · {memory.type} · “{inline(memory.title, 60)}”"


def hit_line(hit: MemoryHit) -> str:
    """A list item for a recalled memory, with the matching words in bold."""
    return f"- {memory_label(hit.memory)}: {snippet_markdown(hit.snippet)}"


def snippet_markdown(snippet: str) -> str:
    """A search snippet with its match markers turned into bold, everything else escaped."""
    out: list[str] = []
    for index, piece in enumerate(re.split(f"[{MARK_START}{MARK_END}]", snippet)):
        text = escape(re.sub(r"\s+", " ", piece))
        if index % 2 == 1 and text.strip():
            out.append(f"**{text}**")
        else:
            out.append(text)
    return "".join(out).strip()
