"""Word documents whose body is only pictures (a scan pasted into Word), read by OCR.

Called after the DOCX loader (the format table's follow-up, `ocr_if_pictures`) found pictures but
no readable text.  The pictures the main part relates to are read in relationship order (the
order Word wrote them, normally the page order), each under the same pre-flight limits as an
image file, one OCR page per picture.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from authcheck.errors import CheckError
from authcheck.model import Document, Note
from authcheck.settings import Limits

MAX_CHARS = 20  #: a Word document with pictures and fewer letters and digits than this is read by OCR


def ocr_if_pictures(data: bytes, doc: Document, *, limits: Limits, engine: str) -> Document:
    """The DOCX loader's follow-up (format table): OCR a body of pictures, else the document as it is."""
    if doc.images and sum(ch.isalnum() for line in doc.lines for ch in line.text) < MAX_CHARS:
        return ocr_picture_docx(data, doc, limits=limits, engine=engine)
    return doc


def ocr_picture_docx(data: bytes, doc: Document, *, limits: Limits, engine: str) -> Document:
    """The document with OCR lines from its pictures; unchanged when OCR is not available or finds nothing."""
    from authcheck.loaders.ocr.engine import available

    if available(engine):
        return doc
    notes: list[Note] = []
    pictures = _pictures(data, limits, notes)
    if not pictures:
        return doc
    from authcheck.loaders.ocr.pages import read_pages
    from authcheck.loaders.pdfscan import MIN_CHARS, readable_chars

    read = read_pages(pictures, limits, engine, notes)
    if readable_chars(read.lines) < MIN_CHARS:
        return dataclasses.replace(doc, notes=doc.notes + tuple(notes))
    note = Note("no-text-layer", "the body is pictures only: its text was read by OCR", {"images": len(pictures)})
    return dataclasses.replace(
        doc,
        lines=read.lines,
        images=doc.images + read.inks,
        pages=max(doc.pages, len(pictures)),
        notes=(*doc.notes, note, *tuple(notes)),
        ocr=read.ocr,
    )


def _pictures(data: bytes, limits: Limits, notes: list[Note]) -> list[Any]:
    """The decoded pictures of the main document part, within the image limits."""
    from authcheck.loaders.image import frames, open_checked
    from authcheck.loaders.ooxml import Package
    from authcheck.loaders.sniff import image_kind

    package = Package.open(data, limits)
    out: list[Any] = []
    for _, rel, name in package.relationships(package.main):
        if not rel.endswith("/image") or not package.has(name) or len(out) >= limits.max_image_frames:
            continue
        raw = package.read(name)
        if not image_kind(raw):
            continue
        try:
            out.extend(frames(open_checked(raw, limits), raw, limits, notes)[:1])
        except CheckError as exc:
            notes.append(Note("damaged", f"picture {name} not read: {exc.message}"))
    return out
