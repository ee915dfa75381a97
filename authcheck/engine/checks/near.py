"""`near`: two named patterns within N words of each other in the same segment ("A within N words of B")."""

from __future__ import annotations

from authcheck.engine.checks.base import Hit
from authcheck.errors import RuleError
from authcheck.util.patterns import compiled

KEYS = {"near", "within", "ordered"}
_WORD = compiled(r"\S+")


class Matcher:
    """Pairs hits of two other named patterns that sit close together."""

    def __init__(self, spec: dict, name: str, where: dict) -> None:
        pair, within = spec["near"], spec.get("within", 8)
        if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
            raise RuleError("near takes a list of two pattern names", **where, key=f"patterns.{name}.near")
        if not isinstance(within, int) or not 0 <= within <= 50:
            raise RuleError("within must be an integer from 0 to 50", **where, key=f"patterns.{name}.within")
        self.name, self.pair, self.within = name, tuple(pair), within
        self.ordered = bool(spec.get("ordered", False))
        self.needs = self.pair

    def hits(self, segments, resolved) -> list[Hit]:
        """Spans covering a hit of the first pattern and a nearby hit of the second."""
        first, second = resolved(self.pair[0]), resolved(self.pair[1])
        out = []
        for a in first:
            for b in second:
                if a.segment is not b.segment or (self.ordered and b.start < a.end):
                    continue
                lo, hi = sorted((a, b), key=lambda h: h.start)
                gap = len(_WORD.findall(a.segment.text[lo.end : hi.start]))
                if (hi.start >= lo.end and gap <= self.within) or hi.start < lo.end:
                    out.append(Hit(a.segment, lo.start, max(a.end, b.end), self.name))
        return out


def compile(spec: dict, name: str, where: dict) -> Matcher:
    """Build the matcher for one named pattern."""
    return Matcher(spec, name, where)
