"""`regex`: one or more RE2 patterns, case-insensitive by default."""

from __future__ import annotations

from authcheck.engine.checks.base import Hit
from authcheck.errors import RuleError
from authcheck.util.saferegex import compile_pattern

KEYS = {"regex", "case_sensitive"}
MAX_PATTERNS = 200


class Matcher:
    """Finds every match of any of the patterns."""

    def __init__(self, spec: dict, name: str, where: dict) -> None:
        items = spec["regex"]
        items = [items] if isinstance(items, str) else items
        if not isinstance(items, list) or not items or len(items) > MAX_PATTERNS:
            raise RuleError(
                f"regex must be a pattern or a list of 1-{MAX_PATTERNS} patterns", **where, key=f"patterns.{name}.regex"
            )
        ignore = not spec.get("case_sensitive", False)
        self.name = name
        self.patterns = [
            compile_pattern(p, ignore_case=ignore, where={**where, "key": f"patterns.{name}.regex[{i}]"})
            for i, p in enumerate(items)
        ]

    def hits(self, segments, resolved) -> list[Hit]:
        """Every non-empty match in every segment."""
        out: list[Hit] = []
        for seg in segments:
            for pattern in self.patterns:
                out.extend(
                    Hit(seg, m.start(), m.end(), self.name) for m in pattern.finditer(seg.text) if m.end() > m.start()
                )
        return out


def compile(spec: dict, name: str, where: dict) -> Matcher:
    """Build the matcher for one named pattern."""
    return Matcher(spec, name, where)
