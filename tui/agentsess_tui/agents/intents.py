"""What the offline memory agent makes of a message: remember, ask, help or just talk.

Every rule is a plain regular expression listed here, first match wins, so a person can see
why a memory got its type (the reply quotes the words that decided it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from agentsess_tui.core.models import MEMORY_TYPES

_RELATIONS = (
    "colleague|co-?worker|manager|boss|teammate|mentor|mentee|client|customer|"
    "wife|husband|partner|spouse|girlfriend|boyfriend|fiancée?|friend|neighbou?r|landlord|"
    "mother|father|mum|mom|dad|parent|son|daughter|child|kid|brother|sister|sibling|cousin|"
    "uncle|aunt|grand(?:mother|father|ma|pa)|co-?founder|assistant|doctor|dentist|lawyer"
)
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight"

# (type, pattern): checked in this order, the first that matches decides.
TYPE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "relationship",
        re.compile(
            rf"\b(?:is|are|was)\s+(?:my|our)\s+(?:\w+\s+)?(?:{_RELATIONS})s?\b"
            rf"|\b(?:my|our)\s+(?:{_RELATIONS})s?(?:'s\s+name)?\s+(?:is|are|'s)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "decision",
        re.compile(
            r"\b(?:we|i)(?:\s+have|'ve)?\s+(?:decided|agreed|chose|picked|settled\s+on|opted|"
            r"went\s+with)\b|\blet'?s\s+(?:go\s+with|use|pick|stick\s+with)\b|\b(?:we|i)(?:'re|\s+are|'m|\s+am)\s+going\s+with\b"
            r"|\bthe\s+decision\s+is\b",
            re.IGNORECASE,
        ),
    ),
    (
        "goal",
        re.compile(
            r"\b(?:my|our)\s+(?:main\s+|big\s+|long-term\s+)?(?:goal|aim|objective|target)s?\b"
            r"|\bthe\s+(?:main\s+)?(?:goal|aim|objective)\s+is\b"
            r"|\b(?:i|we)\s+(?:really\s+)?(?:want|hope|plan|intend|aim|need)\s+to\b"
            r"|\bwe\s+aim\b|\b(?:i|we)'?d\s+(?:like|love)\s+to\b",
            re.IGNORECASE,
        ),
    ),
    (
        "commitment",
        re.compile(
            r"\b(?:i|we)(?:'ll|\s+will|\s+shall)\b|\b(?:i|we)\s+promise\b"
            rf"|\bby\s+(?:{_DAYS}|next\s+(?:week|month)|eod|\d{{1,2}}(?::\d\d)?\s*(?:am|pm)|"
            r"(?:the\s+)?end\s+of\s+(?:the\s+)?(?:day|week|month|quarter|year))\b"
            r"|\bdeadline\b",
            re.IGNORECASE,
        ),
    ),
    (
        "preference",
        re.compile(
            r"\bi\s+(?:really\s+|much\s+|do\s+)?(?:prefer|like|love|enjoy|hate|dislike|"
            r"can't\s+stand)\b|\bi\s+(?:do\s+not|don't|never)\s+(?:really\s+)?(?:like|want|"
            r"enjoy|care\s+for)\b|\bmy\s+favou?rite\b|\bi'?d\s+(?:rather|prefer|like)\b|\bi'?m\s+(?:a\s+)?fan\s+of\b",
            re.IGNORECASE,
        ),
    ),
    (
        "instruction",
        re.compile(
            r"^\s*(?:please\s+)?(?:always|never|don't\s+ever|do\s+not\s+ever|make\s+sure|"
            r"be\s+sure\s+to|remember\s+to|don't\s+forget\s+to|do\s+not|don't|avoid|use)\b"
            r"|\byou\s+(?:should|must|need\s+to|have\s+to)\b",
            re.IGNORECASE,
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class TypeGuess:
    """The memory type for some text and the words that decided it (None: the fallback)."""

    type: str
    cue: str | None = None


def detect_type(text: str) -> TypeGuess:
    """fact unless a rule in TYPE_RULES matches: see there for the list."""
    normal = _normal(text)
    for kind, pattern in TYPE_RULES:
        match = pattern.search(normal)
        if match:
            return TypeGuess(kind, " ".join(text[match.start() : match.end()].split()))
    return TypeGuess("fact")


IntentKind = Literal["remember", "question", "help", "chat"]


@dataclass(frozen=True, slots=True)
class Intent:
    kind: IntentKind
    text: str
    """remember: what to store (as typed); question and chat: the message; help: empty."""
    type: str | None = None
    """A memory type named explicitly (`/remember preference …`)."""


_SLASH_REMEMBER = re.compile(r"^/remember(?:\s+(?P<rest>.*))?$", re.IGNORECASE | re.DOTALL)
_REMEMBER = re.compile(
    r"^(?P<polite>(?:please|pls|can\s+you|could\s+you|would\s+you)\s+)?"
    r"(?:remember|don't\s+forget|do\s+not\s+forget|note|keep\s+in\s+mind)\b(?!\s+to\b)"
    r"(?:\s+that\b)?\s*[:,;\-–—]?\s*",
    re.IGNORECASE,
)
_REMEMBER_TO = re.compile(r"^(?:please\s+)?remember\s+to\b", re.IGNORECASE)
_QUESTION = re.compile(
    r"^(?:what|what's|whats|who|who's|whom|whose|when|where|which|why|how|do|does|did|is|are|"
    r"was|were|can|could|should|would|will|have|has|am|recall|tell\s+me|remind\s+me|list|"
    r"show\s+me|search|find|any)\b",
    re.IGNORECASE,
)
_HELP = re.compile(
    r"^(?:help|/help|\?|hi|hello|hey|hallo|good\s+(?:morning|afternoon|evening)|"
    r"what\s+can\s+you\s+do|who\s+are\s+you|what\s+are\s+you|how\s+does\s+this\s+work)"
    r"[\s!.?]*$",
    re.IGNORECASE,
)


def parse_intent(text: str) -> Intent:
    stripped = text.strip()
    normal = _normal(stripped)
    slash = _SLASH_REMEMBER.match(stripped)
    if slash:
        kind, rest = split_type((slash.group("rest") or "").strip())
        return Intent("remember", rest, kind)
    if _HELP.match(normal):
        return Intent("help", "")
    if _REMEMBER_TO.match(normal):
        return Intent("remember", stripped)
    remember = _REMEMBER.match(normal)
    if remember and _is_remember(normal, remember):
        content = stripped[remember.end() :]
        if remember.group("polite") and content.endswith("?"):
            # "Can you remember that I'm vegetarian?" is a request, not a question.
            content = content[:-1].rstrip()
        return Intent("remember", content)
    if normal.endswith("?") or _QUESTION.match(normal):
        return Intent("question", stripped)
    return Intent("chat", stripped)


def split_type(args: str) -> tuple[str | None, str]:
    """`preference I like tea` → ("preference", "I like tea"); no known type first → (None, …)."""
    first, _, rest = args.partition(" ")
    name = first.rstrip(":").lower()
    if name in MEMORY_TYPES and rest.strip():
        return name, rest.strip()
    return None, args


def _is_remember(normal: str, match: re.Match[str]) -> bool:
    """ "Remember that …" is a request unless it is a question about the past."""
    head = normal[: match.end()].lower()
    if normal.rstrip().endswith("?") and not match.group("polite"):
        return False
    # "note" and "keep in mind" only with "that" or a colon: "notes are here" is no request.
    if head.lstrip().startswith(("note", "keep")):
        return "that" in head or ":" in head
    return normal[match.end() :].strip() != "" or "remember" in head


def _normal(text: str) -> str:
    """Curly apostrophes as straight ones, so "I don’t like" matches like "I don't like"."""
    return text.replace("’", "'").replace("‘", "'")
