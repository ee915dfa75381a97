"""`fuzzy`: phrases found approximately (rapidfuzz partial ratio), for misspellings and near-misses."""

from __future__ import annotations

from authcheck.engine.checks.base import Hit
from authcheck.errors import RuleError
from authcheck.util.patterns import compiled

KEYS = {"fuzzy", "threshold", "min_length"}
MAX_PHRASES = 500
_WORD = compiled(r"[a-z]{4,}")


class Matcher:
    """Finds segments holding a phrase at or above `threshold` (0-100) similarity.

    A cheap prefilter skips segments that share no 4-letter word stem with the phrase,
    which avoids most rapidfuzz calls on a letter.
    """

    def __init__(self, spec: dict, name: str, where: dict) -> None:
        items, key = spec["fuzzy"], f"patterns.{name}"
        threshold, min_length = spec.get("threshold", 88), spec.get("min_length", 8)
        if (
            not isinstance(items, list)
            or not items
            or len(items) > MAX_PHRASES
            or not all(isinstance(p, str) for p in items)
        ):
            raise RuleError(f"fuzzy must be a list of 1-{MAX_PHRASES} phrases", **where, key=key + ".fuzzy")
        if not isinstance(threshold, (int, float)) or not 50 <= threshold <= 100:
            raise RuleError("threshold must be a number from 50 to 100", **where, key=key + ".threshold")
        short = [p for p in items if len(p) < min_length]
        if short:
            raise RuleError(
                f"fuzzy phrase {short[0]!r} is shorter than min_length {min_length}: too noisy",
                **where,
                key=key + ".fuzzy",
            )
        self.name, self.threshold = name, float(threshold)
        self.phrases = [(p.lower(), {w[:4] for w in _WORD.findall(p.lower())}) for p in items]

    def hits(self, segments, resolved) -> list[Hit]:
        """The best-aligned span of each phrase in each segment that passes the prefilter."""
        from rapidfuzz import fuzz

        out = []
        for seg in segments:
            lower = seg.text.lower()
            stems = {w[:4] for w in _WORD.findall(lower)}
            for phrase, needed in self.phrases:
                if needed and not needed & stems:
                    continue
                found = fuzz.partial_ratio_alignment(phrase, lower, score_cutoff=self.threshold)
                if found is not None and found.dest_end > found.dest_start:
                    out.append(Hit(seg, found.dest_start, found.dest_end, self.name))
        return out


def compile(spec: dict, name: str, where: dict) -> Matcher:
    """Build the matcher for one named pattern."""
    return Matcher(spec, name, where)
