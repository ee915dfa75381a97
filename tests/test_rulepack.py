"""Rule validation: a bad rule is refused when it loads, and the error names file, rule and key."""

from __future__ import annotations

import textwrap

import pytest

from authcheck.engine.rulepack import load_ruleset
from authcheck.errors import RuleError

GOOD = """\
id: custom.codeword
title: Mentions the code word
description: The letter names an operation that does not exist.
severity: medium
axis: origin
weight: 20
patterns:
  word: {phrases: ["operation bluebird"]}
when: {match: word}
message: "Mentions ${match}."
references: ["internal list"]
tests:
  - {name: hit, expect: match, text: "We start Operation Bluebird tomorrow."}
  - {name: miss, expect: no_match, text: "We start tomorrow."}
"""


def write(tmp_path, text: str, name: str = "rule.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(tmp_path)


def error_for(tmp_path, text: str) -> str:
    with pytest.raises(RuleError) as info:
        load_ruleset([write(tmp_path, text)])
    return str(info.value)


def test_valid_user_rule_loads_next_to_builtins(tmp_path):
    ruleset = load_ruleset([write(tmp_path, GOOD)])
    assert ruleset.get("custom.codeword") is not None
    assert ruleset.get("signature.unsigned") is not None


@pytest.mark.parametrize(
    "change,key,words",
    [
        (("severity: medium", "severity: severe"), "severity", "severity must be one of"),
        (("axis: origin", "axis: both"), "axis", "axis must be one of"),
        (("weight: 20", "weight: 200"), "weight", "weight must be a number from 0 to 100"),
        (('message: "Mentions ${match}."', 'message: "${__class__}"'), "message", "unknown placeholder"),
        (("when: {match: word}", "when: {match: other}"), "when", "undefined pattern 'other'"),
        (("when: {match: word}", "when: {field: nope.nothing, exists: true}"), "when.field", "unknown field"),
        (("title: Mentions the code word\n", "title: Mentions the code word\ncolour: red\n"), "colour", "unknown key"),
        (('references: ["internal list"]\n', ""), "references", "missing required key"),
        (('  - {name: miss, expect: no_match, text: "We start tomorrow."}\n', ""), "tests", "no_match"),
    ],
)
def test_invalid_rule_error_names_file_rule_and_key(tmp_path, change, key, words):
    message = error_for(tmp_path, GOOD.replace(*change))
    assert "rule.yaml" in message and "custom.codeword" in message
    assert f":{key}" in message
    assert words in message


def test_backtracking_regex_is_refused_with_a_reason(tmp_path):
    bad = GOOD.replace('word: {phrases: ["operation bluebird"]}', r"word: {regex: ['(a+)\1']}")
    message = error_for(tmp_path, bad)
    assert "patterns.word.regex[0]" in message and "RE2" in message


def test_catastrophic_pattern_runs_in_linear_time(tmp_path):
    from authcheck.util.saferegex import compile_pattern

    pattern = compile_pattern("(a+)+$", ignore_case=False, where={})
    assert pattern.search("a" * 50_000 + "!") is None  # RE2: no exponential backtracking


def test_invalid_yaml_and_non_mapping(tmp_path):
    assert "invalid YAML (line" in error_for(tmp_path, "id: [unclosed\n")
    assert "one mapping" in error_for(tmp_path, "- a\n- b\n")


def test_unsafe_yaml_tags_are_refused(tmp_path):
    message = error_for(tmp_path, "!!python/object/apply:os.system ['echo hi']\n")
    assert "invalid YAML" in message


def test_duplicate_ids_are_refused(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(RuleError, match="duplicate rule id"):
        load_ruleset([str(tmp_path)])


def test_missing_rule_folder(tmp_path):
    with pytest.raises(RuleError, match="does not exist"):
        load_ruleset([str(tmp_path / "nowhere")])


def test_short_fuzzy_phrases_are_refused(tmp_path):
    bad = GOOD.replace('word: {phrases: ["operation bluebird"]}', 'word: {fuzzy: ["leave"], threshold: 80}')
    assert "shorter than min_length" in error_for(tmp_path, bad)


@pytest.mark.parametrize(
    "bad", ["Mentions ${{match}}.", "Mentions ${Match}.", "Mentions ${match.", "Mentions ${ match }."]
)
def test_a_malformed_placeholder_is_refused_not_printed(tmp_path, bad):
    """Only ${name} is a placeholder; anything else starting with "${" reached reports literally."""
    message = error_for(tmp_path, GOOD.replace('message: "Mentions ${match}."', f'message: "{bad}"'))
    assert "custom.codeword:message" in message and "malformed placeholder" in message
