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
from itertools import accumulate, chain, compress, count, islice
from operator import add, itemgetter
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
    object (`_objects` finds the words where the object changes).  The words are read in stretches
    that start where a line breaks or the object changes, so the loop over a stretch's words, which
    runs for every word of every page, tests neither; its state is kept in local variables, and a
    run is kept as the index of its first word (its text joined when it ends).
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
    matrix = raw.FS_MATRIX()
    if unchecked is not None:
        origin_of, box_of, object_of = unchecked.origin, unchecked.box, unchecked.text_object
        matrix_of, font_size_of = unchecked.matrix, unchecked.font_size
        # the text page as ctypes' own parameter object, passed to C as it is: a c_void_p would be
        # converted into a new one on every call (a quarter of a call's cost)
        page: Any = ctypes.c_void_p.from_param(handle)
        outs: list[Any] = [ctypes.byref(v) for v in (cx, cy, left, right, bottom, top, matrix)]
    else:
        origin_of, box_of, object_of = raw.FPDFText_GetCharOrigin, raw.FPDFText_GetCharBox, raw.FPDFText_GetTextObject
        matrix_of, font_size_of = raw.FPDFText_GetMatrix, raw.FPDFText_GetFontSize
        page, outs = handle, [cx, cy, left, right, bottom, top, matrix]
    ax, ay, e0, e1, e2, e3, m_out = outs
    words, starts, ends, lines = _words(text)
    if not words:
        return
    n = len(words)
    every = not _TEXT_OBJECTS  # measure every word (tests compare the two)
    contiguous = text.isascii() or _RTL(text) is None  # isascii: a flag of the string, not a scan
    measure = [True] * n if every else _objects(object_of, page, starts, lines, contiguous)
    heads = sorted({*lines, *compress(range(n), measure)})  # word 0 is measured: it heads the first stretch
    lines_set = set(lines)
    if _LINE_HYPHEN in text:  # an end-of-line hyphen (its word's last character) is a hyphen in the run's text
        words = [word.replace(_LINE_HYPHEN, "-") for word in words]
    emit = out.append
    run = -1  # the current run: its first word's index (-1: none), origin, size, width (along its baseline), angle
    x0 = y0 = run_size = width = 0.0
    run_angle = 0
    size = advance = cos = sin = 0.0
    angle = 0
    # what the next word is compared with: the run's half height (and its negative: `-half <= d <= half`
    # is `abs(d) <= half` without a call), and (from the current glyph's object) the gaps allowed,
    # its -sin, and whether its angle and size may join the run
    half = below = low = high = minus_sin = 0.0
    joins = False
    each = zip(count(), starts, ends)  # every word in order; each stretch takes its own from it
    for head, tail in zip(heads, [*heads[1:], n]):
        if measure[head]:
            size, advance, angle, cos, sin = _measure(matrix_of, font_size_of, page, starts[head], m_out, matrix)
            low, high, minus_sin = -0.5 * size, 2.5 * size, -sin
            joins = run_angle == angle and abs(run_size - size) < 0.05 * size
        if head in lines_set and run >= 0:  # PDFium ended a line: a new run
            emit(Fragment(" ".join(words[run:head]), x0, y0, run_size, max(width, 0.0), run_angle, len(out)))
            run = -1
        if run < 0:
            joins = False
        upright = angle == 0
        for k, start, end in islice(each, tail - head):
            origin_of(page, start, ax, ay)
            x, y = cx.value, cy.value
            if upright and box_of(page, end - 1, e0, e1, e2, e3):
                reach = right.value - x
            else:
                origin_of(page, end - 1, ax, ay)
                reach = (cx.value - x) * cos + (cy.value - y) * sin + 0.5 * advance  # last glyph: half an em
            if joins:
                dx, dy = x - x0, y - y0
                if below <= dx * minus_sin + dy * cos <= half:  # on the run's baseline
                    along = dx * cos + dy * sin
                    if low <= along - width <= high:
                        reach += along  # the word's end along the run
                        if reach > width:
                            width = reach
                        continue
            if run >= 0:
                emit(Fragment(" ".join(words[run:k]), x0, y0, run_size, max(width, 0.0), run_angle, len(out)))
            run, x0, y0, run_size, width, run_angle = k, x, y, size, reach, angle
            half, joins = 0.5 * run_size, abs(run_size - size) < 0.05 * size  # False only for a size that is not > 0
            below = -half
    if run >= 0:
        emit(Fragment(" ".join(words[run:]), x0, y0, run_size, max(width, 0.0), run_angle, len(out)))


def _words(text: str) -> tuple[list[str], list[int], list[int], list[int]]:
    """The words of page text (`_WORDS`), each word's first character's index and its end's (one past
    its last), and the words that start a line (a line break before them), in order.

    Most pages are words parted by one space, and lines by PDFium's "\\r\\n": such a text is split with
    `str.split`, several times faster than the regular expression, which reads every other text.
    A text is of that kind when its words (`str.split` splits at any white space, a run of it once)
    joined by single spaces give the text with its line breaks made spaces: then it has no other
    white space, no empty line and no space at either end or next to another; and without U+FFFE,
    no word to split after its hyphen.
    """
    if _LINE_HYPHEN not in text:
        words = text.split()
        if " ".join(words) == text.replace("\r\n", " "):
            lengths = list(map(len, words))
            steps = [length + 1 for length in lengths]  # a word and the space after it
            lines = list(accumulate(row.count(" ") + 1 for row in text.split("\r\n")))  # each line's end
            lines.pop()  # the first word of every line but the first
            for k in lines:
                steps[k - 1] = lengths[k - 1] + 2  # a line's last word and the line break
            starts = list(accumulate(steps, initial=0))
            starts.pop()
            return words, starts, list(map(add, starts, lengths)), lines
    pairs = _WORDS(text)  # (white space before, word): together they cover the text up to its last word
    ends = list(accumulate(map(len, chain.from_iterable(pairs))))
    breaks = map(_BREAK, map(itemgetter(0), pairs))
    return list(map(itemgetter(1), pairs)), ends[0::2], ends[1::2], list(compress(range(len(pairs)), breaks))


def _objects(object_of: Any, page: Any, starts: list[int], lines: list[int], contiguous: bool) -> list[bool]:
    """For each word (its first character's index in `starts`; `lines`: the words a line break comes
    before, in order), True when its first glyph belongs to another text object than the word
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
    previous: Any = 0
    if not contiguous:
        for k, start in enumerate(starts):
            current = object_of(page, start) or 0
            if not current or current != previous:
                measure[k] = True
            previous = current
        return measure
    known: list[Any] = [None] * n  # each word's object once asked (0 for none)

    def of(k: int) -> Any:
        found = known[k]
        if found is None:
            found = known[k] = object_of(page, starts[k]) or 0
        return found

    for first, stop in zip([0, *lines], [*lines, n]):  # each line's words
        last = stop - 1
        i = first
        while i < stop:
            current = of(i)
            if not current or current != previous:
                measure[i] = True
            previous = current
            if not current or last == i or of(i + 1) != current:
                i += 1  # the next word is asked too (one call a word, as without this search)
                continue
            if of(last) == current:  # the rest of the line is in this object
                i = stop
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


def _measure(
    matrix_of: Any, font_size_of: Any, page: Any, index: int, m_out: Any, m: Any
) -> tuple[float, float, int, float, float]:
    """Size, advance, angle (whole degrees), its cosine and sine, of the glyph at `index`, through the
    matrix and font-size calls `_runs` chose (`page` and `m_out`, the FS_MATRIX `m` to fill, as
    those calls take them)."""
    found, font = matrix_of(page, index, m_out), font_size_of(page, index)
    a, b, c, d = (m.a, m.b, m.c, m.d) if found else (1.0, 0.0, 0.0, 1.0)
    size = font * math.hypot(c, d) or 1.0
    advance = font * math.hypot(a, b)
    angle = round(math.degrees(math.atan2(b, a)))
    turn = _TURNS.get(angle)
    if turn is None:
        turn = _TURNS[angle] = (math.cos(math.radians(angle)), math.sin(math.radians(angle)))
    return size, advance, angle, *turn


#: Cosine and sine by whole degrees (-180 to 180), as `_measure` computes them.
_TURNS: dict[int, tuple[float, float]] = {}


#: Measure a word from its text object's cached matrix and font size (False: every word asks PDFium).
_TEXT_OBJECTS = True
