"""`obfuscation`: words that hide something from a reader: mixed scripts or invisible characters.

The finding rests on what `fold()` (extract/normalize.py) noticed while building the segment:
a word mixing Latin with look-alike letters of another script ("repоsitioning" with a Cyrillic о)
or holding zero-width, joiner or bidi characters between its letters.  Soft hyphens, and joiners
in scripts that need them (Persian, Arabic, Indic), are not counted.  Digit-for-letter noise
(`withdraw1ng`) is folded for matching but not counted: scanners and codes produce it innocently.
"""

from __future__ import annotations

from authcheck.engine.checks.base import Hit
from authcheck.errors import RuleError

KEYS = {"obfuscation"}
WHAT = ("mixed-script", "invisible")


class Matcher:
    """One hit per word that hides something, with a reason naming the characters."""

    def __init__(self, spec: dict, name: str, where: dict) -> None:
        kinds = spec["obfuscation"]
        if not isinstance(kinds, list) or not kinds or any(k not in WHAT for k in kinds):
            raise RuleError(
                f"obfuscation takes a list of {', '.join(WHAT)}", **where, key=f"patterns.{name}.obfuscation"
            )
        self.name, self.kinds = name, frozenset(kinds)

    def hits(self, segments, resolved) -> list[Hit]:
        """The words of each segment that hide one of the chosen kinds of thing."""
        out = []
        for seg in segments:
            if seg.folded is None:
                continue
            for hidden in seg.folded.hidden:
                if hidden.kind in self.kinds:
                    start, end = seg.folded.to_folded(hidden.start, hidden.end)
                    out.append(Hit(seg, start, end, self.name, hidden.describe()))
        return out


def compile(spec: dict, name: str, where: dict) -> Matcher:
    """Build the matcher for one named pattern."""
    return Matcher(spec, name, where)
