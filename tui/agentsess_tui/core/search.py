"""Turning what a person types into a safe FTS5 query.

Each whitespace-separated chunk becomes a quoted phrase (so `foo-bar`, quotes, `*`, `OR`, `(`
are data, never query syntax) and the last one is matched as a prefix, for search as you type.
Chunks without a letter or digit are dropped; a query of only punctuation matches nothing.
"""

from __future__ import annotations

import re

# A letter or digit, what the unicode61 tokenizer keeps: `_` alone makes an empty phrase,
# and an empty phrase next to the agent token matched every memory of that agent.
_WORD = re.compile(r"[^\W_]", re.UNICODE)
# U+E000 starts the agent tokens in the memory index (schema.AGENT_TOKEN_MARK): never searched.
_UNSEARCHABLE = re.compile("[\x00\ud800-\udfff\ue000]")
# Control characters that mark matches in snippets; turned into styling by the clients.
MARK_START = "\x02"
MARK_END = "\x03"


def fts_query(text: str, *, prefix_last: bool = True) -> str | None:
    # FTS5 ends a query at NUL ("unterminated string") and SQLite cannot take lone surrogates:
    # both are treated as spaces, like other characters that cannot be part of a word, and so
    # is the agent token mark.
    text = _UNSEARCHABLE.sub(" ", text)
    chunks = [chunk for chunk in text.split() if _WORD.search(chunk)]
    if not chunks:
        return None
    parts = ['"' + chunk.replace('"', '""') + '"' for chunk in chunks]
    last_word = _WORD.findall(chunks[-1])
    if prefix_last and not text[-1:].isspace() and len(last_word) >= 2:
        parts[-1] += "*"
    return " ".join(parts)


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """Split a snippet into (text, is_match) runs."""
    parts: list[tuple[str, bool]] = []
    for index, piece in enumerate(re.split(f"[{MARK_START}{MARK_END}]", snippet)):
        if piece:
            parts.append((piece, index % 2 == 1))
    return parts


def plain_snippet(snippet: str) -> str:
    return snippet.replace(MARK_START, "").replace(MARK_END, "")


# Rank at most this many of the newest matches (messages and memories alike): bm25 over every
# match of a frequent word in a large database takes seconds, and recent items are what people
# look for.
SEARCH_CANDIDATES = 1000


# The sidebar filter: a case-insensitive substring of the title, the agent or the id. The
# Python test and the SQL fragment (`:needle` bound, lowercased) are the same rule; SQLite's
# lower() folds ASCII only, which is what the bounded walk of `ListingRepo.find` relies on.
SESSION_MATCH_SQL = (
    "(instr(lower(title), :needle) > 0 OR instr(lower(agent_id), :needle) > 0 "
    "OR instr(lower(id), :needle) > 0)"
)


def session_matches(title: str, agent_id: str, session_id: str, needle: str) -> bool:
    """`needle` lowercased, as the filter box hands it over."""
    return needle in title.lower() or needle in agent_id.lower() or needle in session_id.lower()
