"""Loaders: bytes in, `Document` out.

`load` sniffs the type from the bytes (never from the name), hands them to the loader the
format table (`formats.py`) names for it, then to the format's follow-up step (OCR of a scan),
and notes when the file's extension claims another type.  pypdf and python-docx are imported
only inside their loaders, so text files and `authcheck --version` never pay for them.
"""

from __future__ import annotations

import dataclasses
import os

from authcheck.loaders import formats
from authcheck.loaders.formats import Format
from authcheck.loaders.sniff import sniff, sniff_format
from authcheck.model import Document, Note
from authcheck.settings import Limits

__all__ = ["load", "sniff"]


def load(
    data: bytes, *, path: str, sha256: str, password: str | None, limits: Limits, ocr_engine: str = "rapidocr"
) -> Document:
    """Read one input into a `Document`; raises CheckError when it cannot be read.

    The format table (`loaders/formats.py`) names the loader and its follow-up step: images, and
    PDF pages or Word documents that carry only pictures, are read by OCR with `ocr_engine`."""
    fmt = sniff_format(data)
    extension = extension_of(path)
    options = {"password": password, "engine": ocr_engine}
    doc = formats.resolve(fmt.load)(
        data, path=path, sha256=sha256, extension=extension, limits=limits, **{k: options[k] for k in fmt.takes}
    )
    if fmt.follow_up:
        doc = formats.resolve(fmt.follow_up)(data, doc, limits=limits, engine=ocr_engine)
    extra = _sniff_notes(data, fmt, extension)
    return dataclasses.replace(doc, notes=extra + doc.notes) if extra else doc


def extension_of(path: str) -> str:
    """The lower-case extension of a display name ("" for stdin or none)."""
    if path == "-":
        return ""
    return os.path.splitext(os.path.basename(path))[1].lower()


def _sniff_notes(data: bytes, fmt: Format, extension: str) -> tuple[Note, ...]:
    """A "type-mismatch" note when the extension claims another type, then the format's own notes
    about the bytes (junk before %PDF-)."""
    notes: tuple[Note, ...] = ()
    claimed = formats.claimed_by(extension)
    if claimed and claimed.name != fmt.name:
        notes += (
            Note(
                "type-mismatch",
                f"the file is named {extension} but its content is {fmt.label}",
                {"extension": extension, "content": fmt.name},
            ),
        )
    return notes + (formats.resolve(fmt.notes)(data) if fmt.notes else ())
