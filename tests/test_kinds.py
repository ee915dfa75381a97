"""Document kinds: letters are judged as letters, everything else by what it is (issue 10)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import authcheck
from authcheck.engine.rulepack import builtin_dir, compile_rule, load_ruleset, parse_yaml, rule_files
from authcheck.errors import RuleError
from authcheck.settings import Settings
from tools.docgen import Img, build_docx, build_pdf

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
LETTER_RULES = {r.id for r in load_ruleset().rules if r.applies_to == "letter-like"}

MANUAL = (
    "\n".join(
        [
            "Frobnicator User Manual",
            "Version 2.1",
            "",
            "Contents",
            "1 Introduction ........ 1",
            "2 Installation ........ 3",
            "3 Configuration ........ 5",
            "4 Troubleshooting ........ 9",
            "",
            "1 Introduction",
            "The frobnicator turns widgets into gadgets. This manual says how to use it safely.",
            "2 Installation",
            "Run the installer and follow the prompts until the program reports success.",
            "2.1 Requirements",
            "A computer with 4 GB of memory is enough for most uses of the program.",
            "3 Configuration",
            "Edit the configuration file. The program will no longer read the old format.",
            "4 Troubleshooting",
            "If the program stops, read the log file and restart it.",
            "",
            "References",
            "Smith, J. (2019) Widgets and gadgets. Acme Press.",
        ]
    )
    + "\n"
)
FORM = (
    "\n".join(
        [
            "APPLICATION FOR A LIBRARY CARD",
            "",
            "Surname: ____________________",
            "Given names: ____________________",
            "Date of birth: ____________________",
            "Address: ____________________",
            "[ ] Student   [ ] Staff   [ ] Visitor",
            "Signature: ____________________   Date: __________",
        ]
    )
    + "\n"
)
INVOICE = (
    "\n".join(
        [
            "ACME Supplies Ltd",
            "INVOICE No. 2024-0117",
            "Invoice date: 3 March 2024",
            "",
            "Qty  Item              Unit price   Amount",
            "2    Widget, blue      10.00        20.00",
            "Subtotal 20.00",
            "VAT 20% 4.00",
            "Total due 24.00",
            "Amount due by 2 April 2024: 24.00",
        ]
    )
    + "\n"
)
README = "# frob\n\nA tool.\n\n## Install\n\nRun make.\n\n## Use\n\nRun frob.\n"
STATEMENT = "The ministry will issue new guidance next week.\n"
LETTER_PAGE = "\n".join(
    [
        "HEADQUARTERS",
        "TASK FORCE NORTH",
        "",
        "5 May 2021",
        "",
        "Dear Director,",
        "",
        "We write to confirm the meeting on Tuesday at ten in the operations centre.",
        "",
        "Sincerely,",
        "",
        "JOHN A. SMITH",
        "Colonel, US Army",
    ]
)


def check_text(text: str, name: str = "doc.txt", **settings):
    """Check text in this process and return the result (with its letter)."""
    return authcheck.check(text.encode(), name=name, settings=Settings(**settings))


def kind_of(result) -> dict:
    return result.fields["document"]["kind"]


def letter_findings(result) -> set[str]:
    return {f.rule for f in result.findings} & LETTER_RULES


@pytest.mark.parametrize(
    ("text", "kind", "cue"),
    [
        (MANUAL, "report", "table of contents"),
        (FORM, "form", "blanks to fill in"),
        (INVOICE, "invoice", "invoice title"),
        (README, "report", "headings"),
    ],
)
def test_non_letters_are_classified_with_their_evidence(text, kind, cue):
    found = kind_of(check_text(text))
    assert (found["kind"], found["letter_like"], found["forced"]) == (kind, False, False)
    assert cue in [e["cue"] for e in found["evidence"]]


def test_a_toc_entry_is_evidence_with_page_and_line():
    found = kind_of(check_text(MANUAL))
    toc = next(e for e in found["evidence"] if e["cue"] == "table of contents")
    assert (toc["text"], toc["page"], toc["line"]) == ("Contents", 1, 4)


def test_landscape_pages_with_few_words_are_slides():
    from tools.docgen import Text

    pages = [[Text(72, 500, f"Quarterly results, part {n}", size=28)] for n in range(4)]
    found = kind_of(authcheck.check(build_pdf(pages, page_size=(792, 612)), name="deck.pdf"))
    assert (found["kind"], found["letter_like"]) == ("slides", False)
    assert found["evidence"][0]["text"].startswith("4 landscape pages")


def test_hello_world_is_no_salutation_but_hello_with_a_comma_is():
    assert kind_of(check_text("Hello World\n"))["kind"] == "statement"
    assert kind_of(check_text("Hello Anna,\n\nThe parcel arrived today, thank you.\n"))["kind"] == "letter"


def test_one_sentence_is_a_letter_like_statement():
    found = kind_of(check_text(STATEMENT))
    assert (found["kind"], found["letter_like"]) == ("statement", True)


def test_a_dated_poem_is_a_statement_not_a_letter():
    found = kind_of(check_text("The Crazy Ones\nOctober 14, 1998\n\nHere's to the crazy ones, the misfits.\n"))
    assert found["kind"] == "statement" and [e["cue"] for e in found["evidence"]] == ["date line"]


def test_empty_docx_is_empty_and_says_so():
    data = build_docx(header_lines=[], paragraphs=[], core={"author": "Someone Else"}, app=None)
    result = authcheck.check(data, name="empty.docx")
    assert kind_of(result)["kind"] == "empty"
    [finding] = [f for f in result.findings if f.rule == "file.no-text-layer"]
    assert finding.message.startswith("Empty: ")
    assert not letter_findings(result)


def test_picture_only_pdf_is_an_image_and_says_so():
    data = build_pdf([[Img(100, 100, 200, 80)]])
    result = authcheck.check(data, name="icon.pdf")
    assert kind_of(result)["kind"] == "image"
    [finding] = [f for f in result.findings if f.rule == "file.no-text-layer"]
    assert finding.message.startswith("Image only: 1 picture(s) on 1 page")


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(SAMPLES) if n.endswith((".pdf", ".docx", ".txt"))))
def test_every_sample_is_letter_like(name):
    found = kind_of(authcheck.check(SAMPLES / name))
    assert found["letter_like"] is True, (name, found)


def test_a_manual_gets_no_letter_rule_finding_and_lists_the_rules_not_applied():
    manual = MANUAL + "\nDRAFT\nThis unsigned manual announces that the program will no longer be supported.\n"
    result = check_text(manual)
    assert kind_of(result)["kind"] == "report"
    assert not letter_findings(result)
    skipped = dict(result.rules_not_applied)
    assert set(skipped) == LETTER_RULES
    assert skipped["wording.policy-change"].startswith("applies to letter-like documents; this is a report (")


def test_forcing_kind_letter_applies_the_letter_rules():
    manual = MANUAL + "\nDRAFT\n"
    auto = check_text(manual)
    forced = check_text(manual, kind="letter")
    assert "marking.draft" not in {f.rule for f in auto.findings}
    assert "marking.draft" in {f.rule for f in forced.findings}
    assert kind_of(forced)["forced"] is True and kind_of(forced)["kind"] == "letter"
    assert forced.rules_not_applied == ()


def test_a_letter_on_page_one_of_a_longer_report_is_still_judged_as_a_letter():
    report = "\f".join([LETTER_PAGE] + [MANUAL.replace("Contents", f"Part {n}") for n in range(3)])
    result = check_text(report)
    found = kind_of(result)
    assert (found["kind"], found["letter_pages"]) == ("letter", [1, 1])
    assert "letter on page 1 of a 4-page document" in [e["text"] for e in found["evidence"]]
    assert result.fields["signature_block"]["name"] == "JOHN A. SMITH"
    assert "signature.unsigned" in {f.rule for f in result.findings}


def test_applies_to_is_validated():
    text = (Path(builtin_dir()) / "core" / "letter" / "undated.yaml").read_text()
    with pytest.raises(RuleError, match="applies_to must be one of letter-like, any"):
        compile_rule(parse_yaml(text.replace("applies_to: letter-like", "applies_to: letters"), "x.yaml"), "x.yaml")
    rule = compile_rule(parse_yaml(text.replace("applies_to: letter-like\n", ""), "x.yaml"), "x.yaml")
    assert rule.applies_to == "letter-like"


def test_every_built_in_rule_states_what_it_applies_to():
    for path in rule_files(builtin_dir()):
        data = parse_yaml(Path(path).read_text(), path)
        assert data.get("applies_to") in ("letter-like", "any"), path


def test_cli_kind_is_forced_and_shown(cli, tmp_path):
    path = tmp_path / "manual.txt"
    path.write_text(MANUAL)
    plain = cli("check", str(path), "--no-color", "--width", "100")
    assert (
        "kind: report (table of contents, numbered sections, document sections) - letter rules not applied"
        in plain.output
    )
    forced = cli("check", str(path), "--kind", "letter", "--format", "json")
    record = json.loads(forced.output)
    assert record["schema_version"] == "1.1" and record["rules_not_applied"] == []
    assert record["fields"]["document"]["kind"]["forced"] is True


def test_config_kinds_force_by_path_and_the_cache_keeps_them_apart(cli, tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "m.txt").write_text(MANUAL)
    (tmp_path / "m.txt").write_text(MANUAL)
    (tmp_path / "authcheck.toml").write_text('kinds = {"letters/**" = "letter"}\n')
    args = ["check", "letters/m.txt", "m.txt", "--format", "jsonl", "--cache-dir", str(tmp_path / "cache")]
    for _ in range(2):  # the second run reads the cache: same content, different forced kind
        out = cli(*args, cwd=str(tmp_path)).output
        kinds = {r["path"]: r["fields"]["document"]["kind"] for r in map(json.loads, out.splitlines())}
        assert (kinds["letters/m.txt"]["kind"], kinds["letters/m.txt"]["forced"]) == ("letter", True)
        assert (kinds["m.txt"]["kind"], kinds["m.txt"]["forced"]) == ("report", False)


def test_config_kinds_refuse_an_unknown_kind(cli, tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "authcheck.toml").write_text('kinds = {"letters/**" = "lettre"}\n')
    (tmp_path / "a.txt").write_text(STATEMENT)
    result = cli("check", "a.txt", cwd=str(tmp_path))
    assert result.exit_code == 2
    assert "key 'kinds.\"letters/**\"': expected one of auto, letter," in result.output


def test_no_one_to_call_on_a_manual():
    from authcheck.model import Finding
    from authcheck.scoring.advice import next_steps

    finding = Finding("content.active", "Active content", "medium", "origin", 20, "m")
    manual = check_text("ACME WIDGETS\n\n" + MANUAL).letter
    forced = check_text("ACME WIDGETS\n\n" + MANUAL, kind="letter").letter
    assert not any(s.startswith("Confirm with") for s in next_steps(manual, [finding]))
    assert any(s.startswith("Confirm with") for s in next_steps(forced, [finding]))


def test_the_console_shows_no_issuer_or_signature_for_a_manual(cli, tmp_path):
    path = tmp_path / "manual.txt"
    path.write_text(MANUAL + "\nJOHN A. SMITH\nProgram Manager\n")
    out = cli("check", str(path), "--no-color", "--width", "100").output
    assert "Document ---" in out and "Letter ---" not in out
    assert "Issuer" not in out and "Signature" not in out
