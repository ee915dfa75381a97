"""PDF pages that carry only pictures (a scan), rendered with pypdfium2 and read by OCR.

Called after the PDF loader (the format table's follow-up, `ocr_if_scanned`) found no text layer.  Each page is rendered at about 150 dpi (pages
over `max_image_pixels` at that size are rendered smaller), read under the OCR budget
(`ocrpages`), and the lines it gives replace the empty text.  The "no-text-layer" note stays, with
a detail saying the text now comes from OCR.  Without the OCR extra the document is returned as
the PDF loader left it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from authcheck.model import Document, Note
from authcheck.settings import Limits

DPI = 150
MIN_CHARS = 20  #: letters and digits OCR must read before the pages count as having text
SPARSE_CHARS_PER_PAGE = 60  #: a PDF with pictures, at most SPARSE_LINES typed lines and fewer letters than
SPARSE_LINES = 5  #: this a page is a scan with a typed line or two: its pages are read by OCR


def readable_chars(lines: tuple) -> int:
    """Letters and digits in OCR'd lines (a scribble or a logo read as two letters is not a text)."""
    return sum(ch.isalnum() for line in lines for ch in line.text)


def ocr_if_scanned(data: bytes, doc: Document, *, limits: Limits, engine: str) -> Document:
    """The PDF loader's follow-up (format table): OCR the pages of a scan, else the document as it is."""
    return ocr_scanned_pdf(data, doc, limits=limits, engine=engine) if scanned(doc) else doc


def scanned(doc: Document) -> bool:
    """Pages of pictures and (next to) no text: a scan, perhaps with a typed line or two; not an
    encrypted file, nor one whose pages were skipped."""
    sparse = not doc.has_text_layer or (
        len(doc.lines) <= SPARSE_LINES and readable_chars(doc.lines) < SPARSE_CHARS_PER_PAGE * max(doc.pages, 1)
    )
    return (
        sparse
        and bool(doc.images)
        and not doc.metadata.encrypted
        and not any(note.code == "truncated" for note in doc.notes)
    )


def ocr_scanned_pdf(data: bytes, doc: Document, *, limits: Limits, engine: str) -> Document:
    """The document with OCR lines for its pages; unchanged when OCR or rendering is not available."""
    from authcheck.loaders.ocr.engine import available

    if available(engine):
        return doc
    notes: list[Note] = []
    try:
        pages = _render(data, min(doc.pages, limits.max_pages, limits.max_image_frames), limits)
    except Exception as exc:
        return dataclasses.replace(
            doc,
            notes=(*doc.notes, Note("ocr-failed", f"the pages could not be rendered for OCR ({type(exc).__name__})")),
        )
    from authcheck.loaders.ocr.pages import read_pages

    read = read_pages(pages, limits, engine, notes)
    if readable_chars(read.lines) < MIN_CHARS:
        return dataclasses.replace(doc, notes=doc.notes + tuple(notes), ocr={} if doc.has_text_layer else read.ocr)
    kept = tuple(_reworded(n) for n in doc.notes)
    if doc.has_text_layer:
        kept += (
            Note(
                "sparse-text-layer",
                f"the pages are pictures with only {len(doc.lines)} typed line(s): "
                "the text was read from the page images by OCR",
                {"typed_lines": len(doc.lines)},
            ),
        )
    return dataclasses.replace(
        doc,
        lines=read.lines,
        has_text_layer=True,
        images=doc.images + read.inks,
        notes=kept + tuple(notes),
        ocr=read.ocr,
    )


def _render(data: bytes, count: int, limits: Limits) -> list[Any]:
    """Page images (grey) of the first `count` pages."""
    return render_pages(data, range(count), limits)


def render_pages(data: bytes, indexes: Any, limits: Limits) -> list[Any]:
    """Page images (grey, about 150 dpi) of the pages at `indexes` (0-based; ones past the end left out)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        out = []
        for index in [i for i in indexes if 0 <= i < len(pdf)]:
            page = pdf[index]
            width, height = page.get_size()
            scale = DPI / 72.0
            pixels = width * scale * height * scale
            if pixels > limits.max_image_pixels:
                scale *= (limits.max_image_pixels / pixels) ** 0.5
            out.append(page.render(scale=scale, grayscale=True).to_pil())
        return out
    finally:
        pdf.close()


def _reworded(note: Note) -> Note:
    if note.code != "no-text-layer":
        return note
    return Note(note.code, "no text layer: the text was read from the page images by OCR", dict(note.data))
