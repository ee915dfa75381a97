"""The opt-in PDFium page-text reader (AUTHCHECK_PDF_TEXT=pdfium) fills the Document as pypdf does."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

pytest.importorskip("pypdfium2")

from authcheck.loaders import load, pdf  # noqa: E402
from authcheck.loaders import pdfiumtext as pdfium  # noqa: E402
from authcheck.settings import Limits  # noqa: E402
from tools.docgen import Img, LetterSpec, Text, build_pdf, letter_pdf  # noqa: E402


def read(data: bytes, reader: str, monkeypatch, limits: Limits = Limits()):
    """Load `data` with the page-text reader `reader` ("pypdf" or "pdfium")."""
    monkeypatch.setattr(pdf, "TEXT_READER", reader)
    return load(data, path="letter.pdf", sha256=hashlib.sha256(data).hexdigest(), password=None, limits=limits)


def lines(doc) -> list[tuple]:
    return [(ln.text, ln.source, ln.page, ln.number, ln.start, ln.end, ln.y) for ln in doc.lines]


def count_pdfium_pages(monkeypatch) -> list[int]:
    """Record the pages PDFium reads."""
    seen: list[int] = []
    original = pdfium.PdfiumText.fragments

    def fragments(self, index, out):
        seen.append(index)
        return original(self, index, out)

    monkeypatch.setattr(pdfium.PdfiumText, "fragments", fragments)
    return seen


def all_fragments(data: bytes) -> list:
    """Every page's fragments, read by `PdfiumText`."""
    reader, out = pdfium.PdfiumText(data, None), []
    try:
        for index in range(reader.page_count()):
            reader.fragments(index, out)
    finally:
        reader.close()
    return out


LETTER = LetterSpec(
    letterhead=["DEPARTMENT OF THE ARMY", "HEADQUARTERS, 1ST INFANTRY DIVISION"],
    date="12 March 2024",
    blocks=[
        "MEMORANDUM FOR RECORD",
        "SUBJECT: Reader parity",
        "1. This first paragraph is long enough to wrap onto a second line of the page in the PDF "
        "rendering, so that line grouping and paragraph gaps are both exercised.",
        "2. Second paragraph.",
    ],
    closing="Sincerely,",
    signature_name="JOHN Q. PUBLIC",
    signature_titles=["COL, IN"],
    watermark="DRAFT",
    filler_pages=1,
)


def test_pdfium_lines_match_pypdf_on_a_letter_with_a_watermark(monkeypatch):
    data = letter_pdf(LETTER)
    seen = count_pdfium_pages(monkeypatch)
    new = read(data, "pdfium", monkeypatch)
    old = read(data, "pypdf", monkeypatch)
    assert seen == [0, 1]  # both pages read by PDFium
    assert lines(new) == lines(old)
    assert "watermark" in {ln.source for ln in new.lines}
    assert new.metadata == old.metadata and new.pages == old.pages == 2


def test_words_measured_from_their_text_object_give_the_same_fragments(monkeypatch):
    """A word's size and angle come from its text object's matrix and font size, asked of PDFium
    once per object: the fragments equal those of asking for every word (watermark, columns)."""
    data = letter_pdf(LETTER)
    asked: list[int] = []
    original = pdfium._measure

    def measure(matrix_of, font_size_of, page, index, *matrix):
        asked.append(index)
        return original(matrix_of, font_size_of, page, index, *matrix)

    monkeypatch.setattr(pdfium, "_measure", measure)

    def fragments(cached: bool) -> list:
        monkeypatch.setattr(pdfium, "_TEXT_OBJECTS", cached)
        return all_fragments(data)

    every_word = fragments(False)
    words = len(asked)
    asked.clear()
    assert fragments(True) == every_word
    assert 0 < len(asked) < words / 2  # most words reuse their object's measures


def test_pdfium_keeps_columns_apart_with_a_tab(monkeypatch):
    data = build_pdf(
        [
            [
                Text(72, 700, "Left column text"),
                Text(330, 700, "Right column text"),
                Text(72, 686, "second left"),
                Text(330, 686, "second right"),
            ]
        ]
    )
    new = read(data, "pdfium", monkeypatch)
    assert [ln.text for ln in new.lines if ln.text] == [
        "Left column text\tRight column text",
        "second left\tsecond right",
    ]
    assert lines(new) == lines(read(data, "pypdf", monkeypatch))


def test_pages_with_images_are_read_by_pdfium_with_pypdfs_names_and_placements(monkeypatch):
    data = build_pdf([[Text(72, 700, "Text page")], [Text(72, 700, "Signed"), Img(72, 600, 120, 40)]])
    seen = count_pdfium_pages(monkeypatch)
    new = read(data, "pdfium", monkeypatch)
    old = read(data, "pypdf", monkeypatch)
    assert seen == [0, 1]  # tests/test_placements.py: what sends such a page to pypdf
    assert new.images == old.images and len(new.images) == 1 and new.images[0].name
    assert lines(new) == lines(old)


def test_a_page_pdfium_cannot_read_falls_back_to_pypdf(monkeypatch):
    def broken(self, index, out):
        out.append(pdfium.Fragment("garbage", 0, 0, 10, 10, 0))
        raise ValueError("bad page")

    monkeypatch.setattr(pdfium.PdfiumText, "fragments", broken)
    data = build_pdf([[Text(72, 700, "Only pypdf reads this")]])
    doc = read(data, "pdfium", monkeypatch)
    assert [ln.text for ln in doc.lines if ln.text] == ["Only pypdf reads this"]
    assert not [n for n in doc.notes if n.code in ("page-unreadable", "truncated")]


def test_pdfium_page_cut_by_the_time_budget_keeps_the_words_read(monkeypatch):
    import time

    original = pdfium.Fragment

    def fragment(text, *rest):  # the page's last run is made after every word of it was measured
        if text.startswith("spin"):
            while True:
                time.sleep(0.01)
        return original(text, *rest)

    monkeypatch.setattr(pdfium, "Fragment", fragment)
    data = build_pdf([[Text(72, 700, "Page one")], [Text(72, 700, "Page two"), Text(72, 600, "spin here")]])
    start = time.monotonic()
    doc = read(data, "pdfium", monkeypatch, limits=Limits(timeout=1.0))
    assert time.monotonic() - start < 5
    assert [ln.text for ln in doc.lines if ln.text][:1] == ["Page one"]
    [note] = [n for n in doc.notes if n.code == "truncated"]
    assert note.data == {"pages_total": 2, "pages_read": 1, "reason": "time"} and "inside page 2" in note.detail


def test_oversized_pages_are_not_handed_to_pdfium(monkeypatch):
    seen = count_pdfium_pages(monkeypatch)
    data = build_pdf([[Text(72, 700 - k, f"line {k}") for k in range(300)]])
    doc = read(data, "pdfium", monkeypatch, limits=Limits(max_page_content_bytes=1000))
    assert seen == []
    assert [n.data.get("page") for n in doc.notes if n.code == "truncated"] == [1]


def test_a_hyphen_that_ends_a_line_stays_on_its_line(monkeypatch):
    """PDFium writes such a hyphen as U+FFFE with no line break after it ("great\ufffeest"): the
    lines are pypdf's, and the evidence box of each half is found on its own line."""
    from authcheck.loaders.pdfium import Wanted, locate

    data = build_pdf(
        [[Text(72, 700, "the greatest number are the great-"), Text(72, 686, "est number of the workers")]]
    )
    new = read(data, "pdfium", monkeypatch)
    assert [ln.text for ln in new.lines if ln.text] == [
        "the greatest number are the great-",
        "est number of the workers",
    ]
    assert lines(new) == lines(read(data, "pypdf", monkeypatch))
    first, second = Wanted(1, "the great-", 0, 700.0), Wanted(1, "est number", 0, 686.0)
    boxes = locate(data, [first, second])
    assert boxes[first] is not None and boxes[second] is not None
    assert boxes[first][3] < boxes[second][1] + 0.01  # the first line's box is above the second's


def test_the_small_bindings_unchecked_calls_give_pypdfium2s_fragments(monkeypatch):
    """pdfiumlite binds the per-word calls without argument conversion (`Unchecked`); the fragments
    equal those of pypdfium2's own binding, turned watermark lines included."""
    from authcheck.loaders import pdfiumlite

    if pdfiumlite.load() is None:
        pytest.skip("pypdfium2's library file was not found")
    data = letter_pdf(LETTER)

    small = all_fragments(data)
    reader = pdfium.PdfiumText(data, None)
    try:
        assert getattr(reader._raw, "unchecked", None) is not None  # the small binding was used
    finally:
        reader.close()
    monkeypatch.setattr(pdfiumlite, "load", lambda: None)  # PdfiumText then opens through pypdfium2
    assert all_fragments(data) == small and any(f.angle for f in small)


def heads(breaks: list) -> list[int]:
    """The words a line break comes before (`breaks`: true for each such word), as `_objects` takes them."""
    return [k for k, broken in enumerate(breaks) if broken]


def per_word(objects: list, starts: list[int]) -> list[bool]:
    """What `_objects` answers, computed by asking every word: a new object, or none."""
    out, previous = [], 0
    for start in starts:
        current = objects[start] or 0
        out.append(not current or current != previous)
        previous = current
    return out


def test_text_objects_are_asked_at_the_ends_of_lines_and_where_they_change():
    """`_objects` finds the words whose text object differs from the word before's, as asking
    every word does, but asks a line in one object for three words only."""
    import random

    rng = random.Random(7)
    for _ in range(400):
        words = rng.randint(1, 60)
        starts = sorted(rng.sample(range(words * 3), words))
        objects, current = [0] * (words * 3), 100
        for index in range(words * 3):  # each object one stretch of characters, as PDFium keeps them
            if rng.random() < rng.choice([0.0, 0.02, 0.2, 0.9]):
                current += 1
            objects[index] = current
        breaks = [rng.random() < 0.15 or None for _ in starts]
        asked: list[int] = []

        def object_of(page, index, objects=objects, asked=asked):
            asked.append(index)
            return objects[index]

        measure = pdfium._objects(object_of, None, starts, heads(breaks), True)
        assert measure == per_word(objects, starts)
        assert len(asked) == len(set(asked))  # each word asked once at most
        asked.clear()
        assert pdfium._objects(object_of, None, starts, heads(breaks), False) == per_word(objects, starts)
        assert asked == starts  # without `contiguous`: every word, in order

    starts = list(range(0, 300, 3))  # 100 words, ten lines of ten, each line one object
    breaks = [True if k % 10 == 0 else None for k in range(100)]
    objects = [1 + index // 30 for index in range(300)]
    asked = []
    measure = pdfium._objects(
        lambda page, index: asked.append(index) or objects[index], None, starts, heads(breaks), True
    )
    assert measure == per_word(objects, starts) and sum(measure) == 10
    assert len(asked) == 30  # first, second and last word of each line

    starts, breaks = list(range(64)), [True] + [None] * 63  # one line: 48 words in one object, 16 in another
    objects = [1] * 48 + [2] * 16
    asked.clear()
    measure = pdfium._objects(
        lambda page, index: asked.append(index) or objects[index], None, starts, heads(breaks), True
    )
    assert measure == per_word(objects, starts)
    assert len(asked) <= 10  # the change is found by halving, not word by word


def test_a_line_in_several_sizes_gives_the_fragments_of_asking_every_word(monkeypatch):
    """Words in a larger size in the middle of a line, and a line of one object: the objects found
    by `_objects` give the fragments of measuring every word."""
    data = build_pdf(
        [
            [
                Text(72, 700, "one two three"),
                Text(150, 700, "LOUD WORDS", size=18),
                Text(260, 700, "four five"),
                Text(72, 680, "a whole line of words in a single text object here"),
                Text(72, 660, "x"),
            ]
        ]
    )
    monkeypatch.setattr(pdfium, "_TEXT_OBJECTS", False)
    every_word = all_fragments(data)
    monkeypatch.setattr(pdfium, "_TEXT_OBJECTS", True)
    assert all_fragments(data) == every_word
    assert {f.size for f in every_word} == {12.0, 18.0}


def test_a_line_with_right_to_left_letters_asks_every_word(monkeypatch):
    """PDFium reorders right-to-left letters (here Hebrew, through a ToUnicode map), which may move
    characters between text objects: such a page's words are each asked for their object."""
    from tools.pdf_forensic_fixtures import page_with_hebrew

    data = page_with_hebrew("BT /F1 12 Tf 72 700 Td (ab cd XY) Tj /F1 18 Tf (ZW) Tj /F1 12 Tf ( ef) Tj ET")
    contiguous: list[bool] = []
    original = pdfium._objects

    def objects(object_of, page, starts, breaks, flag):
        contiguous.append(flag)
        return original(object_of, page, starts, breaks, flag)

    monkeypatch.setattr(pdfium, "_objects", objects)
    fragments = all_fragments(data)
    assert contiguous == [False]
    assert any("\u05d0" in f.text for f in fragments)  # read as Hebrew
    monkeypatch.setattr(pdfium, "_TEXT_OBJECTS", False)
    assert all_fragments(data) == fragments
    assert contiguous == [False]  # measuring every word does not ask `_objects`
    assert not original(None, None, [], [], True)


def test_words_split_without_the_pattern_are_the_patterns_words():
    """`_words` splits a text of words parted by single spaces and PDFium's line breaks with `str.split`;
    for every text, that kind or not (other white space, doubled, at the ends, U+FFFE), it gives the
    words, indexes and line starts of the regular expression."""
    import random
    from itertools import accumulate, chain

    def by_pattern(text: str) -> tuple:
        pairs = pdfium._WORDS(text)
        ends = list(accumulate(map(len, chain.from_iterable(pairs))))
        return [w for _, w in pairs], ends[0::2], ends[1::2], [k for k, (s, _) in enumerate(pairs) if pdfium._BREAK(s)]

    rng = random.Random(11)
    odd = ["  ", "\r", "\n", "\t", " \r\n", "\r\n\r\n", "\u00a0", "\u2028", "\x1c", "\r\r\n", "\r\n\n", ""]
    fast = 0
    for _ in range(20000):
        words = [
            "".join(rng.choice("ab\ufffe\u00e9" if rng.random() < 0.05 else "abxyz") for _ in range(rng.randint(1, 4)))
        ]
        for _ in range(rng.randint(0, 8)):
            words += [
                rng.choice(odd) if rng.random() < 0.1 else rng.choice([" ", " ", "\r\n"]),
                "w" * rng.randint(1, 3),
            ]
        text = rng.choice(["", "", " ", "\r\n"]) + "".join(words) + rng.choice(["", "", " ", "\r\n"])
        assert pdfium._words(text) == by_pattern(text), repr(text)
        fast += " ".join(text.split()) == text.replace("\r\n", " ") and "\ufffe" not in text
    assert 1000 < fast < 19000  # both ways taken
