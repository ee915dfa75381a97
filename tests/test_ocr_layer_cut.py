"""The fresh OCR reading of a scan's text layer cut short (its time budget, the OCR helper failing)
is reported, never a silent pass: the pages it did not reach were not compared.

The OCR engine is replaced by a stand-in that stops as `read_pages` does when its budget runs out,
so this runs without the ocr extra; `tests/test_ocr_layer.py` checks the comparison with the real
engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from authcheck.api import check
from authcheck.forensics import pdffacts
from authcheck.loaders.ocr import pages as ocr_pages
from authcheck.model import Evidence, Location, Note, Signal

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "withdrawal-letter-2020.pdf"
STOPPED = "OCR stopped at page 2: the OCR time budget ran out (20 s a page, 100% of the timeout); 1 of 2 pages read"


@pytest.fixture
def scan_with_layer(monkeypatch):
    """Checking a PDF then finds an OCR layer on pages 1 and 2, and reads them with `stop` (or not)."""
    found = pdffacts._content_facts

    def content_facts(reader, doc, budget, incomplete):
        facts = found(reader, doc, budget, incomplete)
        layer = tuple(Evidence("...", Location("page", page, key="OCR text")) for page in (1, 2))
        facts["pdf_ocr_layer"] = Signal(2, layer, "Invisible text lies over a page image.")
        return facts

    def fake_read(stop: bool):
        def read_pages(images, limits, engine, notes, numbers=None, builder=None):
            if stop:
                notes.append(Note("truncated", STOPPED, {"pages_read": 1, "reason": "ocr"}))
            return ocr_pages.Reading()

        return read_pages

    monkeypatch.setattr(pdffacts, "_content_facts", content_facts)
    monkeypatch.setattr("authcheck.loaders.ocr.engine.available", lambda engine: None)
    monkeypatch.setattr("authcheck.loaders.pdfscan.render_pages", lambda data, indexes, limits: [None] * len(indexes))

    def run(stop: bool):
        monkeypatch.setattr(ocr_pages, "read_pages", fake_read(stop))
        return check(SAMPLE.read_bytes(), name="scan.pdf")

    return run


def test_a_cut_reading_is_named_and_holds_the_file_at_review(scan_with_layer):
    result = scan_with_layer(stop=True)
    document = result.letter.document
    incomplete = document.signals["pdf_forensics_incomplete"].value
    assert any(item.startswith("OCR layer compared in part") and STOPPED in item for item in incomplete), incomplete
    truncated = [n for n in document.notes if n.code == "truncated"]
    assert any("OCR text layer compared with the page images only in part" in n.detail for n in truncated)
    assert "file.truncated-analysis" in {f.rule for f in result.findings}
    assert result.verdict in ("review", "fail")


def test_a_reading_of_every_page_adds_nothing(scan_with_layer):
    result = scan_with_layer(stop=False)
    document = result.letter.document
    incomplete = document.signals.get("pdf_forensics_incomplete")
    assert incomplete is None or not any("OCR" in item for item in incomplete.value)
    assert not any("OCR" in n.detail for n in document.notes if n.code == "truncated")
