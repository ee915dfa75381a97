"""Loaders: bytes in, `Document` out.

`load` sniffs the type from the bytes (never from the name), hands them to the PDF,
DOCX or text loader, and notes when the file's extension claims another type.  pypdf
and python-docx are imported only inside their loaders, so text files and
`authcheck --version` never pay for them.
"""

from __future__ import annotations

import dataclasses
import os

from authcheck.loaders.sniff import EXTENSIONS, pdf_offset, sniff
from authcheck.model import Document, Note
from authcheck.settings import Limits

__all__ = ["load", "sniff"]

SPARSE_CHARS_PER_PAGE = 60  #: a PDF with pictures, at most SPARSE_LINES typed lines and fewer letters than
SPARSE_LINES = 5  #: this a page is a scan with a typed line or two: its pages are read by OCR
_NAMES = {"pdf": "a PDF", "docx": "a Word document (docx)", "text": "plain text", "image": "an image"}


def load(
    data: bytes, *, path: str, sha256: str, password: str | None, limits: Limits, ocr_engine: str = "rapidocr"
) -> Document:
    """Read one input into a `Document`; raises CheckError when it cannot be read.

    Images, and PDF pages that carry only pictures, are read by OCR with `ocr_engine`."""
    kind = sniff(data)
    extension = extension_of(path)
    if kind == "image":
        from authcheck.loaders.image import load_image

        doc = load_image(data, path=path, sha256=sha256, extension=extension, limits=limits, engine=ocr_engine)
    elif kind == "pdf":
        from authcheck.loaders.pdf import load_pdf

        doc = load_pdf(data, path=path, sha256=sha256, extension=extension, password=password, limits=limits)
        if _scanned(doc):
            from authcheck.loaders.pdfscan import ocr_scanned_pdf

            doc = ocr_scanned_pdf(data, doc, limits=limits, engine=ocr_engine)
    elif kind == "docx":
        from authcheck.loaders.docx import load_docx

        doc = load_docx(data, path=path, sha256=sha256, extension=extension, limits=limits)
        if doc.images and _alnum(doc) < 20:
            from authcheck.loaders.docxscan import ocr_picture_docx

            doc = ocr_picture_docx(data, doc, limits=limits, engine=ocr_engine)
    else:
        from authcheck.loaders.text import load_text

        doc = load_text(data, path=path, sha256=sha256, extension=extension, limits=limits)
    extra = _sniff_notes(data, kind, extension)
    return dataclasses.replace(doc, notes=extra + doc.notes) if extra else doc


def _scanned(doc: Document) -> bool:
    """Pages of pictures and (next to) no text: a scan, perhaps with a typed line or two; not an
    encrypted file, nor one whose pages were skipped."""
    sparse = not doc.has_text_layer or (
        len(doc.lines) <= SPARSE_LINES and _alnum(doc) < SPARSE_CHARS_PER_PAGE * max(doc.pages, 1)
    )
    return (
        sparse
        and bool(doc.images)
        and not doc.metadata.encrypted
        and not any(note.code == "truncated" for note in doc.notes)
    )


def _alnum(doc: Document) -> int:
    return sum(ch.isalnum() for line in doc.lines for ch in line.text)


def extension_of(path: str) -> str:
    """The lower-case extension of a display name ("" for stdin or none)."""
    if path == "-":
        return ""
    return os.path.splitext(os.path.basename(path))[1].lower()


def _sniff_notes(data: bytes, kind: str, extension: str) -> tuple[Note, ...]:
    """A "type-mismatch" note when the extension claims another type; a note for junk before %PDF-."""
    notes = []
    claimed = EXTENSIONS.get(extension)
    if claimed and claimed != kind:
        notes.append(
            Note(
                "type-mismatch",
                f"the file is named {extension} but its content is {_NAMES[kind]}",
                {"extension": extension, "content": kind},
            )
        )
    offset = pdf_offset(data) if kind == "pdf" else 0
    if offset:
        detail = f"{offset} bytes come before the %PDF- header" if offset > 0 else "no %PDF- header"
        notes.append(Note("header-offset", detail, {"offset": offset}))
    return tuple(notes)
