"""Run the inline examples of rules: each `match` example must fire its rule, each `no_match` must not."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from authcheck.engine.rulepack import Rule


@dataclass(frozen=True)
class CaseResult:
    """One inline example's outcome."""

    rule: str
    name: str
    expected: str
    passed: bool
    detail: str = ""


def letter_from_text(text: str, name: str = "example.txt"):
    """Load and extract an example text exactly as a plain-text file would be."""
    from authcheck.extract import extract
    from authcheck.loaders import load
    from authcheck.model import Document, Metadata
    from authcheck.settings import Limits

    data = text.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    if not text:  # a fields-only example: an empty letter whose fields the example sets
        return extract(Document(name, sha, 0, "text", ".txt", (), Metadata()))
    return extract(load(data, path=name, sha256=sha, password=None, limits=Limits()))


def run_case(rule: Rule, case: dict, today: date | None = None) -> CaseResult:
    """Evaluate one example against its rule."""
    from authcheck.engine.evaluate import context_for, evaluate_rule

    letter = letter_from_text(case.get("text", ""))
    ctx = context_for(letter, case.get("fields"), today=today or date(2026, 1, 1))
    finding = evaluate_rule(rule, ctx.for_rule(rule))
    fired = finding is not None
    passed = fired == (case["expect"] == "match")
    detail = finding.message if finding else "did not fire"
    return CaseResult(rule.id, str(case.get("name", "")), case["expect"], passed, detail)


def run_rule_tests(rules: Iterable[Rule]) -> list[CaseResult]:
    """Every inline example of every rule."""
    return [run_case(rule, case) for rule in rules for case in rule.tests]
