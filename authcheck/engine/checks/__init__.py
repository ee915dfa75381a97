"""Check kinds: the code behind a rule's named patterns.  A rule is data; a kind is code.

Each kind module exposes `KEYS` (its parameter names), `compile(spec, name, where) -> Matcher`;
a Matcher has `hits(segments, resolved) -> list[Hit]` where `resolved` gives the hits of
the other named patterns (used by `near`).  Segments hold folded text (extract/normalize.py:
homoglyphs, invisible characters, digits for letters), so kinds match what a reader sees; a
hit's offsets are in that text and `Segment.source_span` / `Hit.quote` give the text as written.
"""

from __future__ import annotations

from authcheck.engine.checks import fuzzy, near, obfuscation, phrases, regex, wording

KINDS = {
    "phrases": phrases,
    "regex": regex,
    "fuzzy": fuzzy,
    "near": near,
    "obfuscation": obfuscation,
    "wording": wording,
}
