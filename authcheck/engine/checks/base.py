"""What every check kind shares: segments of text to search, hits, and the negation/hypothetical guard."""

from __future__ import annotations

import re
from dataclasses import field
from typing import Any

from authcheck.errors import RuleError
from authcheck.extract.normalize import Folded, fold
from authcheck.util.patterns import compiled
from authcheck.util.records import frozen


@frozen
class Segment:
    """A unit of text the matchers search: a sentence, a line, or a metadata value.

    `text` is the matching text (folded, see extract/normalize.py); `folded` maps it back to the
    text as written (`source`), or is None when the two are the same.  `start`/`end` are offsets
    of the text as written in the document.
    """

    text: str
    part: str
    start: int | None = None
    end: int | None = None
    page: int | None = None
    line: int | None = None
    key: str | None = None
    folded: Folded | None = field(default=None, compare=False)

    @classmethod
    def of(
        cls,
        text: str,
        part: str,
        start: int | None = None,
        end: int | None = None,
        page: int | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> Segment:
        """A segment of text as written: matchers search its folded form, evidence quotes the original."""
        f = fold(text)
        return cls(f.text, part, start, end, page, line, key, f if f.changed else None)

    @property
    def source(self) -> str:
        """The segment's text as written."""
        return self.folded.source if self.folded is not None else self.text

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the text as written behind a span of the matching text."""
        return self.folded.to_source(start, end) if self.folded is not None else (start, end)


@frozen
class Hit:
    """A match inside a segment: offsets are relative to the segment's (matching) text."""

    segment: Segment
    start: int
    end: int
    pattern: str = ""
    reason: Any = field(default=None, compare=False)  #: why it fired (check kinds that explain themselves)
    dropped: str | None = None  #: the guard that dropped this candidate ("negation: not"); never counted

    @property
    def text(self) -> str:
        """The matched words, as the matchers read them (folded)."""
        return self.segment.text[self.start : self.end]

    @property
    def quote(self) -> str:
        """The matched words as written in the document."""
        start, end = self.segment.source_span(self.start, self.end)
        return self.segment.source[start:end]


_WORD = compiled(r"[A-Za-z][A-Za-z'\-]*|\d+")
NEGATION_CUES = (
    "no",
    "not",
    "never",
    "without",
    "neither",
    "nor",
    "cannot",
    "can't",
    "won't",
    "don't",
    "doesn't",
    "didn't",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "hasn't",
    "haven't",
    "hadn't",
    "shouldn't",
    "wouldn't",
    "none",
    "nothing",
    "nobody",
    "denied",
    "deny",
    "denies",
    "rejected",
)
PSEUDO_NEGATIONS = (
    "not only",
    "no doubt",
    "not limited to",
    "without delay",
    "no later than",
    "not later than",
    "not less than",
    "no less than",
    "not just",
    "rules of",
    "never before",
)
TERMINATORS = {"but", "however", "although", "though", "except", "unless", "yet", "whereas", "nevertheless"}
HYPOTHETICAL_CUES = (
    "if",
    "unless",
    "would",
    "could",
    "might",
    "may",
    "should",
    "whether",
    "suppose",
    "supposing",
    "assuming",
    "hypothetically",
    "were to",
    "in the event",
    "in case",
    "in the unlikely event",
    "contingency",
    "option",
    "options",
    "proposal",
    "proposed",
    "propose",
    "considering",
    "consider",
    "possible",
    "possibility",
    "rumor",
    "rumour",
    "rumors",
    "rumours",
    "reports that",
    "reported",
    "alleged",
    "allegedly",
    "claims",
    "speculation",
)
_AFTER_NEGATION = compiled(
    r"^\W*(?:(?:is|are|was|were|has|have|had|will|would|does|do|did|shall)\s+(?:not|never)\b|(?:is|are|was|were)\s+no\s+longer\b)",
    re.I,
)


@frozen
class Guard:
    """NegEx-style negation and hypothetical guards applied to a pattern's hits."""

    negation: bool = False
    hypothetical: bool = False
    window: int = 6

    @classmethod
    def parse(cls, spec, where: dict) -> Guard:
        """Build a guard from a rule's `guard:` mapping."""
        if spec is None:
            return cls()
        if not isinstance(spec, dict) or set(spec) - {"negation", "hypothetical", "window"}:
            raise RuleError("guard takes negation, hypothetical and window", **where, key="guard")
        window = spec.get("window", 6)
        if not isinstance(window, int) or not 1 <= window <= 20:
            raise RuleError("guard.window must be an integer from 1 to 20", **where, key="guard.window")
        return cls(bool(spec.get("negation", False)), bool(spec.get("hypothetical", False)), window)

    def blocks(self, hit: Hit) -> str | None:
        """Why this hit does not count ("negated", "hypothetical"), or None when it stands."""
        text = hit.segment.text
        clause = _clause_before(text[: hit.start])
        words = [w.lower() for w in _WORD.findall(clause)]
        if self.negation and (
            _has_cue(words[-self.window :], NEGATION_CUES, clause) or _AFTER_NEGATION.match(text[hit.end :])
        ):
            return "negated"
        if self.hypothetical:
            sentence_words = [w.lower() for w in _WORD.findall(text[: hit.start])]
            if text.rstrip().endswith("?") or _has_cue(sentence_words, HYPOTHETICAL_CUES, text[: hit.start]):
                return "hypothetical"
        return None


def _clause_before(text: str) -> str:
    """The part of the text before a hit that lies in the same clause (after ; : . or a contrast word)."""
    cut = max(text.rfind(";"), text.rfind(":"), text.rfind(". "))
    clause = text[cut + 1 :] if cut >= 0 else text
    words = clause.split()
    for k in range(len(words) - 1, -1, -1):
        if words[k].lower().strip(",") in TERMINATORS:
            return " ".join(words[k + 1 :])
    return clause


def _has_cue(words: list[str], cues: tuple[str, ...], raw: str) -> bool:
    """True when a cue (single or multi-word) occurs among the words, ignoring pseudo-negations."""
    joined = " " + " ".join(words) + " "
    for pseudo in PSEUDO_NEGATIONS:
        joined = joined.replace(" " + pseudo + " ", " _ ")
    return any((" " + cue + " ") in joined for cue in cues)
