"""Whole letters that hide their wording (digits for letters, Cyrillic look-alikes, zero-width
characters) in text, PDF and DOCX: every rule reads the folded words, evidence quotes them as
written, and `text.obfuscated` reports what was hidden, but not Persian joiners or soft hyphens."""

from __future__ import annotations

import json

import pytest

from authcheck.extract.names import person_similarity

CYR_O, CYR_I, ZWSP, ZWNJ, SHY = "\u043e", "\u0456", "\u200b", "\u200c", "\u00ad"

HEAD = [
    "HEADQUARTERS",
    "TASK FORCE IRAQ",
    "BAGHDAD, IRAQ",
    "",
    "6 January 2020",
    "",
    "MEMORANDUM FOR Iraqi Ministry of Defense",
    "",
    "FROM: Commanding General, Task Force Iraq",
    "",
    "SUBJECT: Coalition Force Movement",
    "",
    "Sir,",
    "",
]
TAIL = ["", "Sincerely,", "", "WILLIAM H. SEELY III", "Brigadier General, US Marine Corps"]


def letter(*body: str) -> str:
    return "\n".join(HEAD + [p + "\n" for p in body] + TAIL) + "\n"


def check(cli, path) -> dict:
    result = cli("check", str(path), "--format", "json", "--no-cache")
    assert result.stderr == ""
    return json.loads(result.stdout)


def finding(record: dict, rule: str):
    found = [f for f in record["findings"] if f["rule"] == rule]
    return found[0] if found else None


def write_text(tmp_path, text: str):
    path = tmp_path / "letter.txt"
    path.write_text(text, encoding="utf-8")
    return path


def write_docx(tmp_path, text: str):
    from tools.docxgen import build_docx

    path = tmp_path / "letter.docx"
    path.write_bytes(build_docx(header_lines=[], paragraphs=text.split("\n"), core=None, app=None))
    return path


def write_pdf(tmp_path, text: str):
    from tools.docgen import Text, build_pdf

    lines = text.split("\n")
    path = tmp_path / "letter.pdf"
    path.write_bytes(build_pdf([[Text(72, 740 - 14 * k, line) for k, line in enumerate(lines) if line]]))
    return path


WRITERS = {"txt": write_text, "docx": write_docx}

CASES = [
    ("digits", "CJTF-OIR will be withdraw1ng all forces from Iraq over the coming days.", "withdraw1ng", None),
    (
        "cyrillic",
        f"CJTF-OIR will be rep{CYR_O}siti{CYR_O}ning forces over the coming days.",
        f"rep{CYR_O}siti{CYR_O}ning forces",
        f"Cyrillic {CYR_O} (U+043E) in 'rep{CYR_O}siti{CYR_O}ning'",
    ),
    (
        "zero-width",
        f"We announce the with{ZWSP}dr{ZWSP}awal of all coalition forces from Iraq.",
        f"with{ZWSP}dr{ZWSP}awal",
        "zero width space (U+200B) in 'withdrawal'",
    ),
]


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize("name, sentence, quoted, hidden", CASES, ids=[c[0] for c in CASES])
def test_hidden_wording_is_read_and_quoted_as_written(cli, tmp_path, fmt, name, sentence, quoted, hidden):
    text = letter(sentence)
    record = check(cli, WRITERS[fmt](tmp_path, text))
    policy = finding(record, "wording.policy-change")
    assert policy is not None, record["findings"]
    ev = next(e for e in policy["evidence"] if quoted in e["text"])
    assert ev["context"] == sentence
    assert ev["context"][ev["highlight"][0] : ev["highlight"][1]] == ev["text"]
    obfuscated = finding(record, "text.obfuscated")
    if hidden is None:  # digits typed for letters are folded for matching, not reported
        assert obfuscated is None
    else:
        assert obfuscated["axis"] == "origin" and obfuscated["weight"] == 40.0
        assert hidden in obfuscated["message"]
        assert obfuscated["evidence"][0]["context"] == sentence


def test_evidence_offsets_point_into_the_text_file_as_written(cli, tmp_path):
    sentence = f"CJTF-OIR will be rep{CYR_O}siti{CYR_O}ning forces over the coming days."
    text = letter(sentence)
    record = check(cli, write_text(tmp_path, text))
    for rule in ("wording.policy-change", "text.obfuscated"):
        for ev in finding(record, rule)["evidence"]:
            assert text[ev["start"] : ev["end"]] == ev["text"]


def test_digits_for_letters_in_a_pdf_are_read(cli, tmp_path):
    record = check(cli, write_pdf(tmp_path, letter("CJTF-OIR will be withdraw1ng all forces from Iraq.")))
    policy = finding(record, "wording.policy-change")
    assert policy is not None and any("withdraw1ng" in e["text"] for e in policy["evidence"])  # quoted as written
    assert finding(record, "text.obfuscated") is None


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_persian_joiners_and_soft_hyphens_are_not_obfuscation(cli, tmp_path, fmt):
    persian = f"\u0645\u06cc{ZWNJ}\u062e\u0648\u0627\u0647\u06cc\u0645 \u062f\u0631 \u062c\u0644\u0633\u0647 \u0634\u0631\u06a9\u062a \u06a9\u0646\u06cc\u0645."
    body = [persian, f"Please confirm the schedule of the coordi{SHY}nation meet{SHY}\ning on Tuesday."]
    record = check(cli, WRITERS[fmt](tmp_path, letter(*body)))
    assert finding(record, "text.obfuscated") is None
    assert finding(record, "wording.policy-change") is None


def test_the_2020_letter_keeps_its_findings_with_homoglyphs_but_adds_obfuscation(cli, repo_root, tmp_path):
    original = (repo_root / "samples" / "withdrawal-letter-2020.txt").read_text(encoding="utf-8")
    spoofed = original.replace("repositioning", f"rep{CYR_O}sitioning").replace("departure", f"dep{ZWSP}arture")
    plain, hidden = (
        check(cli, repo_root / "samples" / "withdrawal-letter-2020.txt"),
        check(cli, write_text(tmp_path, spoofed)),
    )
    policy = finding(hidden, "wording.policy-change")
    assert [" ".join(e["text"].replace(CYR_O, "o").replace(ZWSP, "").split()) for e in policy["evidence"]] == [
        e["text"] for e in finding(plain, "wording.policy-change")["evidence"]
    ]
    assert {f["rule"] for f in hidden["findings"]} == {f["rule"] for f in plain["findings"]} | {"text.obfuscated"}


@pytest.mark.parametrize(
    "denial",
    [
        "N0 decision has been made to withdraw our forces.",
        "There has been n o decision made to leave Iraq.",
        f"There has been n{CYR_O} decision made to leave Iraq.",
        "We won\u2019t withdraw our forces from Iraq.",  # a curly apostrophe
    ],
)
def test_a_broken_negation_cue_still_negates(cli, denial):
    record = json.loads(cli("-", "--format", "json", input=denial + "\n").stdout)
    assert finding(record, "wording.policy-change") is None


@pytest.mark.parametrize(
    "announcement, quoted",
    [
        ("All coalition forces will w i t h d r a w from Iraq next week.", "w i t h d r a w"),
        ("All coalition f0rces will withdr4w from Iraq next week.", "withdr4w"),
    ],
)
def test_spaced_and_digit_words_are_read_and_quoted_as_written(cli, announcement, quoted):
    record = json.loads(cli("-", "--format", "json", input=announcement + "\n").stdout)
    quotes = [e["text"] for e in finding(record, "wording.policy-change")["evidence"]]
    assert len(quotes) == 1 and quoted in quotes[0] and quotes[0] in announcement  # the words as written


# --- issuer names ---------------------------------------------------------------------------


def test_a_name_typed_with_cyrillic_letters_is_the_same_person():
    assert person_similarity(f"W{CYR_I}ll{CYR_I}am H. Seely", "William H. Seely") == 100.0
    assert person_similarity(f"W{CYR_I}ll{CYR_I}am H. Seely", "John A. Smith") < 60


def signed_letter(from_name: str, block_name: str) -> str:
    head = [ln if not ln.startswith("FROM:") else f"FROM: {from_name}, Commanding General" for ln in HEAD]
    body = ["We will meet on Tuesday to coordinate helicopter flights in the International Zone."]
    tail = ["", "Sincerely,", "", block_name, "Brigadier General, US Marine Corps"]
    return "\n".join(head + body + tail) + "\n"


def test_signatory_in_cyrillic_letters_is_read_as_a_name_and_reported(cli, tmp_path):
    block = f"W{CYR_I}LL{CYR_I}AM H. SEELY III".replace(CYR_I, "\u0406")  # Cyrillic capital I
    record = check(cli, write_text(tmp_path, signed_letter("William H. Seely III", block)))
    assert record["fields"]["signature_block"]["name"] == block
    assert finding(record, "issuer.name-mismatch") is None  # the same name once folded
    obfuscated = finding(record, "text.obfuscated")
    assert "Cyrillic \u0406 (U+0406) in '" + block.split()[0] + "'" in obfuscated["message"]
    assert any(e["part"] == "signature_block" for e in obfuscated["evidence"])


def test_a_near_miss_name_in_cyrillic_letters_is_still_a_near_miss(cli, tmp_path):
    block = f"W{CYR_I}liam H. Seelly III"
    record = check(cli, write_text(tmp_path, signed_letter("William H. Seely III", block)))
    assert record["fields"]["signature_block"]["name"] == block
    mismatch = finding(record, "issuer.name-mismatch")
    assert mismatch is not None and block in mismatch["message"]
    assert finding(record, "text.obfuscated") is not None


# --- the obfuscation check kind in a user rule -----------------------------------------------

USER_RULE = """\
id: custom.hidden-in-body
title: Hidden characters in the body
description: Only invisible characters, only in the body.
severity: low
axis: origin
weight: 10
patterns:
  hidden: {obfuscation: [invisible]}
when: {match: hidden}
message: "${reasons}"
references: ["test"]
tests:
  - {name: zero-width, expect: match, text: "We meet on Tues\\u200bday."}
  - {name: look-alike only, expect: no_match, text: "We meet on Tu\\u0435sday."}
"""


def test_a_user_rule_can_ask_for_one_kind_of_hiding(tmp_path):
    from authcheck.engine.rulepack import load_ruleset
    from authcheck.engine.ruletest import run_rule_tests

    (tmp_path / "rule.yaml").write_text(USER_RULE, encoding="utf-8")
    rule = load_ruleset([str(tmp_path)]).get("custom.hidden-in-body")
    results = run_rule_tests([rule])
    assert [(r.name, r.passed) for r in results] == [("zero-width", True), ("look-alike only", True)]
    assert results[0].detail == "zero width space (U+200B) in 'Tuesday'"


def test_an_unknown_kind_of_hiding_is_refused_naming_the_key(tmp_path):
    from authcheck.engine.rulepack import load_ruleset
    from authcheck.errors import RuleError

    (tmp_path / "rule.yaml").write_text(USER_RULE.replace("[invisible]", "[emoji]"), encoding="utf-8")
    with pytest.raises(RuleError, match="patterns.hidden.obfuscation") as info:
        load_ruleset([str(tmp_path)])
    assert "mixed-script, invisible" in str(info.value)
