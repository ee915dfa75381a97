"""PDF letters through pypdf: the only module that imports it.

`load_pdf` opens the file non-strictly with no external programs allowed (JBIG2 images
would otherwise run ``jbig2dec``) and pypdf's log captured, decrypts when it can, then
reads page by page: text lines with their baselines (pypdf's positioned fragments laid
out by `pdflayout`), rotated text as watermark lines, annotation text and placed
images; then signature fields and the Info/XMP metadata (`meta`) as raw strings.  A failure on one page or in the metadata becomes a Note; only
a file that cannot be opened at all raises CheckError("corrupt").
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
from .pdflayout import IDENTITY, Collector, layout_page, mult
from .dates import parse_pdf_date
from .meta import PDF_FIELDS, normalise, xmp_values
from .text import LineBuilder

_ANNOTATION_TYPES = ("/FreeText", "/Text", "/Watermark")
_KEEP_LOGGED = 5


def library_errors(pypdf: Any) -> tuple[type[BaseException], ...]:
    """Exceptions pypdf raises on damaged input (MemoryError is left to the caller)."""
    return (pypdf.errors.PyPdfError, pypdf.errors.DeprecationError, ValueError, TypeError, KeyError,
            AttributeError, AssertionError, NotImplementedError, IndexError, RecursionError, OverflowError,
            EOFError, OSError, zlib.error, struct.error, UnicodeError)


def load_pdf(data: bytes, *, path: str, sha256: str, extension: str, password: Optional[str],
             limits: Limits) -> Document:
    """Read a PDF into a `Document`; raises CheckError("corrupt") only when it cannot be opened."""
    import pypdf

    notes: list[Note] = []
    with _captured_log() as log, pypdf.apply_configuration(jbig2dec_binary=None):
        reader = _open(pypdf, data, password, notes)
        parts = _read(reader, limits, notes) if reader is not None else _locked(pypdf, data, notes)
    notes.extend(log.notes())
    return Document(path=path, sha256=sha256, size=len(data), format="pdf", extension=extension,
                    notes=tuple(notes), **parts)


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
        return [Note("parser-warnings", detail, {"count": self.count, "first": tuple(self.first)})]


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
    except pypdf.errors.DependencyError:
        notes.append(Note("needs-crypto-extra", "AES-encrypted: install authcheck[crypto] "
                          "(pip install 'authcheck[crypto]') to read it"))
        notes.append(Note("encrypted", "encrypted with AES; not read"))
        return None
    except NotImplementedError as exc:
        notes.append(Note("encrypted", f"encrypted with an unsupported method ({exc}); not read"))
        return None
    except library_errors(pypdf) as exc:
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
    metadata = _metadata(reader, total, notes)
    fields = _signature_fields(reader, count, notes)
    return {"lines": tuple(builder.lines), "metadata": metadata, "pages": max(total, 1),
            "images": tuple(images), "signature_fields": fields, "has_text_layer": has_text}


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
    collector = Collector(_resolve(page.get("/Resources")), _form_of, _width_table())
    try:
        page.extract_text(visitor_text=collector.text, visitor_operand_before=collector.before,
                          visitor_operand_after=collector.after)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001
        _page_note(notes, number, "text", exc)
    for text, source, y in layout_page(collector.fragments):
        builder.add(text, number, source, y)
    for text, y in _guarded(_annotation_texts, page, notes=notes, number=number):
        for part in text.splitlines():
            builder.add(part, number, "annotation", y)
    return _guarded(_page_images, page, number, notes=notes, number=number)


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


def _resolve(obj: Any) -> Any:
    """The object behind an indirect reference (None stays None)."""
    return obj.get_object() if obj is not None and hasattr(obj, "get_object") else obj


def _form_of(resources: Any, name: Any) -> Optional[tuple]:
    """(matrix, resources) of the Form XObject `name` in `resources`; None for images or junk."""
    try:
        xobject = _resolve(_resolve(resources["/XObject"])[name])
        if xobject.get("/Subtype") != "/Form":
            return None
        matrix = tuple(float(v) for v in _resolve(xobject.get("/Matrix", IDENTITY)))
        return (matrix if len(matrix) == 6 else IDENTITY), _resolve(xobject.get("/Resources"))
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - a broken form only loses its position
        return None


def _width_table():
    """A function giving the advance of a string in em units, with font metrics cached per page."""
    cache: dict[int, tuple[dict, float]] = {}

    def width_of(font: Any, text: str) -> float:
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

        widths = dict(Font.from_font_resource(font).character_widths)
        widths.pop("default", None)
        known = [float(v) for v in widths.values() if isinstance(v, (int, float)) and v > 0]
        return widths, (sum(known) / len(known) if len(known) >= 3 else 500.0)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - private API or broken font: estimate
        return {}, 500.0


def _annotation_texts(page: Any) -> list[tuple[str, Optional[float]]]:
    """(text, top y) of the page's FreeText, Text and Watermark annotations that carry /Contents."""
    found = []
    for ref in _resolve(page.get("/Annots")) or []:
        annot = _resolve(ref)
        if not hasattr(annot, "get") or annot.get("/Subtype") not in _ANNOTATION_TYPES:
            continue
        contents = _resolve(annot.get("/Contents"))
        if contents is None or not str(contents).strip():
            continue
        rect = _resolve(annot.get("/Rect"))
        top = max(float(rect[1]), float(rect[3])) if rect is not None and len(rect) == 4 else None
        found.append((str(contents), top))
    return found


def _page_images(page: Any, number: int) -> list[Image]:
    """Images drawn on the page (and one level inside its Form XObjects), placed in page units."""
    contents = page.get_contents()
    if contents is None:
        return []
    found: list[Image] = []
    _walk_images(contents.operations, _resolve(page.get("/Resources")), IDENTITY, (number, page.pdf, 0), found)
    return found


def _walk_images(operations: Any, resources: Any, ctm: tuple, where: tuple, found: list) -> None:
    """Follow q/Q/cm through a content stream and record each image Do with its box."""
    from pypdf.generic import ContentStream

    number, pdf, depth = where
    saved: list[tuple] = []
    for operands, operator in operations:
        if operator == b"q":
            saved.append(ctm)
        elif operator == b"Q":
            ctm = saved.pop() if saved else ctm
        elif operator == b"cm" and len(operands) == 6:
            ctm = mult(tuple(float(v) for v in operands), ctm)
        elif operator == b"INLINE IMAGE":
            found.append(_placed(number, "inline", ctm))
        elif operator == b"Do" and operands and len(found) < 500:
            xobject = _resolve(_resolve(_resolve(resources or {}).get("/XObject", {})).get(operands[0]))
            kind = xobject.get("/Subtype") if hasattr(xobject, "get") else None
            if kind == "/Image":
                found.append(_placed(number, str(operands[0]).lstrip("/"), ctm))
            elif kind == "/Form" and depth == 0:
                matrix = tuple(float(v) for v in _resolve(xobject.get("/Matrix", IDENTITY)))
                inner = _resolve(xobject.get("/Resources")) or resources
                operations = ContentStream(xobject, pdf).operations
                _walk_images(operations, inner, mult(matrix, ctm), (number, pdf, 1), found)


def _placed(number: int, name: str, ctm: tuple) -> Image:
    """The page-space box of the unit square under `ctm`."""
    xs = [ctm[4], ctm[0] + ctm[4], ctm[2] + ctm[4], ctm[0] + ctm[2] + ctm[4]]
    ys = [ctm[5], ctm[1] + ctm[5], ctm[3] + ctm[5], ctm[1] + ctm[3] + ctm[5]]
    top, bottom = max(ys), min(ys)
    return Image(page=number, name=name, top=round(top, 2), bottom=round(bottom, 2),
                 width=round(max(xs) - min(xs), 2), height=round(top - bottom, 2))


def _metadata(reader: Any, total: int, notes: list[Note]) -> Metadata:
    """Info entries and XMP properties, raw and normalised (Info wins, XMP fills gaps)."""
    raw: dict[str, str] = {}
    for part, reader_func in (("info", _info_raw), ("xmp", _xmp_raw)):
        try:
            raw.update(reader_func(reader))
        except MemoryError:
            raise
        except CheckError as exc:
            notes.append(Note("metadata-unreadable", f"{part}: {exc.message}", {"part": part}))
        except Exception as exc:  # noqa: BLE001 - metadata never costs the text
            notes.append(Note("metadata-unreadable", f"{part} could not be read ({type(exc).__name__})",
                              {"part": part}))
    values, sources = normalise(raw, PDF_FIELDS)
    return Metadata(**values, page_count=total, encrypted=bool(reader.is_encrypted), raw=raw, sources=sources)


def _info_raw(reader: Any) -> dict[str, str]:
    """The /Info dictionary's entries as text (never pypdf's date properties, which raise)."""
    info = _resolve(reader.trailer.get("/Info"))
    if not hasattr(info, "items"):
        return {}
    raw = {}
    for key, value in list(info.items())[:64]:
        value = _resolve(value)
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        raw[str(key)] = str(value)[:2000]
    return raw


def _xmp_raw(reader: Any) -> dict[str, str]:
    """XMP properties from /Root /Metadata, parsed without DTDs."""
    from .ooxml import safe_xml

    stream = _resolve(_resolve(reader.trailer["/Root"]).get("/Metadata"))
    if stream is None or not hasattr(stream, "get_data"):
        return {}
    data = stream.get_data()
    if len(data) > 5_000_000:
        raise CheckError("too-large", f"XMP packet of {len(data)} bytes skipped", "load")
    return xmp_values(safe_xml(data.strip(b"\x00 \r\n\t"), "XMP metadata"))


def _signature_fields(reader: Any, pages: int, notes: list[Note]) -> tuple:
    """The /Sig fields of /AcroForm (through /Kids), filled or empty, with their page."""
    from ..model import SignatureField

    try:
        where = _widget_pages(reader, pages)
        found = []
        for name, field, refs in _sig_field_dicts(reader):
            value = _resolve(field.get("/V"))
            filled = hasattr(value, "get")
            page = next((where[r] for r in refs if r in where), None)
            found.append(SignatureField(
                name=name, filled=filled, kind="pdf", page=page,
                signer=_str(value.get("/Name")) if filled else None,
                signed_at=parse_pdf_date(_str(value.get("/M"))) if filled else None,
                reason=_str(value.get("/Reason")) if filled else None,
                byte_range=_byte_range(value.get("/ByteRange")) if filled else None,
            ))
        return tuple(found)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001
        notes.append(Note("fields-unreadable", f"form fields could not be read ({type(exc).__name__})"))
        return ()


def _sig_field_dicts(reader: Any):
    """(full name, field dict, object numbers of it and its widgets) for each /FT /Sig field."""
    form = _resolve(_resolve(reader.trailer["/Root"]).get("/AcroForm"))
    if not hasattr(form, "get"):
        return
    todo = [(ref, "", None) for ref in (_resolve(form.get("/Fields")) or [])]
    seen: set = set()
    while todo and len(seen) < 10_000:
        ref, parent, inherited = todo.pop(0)
        field = _resolve(ref)
        if not hasattr(field, "get") or id(field) in seen:
            continue
        seen.add(id(field))
        part = _str(field.get("/T"))
        name = ".".join(p for p in (parent, part) if p)
        kind = field.get("/FT", inherited)
        kids = [k for k in (_resolve(field.get("/Kids")) or []) if hasattr(_resolve(k), "get")]
        child_fields = [k for k in kids if "/T" in _resolve(k)]
        todo.extend((k, name, kind) for k in child_fields)
        if kind == "/Sig" and not child_fields:
            yield name or "unnamed", field, [_idnum(ref)] + [_idnum(k) for k in kids]


def _widget_pages(reader: Any, pages: int) -> dict:
    """Object number of each annotation (and page) -> 1-based page number."""
    where = {}
    for index in range(pages):
        page = reader.pages[index]
        if page.indirect_reference is not None:
            where[("page", page.indirect_reference.idnum)] = index + 1
        for ref in _resolve(page.get("/Annots")) or []:
            where[_idnum(ref)] = index + 1
    return where


def _idnum(ref: Any) -> Any:
    """A hashable identity for an indirect reference (or the object itself)."""
    return getattr(ref, "idnum", None) or id(ref)


def _str(value: Any) -> Optional[str]:
    """A PDF string as text (None when absent)."""
    value = _resolve(value)
    if value is None:
        return None
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _byte_range(value: Any) -> Optional[tuple[int, ...]]:
    """The /ByteRange integers, or None when absent or malformed."""
    value = _resolve(value)
    try:
        return tuple(int(v) for v in value) if value is not None else None
    except (TypeError, ValueError):
        return None
