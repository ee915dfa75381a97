"""DOCX forensics: each signal with its evidence, each docx.* rule firing or not, end to end.

Fixtures are built in memory by tools/docx_forensic_fixtures.py (nothing binary is committed).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pytest

import authcheck
from authcheck.forensics import docxparts
from authcheck.forensics.docxfacts import examine
from authcheck.forensics.docxkeys import DOCX_KEYS
from authcheck.loaders import load
from authcheck.loaders.ooxml import safe_xml
from authcheck.settings import Limits, Settings
from tools import docx_forensic_fixtures as fx
from tools.docgen import letter_docx

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def facts_of(data: bytes):
    """The forensic signals of a DOCX, as the pipeline computes them."""
    doc = load(data, path="x.docx", sha256=hashlib.sha256(data).hexdigest(), password=None, limits=Limits())
    return examine(data, doc, Settings()), doc


def findings(data: bytes) -> dict:
    """rule id -> finding, for the docx.* rules, through the public API."""
    result = authcheck.check(data, name="x.docx")
    assert result.error is None
    return {f.rule: f for f in result.findings}


@pytest.fixture(scope="module")
def tracked():
    """Facts and document of the tracked-changes-and-comments letter."""
    return facts_of(fx.tracked_changes_docx())


# --- tracked changes and comments ------------------------------------------------------------


def test_tracked_changes_quote_text_author_and_date(tracked):
    facts, doc = tracked
    assert facts["tracked_changes"].value == 2
    assert facts["tracked_inserted_text"].value == [fx.INSERTED]
    assert facts["tracked_deleted_text"].value == [fx.DELETED.strip()]
    assert facts["tracked_authors"].value == ["A. Smith", "J. Doe"]
    assert facts["tracked_format_changes"].value == 1 and facts["tracking_on"].value is True
    ins, dele = facts["tracked_changes"].evidence
    assert (ins.text, ins.loc.part, ins.loc.key) == (fx.INSERTED, "docx:word/document.xml", "w:ins")
    assert ins.context == f'inserted by J. Doe on {fx.W_DATE}: "{fx.INSERTED}"'
    assert ins.context[ins.highlight[0] : ins.highlight[1]] == fx.INSERTED
    assert doc.lines[ins.loc.line - 1].text == fx.INSERTED and ins.loc.page == 1
    assert (dele.loc.key, dele.loc.line) == (
        "w:del",
        None,
    ) and "deleted by A. Smith on 2020-01-05T15:01:00Z" in dele.context
    [fmt] = facts["tracked_format_changes"].evidence
    assert (fmt.loc.key, fmt.text) == ("w:rPrChange", "run formatting") and "J. Doe" in fmt.context
    assert "working copy" in facts["tracked_changes"].explanation


def test_comments_with_author_initials_date_text_anchor_and_resolved_state(tracked):
    facts, doc = tracked
    assert (facts["comments"].value, facts["comments_open"].value) == (2, 1)
    assert facts["comment_authors"].value == ["J. Doe", "R. Analyst"]
    first, second = facts["comments"].evidence
    assert (first.text, first.loc.part, first.loc.key) == (fx.COMMENT, "docx:word/comments.xml", "w:comment")
    assert first.context.startswith("comment by R. Analyst (RA), 2020-01-05T15:10:00Z: ")
    assert '(on "The meetings will review the published flight schedule' in first.context
    assert "The meetings will review" in doc.lines[first.loc.line - 1].text
    assert "[resolved]" in second.context and fx.RESOLVED in second.context


def test_tracked_changes_and_comments_rules_end_to_end():
    result = authcheck.check(fx.tracked_changes_docx(), name="x.docx")
    found = {f.rule: f for f in result.findings}
    tracked, comments = found["docx.tracked-changes"], found["docx.comments"]
    assert (tracked.axis, tracked.weight, comments.axis, comments.weight) == ("authority", 50, "authority", 30)
    assert f'inserted "{fx.INSERTED}"' in tracked.message and "J. Doe" in tracked.message
    assert any(e.loc.key == "w:ins" and "J. Doe" in e.context and fx.W_DATE in e.context for e in tracked.evidence)
    assert any(e.loc.key == "w:del" and "A. Smith" in e.context for e in tracked.evidence)
    assert result.fields["forensics"]["tracked_changes"] == 2
    assert result.fields["forensics"]["tracked_inserted_text"] == [fx.INSERTED]
    assert result.axes["origin"] == 0 and result.verdict == "fail"


def test_paragraph_mark_revisions_are_not_counted_and_moves_are():
    xml = (
        f'<w:body xmlns:w="{docxparts.W}"><w:p><w:pPr><w:rPr><w:ins w:id="1" w:author="A"/></w:rPr></w:pPr>'
        '<w:moveFrom w:id="2" w:author="B"><w:r><w:t>old place</w:t></w:r></w:moveFrom>'
        '<w:moveTo w:id="3" w:author="B"><w:r><w:t>new place</w:t></w:r></w:moveTo></w:p></w:body>'
    )
    scan = docxparts.StoryScan()
    scan.scan(safe_xml(xml.encode(), "t"), "word/document.xml")
    assert scan.revision_count == 2
    assert [(r.kind, r.text) for r in scan.revisions] == [("moved away", "old place"), ("moved here", "new place")]


# --- hidden text, properties, ZIP times --------------------------------------------------------


def test_hidden_text_signal_and_rule():
    data = fx.hidden_text_docx()
    facts, doc = facts_of(data)
    assert facts["hidden_text"].value == [fx.HIDDEN]
    [ev] = facts["hidden_text"].evidence
    assert (ev.loc.key, ev.loc.part) == ("w:vanish", "docx:word/document.xml") and fx.HIDDEN in doc.lines[
        ev.loc.line - 1
    ].text
    finding = findings(data)["docx.hidden-text"]
    assert (finding.axis, finding.weight) == ("origin", 25) and fx.HIDDEN in finding.message


def test_hidden_text_through_a_character_style_and_not_in_deletions():
    styles = (
        f'<w:styles xmlns:w="{docxparts.W}"><w:style w:type="character" w:styleId="Secret">'
        "<w:rPr><w:vanish/></w:rPr></w:style></w:styles>"
    )
    body = (
        f'<w:body xmlns:w="{docxparts.W}"><w:p><w:r><w:t>Visible. </w:t></w:r>'
        '<w:r><w:rPr><w:rStyle w:val="Secret"/></w:rPr><w:t>Styled away.</w:t></w:r></w:p>'
        '<w:p><w:r><w:rPr><w:rStyle w:val="Secret"/><w:vanish w:val="0"/></w:rPr><w:t>Shown again.</w:t></w:r>'
        '<w:del w:author="X"><w:r><w:rPr><w:vanish/></w:rPr><w:delText>gone</w:delText></w:r></w:del></w:p></w:body>'
    )
    scan = docxparts.StoryScan(hidden_styles=docxparts.hidden_styles(safe_xml(styles.encode(), "s")))
    scan.scan(safe_xml(body.encode(), "b"), "word/document.xml")
    assert [f.text for f in scan.hidden] == ["Styled away."]


def test_properties_are_reported_as_stored():
    facts, _ = facts_of(fx.minute_docx())
    assert facts["app_application"].value == "Microsoft Office Word" and facts["app_total_time"].value == 0
    assert facts["core_revision"].value == 2 and facts["core_created"].value == "2020-01-06T05:00:00Z"
    assert facts["core_missing"].value is False and facts["zip_times"].value == "word-style (1980-01-01)"
    ev = facts["app_total_time"].evidence[0]
    assert (ev.loc.part, ev.loc.key, ev.text) == ("docx:docProps/app.xml", "TotalTime", "0")


def test_missing_core_properties_invent_nothing():
    data = fx.no_core_docx()
    facts, _ = facts_of(data)
    assert facts["core_missing"].value is True
    assert not [k for k in facts if k.startswith("core_") and k != "core_missing"]
    finding = findings(data)["docx.core-properties-missing"]
    assert (finding.axis, finding.weight, finding.severity) == ("origin", 10, "low")


def test_editing_time_fires_only_on_a_long_letter():
    assert findings(fx.minute_docx())["docx.editing-time"].weight == 5
    short = fx.rewrite(
        letter_docx(fx.spec()),
        {"docProps/app.xml": lambda x: x.replace("</Template>", "</Template><TotalTime>0</TotalTime>")},
    )
    assert "docx.editing-time" not in findings(short)


def test_zip_times_and_tool_mismatch_when_word_is_claimed():
    data = fx.word_claim_real_times(letter_docx(fx.spec()))
    facts, _ = facts_of(data)
    assert facts["zip_times"].value == "2020-01-06 09:41:02"
    assert facts["tool_mismatch"].value == [
        "ZIP entry times are 2020-01-06 09:41:02, but Word writes 1980-01-01 for every entry"
    ]
    assert facts["tool_mismatch"].evidence[0].loc.key == "Application"
    finding = findings(data)["docx.tool-mismatch"]
    assert (finding.axis, finding.weight) == ("origin", 15) and "Microsoft Office Word" in finding.message


def test_python_docx_defaults_contradict_a_word_claim():
    data = fx.rewrite(
        letter_docx(fx.spec()),
        {
            "docProps/core.xml": lambda x: x.replace(
                "Whitfield, James T. COL USARMY</dc:creator>", "python-docx</dc:creator>"
            )
        },
    )
    facts, _ = facts_of(data)
    assert facts["generator"].value.startswith("python-docx")
    assert facts["tool_mismatch"].value == ["core.xml dc:creator is 'python-docx', a python-docx default"]


def test_libreoffice_resave_of_a_genuine_signed_letter_stays_below_fail():
    data = fx.libreoffice_resave(letter_docx(fx.spec()), by="Registry Clerk")
    facts, _ = facts_of(data)
    assert facts["generator"].value == "LibreOffice/OpenOffice" and facts["tool_mismatch"].value == []
    assert (
        facts["zip_times"].value == "2021-03-05 14:22:10" and facts["core_last_modified_by"].value == "Registry Clerk"
    )
    result = authcheck.check(data, name="x.docx")
    assert result.verdict != "fail" and result.letter.signature.signed is True
    assert not [f.rule for f in result.findings if f.rule.startswith("docx.")]


# --- watermark and signatures ----------------------------------------------------------------


def test_watermark_text_is_a_fact():
    facts, _ = facts_of(letter_docx(fx.spec(watermark="DRAFT")))
    assert facts["watermark_text"].value == ["DRAFT"]
    ev = facts["watermark_text"].evidence[0]
    assert ev.loc.part.startswith("docx:word/header") and ev.loc.key == "v:textpath"


def test_unsigned_signature_line():
    data = fx.signature_line_docx()
    facts, _ = facts_of(data)
    assert (facts["signature_lines"].value, facts["signature_line_unsigned"].value) == (1, True)
    assert facts["signature_line_unsigned"].evidence[0].text.startswith("James T. Whitfield, Colonel, US Army")
    found = findings(data)
    assert found["docx.signature-line-unsigned"].axis == "authority"
    assert "docx.signature-not-validated" not in found


def test_signed_signature_line_is_reported_but_not_validated():
    data = fx.signature_line_docx(signed=True)
    facts, _ = facts_of(data)
    assert (facts["signature_line_unsigned"].value, facts["xml_signatures"].value) == (False, 1)
    ev = facts["xml_signatures"].evidence[0]
    assert (
        ev.loc.part == "docx:_xmlsignatures/sig1.xml"
        and "CN=WHITFIELD.JAMES.T" in ev.text
        and "not validated" in ev.text
    )
    assert "did not validate" in facts["xml_signatures"].explanation and facts["xml_signature_problems"].value == []
    found = findings(data)
    assert found["docx.signature-not-validated"].weight == 10 and "docx.signature-line-unsigned" not in found


def test_a_fake_signature_part_weighs_more():
    data = fx.rewrite(fx.signature_line_docx(signed=True), {"_xmlsignatures/sig1.xml": lambda _: "<Signature/>"})
    facts, _ = facts_of(data)
    assert facts["xml_signature_problems"].value == ["_xmlsignatures/sig1.xml: the root element is not ds:Signature"]
    assert findings(data)["docx.signature-not-validated"].weight == 45


# --- robustness, keys, samples, extract view ------------------------------------------------------


def test_malformed_parts_are_skipped_not_fatal():
    good = fx.tracked_changes_docx()
    data = fx.rewrite(good, {"word/commentsExtended.xml": lambda _: "not xml"})  # python-docx never reads it
    result = authcheck.check(data, name="x.docx")
    assert result.error is None and not result.letter.document.has_note("forensics-failed")
    assert result.letter.document.signals["comments_open"].value == 2
    broken = fx.rewrite(good, {"word/comments.xml": lambda _: "<w:comments", "word/settings.xml": lambda _: "x"})
    facts = examine(broken, facts_of(good)[1], Settings())
    assert facts["comments"].value == 0 and facts["tracked_changes"].value == 2 and facts["tracking_on"].value is False


def test_element_budget_stops_the_scan(monkeypatch):
    monkeypatch.setattr(docxparts, "ELEMENT_BUDGET", 50)
    facts, _ = facts_of(fx.tracked_changes_docx())
    assert facts["docx_scan_limited"].value is True


@pytest.mark.parametrize(
    "make",
    [
        fx.tracked_changes_docx,
        fx.no_core_docx,
        fx.hidden_text_docx,
        fx.signature_line_docx,
        lambda: fx.signature_line_docx(True),
        fx.minute_docx,
    ],
)
def test_every_fact_is_declared_and_explained(make):
    facts, _ = facts_of(make())
    assert set(facts) <= set(DOCX_KEYS)
    assert all(signal.explanation for signal in facts.values())


def test_every_key_has_a_one_line_meaning():
    assert all(meaning and "\n" not in meaning for meaning in DOCX_KEYS.values())


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.docx")))
def test_samples_raise_no_docx_findings(name):
    result = authcheck.check(SAMPLES / name)
    assert not [f.rule for f in result.findings if f.rule.startswith("docx.")]
    assert result.letter.document.signals["zip_times"].value == "word-style (1980-01-01)"


def test_extract_shows_a_forensics_table(cli, tmp_path):
    path = tmp_path / "tracked.docx"
    path.write_bytes(fx.tracked_changes_docx())
    out = cli("extract", str(path), env={"COLUMNS": "200"}).stdout
    assert "Forensics" in out
    row = next(line for line in out.splitlines() if "tracked_inserted_text" in line)
    assert fx.INSERTED in row


def test_fixture_core_dates_are_utc():
    assert fx.spec().metadata["created"] == datetime(2020, 1, 6, 5, 0, tzinfo=timezone.utc)
