"""A cold single-file check imports only what its file needs (issue 15: start-up), with the same output.

Each check runs in a fresh interpreter, as a worker does: `check_path` with the default settings
(evidence boxes on, as for JSON), then the JSON report; the modules loaded are read from
`sys.modules` at the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from authcheck.loaders import pdfium, pdfiumlite
from authcheck.loaders.pdfium import Wanted

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"

CHECK = """
import json, sys
from authcheck.batch.pipeline import check_path
from authcheck.engine.rulepack import load_ruleset
from authcheck.reporters.jsonout import render_json
from authcheck.settings import Settings
result = check_path(sys.argv[1], Settings(), load_ruleset())
render_json(result)
boxes = sum(1 for f in result.findings for e in f.evidence if e.box)
print(json.dumps({"modules": sorted(sys.modules), "verdict": result.verdict, "boxes": boxes}))
"""


def _cold_check(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(path)], capture_output=True, text=True, check=True, cwd=ROOT, timeout=120
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _loaded(modules: list[str], *names: str) -> list[str]:
    return [m for m in modules if m in names or m.startswith(tuple(n + "." for n in names))]


def test_a_text_letter_imports_no_document_library_zip_reader_or_rapidfuzz():
    seen = _cold_check(SAMPLES / "coordination-letter.txt")
    assert seen["verdict"] is not None
    heavy = ("PIL", "pypdf", "pypdfium2", "pypdfium2_raw", "rich", "docx", "lxml", "zipfile", "xml.etree", "rapidfuzz")
    assert _loaded(seen["modules"], *heavy) == []


def test_a_docx_letter_is_read_without_python_docx_or_lxml():
    seen = _cold_check(SAMPLES / "draft-memo.docx")
    assert seen["verdict"] is not None
    assert "authcheck.loaders.docx" in seen["modules"]
    assert _loaded(seen["modules"], "docx", "lxml", "pypdf", "rich") == []


def test_a_plain_pdf_letter_with_boxes_imports_neither_pypdf_nor_pillow_nor_pypdfium2():
    seen = _cold_check(SAMPLES / "withdrawal-letter-2020.pdf")
    assert seen["boxes"] > 0  # the evidence was located on the page
    assert "authcheck.loaders.pdfiumlite" in seen["modules"] and "authcheck.loaders.plainpdf" in seen["modules"]
    assert "authcheck.loaders.safexml" in seen["modules"]  # its XMP was parsed, without the ZIP reader
    heavy = ("pypdf", "PIL.Image", "pypdfium2", "pypdfium2_raw", "rich", "zipfile", "difflib", "cryptography")
    heavy += ("threading",)  # the load's time budget asks about threads only when there are any
    assert _loaded(seen["modules"], *heavy) == []


def test_a_pdf_without_xmp_imports_no_xml_parser_random_numbers_or_ocr_layer_check():
    seen = _cold_check(SAMPLES / "forged-letter.pdf")  # an Info dictionary, no XMP, no scanned pages
    assert seen["verdict"] is not None
    unneeded = ("xml.etree", "pyexpat", "secrets", "random", "authcheck.forensics.ocrlayer")
    assert _loaded(seen["modules"], *unneeded) == []


@pytest.mark.parametrize("name", ["withdrawal-letter-2020.pdf", "draft-memo.docx", "coordination-letter.txt"])
def test_dates_and_xml_come_from_the_c_modules_without_their_python_wrappers(name):
    """`datetime` and `xml.etree.ElementTree` define every class in Python before their C modules
    replace them (about 1 ms and 0.7 ms of a first check): the check takes the C classes alone
    (`util/dates.py`, `loaders/safexml.py`), and still reads the dates and the XML parts.  (The
    first run may parse the rules' YAML, whose reader imports `datetime`; the second reads them
    from the rule cache, as every later run does.)"""
    _cold_check(SAMPLES / name)
    seen = _cold_check(SAMPLES / name)
    assert seen["verdict"] is not None
    assert "_datetime" in seen["modules"]  # the letter's dates were read
    if not name.endswith(".txt"):
        assert "_elementtree" in seen["modules"]  # the XMP packet, or the DOCX's parts, were parsed
    assert _loaded(seen["modules"], "datetime", "xml.etree.ElementTree") == []


def test_a_signed_pdf_of_one_revision_is_read_without_pypdf_too():
    seen = _cold_check(SAMPLES / "signed-deployment-notification-digital.pdf")
    assert "authcheck.loaders.plainpdf" in seen["modules"] and "authcheck.forensics.pdfsigs" in seen["modules"]
    assert _loaded(seen["modules"], "pypdf", "PIL.Image", "pypdfium2", "pypdfium2_raw", "rich", "zipfile") == []


def test_an_updated_pdf_is_read_through_pypdf(tmp_path):
    from tools import pdf_forensic_fixtures as fx

    updated = tmp_path / "updated.pdf"
    updated.write_bytes(fx.set_info((SAMPLES / "withdrawal-letter-2020.pdf").read_bytes(), Title="Revised"))
    seen = _cold_check(updated)
    assert "pypdf" in seen["modules"] and "authcheck.loaders.pdfiumlite" in seen["modules"]
    assert _loaded(seen["modules"], "PIL.Image", "pypdfium2", "pypdfium2_raw", "rich", "zipfile", "difflib") == []


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.pdf")))
def test_locate_through_the_small_binding_equals_pypdfium2(name, monkeypatch):
    from authcheck.loaders.pdf import load_pdf
    from authcheck.settings import Limits

    data = (SAMPLES / name).read_bytes()
    doc = load_pdf(data, path=name, sha256="", extension=".pdf", password=None, limits=Limits())
    wanted = [Wanted(line.page, line.text, 0, line.y) for line in doc.lines if line.text.strip()]
    wanted += [Wanted(line.page, word, 1) for line in doc.lines[:12] for word in line.text.split()[:3]]
    wanted += [Wanted(1, "no such words anywhere"), Wanted(99, "the")]
    assert pdfiumlite.load() is not None  # the wheel's library was found: the comparison means something
    small = pdfium.locate(data, wanted)
    monkeypatch.setattr(pdfiumlite, "load", lambda: None)
    assert pdfium.locate(data, wanted) == small
    assert any(small.values())


def test_loose_boxes_are_each_characters_loose_box():
    """`TextPage.loose_boxes` (one unchecked call a character, for an evidence's box) gives what
    `get_charbox(i, loose=True)` gives for each, and fails where it fails."""
    lib = pdfiumlite.load()
    assert lib is not None
    doc = pdfiumlite.Document(lib, (SAMPLES / "withdrawal-letter-2020.pdf").read_bytes(), None)
    page = doc[0]
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        assert count > 100
        every = list(range(count))
        assert textpage.loose_boxes(every) == [textpage.get_charbox(i, loose=True) for i in every]
        assert textpage.loose_boxes([5, 2, 5]) == [textpage.get_charbox(i, loose=True) for i in (5, 2, 5)]
        for outside in (count, -1):
            with pytest.raises(pdfiumlite.PdfiumError):
                textpage.get_charbox(outside, loose=True)
            with pytest.raises(pdfiumlite.PdfiumError):
                textpage.loose_boxes([0, outside])
    finally:
        textpage.close()
        page.close()
        doc.close()


def test_a_file_pdfium_cannot_open_is_an_error_in_both(monkeypatch):
    lib = pdfiumlite.load()
    with pytest.raises(RuntimeError):
        pdfiumlite.Document(lib, b"%PDF-1.7\nnot really\n", None)
    monkeypatch.setattr(pdfiumlite, "load", lambda: None)
    with pytest.raises(RuntimeError):
        pdfium.locate(b"%PDF-1.7\nnot really\n", [Wanted(1, "x")])


QUIET = """
import sys
from authcheck.util.confine import quiet
quiet()
before = "logging" in sys.modules
import logging
logging.getLogger("some.library").warning("must not reach stderr")
print(before, [type(h).__name__ for h in logging.getLogger().handlers], file=sys.stderr)
"""


def test_a_quiet_worker_silences_logging_imported_after_it():
    done = subprocess.run([sys.executable, "-c", QUIET], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stderr.strip() == "False ['NullHandler']"
    done = subprocess.run(
        [sys.executable, "-c", "import logging\n" + QUIET], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stderr.strip() == "True ['NullHandler']"


def test_the_console_report_imports_rich_progress_only_for_a_progress_line():
    code = (
        "import sys, authcheck.reporters.consolebatch as cb\n"
        "before = 'rich.progress' in sys.modules\n"
        "bar = cb.Progress(1)\n"
        "bar(None)\n"
        "print(before, 'rich.progress' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "False True"


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.pdf")))
def test_page_text_through_the_small_binding_equals_pypdfium2(name, monkeypatch):
    from authcheck.loaders import pdfiumtext

    data = (SAMPLES / name).read_bytes()

    def fragments() -> list:
        text = pdfiumtext.PdfiumText(data, None)
        try:
            pages = []
            for index in range(text.page_count()):
                out: list = []
                text.fragments(index, out)
                pages.append(out)
            return pages
        finally:
            text.close()

    small = fragments()
    probe = pdfiumtext.PdfiumText(data, None)
    assert isinstance(probe._doc, pdfiumlite.Document)  # the comparison is between the two bindings
    probe.close()
    monkeypatch.setattr(pdfiumlite, "load", lambda: None)
    assert fragments() == small and any(small)


PLACED = """
import sys
from authcheck.loaders.pdf import load_pdf
from authcheck.loaders.placedimages import image_pixels
from authcheck.settings import Limits
data = open(sys.argv[1], "rb").read()
doc = load_pdf(data, path="x.pdf", sha256="", extension=".pdf", password=None, limits=Limits())
before = "PIL.Image" in sys.modules
image = image_pixels(data, "pdf", doc.images[0].page, doc.images[0].name)
print(before, image.size)
"""


def test_a_placed_image_decodes_after_pypdf_was_imported_without_pillow():
    sample = SAMPLES / "signed-deployment-notification.pdf"
    done = subprocess.run(
        [sys.executable, "-c", PLACED, str(sample)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "False (96, 32)"
