"""A page of text and images: PDFium reads its text, `placements.image_placements` its images' names
and placements, and the Document is the one pypdf's extraction gives; anything that reader leaves
alone (forms, inline images, odd tokens) is read by pypdf as before."""

from __future__ import annotations

import hashlib
import random
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from authcheck.loaders import pdf  # noqa: E402
from authcheck.loaders.placements import image_placements  # noqa: E402
from authcheck.settings import Limits  # noqa: E402
from tests.test_pdfium_text import count_pdfium_pages  # noqa: E402
from tools import pdf_forensic_fixtures as fx  # noqa: E402

IMAGES = {"/Im1", "/Im2"}


def placements(content: bytes, images=IMAGES) -> list | None:
    kept: list = []
    done = image_placements(content, images, lambda name, m: kept.append((name, tuple(m))))
    return kept if done else None


def test_nested_states_give_each_image_the_matrix_at_its_do():
    content = b"q 2 0 0 3 10 20 cm q 0.5 0 0 .5 -4 6. cm /Im1 Do Q /Im2 Do Q /Im1 Do"
    assert placements(content) == [
        ("Im1", (1.0, 0.0, 0.0, 1.5, 2.0, 38.0)),  # the inner cm applies first, then the outer
        ("Im2", (2.0, 0.0, 0.0, 3.0, 10.0, 20.0)),
        ("Im1", (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)),
    ]


@pytest.mark.parametrize(
    "content",
    [
        b"BT /F1 12 Tf (a /Im2 Do \\) Q q 9 9 9 9 9 9 cm\\\\) Tj ET /Im1 Do",  # operators inside a string
        b"% /Im2 Do Q Q\n/Im1 Do",  # in a comment
        b"/Span << /ActualText (Q) /Alt [(Do) 1 true null] >> BDC /Im1 Do EMC",  # in a dictionary and array
        b"<2f496d3220446f> Tj\r\n/Im1 Do",  # a hex string
        b"[(x) -250 (y)] TJ /Im1 Do",
    ],
)
def test_what_is_inside_strings_comments_and_compound_operands_draws_nothing(content):
    assert placements(content) == [("Im1", (1.0, 0.0, 0.0, 1.0, 0.0, 0.0))]


@pytest.mark.parametrize(
    "content",
    [
        b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI /Im1 Do",  # an inline image
        b"/Fm1 Do",  # not one of the page's images (a form, or nothing)
        b"/Im#31 Do",  # a # escape in a name
        b"Q /Im1 Do",  # a Q with nothing saved
        b"1 0 0 1 5 cm /Im1 Do",  # five operands
        b"1 0 0 1 5 (x) cm /Im1 Do",  # a string operand
        b"1 0 0 1 5 5 5 cm /Im1 Do",  # seven operands
        b"1,5 0 0 1 5 5 cm /Im1 Do",  # a number pypdf reads as 0 with a warning
        b"/Im1 /Im2 Do",  # two operands
        b"12 0 R /Im1 Do",  # what pypdf reads as an indirect reference
        b"{ /Im1 Do",
        b"/Im1 Do \x00",  # NUL between tokens
        b"/Im1 Do\x0b",  # a vertical tab between tokens
        b"(unbalanced (string) /Im1 Do",
        b"(a (nested) string) Tj /Im1 Do",  # balanced nested parentheses: pypdf reads them
        b"[ /Im1 >> Do",  # mismatched brackets
        b"[ (x) Tj ] 0 d /Im1 Do",  # an operator inside an array
        b"/Im1 Do [ 1 2",  # unterminated array
        b"q " + b"x" * 200 + b" /Im1 Do",  # an operator over pypdf's length limit
    ],
)
def test_anything_unusual_is_left_to_pypdf(content):
    assert placements(content) is None


def test_a_name_with_an_escape_is_never_matched_raw():
    """pypdf reads /Im#31 as /Im1; a page whose resources hold the name "/Im#31" (written /Im#2331)
    must not be given an image its content never drew."""
    assert placements(b"/Im#31 Do", {"/Im#31", "/Im1"}) is None


def _read(data: bytes, reader: str, monkeypatch) -> object:
    """The PDF loader's document (without its OCR follow-up: these pages are mostly pictures)."""
    monkeypatch.setattr(pdf, "TEXT_READER", reader)
    sha256 = hashlib.sha256(data).hexdigest()
    return pdf.load_pdf(data, path="p.pdf", sha256=sha256, extension=".pdf", password=None, limits=Limits())


def _same(data: bytes, monkeypatch, lines: bool = True) -> tuple[object, list[int]]:
    """The document read the default way ("auto") after asserting it equals pypdf's (its images and
    notes; with `lines`, its lines too), and the pages PDFium read."""
    pytest.importorskip("pypdfium2")
    seen = count_pdfium_pages(monkeypatch)
    fast = _read(data, "auto", monkeypatch)
    read_by_pdfium = list(seen)
    slow = _read(data, "pypdf", monkeypatch)
    assert fast.images == slow.images
    if lines:
        assert [(ln.text, ln.page, ln.y) for ln in fast.lines] == [(ln.text, ln.page, ln.y) for ln in slow.lines]
    assert [n.code for n in fast.notes] == [n.code for n in slow.notes]
    return fast, read_by_pdfium


TEXT = "BT /F1 12 Tf 1 0 0 1 72 700 Tm (Yours faithfully, Do Q) Tj ET"


def test_a_page_of_text_and_images_is_read_by_pdfium_with_pypdfs_names_and_placements(monkeypatch):
    doc, seen = _same(
        fx.page_with_images(f"{TEXT} q 120 0 0 40 72 600 cm /Im2 Do Q q 30 0 0 10 9 9 cm /Im1 Do Q"), monkeypatch
    )
    assert seen == [0]
    assert [(i.name, i.top, i.bottom, i.width, i.height) for i in doc.images] == [
        ("Im2", 640.0, 600.0, 120.0, 40.0),
        ("Im1", 19.0, 9.0, 30.0, 10.0),
    ]


@pytest.mark.parametrize(
    "ops, form",
    [
        (f"{TEXT} /Fm1 Do", "q 2 0 0 2 0 0 cm /Im1 Do Q"),  # a form XObject: pypdf follows its content
        (f"{TEXT} BI /W 1 /H 1 /BPC 8 /CS /G ID \x80 EI", None),  # an inline image
        (f"{TEXT} Q /Im1 Do", None),  # a Q with nothing saved (pypdf: the identity)
        (f"{TEXT} /Im3 Do", None),  # a name the page does not have (pypdf: a warning)
    ],
)
def test_a_page_the_light_reader_leaves_alone_is_read_by_pypdf(ops, form, monkeypatch):
    _, seen = _same(fx.page_with_images(ops, form=form), monkeypatch)
    assert seen == []


@pytest.mark.parametrize("ops", ["<414243> Tj", "q [(ABC)] TJ Q /Im1 Do"])
def test_text_shown_outside_a_text_object_is_read_as_pypdf_reads_it(ops, monkeypatch):
    """PDFium reads nothing outside BT..ET; pypdf reads it, so such a page goes to pypdf."""
    doc, _ = _same(fx.page_with_images(ops), monkeypatch)
    assert [ln.text for ln in doc.lines if ln.text] == ["ABC"]


_PIECES = [
    "q",
    "Q",
    "/Im1 Do",
    "/Im2 Do",
    TEXT,
    "% a comment: /Im2 Do\n",
    "/P << /MCID 0 /Alt (q Q) >> BDC",
    "EMC",
    "[3 1] 0 d 0.5 w",
    "(q Q /Im1 Do) 0 Tw",
    "BI /W 1 /H 1 /BPC 8 /CS /G ID \x80 EI",
    "/Im3 Do",
    "1 0 R",
    "(a (b) c) 0 Tw",
    "[1 (x) [2] << /A 1 >>] 0 d",
    "true false null",
    "q q q",
]


def _cm(rng: random.Random) -> str:
    def number() -> str:
        return rng.choice([str(rng.randint(-300, 300)), f"{rng.uniform(-5, 5):.4f}", ".5", "-0", "72."])

    return " ".join(number() for _ in range(6)) + " cm"


def test_random_streams_place_images_as_pypdf_does(monkeypatch):
    """Streams of state changes, draws, text and noise; every one gives pypdf's images, and PDFium
    reads the page whenever the light reader accepts the stream.  (Text drawn under a random matrix
    is where the two text readers differ on their own, so only the images are compared here.)"""
    rng = random.Random(20261206)
    accepted = 0
    for _ in range(150):
        ops = " ".join(_cm(rng) if rng.random() < 0.25 else rng.choice(_PIECES) for _ in range(rng.randint(1, 25)))
        data = fx.page_with_images(ops)
        _, seen = _same(data, monkeypatch, lines=False)
        content = ops.encode("latin-1")
        assert bool(seen) == (placements(content) is not None), ops
        accepted += bool(seen)
    assert 20 < accepted < 150  # both paths were taken


def test_reading_a_pages_images_is_under_the_reading_budget(monkeypatch):
    """Resolving every XObject of a page (thousands, in a hostile file) is stopped by the reading
    budget like the rest of the page: a "truncated" note, not a hang."""
    import time

    original = pdf.xobject

    def slow(resources, name):
        time.sleep(0.05)
        return original(resources, name)

    monkeypatch.setattr(pdf, "xobject", slow)
    monkeypatch.setattr(pdf, "TEXT_READER", "pdfium")
    data = fx.page_with_images(f"{TEXT} /Im1 Do", images=60)  # 60 names x 50 ms: 3 s
    start = time.monotonic()
    doc = pdf.load_pdf(
        data, path="p.pdf", sha256="-", extension=".pdf", password=None, limits=Limits(timeout=2, read_time_percent=50)
    )
    assert time.monotonic() - start < 2.5
    truncated = [n for n in doc.notes if n.code == "truncated"]
    assert truncated and truncated[0].data["reason"] == "time"
