"""The shipped rules: all load, each has examples both ways, and every inline example holds."""

from __future__ import annotations

import pytest

from authcheck.engine.rulepack import load_ruleset
from authcheck.engine.ruletest import run_case

RULESET = load_ruleset()
REQUIRED = {
    "signature.unsigned",
    "signature.attributed-unsigned",
    "wording.policy-change",
    "marking.draft",
    "metadata.author-mismatch",
    "metadata.date-conflict",
    "file.type-mismatch",
}
CASES = [(rule, case) for rule in RULESET.rules for case in rule.tests]


def test_required_rule_ids_ship():
    assert {r.id for r in RULESET.rules} >= REQUIRED


@pytest.mark.parametrize("rule", RULESET.rules, ids=lambda r: r.id)
def test_every_rule_documents_itself_and_has_examples_both_ways(rule):
    assert {c["expect"] for c in rule.tests} == {"match", "no_match"}
    assert rule.references and rule.description and rule.remediation
    assert rule.axis in ("origin", "authority")


@pytest.mark.parametrize("rule,case", CASES, ids=[f"{r.id}:{c.get('name')}" for r, c in CASES])
def test_inline_example(rule, case):
    outcome = run_case(rule, case)
    assert outcome.passed, f"{rule.id} {case.get('name')!r}: expected {case['expect']}, got: {outcome.detail}"


def test_ruleset_digest_is_stable_and_content_based(tmp_path):
    again = load_ruleset()
    assert again.digest == RULESET.digest
    (tmp_path / "x.yaml").write_text(
        "id: extra.one\ntitle: t\ndescription: d\nseverity: low\naxis: origin\nweight: 1\n"
        "when: {field: subject, exists: true}\nmessage: m\nreferences: [r]\n"
        "tests: [{name: a, expect: match, fields: {subject: s}}, {name: b, expect: no_match}]\n"
    )
    assert load_ruleset([str(tmp_path)]).digest != RULESET.digest
