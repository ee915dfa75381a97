"""PDF letters through pypdf: the only module that imports it.

`load_pdf` opens the file non-strictly with no external programs allowed (JBIG2 images
would otherwise run ``jbig2dec``) and pypdf's log captured, decrypts when it can, then
reads page by page in one pass of pypdf's text extraction: text lines with baselines
and image placements (`pdflayout` lays them out), rotated text as watermark lines, and
annotation text; then signature fields and Info/XMP metadata (`pdfobjects`).  A failure
on one page or in the metadata becomes a Note; only a file that cannot be opened at all
raises CheckError("corrupt").
"""

from __future__ import annotations

import contextlib
import logging
import struct
import warnings
import zlib
from io import BytesIO
from typing import Any, Optional

from ..errors import CheckError
from ..model import Document, Image, Metadata, Note
from ..settings import Limits
from .pdflayout import Collector, box, layout_page
from .pdfobjects import annotation_texts, metadata, resolve, signature_fields, xobject
from .text import LineBuilder

_KEEP_LOGGED = 5


def _library_errors(pypdf: Any) -> tuple[type[BaseException], ...]:
    """Exceptions pypdf raises on damaged input (MemoryError is left to the caller)."""
    return (pypdf.errors.PyPdfError, pypdf.errors.DeprecationError, ValueError, TypeError, KeyError,
            AttributeError, AssertionError, NotImplementedError, IndexError, RecursionError, OverflowError,
            EOFError, OSError, zlib.error, struct.error, UnicodeError)


def load_pdf(data: bytes, *, path: str, sha256: str, extension: str, password: Optional[str],
             limits: Limits) -> Document:
    """Read a PDF into a `Document`; raises CheckError("corrupt") only when it cannot be opened."""
    import pypdf

    notes: list[Note] = []
    with _captured_log() as log, _no_external_programs(pypdf):
        reader = _open(pypdf, data, password, notes)
        parts = _read(reader, limits, notes) if reader is not None else _locked(pypdf, data, notes)
    notes.extend(log.notes())
    if b"%%EOF" not in data[-2048:]:
        notes.append(Note("damaged", "the file does not end with %%EOF: it may have been cut short"))
    return Document(path=path, sha256=sha256, size=len(data), format="pdf", extension=extension,
                    notes=tuple(notes), **parts)


@contextlib.contextmanager
def _no_external_programs(pypdf: Any):
    """Stop pypdf from running ``jbig2dec`` on the file's images (pypdf 7: configuration; older: constant)."""
    if hasattr(pypdf, "apply_configuration"):
        with pypdf.apply_configuration(jbig2dec_binary=None):
            yield
        return
    filters = pypdf.filters
    saved = getattr(filters, "JBIG2DEC_BINARY", None)
    filters.JBIG2DEC_BINARY = None
    try:
        yield
    finally:
        filters.JBIG2DEC_BINARY = saved


class _LogCounter(logging.Handler):
    """Counts pypdf's log records and keeps the first few messages."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Count one record; never print it."""
        self.count += 1
        if len(self.first) < _KEEP_LOGGED:
            try:
                self.first.append(record.getMessage()[:200])
            except Exception:  # noqa: BLE001 - a bad format string must not break loading
                self.first.append(str(record.msg)[:200])

    def notes(self) -> list[Note]:
        """A "parser-warnings" note when pypdf complained."""
        if not self.count:
            return []
        detail = f"pypdf reported {self.count} problems while reading (first: {self.first[0]})"
        return [Note("parser-warnings", detail, {"count": self.count})]


@contextlib.contextmanager
def _captured_log():
    """Route the "pypdf" logger (and Python warnings) into a counter for the duration."""
    logger = logging.getLogger("pypdf")
    handler, propagate = _LogCounter(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield handler
        for item in caught:
            handler.emit(logging.makeLogRecord({"msg": str(item.message)}))
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _open(pypdf: Any, data: bytes, password: Optional[str], notes: list[Note]):
    """A readable PdfReader, or None when encryption keeps it closed (the notes say why)."""
    try:
        reader = pypdf.PdfReader(BytesIO(data), strict=False)
        if not reader.is_encrypted:
            return reader
        opened = reader.decrypt(password or "")
    except MemoryError:
        raise
    except pypdf.errors.DependencyError as exc:
        if "crypt" not in str(exc).lower() and "aes" not in str(exc).lower():
            raise CheckError("unsupported", f"needs an optional library to be read ({exc})", "load") from None
        notes.append(Note("needs-crypto-extra", "AES-encrypted: install authcheck[crypto] "
                          "(pip install 'authcheck[crypto]') to read it"))
        notes.append(Note("encrypted", "encrypted with AES; not read"))
        return None
    except NotImplementedError as exc:
        notes.append(Note("encrypted", f"encrypted with an unsupported method ({exc}); not read"))
        return None
    except _library_errors(pypdf) as exc:
        raise CheckError("corrupt", _reason(exc), "load") from None
    if not opened:
        detail = "the password given does not open it" if password else "no password given (use --password)"
        notes.append(Note("encrypted", f"encrypted; {detail}"))
        return None
    return reader


def _reason(exc: BaseException) -> str:
    """A short reason for an error raised while opening the file."""
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
    return f"not a readable PDF ({type(exc).__name__}{': ' + text if text else ''})"


def _locked(pypdf: Any, data: bytes, notes: list[Note]) -> dict:
    """Document fields for an encrypted file we could not open: no text, page count if readable."""
    count = None
    with contextlib.suppress(Exception):
        count = len(pypdf.PdfReader(BytesIO(data), strict=False).pages)
    return {"lines": (), "metadata": Metadata(page_count=count, encrypted=True), "pages": count or 1}


def _read(reader: Any, limits: Limits, notes: list[Note]) -> dict:
    """Every part of an opened PDF, as `Document` keyword arguments."""
    try:
        total = len(reader.pages)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure here means no pages at all
        raise CheckError("corrupt", f"the page tree cannot be read ({type(exc).__name__})", "load") from None
    count = min(total, limits.max_pages)
    if total > count:
        notes.append(Note("truncated", f"read the first {count} of {total} pages",
                          {"pages_total": total, "pages_read": count}))
    builder, images = LineBuilder(limits.max_text_chars), []
    for index in range(count):
        images.extend(_read_page(reader, index, builder, notes))
    notes.extend(builder.notes())
    has_text = any(line.text for line in builder.lines if line.source == "page")
    if not has_text and count:
        where = "its pages carry only images (a scan?)" if images else "no text could be extracted"
        notes.append(Note("no-text-layer", f"no text layer: {where}; OCR is not supported",
                          {"images": len(images)}))
    return {"lines": tuple(builder.lines), "metadata": metadata(reader, total, notes), "pages": max(total, 1),
            "images": tuple(images), "signature_fields": signature_fields(reader, count, notes),
            "has_text_layer": has_text}


def _read_page(reader: Any, index: int, builder: LineBuilder, notes: list[Note]) -> list[Image]:
    """Add one page's lines to the builder and return its images; failures become notes."""
    number = index + 1
    try:
        page = reader.pages[index]
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
        _page_note(notes, number, "page", exc)
        return []
    collector = Collector(resolve(page.get("/Resources")), xobject, _width_table())
    try:
        page.extract_text(visitor_text=collector.text, visitor_operand_before=collector.before,
                          visitor_operand_after=collector.after)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001
        _page_note(notes, number, "text", exc)
    for text, source, y in layout_page(collector.fragments):
        builder.add(text, number, source, y)
    for text, y in _guarded(annotation_texts, page, notes=notes, number=number):
        for part in text.splitlines():
            builder.add(part, number, "annotation", y)
    return [Image(number, name, None, *box(matrix)) for name, matrix in collector.images]


def _guarded(func, *args, notes: list[Note], number: int) -> list:
    """Call a per-page reader; on failure record a note and return []."""
    try:
        return func(*args)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001
        _page_note(notes, number, func.__name__, exc)
        return []


def _page_note(notes: list[Note], number: int, what: str, exc: BaseException) -> None:
    """Record that part of one page could not be read."""
    notes.append(Note("page-unreadable", f"page {number}: {what} could not be read ({type(exc).__name__})",
                      {"page": number, "what": what}))


def _width_table():
    """A function giving the advance of a string in em units, with font metrics cached per page."""
    cache: dict[int, tuple[dict, float]] = {}

    def width_of(font: Any, text: str) -> float:
        """The advance of `text` in em units."""
        key = id(font)
        if key not in cache:
            cache[key] = _font_widths(font)
        widths, default = cache[key]
        return sum(widths.get(char, default) for char in text) / 1000.0

    return width_of


def _font_widths(font: Any) -> tuple[dict, float]:
    """(widths by character, width for others) from pypdf's font reader; half an em when unknown.

    Composite fonts key their widths by glyph id, not by character, so characters not
    found get the font's average glyph width rather than its (often 1000) default.
    """
    try:
        from pypdf.generic._font import Font

        widths = {char: float(width) for char, width in Font.from_font_resource(font).character_widths.items()
                  if char != "default" and isinstance(width, (int, float)) and width >= 0}
        known = [width for width in widths.values() if width > 0]
        return widths, (sum(known) / len(known) if len(known) >= 3 else 500.0)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - private API or broken font: estimate
        return {}, 500.0


