"""The benchmark corpus's filler text (tools/docgen.filler_paragraphs with a seed): paragraphs that
never repeat, the same for the same seed, and neutral, so a long corpus letter is read as a real one
(work reused on repeated text would otherwise make the checker look faster than it is)."""

from __future__ import annotations

import authcheck
from tools.docgen import LetterSpec, filler_paragraphs, letter_text


def test_seeded_filler_does_not_repeat_and_is_deterministic():
    paragraphs = filler_paragraphs(20, seed=7)
    assert len(paragraphs) > 60
    assert len(set(paragraphs)) == len(paragraphs)
    assert filler_paragraphs(20, seed=7) == paragraphs
    assert filler_paragraphs(20, seed=8) != paragraphs
    rotated = filler_paragraphs(20)  # without a seed: the few rotated sentences the tests rely on
    assert len(set(rotated)) < 10


def test_seeded_filler_is_neutral():
    spec = LetterSpec(
        letterhead=["MINISTRY OF EXAMPLES"],
        date="12 March 2024",
        blocks=["SUBJECT: Office routine", "1. The first paragraph of the letter."],
        closing="Sincerely,",
        signature_name="JOHN Q. PUBLIC",
        signature="conformed",
        filler_pages=3,
        filler_seed=1,
    )
    result = authcheck.check(letter_text(spec).encode(), name="letter.txt")
    assert result.error is None
    assert "wording.policy-change" not in {r.rule for r in result.rules_not_applied}  # the rule read it
    assert not [f.rule for f in result.findings if f.rule.startswith("wording.")]
