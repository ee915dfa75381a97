"""Tell the type of an input from its bytes, never from its name.

`sniff_format` walks the format table (`loaders/formats.py`): every format's `magic` test, then
the refusals here, then every `guess`.  The tests for the built-in formats live here: PDF when
``%PDF-`` occurs in the first KiB (or, as a guess, PDF object syntax without a header); DOCX when
a ZIP lists a WordprocessingML main part; "image" for PNG, JPEG, TIFF and WebP (read by OCR),
and HEIC/HEIF when the system's libheif is there (`loaders/heif.py`);
text (a guess) when the bytes decode with few control characters.  Everything else is refused
with a reason a person can act on (a legacy .doc, a GIF, a HEIC photo without a system libheif,
an RTF file, another ZIP).
"""

from __future__ import annotations

from authcheck.errors import CheckError
from authcheck.loaders import formats
from authcheck.loaders.formats import Format
from authcheck.model import Note
from authcheck.util.patterns import compiled

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_UNREAD_IMAGES = ((b"GIF87a", "GIF"), (b"GIF89a", "GIF"))
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif")
# The look-behinds make a match start only at the first digit of a run: without them a long
# run of digits costs quadratic time (40 kB of "1" took 18 s), and a regex cannot be interrupted.
_PDF_SYNTAX = compiled(rb"startxref\s+-?\d+|trailer\s*<<|(?<![0-9])\d+\s+\d+\s+obj\s*<<")
_SYNTAX_WINDOW = 1024 * 1024  #: bytes searched for PDF syntax at each end of a headerless file


def sniff(data: bytes) -> str:
    """The name of the input's format ("pdf", "docx", "image", "text", ...); see `sniff_format`."""
    return sniff_format(data).name


def sniff_format(data: bytes) -> Format:
    """The row of the format table the bytes belong to.

    Each format's `magic` test in table order, then the refusals below, then each `guess` in
    table order.  Raises CheckError for empty, legacy, HEIC, RTF, other ZIP and binary input."""
    if not data:
        raise CheckError("corrupt", "empty file", "sniff")
    rows = formats.table()
    for fmt in rows:
        if fmt.magic and formats.resolve(fmt.magic)(data):
            return fmt
    _refuse_known(data)
    for fmt in rows:
        if fmt.guess and formats.resolve(fmt.guess)(data):
            return fmt
    raise CheckError("unsupported", "binary data of unknown type", "sniff")


def _refuse_known(data: bytes) -> None:
    """CheckError for the types we recognise but do not read, with what to do instead."""
    if data.startswith(OLE):
        raise CheckError(
            "unsupported", "a legacy Word .doc or an encrypted Office file (OLE2); save it as .docx or PDF", "sniff"
        )
    for magic, kind in _UNREAD_IMAGES:
        if data.startswith(magic):
            raise CheckError("unsupported", f"image file ({kind}); save it as PNG, JPEG or PDF", "sniff")
    if is_heif(data):
        from authcheck.loaders.heif import MISSING

        raise CheckError("unsupported", MISSING, "sniff")
    if data.lstrip()[:5] == b"{\\rtf":
        raise CheckError("unsupported", "an RTF document; save it as .docx or PDF", "sniff")


def has_pdf_header(data: bytes) -> bool:
    """``%PDF-`` in the first KiB."""
    return b"%PDF-" in data[:1024]


def image_kind(data: bytes) -> str:
    """ "PNG", "JPEG", "TIFF", "WEBP" or "HEIC" (only with a system libheif) when the bytes start like
    one of the images OCR reads, else ""."""
    for magic, kind in _IMAGES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if is_heif(data):
        from authcheck.loaders.heif import available

        return "HEIC" if available() else ""
    return ""


def is_heif(data: bytes) -> bool:
    """An ISO base media file whose brand is a HEIF image (HEIC, HEIF, AVIF)."""
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def has_pdf_syntax(data: bytes) -> bool:
    """PDF object syntax with no ``%PDF-`` header: a damaged PDF, not a text letter."""
    if len(data) > 2 * _SYNTAX_WINDOW:
        return any(_PDF_SYNTAX.search(part) for part in (data[:_SYNTAX_WINDOW], data[-_SYNTAX_WINDOW:]))
    return _PDF_SYNTAX.search(data) is not None


def is_word_zip(data: bytes) -> bool:
    """True for a Word package (or a damaged ZIP that names Word parts); CheckError for other ZIPs."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    from authcheck.loaders import ooxml  # zipfile and xml.etree: only for ZIP files

    if ooxml.lists_word_document(data):
        return True
    if ooxml.is_readable_zip(data):
        raise CheckError("unsupported", "a ZIP archive that is not a Word document", "sniff")
    if b"word/document.xml" in data or b"[Content_Types].xml" in data:
        return True
    raise CheckError("corrupt", "a damaged ZIP archive", "sniff")


def pdf_offset(data: bytes) -> int:
    """Where the ``%PDF-`` header starts (0 for a clean file)."""
    return data[:1024].find(b"%PDF-")


def header_notes(data: bytes) -> tuple[Note, ...]:
    """A "header-offset" note for bytes before ``%PDF-`` (or no header at all)."""
    offset = pdf_offset(data)
    if not offset:
        return ()
    detail = f"{offset} bytes come before the %PDF- header" if offset > 0 else "no %PDF- header"
    return (Note("header-offset", detail, {"offset": offset}),)
