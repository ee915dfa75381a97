"""PDF page text through pypdfium2 (PDFium, BSD-3/Apache-2.0), opt-in; `pdfium` draws pages and finds text boxes.

pypdf's pure-Python text extraction was most of the CPU a PDF letter costs; PDFium reads the
same words in native code, several times faster.  `PdfiumText` opens the file once and turns
one page's characters into `pdflayout.Fragment`s (one per run of words on a baseline, split
where a wide gap, a new line, a size or an angle starts), so `pdflayout.layout_page` lays
them out exactly as it does pypdf's fragments: lines by baseline, column gaps as tabs,
rotated text as watermarks, small print as footnotes.

pypdf stays the reader for everything else (structure, metadata, fields, annotations,
images by their resource names) and for any page PDFium cannot read; `loaders.pdf` decides
per page.  Fragments are appended as they are built, so a page cut off by the reading
budget keeps the words read so far.
"""

from __future__ import annotations

import ctypes
import math
import re
from typing import Any

from authcheck.loaders.pdflayout import Fragment
from authcheck.util.handover import Handover


def available() -> bool:
    """True when PDFium can be used: its library found by `pdfiumlite`, or pypdfium2 importable (it is a
    core dependency; a broken install falls back to pypdf)."""
    from authcheck.loaders import pdfiumlite

    try:
        if pdfiumlite.load() is not None:
            return True
        import pypdfium2  # noqa: F401 - importing it is the test
    except Exception:
        return False
    return True


class PdfiumText:
    """One PDF opened in PDFium for page text; `close()` frees it."""

    def __init__(self, data: bytes, password: str | None) -> None:
        from authcheck.loaders import pdfiumlite

        self._data = data
        self._kept: dict[int, tuple[Any, Any]] = {}  #: index -> (page, text page) kept for `locate`
        self._keep: tuple[int, ...] = ()
        lib = pdfiumlite.load()
        if lib is not None:  # the few functions bound directly: no pypdfium2 import (≈ 25 ms)
            self._raw: Any = lib
            self._doc: Any = pdfiumlite.Document(lib, data, password or None)
            self._keep = (0, len(self._doc) - 1)  # the pages evidence most often points into
            return
        import pypdfium2
        import pypdfium2.raw as raw

        self._raw = raw
        self._doc = pypdfium2.PdfDocument(data, password=password or None)

    def page_count(self) -> int:
        """How many pages PDFium sees."""
        return len(self._doc)

    def fragments(self, index: int, out: list[Fragment]) -> None:
        """Append page `index`'s text runs to `out` (raises on a page PDFium cannot read)."""
        page = self._doc[index]
        textpage = None
        try:
            textpage = page.get_textpage()
            _runs(self._raw, textpage, out)
            if index in self._keep and index not in self._kept:
                self._kept[index], textpage, page = (page, textpage), None, None
        finally:
            for handle in (textpage, page):
                if handle is not None:
                    handle.close()

    def close(self) -> None:
        """Hand the document and its kept pages over to `opened(data)` (the evidence boxes of the
        same check), freeing the ones handed over before; through pypdfium2, just free it."""
        if self._keep:
            _OPENED.put(self._data, (self._doc, self._kept))
        else:
            free(self._doc, self._kept)


def opened(data: bytes) -> tuple[Any, dict] | None:
    """The open document (PDFium through `pdfiumlite`) and the kept (page, text page) by index that
    the loader read from this very bytes object, taken once: the caller closes them."""
    return _OPENED.take(data)


def free(doc: Any, kept: dict) -> None:
    """Close the (page, text page) pairs of `kept`, then the document."""
    for page, textpage in kept.values():
        textpage.close()
        page.close()
    doc.close()


#: The last document `PdfiumText` read, (document, kept pages), for `opened` to take.
_OPENED = Handover(free=lambda held: free(*held))


def _runs(raw: Any, textpage: Any, out: list[Fragment]) -> None:
    """Split the page text into words and group them into fragments: one fragment a run of words
    on one baseline, in one size and angle, with gaps of at most 2.5 ems, and no line break between.

    Each word is measured by its first glyph's origin and its last glyph's box (its origin plus half
    an em on a turned line); size and angle come from the glyph's text object, asked once per object.
    This loop runs for every word of every page, so its state is kept in local variables.
    """
    count = textpage.count_chars()
    if count <= 0:
        return
    text = textpage.get_text_range(0, count)
    if len(text) != count:
        raise ValueError("PDFium text and character indexes disagree")
    handle = textpage.raw
    cx, cy = ctypes.c_double(), ctypes.c_double()
    left, right, bottom, top = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    unchecked = getattr(raw, "unchecked", None)  # pdfiumlite's calls without argument conversion
    if unchecked is not None:
        origin_of, box_of, object_of = unchecked.origin, unchecked.box, unchecked.text_object
        page: Any = ctypes.c_void_p(handle)
        outs: list[Any] = [ctypes.byref(v) for v in (cx, cy, left, right, bottom, top)]
    else:
        origin_of, box_of, object_of = raw.FPDFText_GetCharOrigin, raw.FPDFText_GetCharBox, raw.FPDFText_GetTextObject
        page, outs = handle, [cx, cy, left, right, bottom, top]
    ax, ay, e0, e1, e2, e3 = outs
    if not _TEXT_OBJECTS:
        object_of = None
    matrix = raw.FS_MATRIX()
    emit = out.append
    words: list[str] | None = None  # the current run: its words, origin, size, width (along its baseline), angle
    x0 = y0 = run_size = width = 0.0
    run_angle = 0
    last_object: Any = None
    size = advance = cos = sin = 0.0
    angle = 0
    for match in _WORD.finditer(text):
        gap, word = match.groups()
        if words is not None and gap and ("\n" in gap or "\r" in gap):  # PDFium ended a line: a new run
            emit(Fragment(" ".join(words), x0, y0, run_size, max(width, 0.0), run_angle, len(out)))
            words = None
        if word[-1] == _LINE_HYPHEN:
            word = word[:-1] + "-"
        start, end = match.span(2)
        origin_of(page, start, ax, ay)
        x, y = cx.value, cy.value
        text_object = object_of(page, start) if object_of is not None else None
        if not text_object or text_object != last_object:
            size, advance, angle, cos, sin = _measure(raw, handle, start, matrix)
            last_object = text_object
        if angle == 0 and box_of(page, end - 1, e0, e1, e2, e3):
            reach = right.value - x
        else:
            origin_of(page, end - 1, ax, ay)
            reach = (cx.value - x) * cos + (cy.value - y) * sin + 0.5 * advance  # last glyph: half an em
        if (
            words is not None
            and run_angle == angle
            and abs(run_size - size) < 0.05 * size
            and abs(-(x - x0) * sin + (y - y0) * cos) <= 0.5 * run_size  # on the run's baseline
        ):
            along = (x - x0) * cos + (y - y0) * sin
            if -0.5 * size <= along - width <= 2.5 * size:
                words.append(word)
                width = max(width, along + reach)
                continue
        if words is not None:
            emit(Fragment(" ".join(words), x0, y0, run_size, max(width, 0.0), run_angle, len(out)))
        words, x0, y0, run_size, width, run_angle = [word], x, y, size, reach, angle
    if words is not None:
        emit(Fragment(" ".join(words), x0, y0, run_size, max(width, 0.0), run_angle, len(out)))


#: A word (group 2: a run of characters that are not white space, as `str.isspace` says) and the
#: white space before it (group 1), which ends a line when it holds a line break.  PDFium writes a
#: hyphen that ends a line as U+FFFE and no line break after it ("great\ufffeest"): the marker ends
#: its word, which keeps a hyphen, and the rest of the word starts a run on its own line.
_WORD = re.compile(r"(\s*)([^\s\ufffe]*\ufffe|\S+)")
_LINE_HYPHEN = "\ufffe"


def _measure(raw: Any, handle: Any, index: int, m: Any) -> tuple[float, float, int, float, float]:
    """Size, advance, angle (whole degrees), its cosine and sine, of the glyph at `index` (`m`: an
    FS_MATRIX to fill)."""
    if not raw.FPDFText_GetMatrix(handle, index, m):
        m.a, m.b, m.c, m.d = 1.0, 0.0, 0.0, 1.0
    font = raw.FPDFText_GetFontSize(handle, index)
    size = font * math.hypot(m.c, m.d) or 1.0
    advance = font * math.hypot(m.a, m.b)
    angle = round(math.degrees(math.atan2(m.b, m.a)))
    return size, advance, angle, math.cos(math.radians(angle)), math.sin(math.radians(angle))


#: Measure a word from its text object's cached matrix and font size (False: every word asks PDFium).
_TEXT_OBJECTS = True
