"""`phrases`: literal words or phrases, whole-word and case-insensitive by default."""

from __future__ import annotations

import re

from authcheck.engine.checks.base import Hit
from authcheck.errors import RuleError
from authcheck.util.saferegex import compile_pattern

KEYS = {"phrases", "case_sensitive"}
MAX_PHRASES = 2000


class Matcher:
    """Finds any of a list of phrases; whitespace inside a phrase matches any run of spaces."""

    def __init__(self, spec: dict, name: str, where: dict) -> None:
        items = spec["phrases"]
        if not isinstance(items, list) or not items or not all(isinstance(p, str) and p.strip() for p in items):
            raise RuleError("phrases must be a non-empty list of strings", **where, key=f"patterns.{name}.phrases")
        if len(items) > MAX_PHRASES:
            raise RuleError(f"more than {MAX_PHRASES} phrases", **where, key=f"patterns.{name}.phrases")
        body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in sorted(set(items), key=len, reverse=True))
        self.name = name
        self.regex = compile_pattern(
            rf"\b(?:{body})\b",
            ignore_case=not spec.get("case_sensitive", False),
            where={**where, "key": f"patterns.{name}.phrases"},
        )

    def hits(self, segments, resolved) -> list[Hit]:
        """Every occurrence in every segment."""
        return [Hit(seg, m.start(), m.end(), self.name) for seg in segments for m in self.regex.finditer(seg.text)]


def compile(spec: dict, name: str, where: dict) -> Matcher:
    """Build the matcher for one named pattern."""
    return Matcher(spec, name, where)
