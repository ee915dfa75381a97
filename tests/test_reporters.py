"""Reporters: exact JSON records, the result-v1 schema, golden console reports, colour rules.

Golden files live in tests/golden/.  They are compared byte for byte and are never
rewritten by default; run with AUTHCHECK_UPDATE_GOLDEN=1 to regenerate them, then
read the diff before committing.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from authcheck.model import (
    DateFact,
    Document,
    ErrorInfo,
    Evidence,
    Fact,
    Finding,
    Letter,
    Letterhead,
    Line,
    Location,
    Metadata,
    Note,
    Party,
    Result,
    Sentence,
    SignatureBlock,
    SignatureEvidence,
)
from authcheck.reporters import REPORTERS
from authcheck.reporters.jsonout import (
    finding_fingerprint,
    letter_record,
    render_json,
    render_jsonl,
    result_record,
    sorted_findings,
)

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
SCHEMA = json.loads((ROOT / "authcheck" / "schemas" / "result-v1.json").read_text(encoding="utf-8"))
SHA = hashlib.sha256(b"seed letter").hexdigest()
RECORD_KEYS = [
    "schema_version",
    "path",
    "sha256",
    "format",
    "verdict",
    "score",
    "axes",
    "reason",
    "findings",
    "fields",
    "notes",
    "next_steps",
    "error",
    "rules_not_applied",
]

POLICY_SENTENCE = (
    "Sir, in deference to the sovereignty of the Republic of Iraq, and as requested by the Iraqi "
    "Parliament and the Prime Minister, CJTF-OIR will be repositioning forces over the course of "
    "the coming days and weeks to prepare for onward movement."
)
DEPARTURE_SENTENCE = "We respect your sovereign decision to order our departure."


# --- fixtures built by hand ----------------------------------------------------------


def highlighted(text: str, context: str, **loc) -> Evidence:
    """Evidence whose highlight is where `text` sits in `context`."""
    at = context.index(text)
    return Evidence(text=text, context=context, highlight=(at, at + len(text)), **loc)


def fail_fields() -> dict:
    """Result.fields as the pipeline builds them, for the motivating case."""
    return {
        "issuer": {
            "name": "WILLIAM H. SEELY III",
            "title": "Brigadier General, US Marine Corps",
            "organization": "Task Force Iraq",
            "source": "signature_block",
            "claims": [
                {"text": "Commanding General, Task Force Iraq", "part": "signature_block", "page": 1, "line": 11}
            ],
        },
        "recipient": {
            "name": None,
            "title": None,
            "organization": "Iraqi Ministry of Defense",
            "source": "address_block",
        },
        "date": {"text": "6 January 2020", "value": "2020-01-06", "source": "date_line"},
        "dates": [{"text": "6 January 2020", "value": "2020-01-06", "source": "date_line"}],
        "subject": "Repositioning of forces",
        "salutation": "Sir,",
        "letterhead": {
            "organization": ["HEADQUARTERS, COMBINED JOINT TASK FORCE - OPERATION INHERENT RESOLVE"],
            "address": ["BAGHDAD, IRAQ"],
            "office_symbol": None,
            "references": [],
            "markings": [],
        },
        "signature_block": {
            "closing": "Respectfully,",
            "name": "WILLIAM H. SEELY III",
            "titles": ["Brigadier General, US Marine Corps", "Commanding General, Task Force Iraq"],
        },
        "signature": {
            "signed": False,
            "kinds": [],
            "strength": "weak",
            "reason": "no /s/ line, signature image or digital signature",
            "evidence": [],
        },
        "signature_fields": [],
        "metadata": {
            "title": None,
            "author": None,
            "creator_tool": None,
            "producer": None,
            "created": None,
            "modified": None,
            "last_modified_by": None,
            "revision": None,
            "company": None,
            "template": None,
            "page_count": None,
            "encrypted": False,
            "raw": {},
        },
        "document": {"pages": 1, "has_text_layer": True, "extension": ".txt", "size": 1234},
    }


def fail_result() -> Result:
    """A fail case: three findings, given out of order, with highlighted evidence."""
    unsigned = Finding(
        rule="sig.unsigned",
        title="Letter is not signed",
        severity="high",
        axis="authority",
        weight=40,
        message="The letter names a signer but carries no signature of any kind.",
        evidence=(Evidence(text="WILLIAM H. SEELY III", part="signature_block", page=1, line=9, start=512, end=532),),
        references=("DoDM 5110.04 vol 1",),
        confidence="high",
        contribution=22.0,
        remediation="Ask the issuing office for the signed original.",
    )
    policy = Finding(
        rule="wording.policy-change",
        title="Announces a change of policy",
        severity="high",
        axis="authority",
        weight=45,
        message="An unsigned staff letter announces a repositioning of forces.",
        evidence=(
            highlighted(
                "will be repositioning forces", POLICY_SENTENCE, part="body", page=1, line=6, start=230, end=258
            ),
            highlighted("order our departure", DEPARTURE_SENTENCE, part="body", page=1, line=7, start=430, end=449),
        ),
        confidence="medium",
        contribution=31.04,
        remediation="Confirm the policy with the issuing command through an official channel.",
    )
    mismatch = Finding(
        rule="meta.issuer-title-mismatch",
        title="Issuer's titles disagree",
        severity="medium",
        axis="origin",
        weight=20,
        message="The signature block gives two different titles for the issuer.",
        evidence=(Evidence(text="Commanding General, Task Force Iraq", part="signature_block", page=1, line=11),),
        confidence="low",
        contribution=9.96,
    )
    return Result(
        path="samples/seed-letter.txt",
        sha256=SHA,
        format="text",
        verdict="fail",
        score=72,
        axes={"origin": 10, "authority": 69},
        reason="unsigned letter announces a change of policy (wording.policy-change, sig.unsigned)",
        findings=(unsigned, mismatch, policy),
        fields=fail_fields(),
        notes=(Note("no-metadata", "plain text carries no author, dates or tool"),),
        next_steps=(
            "Ask Task Force Iraq whether this letter was issued, and by whom.",
            "Ask for the signed original, or a digitally signed PDF.",
        ),
    )


def pass_result() -> Result:
    """A pass case: a digitally signed PDF on which no rule fired."""
    fields = fail_fields()
    fields["signature"] = {
        "signed": True,
        "kinds": ["digital"],
        "strength": "strong",
        "reason": "valid-looking signature field",
        "evidence": [{"text": "Sig1", "part": "signature_field", "page": 1, "line": None}],
    }
    fields["signature_fields"] = [
        {"name": "Sig1", "filled": True, "kind": "pdf", "signer": "W. Seely", "signed_at": "2020-01-06T10:00:00Z"}
    ]
    fields["metadata"] = dict(
        fields["metadata"], author="W. Seely", producer="Acrobat", created="2020-01-06T09:58:00+03:00"
    )
    fields["document"] = {"pages": 1, "has_text_layer": True, "extension": ".pdf", "size": 88000}
    return Result(
        path="letters/signed.pdf",
        sha256=hashlib.sha256(b"signed").hexdigest(),
        format="pdf",
        verdict="pass",
        score=0,
        axes={"origin": 0, "authority": 0},
        reason="no rule fired",
        findings=(),
        fields=fields,
    )


def error_result() -> Result:
    """An error record, as pipeline.error_result builds it."""
    return Result(
        path="missing.pdf",
        sha256=None,
        format=None,
        verdict=None,
        score=None,
        axes={},
        reason="could not be checked: no such file",
        findings=(),
        fields={},
        error=ErrorInfo("not-found", "no such file", "read"),
    )


def fingerprint(rule: str, sha: str, *texts: str) -> str:
    """The documented fingerprint, computed independently of the code under test."""
    return hashlib.sha256(f"{rule}\0{sha}\0{chr(0x1F).join(sorted(texts))}".encode()).hexdigest()


def render(result: Result, *, color: bool, width: int = 100) -> str:
    """The console report as a string."""
    from authcheck.reporters.console import make_console, render_report

    buf = io.StringIO()
    render_report(result, make_console(buf, color=color, width=width))
    return buf.getvalue()


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; rewrite it only when AUTHCHECK_UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if os.environ.get("AUTHCHECK_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run with AUTHCHECK_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


# --- JSON records --------------------------------------------------------------------


def span(context: str, text: str) -> list[int]:
    """Where `text` sits in `context`, as the record writes it."""
    at = context.index(text)
    return [at, at + len(text)]


def test_fail_record_is_exact():
    record = result_record(fail_result())
    assert list(record) == RECORD_KEYS
    assert record == {
        "schema_version": "1.1",
        "path": "samples/seed-letter.txt",
        "sha256": SHA,
        "format": "text",
        "verdict": "fail",
        "score": 72,
        "axes": {"origin": 10, "authority": 69},
        "reason": "unsigned letter announces a change of policy (wording.policy-change, sig.unsigned)",
        "findings": [
            {
                "rule": "wording.policy-change",
                "title": "Announces a change of policy",
                "severity": "high",
                "axis": "authority",
                "weight": 45,
                "contribution": 31.0,
                "confidence": "medium",
                "message": "An unsigned staff letter announces a repositioning of forces.",
                "references": [],
                "remediation": "Confirm the policy with the issuing command through an official channel.",
                "fingerprint": fingerprint(
                    "wording.policy-change", SHA, "will be repositioning forces", "order our departure"
                ),
                "suppressed": None,
                "weight_reason": "",
                "floor": None,
                "evidence": [
                    {
                        "text": "will be repositioning forces",
                        "part": "body",
                        "page": 1,
                        "line": 6,
                        "start": 230,
                        "end": 258,
                        "key": None,
                        "context": POLICY_SENTENCE,
                        "highlight": span(POLICY_SENTENCE, "will be repositioning forces"),
                        "pattern": None,
                        "reason": None,
                        "box": None,
                    },
                    {
                        "text": "order our departure",
                        "part": "body",
                        "page": 1,
                        "line": 7,
                        "start": 430,
                        "end": 449,
                        "key": None,
                        "context": DEPARTURE_SENTENCE,
                        "highlight": span(DEPARTURE_SENTENCE, "order our departure"),
                        "pattern": None,
                        "reason": None,
                        "box": None,
                    },
                ],
            },
            {
                "rule": "sig.unsigned",
                "title": "Letter is not signed",
                "severity": "high",
                "axis": "authority",
                "weight": 40,
                "contribution": 22.0,
                "confidence": "high",
                "message": "The letter names a signer but carries no signature of any kind.",
                "references": ["DoDM 5110.04 vol 1"],
                "remediation": "Ask the issuing office for the signed original.",
                "fingerprint": fingerprint("sig.unsigned", SHA, "WILLIAM H. SEELY III"),
                "suppressed": None,
                "weight_reason": "",
                "floor": None,
                "evidence": [
                    {
                        "text": "WILLIAM H. SEELY III",
                        "part": "signature_block",
                        "page": 1,
                        "line": 9,
                        "start": 512,
                        "end": 532,
                        "key": None,
                        "context": None,
                        "highlight": None,
                        "pattern": None,
                        "reason": None,
                        "box": None,
                    }
                ],
            },
            {
                "rule": "meta.issuer-title-mismatch",
                "title": "Issuer's titles disagree",
                "severity": "medium",
                "axis": "origin",
                "weight": 20,
                "contribution": 10.0,
                "confidence": "low",
                "message": "The signature block gives two different titles for the issuer.",
                "references": [],
                "remediation": "",
                "fingerprint": fingerprint("meta.issuer-title-mismatch", SHA, "Commanding General, Task Force Iraq"),
                "suppressed": None,
                "weight_reason": "",
                "floor": None,
                "evidence": [
                    {
                        "text": "Commanding General, Task Force Iraq",
                        "part": "signature_block",
                        "page": 1,
                        "line": 11,
                        "start": None,
                        "end": None,
                        "key": None,
                        "context": None,
                        "highlight": None,
                        "pattern": None,
                        "reason": None,
                        "box": None,
                    }
                ],
            },
        ],
        "fields": fail_fields(),
        "notes": [{"code": "no-metadata", "detail": "plain text carries no author, dates or tool", "data": {}}],
        "next_steps": [
            "Ask Task Force Iraq whether this letter was issued, and by whom.",
            "Ask for the signed original, or a digitally signed PDF.",
        ],
        "error": None,
        "rules_not_applied": [],
    }


def test_error_record_is_exact():
    record = result_record(error_result())
    assert list(record) == RECORD_KEYS
    assert record == {
        "schema_version": "1.1",
        "path": "missing.pdf",
        "sha256": None,
        "format": None,
        "verdict": None,
        "score": None,
        "axes": {"origin": None, "authority": None},
        "reason": "could not be checked: no such file",
        "findings": [],
        "fields": {},
        "notes": [],
        "next_steps": [],
        "error": {"type": "not-found", "message": "no such file", "stage": "read"},
        "rules_not_applied": [],
    }


def test_pass_record_passes_fields_through_as_plain_json():
    result = pass_result()
    record = result_record(result)
    assert record["findings"] == [] and record["error"] is None
    assert record["fields"] == result.fields
    assert json.loads(json.dumps(record)) == record


def test_findings_sort_by_contribution_then_rule_id():
    a = Finding("b.rule", "t", "low", "origin", 5, "m", contribution=5.0)
    b = Finding("a.rule", "t", "low", "origin", 5, "m", contribution=5.0)
    c = Finding("z.rule", "t", "low", "origin", 5, "m", contribution=9.0)
    assert [f.rule for f in sorted_findings([a, b, c])] == ["z.rule", "a.rule", "b.rule"]


def test_fingerprint_ignores_positions_and_order_but_not_text():
    ev1 = Evidence("alpha", "body", page=1, line=3, start=10, end=15)
    ev2 = Evidence("beta", "body", page=2, line=40, start=900, end=904)
    moved = (Evidence("beta", "body", page=1, line=2), Evidence("alpha", "body", page=3, line=9))
    base = Finding("x.rule", "t", "low", "origin", 5, "m", evidence=(ev1, ev2))
    assert finding_fingerprint(SHA, base) == finding_fingerprint(
        SHA, Finding("x.rule", "t", "low", "origin", 5, "m", evidence=moved)
    )
    assert finding_fingerprint(SHA, base) == fingerprint("x.rule", SHA, "alpha", "beta")
    other = Finding("x.rule", "t", "low", "origin", 5, "m", evidence=(ev1,))
    assert finding_fingerprint(SHA, base) != finding_fingerprint(SHA, other)


def test_json_fingerprint_is_the_one_baselines_use():
    import authcheck.suppress.fingerprint

    assert finding_fingerprint is authcheck.suppress.fingerprint.finding_fingerprint


def suppressed_result() -> Result:
    """The fail case with its title-mismatch finding ignored by an ignore-file entry."""
    result = fail_result()
    mark = {"kind": "ignore", "reason": "titles checked by phone", "expires": "2030-01-01", "entry": 0}
    findings = tuple(
        dataclasses.replace(f, suppressed=mark, contribution=0.0) if f.rule.startswith("meta.") else f
        for f in result.findings
    )
    return dataclasses.replace(result, findings=findings)


def test_suppressed_findings_are_kept_in_json_and_listed_apart_in_the_report():
    record = result_record(suppressed_result())
    assert record["findings"][-1]["rule"] == "meta.issuer-title-mismatch"
    assert record["findings"][-1]["suppressed"] == {
        "kind": "ignore",
        "reason": "titles checked by phone",
        "expires": "2030-01-01",
        "entry": 0,
    }
    assert Draft202012Validator(SCHEMA).is_valid(record)
    text = render(suppressed_result(), color=False, width=120)
    assert "Findings (2)" in text and "Suppressed (1, not scored)" in text
    assert (
        "- meta.issuer-title-mismatch: Issuer's titles disagree (ignore: titles checked by phone, until 2030-01-01)"
        in text
    )
    assert "+10.0" not in text


@pytest.mark.parametrize("make", [fail_result, pass_result, error_result])
def test_json_and_jsonl_round_trip(make):
    result = make()
    line = render_jsonl(result)
    assert line.endswith("\n") and "\n" not in line[:-1]
    assert json.loads(line) == result_record(result)
    text = render_json(result)
    assert text.endswith("}\n") and text.startswith('{\n  "schema_version": "1.1",')
    assert json.loads(text) == result_record(result)


def test_json_keeps_non_ascii_and_escapes_control_characters():
    result = Result("lettre-é.txt", SHA, "text", "pass", 0, {"origin": 0, "authority": 0}, "a\x1bb", (), fail_fields())
    line = render_jsonl(result)
    assert "lettre-é.txt" in line and "\x1b" not in line and "\\u001b" in line


# --- the schema ----------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("make", [fail_result, pass_result, error_result])
def test_every_record_validates(make):
    errors = list(Draft202012Validator(SCHEMA).iter_errors(json.loads(render_json(make()))))
    assert errors == []


def broken(mutate) -> dict:
    """The fail record with one change applied."""
    record = copy.deepcopy(result_record(fail_result()))
    mutate(record)
    return record


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r.update(verdict="suspicious"),
        lambda r: r.pop("reason"),
        lambda r: r.update(extra=1),
        lambda r: r.update(score=101),
        lambda r: r.update(schema_version="2.0"),
        lambda r: r["axes"].pop("origin"),
        lambda r: r["findings"][0].pop("fingerprint"),
        lambda r: r["findings"][0].update(severity="urgent"),
        lambda r: r["findings"][0]["evidence"][0].pop("context"),
        lambda r: r["fields"]["signature"].update(signed="no"),
        lambda r: r["fields"].pop("issuer"),
        lambda r: r.update(error={"type": "not-found", "message": "x", "stage": "read"}),
        lambda r: r["findings"][0].update(suppressed={"kind": "forgotten"}),
    ],
    ids=[
        "bad-verdict",
        "missing-key",
        "extra-key",
        "score-range",
        "version",
        "axis-missing",
        "no-fingerprint",
        "bad-severity",
        "evidence-key",
        "signed-type",
        "fields-incomplete",
        "error-with-verdict",
        "bad-suppression",
    ],
)
def test_schema_rejects_bad_records(mutate):
    assert not Draft202012Validator(SCHEMA).is_valid(broken(mutate))


def test_schema_rejects_an_error_record_with_fields():
    record = result_record(error_result())
    record["fields"] = {"issuer": None}
    assert not Draft202012Validator(SCHEMA).is_valid(record)


# --- console report ------------------------------------------------------------------


def test_golden_fail_report():
    check_golden("report-fail.txt", render(fail_result(), color=False))


def test_golden_pass_report():
    check_golden("report-pass.txt", render(pass_result(), color=False))


def test_golden_error_report_is_one_line():
    text = render(error_result(), color=False)
    assert text == "ERROR not-found at read: no such file\n"
    check_golden("report-error.txt", text)


def test_plain_report_fits_80_columns_without_escape_codes():
    text = render(fail_result(), color=False, width=80)
    assert "\x1b" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert all(ord(ch) < 128 or ch in "«»…" for ch in text)


def test_plain_report_marks_matches_with_guillemets():
    text = render(fail_result(), color=False)
    assert "«will be repositioning forces»" in text and "«order our departure»" in text


def test_colour_report_styles_the_match_and_drops_guillemets():
    text = render(fail_result(), color=True)
    assert "«" not in text
    assert "\x1b[1;7mwill be repositioning forces\x1b[0m" in text


def test_matched_words_carry_the_match_style():
    from authcheck.reporters.console import MATCH_STYLE, evidence_text

    ev = fail_result().findings[2].evidence[0]
    text = evidence_text(ev, plain=False)
    styled = [text.plain[s.start : s.end] for s in text.spans if str(s.style) == MATCH_STYLE]
    assert styled == ["will be repositioning forces"]


def test_document_text_cannot_inject_escape_codes_or_markup():
    ev = Evidence("[red]x[/red]", "body", context="a \x1b[31m[red]x[/red]\u202e b", highlight=(11, 23))
    finding = Finding("x.rule", "T", "low", "origin", 5, "m", evidence=(ev,), contribution=1.0)
    result = Result("a\x1b.txt", SHA, "text", "pass", 1, {"origin": 1, "authority": 0}, "r", (finding,), fail_fields())
    text = render(result, color=True)
    assert "\x1b[31m" not in text and "\\x1b" in text and "\\u202e" in text and "[red]x[/red]" in text


def test_long_context_is_trimmed_around_the_match():
    from authcheck.reporters.console import evidence_text

    context = "word " * 100 + "MATCH" + " tail" * 100
    ev = Evidence("MATCH", "body", page=2, line=4, context=context, highlight=(500, 505))
    text = evidence_text(ev, plain=True).plain
    assert text.startswith("p2 l4 body: …word") and text.endswith("tail…") and "«MATCH»" in text
    assert len(text) < 220


def test_unsigned_plain_text_says_absence_is_weak_evidence():
    assert "absence is weak evidence" in render(fail_result(), color=False)


def test_missing_issuer_date_and_signature_say_not_found():
    fields = dict(
        fail_fields(),
        issuer={"name": None, "title": None, "organization": None, "source": None, "claims": []},
        date=None,
        signature=None,
        recipient=None,
        subject=None,
    )
    result = Result("x.txt", SHA, "text", "review", 30, {"origin": 30, "authority": 0}, "r", (), fields)
    text = render(result, color=False)
    assert "Issuer      not found" in text and "Date        not found" in text
    assert "UNDETERMINED" in text and "Recipient" not in text and "Subject" not in text


# --- consoles ------------------------------------------------------------------------


class FakeTTY(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_make_console_colours_a_tty_only(monkeypatch):
    from authcheck.reporters.console import make_console

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert make_console(FakeTTY()).color_system is not None
    assert make_console(io.StringIO()).color_system is None
    assert make_console(io.StringIO(), color=True).color_system is not None
    assert make_console(FakeTTY(), color=False).color_system is None


def test_no_color_disables_colour(monkeypatch):
    from authcheck.reporters.console import make_console, render_report

    monkeypatch.setenv("NO_COLOR", "1")
    buf = FakeTTY()
    console = make_console(buf, width=100)
    assert console.color_system is None
    render_report(fail_result(), console)
    assert "\x1b" not in buf.getvalue() and "«" in buf.getvalue()


def test_reporters_are_chosen_by_name():
    assert set(REPORTERS) == {"console", "json", "jsonl", "html"}
    for name, expected in (("json", render_json), ("jsonl", render_jsonl)):
        buf = io.StringIO()
        REPORTERS[name](fail_result(), buf)
        assert buf.getvalue() == expected(fail_result())
    buf = io.StringIO()
    REPORTERS["console"](fail_result(), buf, color=False, width=100)
    assert buf.getvalue() == render(fail_result(), color=False)
    buf = io.StringIO()
    REPORTERS["html"](fail_result(), buf)
    assert buf.getvalue().startswith("<!DOCTYPE html>") and fail_result().findings[0].title in buf.getvalue()


@pytest.mark.parametrize("module", ["authcheck.reporters.jsonout", "authcheck.reporters"])
def test_rich_is_not_imported_by_json_reporters(module):
    code = f"import {module}, sys; assert 'rich' not in sys.modules, 'rich imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_export_svg(tmp_path):
    from authcheck.reporters.console import export_svg

    out = tmp_path / "report.svg"
    export_svg(fail_result(), str(out), width=100)
    svg = out.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "repositioning" in svg


# --- extract view --------------------------------------------------------------------

LETTER_LINES = [
    "HEADQUARTERS, COMBINED JOINT TASK FORCE - OPERATION INHERENT RESOLVE",
    "BAGHDAD, IRAQ",
    "6 January 2020",
    "MEMORANDUM FOR Iraqi Ministry of Defense",
    "SUBJECT: Repositioning of forces",
    POLICY_SENTENCE,
    DEPARTURE_SENTENCE,
    "Respectfully,",
    "WILLIAM H. SEELY III",
    "Brigadier General, US Marine Corps",
]


def make_letter() -> Letter:
    """A small letter with every part filled, as extraction would build it."""
    lines, at = [], 0
    for number, text in enumerate(LETTER_LINES, 1):
        lines.append(Line(text, page=1, number=number, start=at, end=at + len(text)))
        at += len(text) + 1
    doc = Document(
        path="samples/seed-letter.txt",
        sha256=SHA,
        size=at,
        format="text",
        extension=".txt",
        lines=tuple(lines),
        metadata=Metadata(),
        notes=(Note("no-metadata", "plain text carries no metadata"),),
    )

    def fact(n: int, part: str, text: str | None = None) -> Fact:
        line = lines[n - 1]
        text = text or line.text
        start = line.start + line.text.index(text)
        return Fact(text, Location(part, page=1, line=n, start=start, end=start + len(text)))

    def span(first: int, last: int) -> tuple[int, int]:
        return (lines[first - 1].start, lines[last - 1].end)

    sentences = tuple(Sentence(lines[n - 1].text, lines[n - 1].start, lines[n - 1].end, 1, n) for n in (6, 7))
    return Letter(
        document=doc,
        letterhead=Letterhead(
            lines=(fact(1, "letterhead"), fact(2, "letterhead")),
            organization=(fact(1, "letterhead"),),
            address=(fact(2, "letterhead"),),
        ),
        issuer=Party(name=fact(9, "signature_block"), title=fact(10, "signature_block"), source="signature_block"),
        recipient=Party(organization=fact(4, "recipient", "Iraqi Ministry of Defense"), source="address_block"),
        date=DateFact("6 January 2020", "2020-01-06", fact(3, "date_line").loc),
        dates=(DateFact("6 January 2020", "2020-01-06", fact(3, "date_line").loc),),
        subject=fact(5, "subject", "Repositioning of forces"),
        salutation=None,
        sentences=sentences,
        signature_block=SignatureBlock(
            closing=fact(8, "signature_block"),
            name=fact(9, "signature_block"),
            titles=(fact(10, "signature_block"),),
            start=lines[7].start,
            end=lines[9].end,
            page=1,
        ),
        signature=SignatureEvidence(
            signed=False, reason="no /s/ line, signature image or digital signature", strength="weak"
        ),
        parts={"letterhead": (span(1, 2),), "body": (span(6, 7),), "signature_block": (span(8, 10),)},
    )


def test_letter_record_shape():
    record = letter_record(make_letter())
    assert list(record) == [
        "schema_version",
        "document",
        "metadata",
        "signature_fields",
        "images",
        "parts",
        "letterhead",
        "issuer",
        "recipient",
        "date",
        "dates",
        "subject",
        "salutation",
        "sentences",
        "signature_block",
        "signature",
        "forensics",
        "notes",
    ]
    assert record["parts"][1] == {
        "part": "body",
        "start": 172,
        "end": 472,
        "first_line": 6,
        "last_line": 7,
        "text": POLICY_SENTENCE + "\n" + DEPARTURE_SENTENCE,
    }
    assert record["issuer"]["name"] == {
        "text": "WILLIAM H. SEELY III",
        "part": "signature_block",
        "page": 1,
        "line": 9,
        "start": 487,
        "end": 507,
        "key": None,
    }
    assert record["date"] == {
        "text": "6 January 2020",
        "value": "2020-01-06",
        "part": "date_line",
        "page": 1,
        "line": 3,
        "start": 83,
        "end": 97,
        "key": None,
    }
    assert record["signature"] == {
        "signed": False,
        "kinds": [],
        "strength": "weak",
        "reason": "no /s/ line, signature image or digital signature",
        "evidence": [],
    }
    assert json.loads(json.dumps(record)) == record


def test_golden_extract_view():
    from authcheck.reporters.console import make_console
    from authcheck.reporters.extractview import render_extract

    buf = io.StringIO()
    render_extract(make_letter(), make_console(buf, color=False, width=100))
    check_golden("extract.txt", buf.getvalue())
