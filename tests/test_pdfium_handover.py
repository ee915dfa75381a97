"""The loader hands its open PDFium document, and the first and last pages it read, to the evidence
boxes of the same check (`pdfiumtext.opened`, `pdfium.locate`): the same boxes as a fresh open,
taken once and only for the very same bytes, and nothing left open."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

pytest.importorskip("pypdfium2")

from authcheck.loaders import pdfium, pdfiumlite, pdfiumtext  # noqa: E402
from authcheck.loaders.pdf import load_pdf  # noqa: E402
from authcheck.loaders.pdfium import Wanted  # noqa: E402
from authcheck.settings import Limits  # noqa: E402
from tests.test_pagehelper import LETTER as LONG_LETTER  # noqa: E402
from tools.docgen import letter_pdf  # noqa: E402

SAMPLES = REPO / "samples"
LETTER = replace(LONG_LETTER, filler_pages=3)  #: a 4-page letter: first and last pages differ


def load(data: bytes):
    return load_pdf(data, path="letter.pdf", sha256="", extension=".pdf", password=None, limits=Limits())


def everything(doc) -> list[Wanted]:
    """Each line, and the first words of the first lines, as evidence would ask for them."""
    wanted = [Wanted(line.page, line.text, 0, line.y) for line in doc.lines if line.text.strip()]
    wanted += [Wanted(line.page, word, 1) for line in doc.lines[:12] for word in line.text.split()[:3]]
    return [*wanted, Wanted(1, "no such words anywhere"), Wanted(99, "the")]


@pytest.fixture(autouse=True)
def nothing_handed_over():
    yield
    pdfiumtext._OPENED.put(b"", None)  # frees what a test left held


FILES = [(p.name, p.read_bytes) for p in sorted(SAMPLES.glob("*.pdf"))] + [("long letter", lambda: letter_pdf(LETTER))]


@pytest.mark.parametrize("name, read", FILES, ids=[name for name, _ in FILES])
def test_boxes_from_the_loaders_document_equal_those_of_a_fresh_open(name, read):
    assert pdfiumlite.load() is not None  # the small binding is in use: documents are handed over
    data = read()
    doc = load(data)
    handed = pdfium.locate(data, everything(doc))
    assert pdfiumtext._OPENED.held() is None, "locate took the loader's document"
    fresh = pdfium.locate(bytes(bytearray(data)), everything(doc))  # other bytes: opened afresh
    assert handed == fresh and any(handed.values())


def test_the_document_is_handed_over_once_and_only_for_the_same_bytes():
    data = letter_pdf(LETTER)
    load(data)
    assert pdfiumtext.opened(bytes(bytearray(data))) is None, "equal bytes are not the same file read"
    taken = pdfiumtext.opened(data)
    assert taken is not None and pdfiumtext.opened(data) is None
    doc, kept = taken
    assert sorted(kept) == [0, len(doc) - 1], "the first and the last page are kept"
    pdfiumtext.free(doc, kept)


def test_the_next_file_frees_what_the_last_one_handed_over():
    first = letter_pdf(LETTER)
    load(first)
    doc, kept = pdfiumtext._OPENED.held()
    handles = [doc, *(h for pair in kept.values() for h in pair)]
    load(letter_pdf(replace(LETTER, filler_pages=1)))
    assert all(h.raw is None for h in handles), "the first file's document and pages were freed"
    assert pdfiumtext._OPENED.held() is not None


def test_locate_frees_the_kept_pages_it_does_not_need():
    data = letter_pdf(LETTER)
    doc = load(data)
    opened, kept = pdfiumtext._OPENED.held()
    handles = [opened, *(h for pair in kept.values() for h in pair)]
    boxes = pdfium.locate(data, [Wanted(1, doc.lines[0].text, 0, doc.lines[0].y)])
    assert next(iter(boxes.values())) is not None
    assert all(h.raw is None for h in handles)
