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
from bisect import bisect_right
from itertools import accumulate, chain, compress
from operator import itemgetter
from typing import Any

from authcheck.loaders.pdflayout import Fragment
from authcheck.util.handover import Handover
from authcheck.util.patterns import compiled


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
    an em on a turned line); size and angle come from the glyph's text object, measured once per
    object (`_objects` finds the words where the object changes).  This loop runs for every word
    of every page, so its state is kept in local variables.
    """
    chars = textpage.count_chars()
    if chars <= 0:
        return
    text = textpage.get_text_range(0, chars)
    if len(text) != chars:
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
    pairs = _WORDS(text)  # (white space before, word): together they cover the text up to its last word
    if not pairs:
        return
    ends = list(accumulate(map(len, chain.from_iterable(pairs))))
    starts, ends = ends[0::2], ends[1::2]
    breaks = list(map(_BREAK, map(itemgetter(0), pairs)))  # a line break before the word: a new run
    every = not _TEXT_OBJECTS  # measure every word (tests compare the two)
    measure = [True] * len(starts) if every else _objects(object_of, page, starts, breaks, _RTL(text) is None)
    matrix = raw.FS_MATRIX()
    emit = out.append
    words: list[str] = []  # the current run: its words, origin, size, width (along its baseline), angle
    x0 = y0 = run_size = width = 0.0
    run_angle = 0
    size = advance = cos = sin = 0.0
    angle = 0
    # what the next word is compared with: the run's half height, and (from the current glyph's
    # object) the gaps allowed, its -sin, and whether its angle and size may join the run
    half = low = high = minus_sin = 0.0
    joins = False
    for start, end, (_, word), broken, new_object in zip(starts, ends, pairs, breaks, measure):
        if broken is not None and words:  # PDFium ended a line: a new run
            emit(Fragment(" ".join(words), x0, y0, run_size, max(width, 0.0), run_angle, len(out)))
            words = []
        if word[-1] == _LINE_HYPHEN:
            word = word[:-1] + "-"
        origin_of(page, start, ax, ay)
        x, y = cx.value, cy.value
        if new_object:
            size, advance, angle, cos, sin = _measure(raw, handle, start, matrix)
            low, high, minus_sin = -0.5 * size, 2.5 * size, -sin
            joins = run_angle == angle and abs(run_size - size) < 0.05 * size
        if angle == 0 and box_of(page, end - 1, e0, e1, e2, e3):
            reach = right.value - x
        else:
            origin_of(page, end - 1, ax, ay)
            reach = (cx.value - x) * cos + (cy.value - y) * sin + 0.5 * advance  # last glyph: half an em
        if words and joins:
            dx, dy = x - x0, y - y0
            if abs(dx * minus_sin + dy * cos) <= half:  # on the run's baseline
                along = dx * cos + dy * sin
                if low <= along - width <= high:
                    words.append(word)
                    if along + reach > width:
                        width = along + reach
                    continue
        if words:
            emit(Fragment(" ".join(words), x0, y0, run_size, max(width, 0.0), run_angle, len(out)))
        words, x0, y0, run_size, width, run_angle = [word], x, y, size, reach, angle
        half, joins = 0.5 * run_size, abs(run_size - size) < 0.05 * size  # False only for a size that is not > 0
    if words:
        emit(Fragment(" ".join(words), x0, y0, run_size, max(width, 0.0), run_angle, len(out)))


def _objects(object_of: Any, page: Any, starts: list[int], breaks: list, contiguous: bool) -> list[bool]:
    """For each word (its first character's index in `starts`; `breaks`: not None where a line
    break comes before it), True when its first glyph belongs to another text object than the word
    before's: where size and angle are measured again.

    PDFium keeps each text object's characters together, in one stretch of the page's characters,
    unless the bidirectional reordering of a line with right-to-left letters moves some
    (`contiguous`: the text has none).  So when two words belong to the same object, every word
    between them does too: a line in one object costs three calls (its first, second and last
    words) rather than one a word, and a change within a line is found by halving.
    Every word starts with a character of some object: PDFium's own characters (the spaces and
    line breaks it adds) are white space.  Without `contiguous`, every word is asked.
    """
    n = len(starts)
    measure = [False] * n
    known: dict[int, Any] = {}

    def of(k: int) -> Any:
        found = known.get(k)
        if found is None:
            found = known[k] = object_of(page, starts[k]) or 0
        return found

    lines = list(compress(range(n), breaks))  # the words that start a line
    previous: Any = 0
    i = 0
    while i < n:
        current = of(i)
        if not current or current != previous:
            measure[i] = True
        previous = current
        at = bisect_right(lines, i)
        last = (lines[at] if at < len(lines) else n) - 1  # the line's last word
        if not contiguous or not current or last == i or of(i + 1) != current:
            i += 1  # the next word is asked too (one call a word, as without this search)
            continue
        if of(last) == current:  # the rest of the line is in this object
            i = last + 1
            continue
        lo, hi = i + 1, last  # of(lo) is `current`, of(hi) is not: find the first word that is not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if of(mid) == current:
                lo = mid
            else:
                hi = mid
        previous, i = current, hi
    return measure


#: The words of page text, each as (the white space before it, the word): a word is a run of
#: characters that are not white space, as `str.isspace` says, and white space with a line break
#: (`_BREAK`) ends a line.  PDFium writes a hyphen that ends a line as U+FFFE and no line break
#: after it ("great\ufffeest"): the marker ends its word, which keeps a hyphen, and the rest of the
#: word is measured as a word of its own (on the next line).
_WORDS = compiled(r"(\s*)([^\s\ufffe]*\ufffe|\S+)").findall
_BREAK = compiled(r"[\r\n]").search
_LINE_HYPHEN = "\ufffe"

#: Letters written right to left (Unicode bidirectional classes R and AL, whole blocks): a line
#: with any may have its characters reordered across text objects (`_objects`).
_RTL = compiled("[\u0590-\u08ff\u200f\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]").search


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
