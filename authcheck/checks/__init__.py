"""Check kinds: the code behind a rule's named patterns.  A rule is data; a kind is code.

Each kind module exposes `KEYS` (its parameter names), `compile(spec, name, where) -> Matcher`;
a Matcher has `hits(segments, resolved) -> list[Hit]` where `resolved` gives the hits of
the other named patterns (used by `near`).
"""

from __future__ import annotations

from . import fuzzy, near, phrases, regex, wording

KINDS = {"phrases": phrases, "regex": regex, "fuzzy": fuzzy, "near": near, "wording": wording}
