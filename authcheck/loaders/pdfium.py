"""PDF pages as pictures and text positions, through pdfium (`pdfiumtext` reads page text, opt-in).

Two jobs, both on the PDF's own bytes: `locate` finds where given pieces of text sit on their
pages (page-relative fractions, top-left origin, as the page is displayed: crop box and /Rotate
applied), and `render` draws pages as JPEG pictures for the HTML report.  pypdfium2 (BSD-3 /
Apache-2.0) and Pillow (HPND, for the JPEG encoding) are imported on first use only.

Text is matched ignoring whitespace and case, because pdfium and pypdf space words differently;
when the same text occurs several times on a page, `occurrence` picks which one.
"""

from __future__ import annotations

import ctypes
import io
import math
from collections.abc import Iterable
from itertools import compress

from authcheck.util.patterns import compiled
from authcheck.util.records import frozen

Box = tuple[float, float, float, float]  #: x0, y0, x1, y1 as fractions of the page, top-left origin
_SCALE = 100_000  #: device size used to turn page points into fractions
MAX_PAGE_CHARS = 200_000


@frozen
class Wanted:
    """A piece of text to find: its page (1-based), text, and which occurrence (0-based).

    With `y` (the baseline of its line in page units, from the bottom, as the PDF loader records
    it) the occurrence counts only matches on that line: pdfium and pypdf may order a page's text
    differently (rotated pages, columns), but a line's height on the page is the same in both.
    """

    page: int
    text: str
    occurrence: int = 0
    y: float | None = None


@frozen
class PageImage:
    """One rendered page: JPEG bytes and the picture's size in pixels."""

    number: int
    jpeg: bytes
    width: int
    height: int


def _open(data: bytes, password: str | None):
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(data, password=password)


def _open_text(data: bytes, password: str | None):
    """The document for `locate`: through `pdfiumlite` (no pypdfium2 import) when it finds PDFium."""
    from authcheck.loaders import pdfiumlite

    lib = pdfiumlite.load()
    return _open(data, password) if lib is None else pdfiumlite.Document(lib, data, password)


def locate(data: bytes, wanted: Iterable[Wanted], password: str | None = None) -> dict[Wanted, Box | None]:
    """The box around each wanted text on its page, or None when it cannot be found there."""
    wanted = list(wanted)
    out: dict[Wanted, Box | None] = {w: None for w in wanted}
    if not wanted:
        return out
    from authcheck.loaders.pdfiumtext import free, opened

    handed = opened(data)  # the loader's document and the pages it kept, when this check read them
    pdf, kept = handed if handed is not None else (_open_text(data, password), {})
    try:
        by_page: dict[int, list[Wanted]] = {}
        for w in wanted:
            if 1 <= w.page <= len(pdf):
                by_page.setdefault(w.page, []).append(w)
        for number, items in by_page.items():
            page, textpage = kept.pop(number - 1, (None, None))
            page = page or pdf[number - 1]
            try:
                _locate_on_page(page, textpage or page.get_textpage(), items, out)
            finally:
                page.close()
    finally:
        free(pdf, kept)  # the kept pages no evidence pointed into, and the document
    return out


def _locate_on_page(page, textpage, items: list[Wanted], out: dict) -> None:
    """Fill `out` for the wanted texts of one page (`textpage`: its text page, closed here)."""
    try:
        count = min(textpage.count_chars(), MAX_PAGE_CHARS)
        text = textpage.get_text_range(0, count) if count > 0 else ""
        if len(text) != count:  # characters outside the BMP: one index each, two UTF-16 units
            text = "".join((textpage.get_text_range(i, 1) or " ")[:1] for i in range(count))
        squeezed, index = _squeeze(text)
        for w in items:
            span = _pick(textpage, index, _spans(squeezed, _squeeze(w.text)[0]), w)
            if span is not None:
                chars = [index[k] for k in range(span[0], span[1])]
                out[w] = _union(page, textpage, chars)
    finally:
        textpage.close()


_INK = compiled(r"\S+")  #: runs of characters kept by _squeeze (re's \s is str.isspace)
_ASCII_SPACE = bytes(c for c in range(128) if chr(c).isspace())
_KEEP_MASK = bytes(0 if chr(c).isspace() else 1 for c in range(256))  #: byte -> 1 when _squeeze keeps it


def _squeeze(text: str) -> tuple[str, list[int]]:
    """The text without whitespace, case-folded per character, and each kept character's index.
    PDFium's end-of-line hyphen (U+FFFE) is a hyphen, as the loader's lines show it."""
    if text.isascii():  # one pass in C: a byte mask of the kept characters picks their indexes
        raw = text.encode("ascii")
        return raw.translate(None, _ASCII_SPACE).decode("ascii").lower(), list(
            compress(range(len(raw)), raw.translate(_KEEP_MASK))
        )
    kept: list[str] = []
    index: list[int] = []
    for m in _INK.finditer(text.replace("\ufffe", "-")):
        run = m.group()
        kept.append(run.lower() if run.isascii() else "".join(ch.lower()[:1] or ch for ch in run))
        index.extend(range(*m.span()))
    return "".join(kept), index


def _spans(haystack: str, needle: str, limit: int = 500) -> list[tuple[int, int]]:
    """Where `needle` occurs in `haystack` (overlaps included), at most `limit` times."""
    spans: list[tuple[int, int]] = []
    at = haystack.find(needle) if needle else -1
    while at >= 0 and len(spans) < limit:
        spans.append((at, at + len(needle)))
        at = haystack.find(needle, at + 1)
    return spans


def _pick(textpage, index: list[int], spans: list[tuple[int, int]], w: Wanted) -> tuple[int, int] | None:
    """The wanted occurrence: among the matches on the line nearest `w.y` when given, else on the page."""
    if not spans:
        return None
    if w.y is not None:

        def distance(span):
            _left, bottom, _right, top = textpage.get_charbox(index[span[0]])
            return abs((bottom + top) / 2 - w.y)

        measured = [(distance(span), span) for span in spans]
        best = min(d for d, _ in measured)
        spans = [span for d, span in measured if d <= best + 3.0]
    return spans[min(w.occurrence, len(spans) - 1)]


def _union(page, textpage, chars: list[int]) -> Box | None:
    """The display-space box around the given characters, as page fractions."""
    points: list[tuple[float, float]] = []
    if hasattr(textpage, "loose_boxes"):  # `pdfiumlite`'s: one call for all of them
        boxes = textpage.loose_boxes(chars)
    else:
        boxes = [textpage.get_charbox(i, loose=True) for i in chars]
    for left, bottom, right, top in boxes:
        if right - left <= 0 and top - bottom <= 0:
            continue
        points += ((left, bottom), (right, top))
    if not points:
        return None
    px, py = [p[0] for p in points], [p[1] for p in points]
    if all(map(math.isfinite, px + py)):
        # the page-to-picture map turns by a multiple of 90 degrees and rounds monotonically, so the
        # extreme corners of the points in page space give the extremes on the picture
        points = [(x, y) for x in (min(px), max(px)) for y in (min(py), max(py))]
    xs, ys = [], []
    for point in points:
        x, y = _to_device(page, *point)
        xs.append(x)
        ys.append(y)

    def clamp(v: float) -> float:
        return round(min(1.0, max(0.0, v / _SCALE)), 4)

    return clamp(min(xs)), clamp(min(ys)), clamp(max(xs)), clamp(max(ys))


def _to_device(page, x: float, y: float) -> tuple[int, int]:
    """Page point -> device pixel on a _SCALE x _SCALE picture of the page as displayed."""
    from authcheck.loaders.pdfiumlite import Page

    if isinstance(page, Page):
        return page.to_device(_SCALE, x, y)
    import pypdfium2.raw as raw

    dx, dy = ctypes.c_int(), ctypes.c_int()
    raw.FPDF_PageToDevice(page.raw, 0, 0, _SCALE, _SCALE, 0, x, y, ctypes.byref(dx), ctypes.byref(dy))
    return dx.value, dy.value


def render(
    data: bytes, password: str | None = None, *, max_pages: int = 30, width: int = 1000, quality: int = 60
) -> tuple[list[PageImage], int, list[int]]:
    """The first `max_pages` pages as JPEG pictures about `width` pixels wide, the page count, and
    the numbers of pages pdfium could not draw (a bad page costs only itself)."""
    pdf = _open(data, password)
    try:
        total, pages, failed = len(pdf), [], []
        for number in range(1, min(total, max_pages) + 1):
            try:
                pages.append(_render_page(pdf, number, width, quality))
            except (ValueError, OSError, RuntimeError):  # PdfiumError is a RuntimeError
                failed.append(number)
        return pages, total, failed
    finally:
        pdf.close()


def render_page(data: bytes, password: str | None, number: int, width: int, quality: int = 60) -> PageImage:
    """One page (1-based) of the PDF in `data` as a JPEG picture about `width` pixels wide."""
    pdf = _open(data, password)
    try:
        if not 1 <= number <= len(pdf):
            raise ValueError(f"no page {number}")
        return _render_page(pdf, number, width, quality)
    finally:
        pdf.close()


def _render_page(pdf, number: int, width: int, quality: int) -> PageImage:
    """One page drawn on white, scaled to `width` pixels (never above 3x), JPEG-compressed."""
    page = pdf[number - 1]
    try:
        w_pt, h_pt = page.get_size()
        if page.get_rotation() in (90, 270):
            w_pt, h_pt = h_pt, w_pt
        scale = max(0.1, min(3.0, width / max(w_pt, 1.0)))
        if w_pt * scale * h_pt * scale > 4_000_000:  # a poster-sized page: keep the picture small
            scale = (4_000_000 / max(w_pt * h_pt, 1.0)) ** 0.5
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        page.close()
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return PageImage(number, buffer.getvalue(), image.width, image.height)
