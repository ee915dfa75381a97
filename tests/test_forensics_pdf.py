"""PDF forensics: each signal with its evidence, each rule firing or not, and end-to-end verdicts.

Fixtures are built in memory by tools/pdf_forensic_fixtures.py from docgen letters.  Tests that
need a real signature use pyHanko (the `signatures` extra) and skip without it; the cheap checks
(/ByteRange, revisions after signing) also run on docgen's placeholder-signed letter, so they are
covered everywhere.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil

import pytest

import authcheck
from authcheck.forensics import pdfsigs
from authcheck.forensics.pdffacts import examine
from authcheck.forensics.pdfkeys import PDF_KEYS
from authcheck.forensics.pdfmeta import _same_date, classify
from authcheck.forensics.pdfrevisions import walk
from authcheck.loaders import load
from authcheck.model import Document, Metadata
from authcheck.settings import Limits, Settings
from tools import pdf_forensic_fixtures as fx
from tools.docgen import Img, build_pdf, layout_pages

HAVE_PYHANKO = importlib.util.find_spec("pyhanko") is not None
needs_pyhanko = pytest.mark.skipif(not HAVE_PYHANKO, reason="pyHanko (authcheck[signatures]) is not installed")
SECRET = "All coalition forces will withdraw."


@pytest.fixture(autouse=True)
def _no_trust_roots(monkeypatch):
    """No trust roots from the caller's environment unless a test sets them."""
    monkeypatch.delenv(pdfsigs.TRUST_ENV, raising=False)


def facts_of(data: bytes):
    """(facts, document) for PDF bytes, loaded as the pipeline loads them."""
    doc = load(data, path="letter.pdf", sha256=hashlib.sha256(data).hexdigest(), password=None, limits=Limits())
    return examine(data, doc, Settings()), doc


def check(data: bytes):
    """The full check of PDF bytes, and {rule: weight} of what fired."""
    result = authcheck.check(data, name="letter.pdf")
    return result, {f.rule: f.weight for f in result.findings}


def value(facts, key):
    """A fact's value, or None when the fact was not produced."""
    return facts[key].value if key in facts else None


@pytest.fixture(scope="module")
def genuine():
    return fx.genuine()


@pytest.fixture(scope="module")
def signed():
    if not HAVE_PYHANKO:
        pytest.skip("pyHanko (authcheck[signatures]) is not installed")
    return fx.sign(fx.genuine(None))


# -- keys ---------------------------------------------------------------------------------------


def test_every_key_has_a_one_line_meaning():
    assert all(k.startswith("pdf_") and meaning and "\n" not in meaning for k, meaning in PDF_KEYS.items())


def test_every_fact_produced_is_declared(genuine):
    samples = [
        genuine,
        fx.add_text(genuine, SECRET),
        fx.set_info(genuine, exiftool=True, Author="x"),
        fx.active_content(),
        fx.hidden_text_letter(),
        fx.scanned(ocr=True),
        fx.print_to_pdf_copy(),
        fx.add_text(fx.placeholder_signed(), SECRET),
        fx.info_xmp_mismatch(),
        fx.form_field(),
        fx.add_annotation(genuine, "approved", flags=2),
        fx.genuine("empty-field"),
        fx.append_junk(genuine),
    ]
    produced = {key for data in samples for key in facts_of(data)[0]}
    assert produced <= set(PDF_KEYS), produced - set(PDF_KEYS)


# -- a genuine letter is quiet ------------------------------------------------------------------


def test_genuine_letter_has_one_revision_and_no_findings(genuine):
    facts, _ = facts_of(genuine)
    assert {k: f.value for k, f in facts.items()} == {
        "pdf_linearized": False,
        "pdf_revisions": 1,
        "pdf_producer_kind": "office",
    }
    assert facts["pdf_revisions"].evidence[0].text == f"revision 1: bytes 0-{len(genuine)}"
    result, fired = check(genuine)
    assert result.verdict == "pass" and fired == {}


# -- revisions ----------------------------------------------------------------------------------


def test_text_added_in_a_later_revision(genuine):
    edited = fx.add_text(genuine, SECRET)
    facts, _ = facts_of(edited)
    assert value(facts, "pdf_revisions") == 2
    assert value(facts, "pdf_revision_changes") == ["text"]
    assert value(facts, "pdf_text_changes") == [f"revision 2: + {SECRET}"]
    ev = facts["pdf_text_changes"].evidence[0]
    assert (ev.text, ev.loc.part, ev.loc.page, ev.loc.key) == (f"+ {SECRET}", "revision", 1, "2")
    result, fired = check(edited)
    # the added sentence sits below the signature block: that text is read too (wording rule, weighed as signed)
    assert fired == {"pdf.revised": 25, "wording.policy-change": 10} and result.axes["origin"] == 25
    assert next(f for f in result.findings if f.rule == "wording.policy-change").evidence[0].loc.part == "trailer"


def test_page_added_in_a_later_revision(genuine):
    facts, _ = facts_of(fx.add_page(genuine, "Annex A: withdrawal timetable"))
    assert value(facts, "pdf_pages_changed") == ["revision 2: 1 -> 2 page(s)"]
    assert value(facts, "pdf_text_changes") == ["revision 2: + Annex A: withdrawal timetable"]
    assert facts["pdf_text_changes"].evidence[0].loc.page == 2
    assert check(fx.add_page(genuine, "Annex A"))[1] == {"pdf.revised": 25}


def test_revisions_follow_prev_not_eof_count(genuine):
    edited = fx.add_text(fx.set_info(genuine, Author="a"), "x")
    structure = walk(edited)
    assert [r.number for r in structure.revisions] == [1, 2, 3] and structure.problems == []
    assert structure.revisions[0].end == len(genuine)
    junk = fx.append_junk(genuine, b"%%EOF\n%%EOF\ngarbage\n")
    facts, _ = facts_of(junk)
    assert value(facts, "pdf_revisions") == 1 and value(facts, "pdf_trailing_bytes") == len(b"%%EOF\n%%EOF\ngarbage")


@pytest.mark.parametrize("use_qpdf", [False, True], ids=["by-hand", "qpdf"])
def test_linearized_file_is_one_revision(genuine, use_qpdf):
    if use_qpdf and not shutil.which("qpdf"):
        pytest.skip("qpdf is not installed")
    linear = fx.linearize(genuine, use_qpdf=use_qpdf)
    facts, _ = facts_of(linear)
    assert value(facts, "pdf_linearized") is True and value(facts, "pdf_revisions") == 1
    assert check(linear)[1] == {}
    updated = fx.set_info(linear, exiftool=True, Author="someone else")
    facts, _ = facts_of(updated)
    assert value(facts, "pdf_revisions") == 2 and value(facts, "pdf_exiftool_updates") == 1


def test_broken_chain_is_a_structural_fact(genuine):
    outside = genuine.replace(b"startxref\n", b"startxref\n9", 1)
    facts, _ = facts_of(outside)
    assert "lies outside the file" in value(facts, "pdf_structure_problems")[0]
    edited = fx.add_text(genuine, SECRET)
    own = str(int(edited.rsplit(b"startxref\n", 1)[1].split()[0])).encode()
    looped = edited.replace(b"/Prev %d" % int(genuine.rsplit(b"startxref\n", 1)[1].split()[0]), b"/Prev " + own)
    facts, _ = facts_of(looped)
    assert value(facts, "pdf_structure_problems") == [f"the /Prev chain loops back to offset {own.decode()}"]
    assert value(facts, "pdf_revisions") == 1


def test_revision_walk_backstop_is_reported_as_truncated(genuine):
    data = genuine
    for n in range(55):
        data = fx.set_info(data, Title=f"t{n}")
    structure = walk(data, max_sections=50)
    assert len(structure.revisions) == 50
    assert structure.problems == ["more than 50 cross-reference sections; stopped following /Prev"]
    assert "not fully read" in structure.truncated
    assert len(walk(data).revisions) == 56 and walk(data).truncated is None  # the default walks them all


@pytest.fixture(scope="module")
def padded_edit(genuine):
    """A real edit in the first update, hidden under 60 empty updates."""
    return fx.empty_updates(fx.add_text(genuine, SECRET), 60)


def test_edit_under_sixty_empty_updates_is_found(padded_edit):
    structure = walk(padded_edit)
    assert len(structure.revisions) == 62 and structure.truncated is None
    facts, _ = facts_of(padded_edit)
    assert f"revision 2: + {SECRET}" in value(facts, "pdf_text_changes")
    result, fired = check(padded_edit)
    assert "pdf.revised" in fired and result.verdict != "pass"


def test_revision_walk_cut_by_time_is_a_truncated_finding(padded_edit, monkeypatch):
    from authcheck.forensics import pdfdiff

    calls = iter(range(10**6))
    monkeypatch.setattr(pdfdiff.Budget, "left", lambda self: next(calls) < 5)  # time runs out after 5 sections
    result, fired = check(padded_edit)
    assert "file.truncated-analysis" in fired and result.verdict != "pass"
    assert any(n.code == "truncated" and "revision history" in n.detail for n in result.notes)


# -- metadata -----------------------------------------------------------------------------------


def test_exiftool_edit_recovers_the_earlier_author(genuine):
    edited = fx.set_info(genuine, exiftool=True, Author="someone else")
    facts, _ = facts_of(edited)
    assert value(facts, "pdf_exiftool_updates") == 1
    assert f"original size {len(genuine)} bytes" in facts["pdf_exiftool_updates"].evidence[0].text
    assert value(facts, "pdf_info_rewritten") == [
        "revision 2: Author: 'Whitfield, James T. COL USARMY' -> 'someone else'"
    ]
    assert check(edited)[1]["metadata.hand-edited"] == 25


def test_author_rewritten_in_a_later_save_is_weaker(genuine):
    facts, _ = facts_of(fx.set_info(genuine, Author="someone else"))
    assert value(facts, "pdf_exiftool_updates") is None and value(facts, "pdf_info_rewritten")
    assert check(fx.set_info(genuine, Author="someone else"))[1]["metadata.hand-edited"] == 15


def test_moddate_and_producer_suffix_are_bookkeeping(genuine):
    facts, _ = facts_of(fx.set_info(genuine, ModDate="D:20200301000000Z", Producer="Microsoft Word 2016; pypdf"))
    assert value(facts, "pdf_info_rewritten") is None and value(facts, "pdf_revision_changes") is None


def test_info_and_xmp_disagree():
    data = fx.info_xmp_mismatch()
    facts, _ = facts_of(data)
    assert value(facts, "pdf_info_xmp_mismatch") == [
        "Producer: Info /Producer 'Microsoft Word 2016' vs XMP pdf:Producer 'Microsoft: Print To PDF'",
        "Created: Info /CreationDate 'D:20200114074800+03'00'' vs XMP xmp:CreateDate '2020-01-15T07:48:00+03:00'",
    ]
    assert facts["pdf_info_xmp_mismatch"].evidence[0].loc.key == "/Producer / pdf:Producer"
    assert check(data)[1]["metadata.info-xmp-mismatch"] == 5  # the XMP names a converter: a copy


def test_header_and_catalog_versions_differ():
    facts, _ = facts_of(fx.version_bumped())
    assert value(facts, "pdf_version_mismatch") == "header 1.3, catalog /Version 1.7"
    assert check(fx.version_bumped())[1] == {}


@pytest.mark.parametrize(
    "info,xmp,same",
    [
        ("D:20200114074800+03'00'", "2020-01-14T04:48:00Z", True),
        ("D:20200114074800+03'00'", "2020-01-14T07:48:00", True),  # XMP without zone: local time
        ("D:20200114074800", "2020-01-14T07:48:00+03:00", True),  # Info without zone
        ("D:20200114074800+03'00'", "2020-01-15T07:48:00+03:00", False),
        ("D:junk", "2020-01-15T07:48:00+03:00", None),
    ],
)
def test_dates_compare_across_time_zones(info, xmp, same):
    assert _same_date(info, xmp) is same


@pytest.mark.parametrize(
    "tool,kind",
    [
        ("Microsoft: Print To PDF", "converter"),
        ("GPL Ghostscript 9.50", "converter"),
        ("Microsoft Word 2016", "office"),
        ("Canon iR-ADV C5535 PDF", "scanner"),
        ("Sejda PDF Editor", "online-editor"),
        ("PDF-XChange Editor 9.0", "pdf-editor"),
        ("Adobe Photoshop 24.0", "image-editor"),
        ("pypdf", "library"),
        ("Acrobat PDFMaker 15 for Word", "office"),
        ("Totally Unknown Tool", "unknown"),
    ],
)
def test_tool_classes(tool, kind):
    assert classify(tool) == kind


def test_unusual_producer_is_weak():
    data = fx.genuine(producer="Sejda PDF Editor 7.0", xmp=None)
    facts, _ = facts_of(data)
    assert value(facts, "pdf_producer_unusual") == "Sejda PDF Editor 7.0 (online-editor)"
    assert check(data)[1] == {"metadata.producer-unusual": 10}


# -- leaked copies ------------------------------------------------------------------------------


def test_print_to_pdf_copy_of_a_genuine_letter_stays_below_fail():
    copy = fx.print_to_pdf_copy()
    facts, _doc = facts_of(copy)
    assert value(facts, "pdf_reproduction") == "converter: Microsoft: Print To PDF"
    assert value(facts, "pdf_producer_kind") == "converter"
    result, fired = check(copy)
    assert result.fields["signature"]["signed"] is True  # the signature image survived
    assert fired["metadata.producer-unusual"] == 5
    assert all(w <= 15 for rule, w in fired.items() if rule.startswith(("metadata.producer", "metadata.info")))
    assert result.verdict != "fail" and result.score < 60


def test_scan_still_gets_structure_and_metadata_facts():
    facts, doc = facts_of(fx.scanned())
    assert doc.has_text_layer is False
    assert value(facts, "pdf_revisions") == 1
    assert value(facts, "pdf_reproduction") == "scanner: Canon iR-ADV C5535 PDF"
    result, fired = check(fx.scanned())
    assert fired == {"file.no-text-layer": 30, "metadata.producer-unusual": 5} and result.verdict == "review"


def test_image_only_without_a_scanner_name_is_a_reproduction():
    facts, _ = facts_of(build_pdf([[Img(0, 0, 612, 792)]]))
    assert value(facts, "pdf_reproduction") == "image-only"


# -- hidden content -----------------------------------------------------------------------------


def test_invisible_text_on_a_born_digital_page():
    data = fx.hidden_text_letter("invisible")
    facts, _ = facts_of(data)
    assert value(facts, "pdf_hidden_text") == ["invisible: All coalition forces will withdraw within 30 days."]
    ev = facts["pdf_hidden_text"].evidence[0]
    assert (ev.loc.page, ev.loc.part, ev.loc.key) == (1, "page", "invisible text")
    assert value(facts, "pdf_ocr_layer") is None
    # the hidden sentence sits below the signature block, where the wording rule now reads too
    assert check(data)[1] == {"content.hidden-text": 40, "wording.policy-change": 10}


def test_white_text_is_hidden_unless_painted_on_something():
    data = fx.hidden_text_letter("white")
    assert value(facts_of(data)[0], "pdf_hidden_text") == ["white: All coalition forces will withdraw within 30 days."]
    assert check(data)[1] == {"content.hidden-text": 30, "wording.policy-change": 10}
    ops = (
        "0 0 0.5 rg 72 680 300 30 re f BT /F1 12 Tf 1 g 1 0 0 1 80 690 Tm (on a blue band) Tj ET "
        "BT 0 g /F1 12 Tf 1 0 0 1 80 600 Tm (visible) Tj ET"
    )
    assert value(facts_of(fx.page_with_ops(ops))[0], "pdf_hidden_text") is None


def test_tiny_and_off_page_text():
    ops = (
        "BT 0 g /F1 0.5 Tf 1 0 0 1 80 500 Tm (tiny words) Tj ET "
        "BT 0 g /F1 12 Tf 1 0 0 1 80 5000 Tm (far away) Tj ET BT 0 g /F1 12 Tf 1 0 0 1 80 600 Tm (seen) Tj ET"
    )
    assert value(facts_of(fx.page_with_ops(ops))[0], "pdf_hidden_text") == ["off-page: far away", "tiny: tiny words"]


def test_ocr_layer_over_a_scan_is_normal():
    data = fx.scanned(ocr=True)
    facts, _ = facts_of(data)
    assert value(facts, "pdf_ocr_layer") == 1 and value(facts, "pdf_hidden_text") is None
    assert facts["pdf_ocr_layer"].evidence[0].text.startswith("HEADQUARTERS TASK FORCE IRAQ")
    result, fired = check(data)
    assert fired == {"content.ocr-layer": 2, "metadata.producer-unusual": 5} and result.verdict == "pass"


def test_hidden_annotation(genuine):
    data = fx.add_annotation(genuine, "approved by the minister", flags=2)
    facts, _ = facts_of(data)
    assert value(facts, "pdf_hidden_annotations") == ["FreeText (flagged hidden): 'approved by the minister'"]
    assert facts["pdf_hidden_annotations"].evidence[0].loc.page == 1
    assert check(data)[1]["content.hidden-text"] == 20


def test_form_field_text_not_in_the_page_text():
    facts, doc = facts_of(fx.form_field("J. Q. Example"))
    assert "J. Q. Example" not in doc.text
    assert value(facts, "pdf_form_text") == ["Approver = 'J. Q. Example'"]


def test_active_content_is_listed():
    data = fx.active_content()
    facts, _ = facts_of(data)
    assert value(facts, "pdf_active_content") == [
        "JavaScript when the document opens (/OpenAction)",
        "JavaScript 'init' in the document's name tree",
        "embedded file 'orders.txt'",
        "launch action (runs a program or opens a file) (cmd.exe) on page 1",
    ]
    assert check(data)[1] == {"content.active": 25}


# -- signatures without pyHanko (docgen's placeholder signature) ---------------------------------


def test_byte_range_sanity_checks():
    data = b"0123<ABCD>6789"
    for rng, problem in [
        ((0, 4, 10, 4), None),
        ((1, 3, 10, 4), "starts at byte 1"),
        ((0, 3, 10, 4), "not just the signature's /Contents string"),
        ((0, 4, 10, 9), "beyond the file's 14 bytes"),
    ]:
        sig = pdfsigs.SigInfo("S", True, contents=bytes.fromhex("ABCD"))
        pdfsigs.check_byte_range(sig, list(rng), data)
        assert (problem is None and sig.problems == []) or any(problem in p for p in sig.problems), sig.problems
    sig = pdfsigs.SigInfo("S", True, contents=bytes.fromhex("ABCE"))
    pdfsigs.check_byte_range(sig, [0, 4, 10, 4], data)
    assert sig.problems == ["S: the unsigned gap holds another value than the field's /Contents"]


def test_placeholder_signature_facts():
    facts, _ = facts_of(fx.placeholder_signed())
    assert value(facts, "pdf_signature_coverage") == "whole-file"
    assert value(facts, "pdf_signer") == "JAMES T. WHITFIELD" and value(facts, "pdf_signer_source") == "name-entry"
    assert value(facts, "pdf_signature_placeholder") == ["Signature1"]
    assert value(facts, "pdf_signature_fields")[0].startswith("Signature1: signed, /Name 'JAMES T. WHITFIELD'")


def test_signed_then_edited_letter_is_caught_without_pyhanko(monkeypatch):
    monkeypatch.setattr(pdfsigs, "validate", lambda data, settings: (_ for _ in ()).throw(ImportError("pyhanko")))
    signed = fx.placeholder_signed()
    edited = fx.add_text(signed, SECRET)
    facts, _ = facts_of(edited)
    assert value(facts, "pdf_signature_validation") == "not-done (install authcheck[signatures])"
    assert value(facts, "pdf_signature_coverage") == "partial"
    assert value(facts, "pdf_bytes_after_signature") == len(edited) - len(signed)
    assert value(facts, "pdf_changes_after_signing") == ["text"]
    assert facts["pdf_changes_after_signing"].evidence[0].text == f"+ {SECRET}"
    result, fired = check(edited)
    assert fired["pdf.changed-after-signing"] == 45 and fired["signature.not-covering"] == 10
    assert "pdf.revised" not in fired
    assert result.axes["origin"] >= 40


def test_white_box_over_signed_text_is_a_drawing_change():
    edited = fx.add_ops(fx.placeholder_signed(), "q 1 g 300 60 240 80 re f Q")
    facts, _ = facts_of(edited)
    assert value(facts, "pdf_changes_after_signing") == ["graphics"]
    assert value(facts, "pdf_revision_changes") == ["graphics"]
    assert check(edited)[1]["pdf.changed-after-signing"] == 45


def test_empty_signature_field():
    facts, _ = facts_of(fx.genuine("empty-field"))
    assert value(facts, "pdf_signature_fields") == ["Signature1: empty (not signed)"]
    assert value(facts, "pdf_signature_validation") is None and value(facts, "pdf_signer") is None
    result, fired = check(fx.genuine("empty-field"))
    assert "signature.unsigned" in fired and result.axes["origin"] == 0


@pytest.mark.parametrize(
    "cn,name",
    [
        ("DOE.JOHN.QUINCY.1234567890", "JOHN QUINCY DOE"),
        ("SEELY.WILLIAM.H.1122334455", "WILLIAM H SEELY"),
        ("Anna Lindqvist", "Anna Lindqvist"),
    ],
)
def test_cac_common_names_read_as_person_names(cn, name):
    assert pdfsigs.person_from_cn(cn) == name


def test_signer_mismatch_on_the_name_entry_is_weaker():
    data = build_pdf(
        layout_pages(fx.genuine_spec()),
        info={"Producer": "Microsoft Word 2016"},
        sig_field="digital",
        sig_name="Dmytro Kovalenko",
    )
    facts, _ = facts_of(data)
    assert value(facts, "pdf_signer") == "Dmytro Kovalenko" and value(facts, "pdf_signer_source") == "name-entry"
    assert check(data)[1]["signature.signer-mismatch"] == 25
    assert "signature.signer-mismatch" not in check(fx.placeholder_signed())[1]


# -- signatures with pyHanko --------------------------------------------------------------------


@needs_pyhanko
def test_signed_letter_is_intact_and_quiet(signed):
    facts, _ = facts_of(signed)
    assert value(facts, "pdf_signature_validation") == "done"
    assert value(facts, "pdf_signature_integrity") == "intact"
    assert value(facts, "pdf_signature_coverage") == "whole-file"
    assert value(facts, "pdf_signature_modification") == "none"
    assert value(facts, "pdf_signer") == fx.SIGNER and value(facts, "pdf_signer_source") == "certificate"
    assert value(facts, "pdf_signature_trust").startswith("not-checked")
    assert value(facts, "pdf_info_xmp_mismatch") is None  # pyHanko's "; pyHanko" producer suffix is not a mismatch
    result, fired = check(signed)
    assert fired == {} and result.verdict == "pass" and result.fields["signature"]["signed"] is True


@needs_pyhanko
def test_trust_only_against_supplied_roots(signed, tmp_path, monkeypatch):
    monkeypatch.setenv(pdfsigs.TRUST_ENV, str(fx.identity().write_cert(tmp_path)))
    assert value(facts_of(signed)[0], "pdf_signature_trust") == "trusted"
    stranger = fx.sign(fx.genuine(None), fx.identity("Dmytro Kovalenko"))
    assert value(facts_of(stranger)[0], "pdf_signature_trust") == "untrusted"
    assert check(stranger)[1]["signature.untrusted"] == 30


@needs_pyhanko
def test_signed_then_edited_letter(signed):
    edited = fx.add_text(signed, SECRET)
    facts, _ = facts_of(edited)
    assert value(facts, "pdf_signature_integrity") == "intact"  # valid for the revision it signed ...
    assert value(facts, "pdf_signature_modification") == "other"  # ... and pyHanko rejects what came after
    assert value(facts, "pdf_signature_docmdp_ok") is False
    assert value(facts, "pdf_changes_after_signing") == ["text"]
    result, fired = check(edited)
    assert fired == {"pdf.changed-after-signing": 45, "signature.not-covering": 10}
    assert result.axes["origin"] >= 40
    finding = next(f for f in result.findings if f.rule == "pdf.changed-after-signing")
    assert any(e.text == f"+ {SECRET}" and e.loc.page == 1 for e in finding.evidence)


@needs_pyhanko
def test_annotation_after_signing_is_weaker(signed):
    _result, fired = check(fx.add_annotation(signed, "withdraw all forces"))
    assert fired == {"pdf.changed-after-signing": 20, "signature.not-covering": 10}


@needs_pyhanko
def test_metadata_edit_after_signing_pyhanko_accepts(signed):
    facts, _ = facts_of(fx.set_info(signed, Title="Withdrawal"))
    assert value(facts, "pdf_signature_modification") == "lta_updates"
    assert value(facts, "pdf_changes_after_signing") == ["info"]
    fired = check(fx.set_info(signed, Title="Withdrawal"))[1]
    assert fired["pdf.changed-after-signing"] == 15 and fired["metadata.hand-edited"] == 15


@needs_pyhanko
def test_junk_after_signing_that_pyhanko_lets_through(signed):
    facts, _ = facts_of(fx.append_junk(signed))
    assert value(facts, "pdf_signature_modification") == "none"
    assert value(facts, "pdf_changes_after_signing") == ["appended-bytes"]
    assert check(fx.append_junk(signed))[1] == {"signature.not-covering": 30}


@needs_pyhanko
def test_rewritten_signed_file_is_broken(signed):
    if not shutil.which("qpdf"):
        pytest.skip("qpdf is not installed (the hand-made layout needs a docgen file)")
    rewritten = fx.linearize(signed, use_qpdf=True)
    facts, _ = facts_of(rewritten)
    assert value(facts, "pdf_signature_integrity") == "broken"
    assert value(facts, "pdf_signature_coverage") == "invalid"
    assert check(rewritten)[1] == {"signature.invalid": 45, "signature.not-covering": 10}


@needs_pyhanko
def test_signed_by_someone_else():
    stranger = fx.sign(fx.genuine(None), fx.identity("Dmytro Kovalenko"))
    facts, _ = facts_of(stranger)
    assert value(facts, "pdf_signer") == "Dmytro Kovalenko"
    result, fired = check(stranger)
    assert fired == {"signature.signer-mismatch": 40}
    finding = result.findings[0]
    assert "Dmytro Kovalenko" in finding.message and "JAMES T. WHITFIELD" in finding.message


# -- robustness ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.7\n",
        b"%PDF-1.4\nstartxref\n999999\n%%EOF\n",
        b"%PDF-1.4\n1 0 obj << /Type /XRef /Prev 9 >> stream\nstartxref\n9\n%%EOF",
    ],
)
def test_malformed_files_never_raise(data):
    doc = Document("x.pdf", "0", len(data), "pdf", ".pdf", (), Metadata())
    facts = examine(data, doc, Settings())
    assert "pdf_forensics_incomplete" in facts or "pdf_structure_problems" in facts


def test_truncated_file_keeps_what_it_found(genuine):
    data = fx.add_text(genuine, SECRET)[:-40]
    doc = Document("x.pdf", "0", len(data), "pdf", ".pdf", (), Metadata())
    facts = examine(data, doc, Settings())
    assert value(facts, "pdf_revisions") >= 1


def test_time_limit_is_reported(genuine, monkeypatch):
    from authcheck.forensics import pdffacts as pdf

    monkeypatch.setattr(pdf, "MAX_SECONDS", 0.0)
    facts, _ = facts_of(fx.add_text(genuine, SECRET))
    assert "time limit reached" in value(facts, "pdf_forensics_incomplete")
    assert value(facts, "pdf_revisions") == 2


def test_text_shown_by_tj_arrays_is_replayed_to_the_end_of_the_page():
    """Strings reach the replay as pypdf's str (TextStringObject): it reads the file's own bytes of
    each, so hidden text drawn with kerned TJ arrays after visible text is still found."""
    ops = (
        "BT /F1 12 Tf 72 700 Td [(Dear) -250 (Minister,)] TJ ET "
        "BT 3 Tr /F1 12 Tf 72 100 Td [(All forces ) -250 (will withdraw.)] TJ ET"
    )
    assert value(facts_of(fx.page_with_ops(ops))[0], "pdf_hidden_text") == ["invisible: All forces will withdraw."]


@pytest.mark.parametrize(
    ("dpis", "filters", "expected"),
    [
        ([300, 300, 150, 300], None, ["page 3 was scanned at 150 dpi, the other pages at about 300"]),
        (
            [200, 200, 200],
            ["jpeg", "flate", "jpeg"],
            ["page 2's picture is stored as Flate, every other page's as JPEG"],
        ),
        ([300, 300, 300], None, None),  # an even scan
        ([300, 150], None, None),  # two pages: neither stands out from "the rest"
        ([300, 150, 300, 150], None, None),  # a document assembled from two scans: no single odd page
    ],
)
def test_a_scanned_page_unlike_the_others_is_named(dpis, filters, expected):
    facts, _ = facts_of(fx.scanned_pages(dpis, filters))
    assert value(facts, "pdf_odd_scan_pages") == expected
    if expected:
        ev = facts["pdf_odd_scan_pages"].evidence[0]
        assert (ev.loc.part, ev.loc.key, ev.box) == ("page", "scan resolution", (0.0, 0.0, 1.0, 1.0))
