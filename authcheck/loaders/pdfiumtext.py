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
from typing import Any

from authcheck.loaders.pdflayout import Fragment


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

        lib = pdfiumlite.load()
        if lib is not None:  # the few functions bound directly: no pypdfium2 import (≈ 25 ms)
            self._raw: Any = lib
            self._doc: Any = pdfiumlite.Document(lib, data, password or None)
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
        try:
            textpage = page.get_textpage()
            try:
                _runs(self._raw, textpage, out)
            finally:
                textpage.close()
        finally:
            page.close()

    def close(self) -> None:
        """Free the document."""
        self._doc.close()


def _runs(raw: Any, textpage: Any, out: list[Fragment]) -> None:
    """Split the page text into words and group them into fragments."""
    count = textpage.count_chars()
    if count <= 0:
        return
    text = textpage.get_text_range(0, count)
    if len(text) != count:
        raise ValueError("PDFium text and character indexes disagree")
    handle = textpage.raw
    builder = _RunBuilder(out)
    start = None
    for k, char in enumerate(text):
        if char.isspace():
            if start is not None:
                builder.word(raw, handle, text, start, k)
                start = None
            if char in "\r\n":
                builder.newline()
        elif start is None:
            start = k
    if start is not None:
        builder.word(raw, handle, text, start, count)
    builder.flush()


class _RunBuilder:
    """Collects words (text, origin, end, size, angle) into runs on one baseline."""

    def __init__(self, out: list[Fragment]) -> None:
        self.out = out
        self.run: list | None = None  # [text, x, y, size, end_x, angle, last_end]
        self.x, self.y = ctypes.c_double(), ctypes.c_double()
        self.left, self.right, self.bottom, self.top = (ctypes.c_double() for _ in range(4))
        self.matrix: Any = None  # pdfium's FS_MATRIX (an untyped ctypes structure), made on first use
        self.text_object: Any = None  # the PDF text object of the last measured word, and its measures:
        self.measures: tuple = ()  # every glyph of one text object has its matrix and font size

    def newline(self) -> None:
        """PDFium ended a line: the next word starts a new run."""
        self.flush()

    def word(self, raw: Any, handle: Any, text: str, start: int, end: int) -> None:
        """Measure one word and add it to the current run or start a new one."""
        raw.FPDFText_GetCharOrigin(handle, start, self.x, self.y)
        x, y = self.x.value, self.y.value
        text_object = raw.FPDFText_GetTextObject(handle, start) if _TEXT_OBJECTS else None
        if text_object and text_object == self.text_object:
            size, advance, angle, cos, sin = self.measures
        else:
            size, advance, angle, cos, sin = self.measures = self._measure(raw, handle, start)
            self.text_object = text_object
        if angle == 0 and raw.FPDFText_GetCharBox(handle, end - 1, self.left, self.right, self.bottom, self.top):
            reach = self.right.value - x
        else:
            raw.FPDFText_GetCharOrigin(handle, end - 1, self.x, self.y)
            reach = (self.x.value - x) * cos + (self.y.value - y) * sin + 0.5 * advance  # last glyph: half an em
        word = text[start:end]
        run = self.run
        if run is not None and run[5] == angle and abs(run[3] - size) < 0.05 * size and _same_line(run, x, y, cos, sin):
            gap = (x - run[0][1]) * cos + (y - run[0][2]) * sin - run[4]
            if -0.5 * size <= gap <= 2.5 * size:
                run[1].append(word)
                run[4] = max(run[4], (x - run[0][1]) * cos + (y - run[0][2]) * sin + reach)
                return
        self.flush()
        self.run = [(None, x, y), [word], y, size, reach, angle]

    def _measure(self, raw: Any, handle: Any, index: int) -> tuple[float, float, int, float, float]:
        """Size, advance, angle (whole degrees), its cosine and sine, of the glyph at `index`."""
        if self.matrix is None:
            self.matrix = raw.FS_MATRIX()
        m = self.matrix
        if not raw.FPDFText_GetMatrix(handle, index, m):
            m.a, m.b, m.c, m.d = 1.0, 0.0, 0.0, 1.0
        font = raw.FPDFText_GetFontSize(handle, index)
        size = font * math.hypot(m.c, m.d) or 1.0
        advance = font * math.hypot(m.a, m.b)
        angle = round(math.degrees(math.atan2(m.b, m.a)))
        return size, advance, angle, math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def flush(self) -> None:
        """Emit the current run as a Fragment."""
        run, self.run = self.run, None
        if run is None:
            return
        (_, x, y), words, _, size, width, angle = run
        self.out.append(Fragment(" ".join(words), x, y, size, max(width, 0.0), angle, len(self.out)))


#: Measure a word from its text object's cached matrix and font size (False: every word asks PDFium).
_TEXT_OBJECTS = True


def _same_line(run: list, x: float, y: float, cos: float, sin: float) -> bool:
    """True when (x, y) lies on the run's baseline (in the run's own frame)."""
    _, x0, y0 = run[0]
    return abs(-(x - x0) * sin + (y - y0) * cos) <= 0.5 * run[3]
