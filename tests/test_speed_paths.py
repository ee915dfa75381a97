"""The fast paths of issue 15 give the same answers as the slow ones, and are taken only when they may be.

* `pdfbytes.plain_pdf`: the byte scan that lets PDFium read page text ("auto") refuses encrypted,
  updated and damaged files, and accepts a signed file of one revision (the same lines either way);
* "auto" reads a long plain letter's pages with PDFium (identical lines), and a short one, an updated
  one or one pypdf complained about with pypdf;
* a DOCX's XML parts are parsed once for the loader and forensics together;
* evidence boxes are located only when an output shows them, and such results are cached apart.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from authcheck.batch import cache  # noqa: E402
from authcheck.loaders import load, ooxml, pdf  # noqa: E402
from authcheck.loaders.pdfbytes import plain_pdf  # noqa: E402
from authcheck.settings import Limits, Settings  # noqa: E402
from tools import pdf_forensic_fixtures as fx  # noqa: E402
from tools.docgen import LetterSpec, letter_docx, letter_pdf  # noqa: E402

SAMPLES = REPO / "samples"


def _letter(pages: int) -> bytes:
    return letter_pdf(
        LetterSpec(
            letterhead=["MINISTRY OF EXAMPLES"],
            date="12 March 2024",
            blocks=["SUBJECT: Reader parity", "1. The first paragraph of the letter."],
            closing="Sincerely,",
            signature_name="JOHN Q. PUBLIC",
            filler_pages=pages - 1,
        )
    )


def test_plain_pdf_accepts_a_generated_letter_and_a_sample():
    assert plain_pdf(_letter(1))
    assert plain_pdf((SAMPLES / "withdrawal-letter-2020.pdf").read_bytes())


@pytest.mark.parametrize(
    "change",
    [
        lambda d: fx.empty_updates(d, 1),  # a second revision (/Prev, two %%EOF)
        lambda d: d.replace(b"trailer", b"trailer\n<< /Encrypt 9 0 R >>", 1),
        lambda d: b"junk" + d,  # the header is not at byte 0
        lambda d: d[: d.rindex(b"%%EOF")],  # cut short
        lambda d: d.replace(b"startxref\n", b"startxref\n1", 1),  # startxref points nowhere sane
    ],
)
def test_plain_pdf_refuses_what_needs_pypdf(change):
    assert not plain_pdf(change(_letter(1)))


def _read(data: bytes, reader: str, monkeypatch):
    monkeypatch.setattr(pdf, "TEXT_READER", reader)
    return load(data, path="l.pdf", sha256=hashlib.sha256(data).hexdigest(), password=None, limits=Limits())


def _pdfium_opened(monkeypatch) -> list[int]:
    from authcheck.loaders import pdfiumtext

    opened: list[int] = []
    original = pdfiumtext.PdfiumText.__init__

    def init(self, data, password):
        opened.append(len(data))
        original(self, data, password)

    monkeypatch.setattr(pdfiumtext.PdfiumText, "__init__", init)
    return opened


def _lines(doc) -> list[tuple]:
    return [(ln.text, ln.source, ln.page, ln.start, ln.end, ln.y) for ln in doc.lines]


@pytest.mark.parametrize("pages", [1, 3, 8])
def test_auto_reads_a_plain_letter_with_pdfium_and_the_same_lines(pages, monkeypatch):
    pytest.importorskip("pypdfium2")
    data = _letter(pages)
    opened = _pdfium_opened(monkeypatch)
    fast = _read(data, "auto", monkeypatch)
    assert opened == [len(data)]
    slow = _read(data, "pypdf", monkeypatch)
    assert _lines(fast) == _lines(slow)
    assert [n.code for n in fast.notes] == [n.code for n in slow.notes]
    assert fast.pages == slow.pages == pages


@pytest.mark.parametrize(
    "make",
    [
        lambda: (SAMPLES / "signed-deployment-notification-digital.pdf").read_bytes(),
        fx.placeholder_signed,  # a filled /Sig with /ByteRange in the file's one revision
    ],
    ids=["signed-sample", "placeholder-signature"],
)
def test_a_signed_file_of_one_revision_is_read_by_pdfium_with_the_same_lines(make, monkeypatch):
    pytest.importorskip("pypdfium2")
    data = make()
    assert b"/ByteRange" in data and data.count(b"%%EOF") == 1
    assert plain_pdf(data)
    opened = _pdfium_opened(monkeypatch)
    fast = _read(data, "auto", monkeypatch)
    assert opened == [len(data)]
    slow = _read(data, "pypdf", monkeypatch)
    assert _lines(fast) == _lines(slow) and fast.lines
    assert [n.code for n in fast.notes] == [n.code for n in slow.notes]


def test_a_file_updated_after_its_signature_is_read_by_pypdf(monkeypatch):
    data = fx.add_text(fx.placeholder_signed(), "Added after the signature")
    assert not plain_pdf(data)
    opened = _pdfium_opened(monkeypatch)
    _read(data, "auto", monkeypatch)
    assert opened == []


def _font_build(monkeypatch, behaviour):
    """Make pypdf's font building (the first step of its text extraction) behave as `behaviour`."""
    import logging

    from pypdf.generic import _font

    original = _font.Font.from_font_resource.__func__

    def build(cls, font):
        if behaviour == "limit":
            from pypdf.errors import LimitReachedError

            raise LimitReachedError("Maximum /ToUnicode size limit reached: 4294967296 > 100000.")
        if behaviour == "warn":
            logging.getLogger("pypdf").warning("odd font widths")
        return original(cls, font)

    monkeypatch.setattr(_font.Font, "from_font_resource", classmethod(build))


def test_a_font_pypdf_cannot_build_stops_the_page_as_pypdf_would(monkeypatch):
    """PDFium would read such a page quietly; the page gets pypdf's outcome instead: its limit note
    and no text, the same as reading it with pypdf."""
    monkeypatch.setattr(
        "authcheck.loaders.pdf._plain_reader", lambda *args: None
    )  # fonts of files pypdf opens (plain ones: test_plainpdf)
    pytest.importorskip("pypdfium2")
    _font_build(monkeypatch, "limit")
    data = _letter(1)
    opened = _pdfium_opened(monkeypatch)
    fast = _read(data, "auto", monkeypatch)
    assert opened == [len(data)]  # PDFium was opened for the file, and the page test kept it off
    slow = _read(data, "pypdf", monkeypatch)
    assert [n.code for n in fast.notes] == [n.code for n in slow.notes]
    assert "truncated" in {n.code for n in fast.notes} and not fast.has_text_layer


def test_a_font_pypdf_warns_about_sends_the_page_to_pypdf(monkeypatch):
    monkeypatch.setattr(
        "authcheck.loaders.pdf._plain_reader", lambda *args: None
    )  # fonts of files pypdf opens (plain ones: test_plainpdf)
    pytest.importorskip("pypdfium2")
    from authcheck.loaders import pdfiumtext

    _font_build(monkeypatch, "warn")
    read_by_pdfium: list[int] = []
    original = pdfiumtext.PdfiumText.fragments
    monkeypatch.setattr(
        pdfiumtext.PdfiumText, "fragments", lambda self, i, out: (read_by_pdfium.append(i), original(self, i, out))
    )
    fast = _read(_letter(2), "auto", monkeypatch)
    assert read_by_pdfium == []
    assert "parser-warnings" in {n.code for n in fast.notes}
    assert _lines(fast) == _lines(_read(_letter(2), "pypdf", monkeypatch))


def test_auto_leaves_an_updated_file_to_pypdf(monkeypatch):
    opened = _pdfium_opened(monkeypatch)
    _read(fx.empty_updates(_letter(2), 1), "auto", monkeypatch)  # a second revision
    assert opened == []


def test_forensics_takes_the_loaders_reader_of_the_same_bytes_once(monkeypatch):
    """The reader of a file read cleanly is handed to forensics, once, for those very bytes; the
    facts are the same as with a reader of its own."""
    from authcheck.forensics import pdffacts
    from authcheck.settings import Settings

    opened: list[int] = []
    own = pdffacts._open
    monkeypatch.setattr(pdffacts, "_open", lambda *args: opened.append(1) or own(*args))
    data = _letter(2)
    doc = _read(data, "auto", monkeypatch)
    shared = pdffacts.examine_with_notes(data, doc, Settings())
    assert opened == []  # forensics took the loader's reader
    _read(data, "auto", monkeypatch)
    assert pdf.reader_for(bytes(bytearray(data))) is None  # equal bytes, another object: not handed over
    assert pdf.reader_for(data) is None  # and the one kept is dropped
    _read(data, "auto", monkeypatch)
    assert pdf.reader_for(data) is not None and pdf.reader_for(data) is None  # handed over once
    assert pdffacts.examine_with_notes(data, doc, Settings()) == shared  # forensics opened its own: same facts
    assert opened == [1]


def test_a_file_read_with_a_note_keeps_no_reader_for_forensics(monkeypatch):
    data = _letter(1)
    damaged = data + b" " * 4096  # "damaged": no %%EOF near the end
    doc = _read(damaged, "auto", monkeypatch)
    assert "damaged" in {n.code for n in doc.notes}
    assert pdf.reader_for(damaged) is None


def test_auto_leaves_a_file_pypdf_complained_about_to_pypdf(monkeypatch):
    data = _letter(1)
    monkeypatch.setattr(pdf, "TEXT_READER", "auto")
    assert pdf._wants_pdfium(data, 0)
    assert not pdf._wants_pdfium(data, 1)


def _count_xml_parses(monkeypatch) -> list[str]:
    """The names of the OOXML parts parsed from now on, with no tree shared from earlier tests."""
    parsed: list[str] = []
    original = ooxml.safe_xml

    def counting(raw, name):
        parsed.append(name)
        return original(raw, name)

    monkeypatch.setattr(ooxml, "safe_xml", counting)
    monkeypatch.setattr(ooxml, "_SHARED", OrderedDict())
    return parsed


def test_a_docx_part_is_parsed_once_for_loader_and_forensics(monkeypatch):
    from authcheck.batch.pipeline import check_bytes
    from authcheck.engine.rulepack import load_ruleset

    data = letter_docx(
        LetterSpec(letterhead=["MINISTRY OF EXAMPLES"], date="1 May 2024", blocks=["A letter."], closing="Yours,")
    )
    parsed = _count_xml_parses(monkeypatch)
    result = check_bytes(data, "letter.docx", Settings(), load_ruleset())
    assert result.error is None
    assert "word/styles.xml" in parsed and "word/document.xml" in parsed  # the body too: no python-docx
    assert len(parsed) == len(set(parsed)), sorted(parsed)


def test_a_large_part_is_parsed_once_for_letters_that_share_it(monkeypatch):
    """Letters from one template share styles.xml (350 KB from python-docx): a worker parses it once,
    and a letter whose styles differ by one byte gets its own parse."""
    from authcheck.batch.pipeline import check_bytes
    from authcheck.engine.rulepack import load_ruleset

    ruleset = load_ruleset()
    one, two = (
        letter_docx(LetterSpec(letterhead=["MINISTRY OF EXAMPLES"], date=day, blocks=["A letter."], closing="Yours,"))
        for day in ("1 May 2024", "2 May 2024")
    )
    parsed = _count_xml_parses(monkeypatch)
    first = check_bytes(one, "one.docx", Settings(), ruleset)
    second = check_bytes(two, "two.docx", Settings(), ruleset)
    assert first.error is None and second.error is None
    assert second.fields["date"]["value"] == "2024-05-02"
    assert parsed.count("word/styles.xml") == 1
    assert parsed.count("word/document.xml") == 2  # small parts are each letter's own

    styles = ooxml.Package.open(one, Settings().limits).read("word/styles.xml")
    changed = styles.replace(b"</w:styles>", b"<w:style w:styleId='x'/></w:styles>")
    assert changed != styles
    ooxml._shared_xml(changed, "word/styles.xml")
    assert parsed.count("word/styles.xml") == 2


def _docx_letter() -> bytes:
    return letter_docx(
        LetterSpec(letterhead=["MINISTRY OF EXAMPLES"], date="1 May 2024", blocks=["A letter."], closing="Yours,")
    )


def test_a_malformed_styles_part_is_still_corrupt():
    import io
    import zipfile

    from authcheck.errors import CheckError

    source, out = zipfile.ZipFile(io.BytesIO(_docx_letter())), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info, body[: len(body) // 2] if info.filename == "word/styles.xml" else body)
    with pytest.raises(CheckError) as err:
        load(out.getvalue(), path="l.docx", sha256="-", password=None, limits=Limits())
    assert err.value.type == "corrupt" and "styles.xml" in str(err.value)


def test_evidence_boxes_only_when_asked_and_cached_apart(monkeypatch):
    from authcheck.batch.pipeline import check_path
    from authcheck.engine.rulepack import load_ruleset

    path = str(SAMPLES / "withdrawal-letter-2020.pdf")
    ruleset = load_ruleset()
    boxed = check_path(path, Settings(), ruleset)
    assert any(ev.box for f in boxed.findings for ev in f.evidence)  # the sample has page evidence
    bare = check_path(path, Settings(evidence_boxes=False), ruleset)
    assert not any(ev.box for f in bare.findings for ev in f.evidence)
    strip = lambda r: [replace(f, evidence=tuple(replace(e, box=None) for e in f.evidence)) for f in r.findings]  # noqa: E731
    assert strip(bare) == strip(boxed) and bare.verdict == boxed.verdict and bare.score == boxed.score
    assert cache.settings_digest(Settings(evidence_boxes=False)) != cache.settings_digest(Settings())


def test_the_default_settings_digest_is_unchanged_by_the_boxes_setting():
    """Caches filled before the setting existed stay valid: the default adds nothing to the digest."""
    data = {
        f: cache._canonical(getattr(Settings(), f))
        for f in Settings.__dataclass_fields__
        if f not in cache.NOT_RESULT_SETTINGS
    }
    data["disabled_rules"] = sorted(data.get("disabled_rules", []))
    data["password_set"] = False
    expected = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    assert cache.settings_digest(Settings()) == expected


def test_console_output_locates_no_boxes_and_json_does(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from authcheck.cli.main import main
    from authcheck.scoring import evidencebox

    log = tmp_path / "boxes.log"  # the check runs in a forked worker: it leaves its trace in a file
    original = evidencebox.with_boxes

    def spying(result, *args, **kwargs):
        with open(log, "a") as fh:
            fh.write(result.path + "\n")
        return original(result, *args, **kwargs)

    monkeypatch.setattr(evidencebox, "with_boxes", spying)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    path = str(SAMPLES / "withdrawal-letter-2020.pdf")
    runner = CliRunner()
    console = runner.invoke(main, ["check", path, "--no-cache", "--jobs", "1"], catch_exceptions=False)
    assert console.exit_code in (0, 1) and "withdrawal" in console.output
    assert not log.exists()
    out = runner.invoke(main, ["check", path, "--format", "json", "--no-cache"], catch_exceptions=False)
    record = json.loads(out.output)
    assert any(ev["box"] for f in record["findings"] for ev in f["evidence"])
    assert log.read_text().splitlines() == [path]


@pytest.mark.parametrize(
    "text",
    ["Dear  Sir,\r\nWe WILL\twithdraw.\x0b\x1c", "Şehir İSTANBUL\u00a0ßΣ \ufffe\u3000end\U0001f600 X", "", " \n\t"],
)
def test_squeeze_drops_whitespace_and_folds_case_per_character(text):
    """The fast paths of pdfium._squeeze (ASCII in one pass, other text by runs) match its definition
    (PDFium's end-of-line hyphen U+FFFE read as a hyphen)."""
    from authcheck.loaders.pdfium import _squeeze

    kept = [(i, "-" if ch == "\ufffe" else ch.lower()[:1]) for i, ch in enumerate(text) if not ch.isspace()]
    assert _squeeze(text) == ("".join(ch for _, ch in kept), [i for i, _ in kept])


def test_suspect_page_searches_find_exactly_what_the_one_pattern_finds(monkeypatch):
    """forensics.pdfcontent searches SUSPECT as several quick searches, and as one RE2 pattern
    without lookbehind (RE2's search is what `suspect` uses, the searches where RE2 is missing):
    the same answers on content-stream soup."""
    import random
    import re

    from authcheck.forensics.pdfcontent import SUSPECT, suspect_parts, suspect_search

    whole = re.compile(SUSPECT)
    tokens = [b"0", b"1", b"3", b"7", b".", b"0.0", b"1.0", b".5", b"00", b"10", b"12", b" ", b"\n", b"\t", b"\r"]
    tokens += [b"Tr", b"g", b"G", b"sc", b"scn", b"SC", b"SCN", b"rg", b"RG", b"k", b"K", b"Tf", b"x", b"(", b"/F1"]
    tokens += [b"\x0b", b"\x0c", b"_", b"9", b"\xe9", b"\x00"]
    rng = random.Random(15)
    samples = [b"".join(rng.choice(tokens) for _ in range(rng.randint(0, 14))) for _ in range(30000)]
    samples += [b"BT 3 Tr (x) Tj ET", b"1 1 1 rg", b"0 0 0 0 k", b"    k", b"/F1 .5 Tf", b"13 Tr 0.1 g 2.0 Tf"]
    search = suspect_search()
    answers = [(whole.search(s) is not None, any(p.search(s) for p in suspect_parts()), search(s)) for s in samples]
    assert all(a == b == c for a, b, c in answers)
    assert 100 < sum(a for a, _, _ in answers) < len(samples) - 100  # both answers occur often
    assert [a for a, _, _ in answers[-6:]] == [True, True, True, True, True, False]
    assert search(b"\x0b3\x0bTr") and not search(b"13 Tr") and not search(b"3 Trx")  # \v is white space; \b holds

    suspect_search.cache_clear()
    monkeypatch.setitem(sys.modules, "re2", None)  # RE2 cannot be imported: the searches answer
    try:
        fallback = suspect_search()
        assert fallback is not search
        assert [fallback(s) for s in samples[:3000]] == [a for a, _, _ in answers[:3000]]
    finally:
        suspect_search.cache_clear()


def test_find_dates_skips_only_lines_without_two_digits_in_a_row():
    from authcheck.extract.letterdates import find_dates

    assert [d[3] for d in find_dates("Baghdad, 6 January 2020")] == ["2020-01-06"]
    assert [d[3] for d in find_dates("6JAN\u0662\u0660")] == ["2020-01-06"]  # a year in Arabic-Indic digits
    assert [d[3] for d in find_dates("6JAN20")] == ["2020-01-06"]
    assert list(find_dates("1 2 3 January 2 0 2 0, a b c")) == []


def test_person_similarity_needs_no_rapidfuzz(monkeypatch):
    """Names score without importing rapidfuzz, whether their words agree or not."""
    from authcheck.extract import names

    monkeypatch.setitem(sys.modules, "rapidfuzz", None)  # importing it now fails
    assert names.person_similarity("Col. Peter C. Hayes", "PETER C. HAYES") == 100.0
    assert names.person_similarity("P. Hayes", "Peter Hayes") == 100.0
    assert 60 < names.person_similarity("Peter Hayes", "Petra Hayes") < 100


def test_the_name_word_ratio_is_rapidfuzz_ratio_to_the_last_bit():
    import random

    from rapidfuzz import fuzz

    from authcheck.extract.names import indel_ratio

    rng = random.Random(20261206)
    pairs = [("", ""), ("a", ""), ("hayes", "hays"), ("this is a test", "this is a test!")]
    for _ in range(20000):
        pairs.append(tuple("".join(rng.choice("aehilnorsty'-") for _ in range(rng.randint(0, 16))) for _ in "ab"))
    assert [indel_ratio(a, b) for a, b in pairs] == [fuzz.ratio(a, b) for a, b in pairs]


def test_the_command_imports_its_reports_writers_while_the_file_is_checked(cli, tmp_path, monkeypatch):
    """`Run.meanwhile`: the writers of every report the command will write are imported once, while
    the worker checks (the scan's `meanwhile`), not after."""
    import authcheck.batch.pool as pool
    from authcheck.reporters import formats

    asked, scanning = [], []
    real_scan = pool.scan

    def watched_scan(*args, **kwargs):
        scanning.append(True)
        yield from real_scan(*args, **kwargs)
        scanning.append(False)

    monkeypatch.setattr(pool, "scan", watched_scan)
    monkeypatch.setattr(formats, "preload", lambda names: asked.append((tuple(names), scanning[-1:])))
    sarif = tmp_path / "out.sarif"
    result = cli("samples/withdrawal-letter-2020.txt", "--format", "json", "--sarif-output", str(sarif), "--no-cache")
    assert result.exit_code in (0, 1, 2), result.stderr
    assert asked == [(("json", "sarif"), [True])]
    assert json.loads(sarif.read_text())["runs"]


def test_a_writer_that_cannot_be_imported_ahead_fails_where_the_report_is_written(cli, monkeypatch):
    from authcheck.reporters import formats

    plain = cli("samples/withdrawal-letter-2020.txt", "--format", "json", "--no-cache")

    def broken(names):
        raise ImportError("no rich here")

    monkeypatch.setattr(formats, "preload", broken)
    again = cli("samples/withdrawal-letter-2020.txt", "--format", "json", "--no-cache")
    assert (again.exit_code, json.loads(again.stdout)["verdict"]) == (
        plain.exit_code,
        json.loads(plain.stdout)["verdict"],
    )
    assert again.stderr == plain.stderr


@pytest.mark.parametrize("name", ["console", "json", "jsonl", "sarif", "html"])
def test_preload_imports_the_modules_a_format_is_written_with(name):
    """In a new interpreter: after `preload`, the modules the format's `run` and `line` writers live in
    are imported (for the console, rich's too)."""
    import subprocess

    code = (
        "import json, sys; from authcheck.reporters.formats import by_name, preload; "
        f"row = by_name({name!r}); before = set(sys.modules); preload([{name!r}]); "
        "wanted = {r.partition(':')[0] for r in (row.run, row.line) if r}; "
        "print(json.dumps([sorted(wanted - before), sorted(wanted - set(sys.modules)), 'rich.console' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    imported_by_it, left_out, rich = json.loads(out)
    assert imported_by_it and left_out == []
    assert rich == (name == "console")


@pytest.mark.parametrize("name", ["console", "json", "sarif"])
def test_preload_steps_import_what_preload_imports_a_module_at_a_time(name):
    """`preload_steps` (a first command's work while it waits for its standby's word): in a new
    interpreter, the same modules as `preload` imports, none that the writers would not, in steps
    (for the console, one a rich module)."""
    import subprocess

    def imported(call: str) -> list:
        code = (
            "import json, sys; from authcheck.reporters import formats; before = set(sys.modules); "
            f"steps = {call}; print(json.dumps([sorted(set(sys.modules) - before), steps]))"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
        return json.loads(out)

    by_steps, steps = imported(f"sum(1 for _ in formats.preload_steps([{name!r}]))")
    by_preload, _ = imported(f"formats.preload([{name!r}])")
    assert by_steps == by_preload
    assert steps > 10 if name == "console" else steps >= 1


def test_preload_steps_stop_at_a_writer_that_cannot_be_imported(monkeypatch):
    from authcheck.reporters import formats

    def broken(reference):
        raise ImportError("no writer here")

    monkeypatch.setattr(formats, "resolve", broken)
    assert list(formats.preload_steps(["json", "sarif"])) == []


def test_a_relationship_to_a_missing_part_is_read_and_reported_damaged():
    """A package whose document relates to a picture it does not hold: python-docx, which the loader
    once opened documents with, refused it outright ("corrupt"); the text is read now, and the
    missing part named in a "damaged" note, which `file.damaged` reports."""
    import io
    import zipfile

    from authcheck.batch.pipeline import check_bytes
    from authcheck.engine.rulepack import load_ruleset

    source, out = zipfile.ZipFile(io.BytesIO(_docx_letter())), io.BytesIO()
    extra = (
        '<Relationship Id="rIdGone" Target="media/gone.png" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"/></Relationships>'
    )
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "word/_rels/document.xml.rels":
                body = body.replace(b"</Relationships>", extra.encode())
            target.writestr(info, body)
    data = out.getvalue()
    doc = load(data, path="l.docx", sha256="-", password=None, limits=Limits())
    assert [ln.text for ln in doc.lines if ln.text][:1] == ["MINISTRY OF EXAMPLES"]
    damaged = [n for n in doc.notes if n.code == "damaged"]
    assert [n.data["missing"] for n in damaged] == [["word/media/gone.png"]]
    result = check_bytes(data, "l.docx", Settings(), load_ruleset())
    assert result.error is None and "file.damaged" in {f.rule for f in result.findings}
    intact = check_bytes(_docx_letter(), "l.docx", Settings(), load_ruleset())
    assert "file.damaged" not in {f.rule for f in intact.findings}
