"""Reading pypdf's objects without importing pypdf: metadata, /Sig fields, annotations, XObjects.

These functions only walk the dictionaries, arrays and streams `pdf.py` hands over
(duck-typed: `.get`, `.get_object`, `.get_data`), so pypdf stays imported in one module.
Info values are kept as raw strings and dates parsed by our own parser, because pypdf's
date properties raise on the malformed dates real files carry.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from authcheck.errors import CheckError
from authcheck.loaders.meta import PDF_FIELDS, normalise, xmp_values
from authcheck.loaders.metadates import parse_pdf_date
from authcheck.loaders.pdflayout import IDENTITY
from authcheck.model import Metadata, Note, SignatureField

ANNOTATION_TYPES = ("/FreeText", "/Text", "/Watermark")


def resolve(obj: Any) -> Any:
    """The object behind an indirect reference (None stays None)."""
    return obj.get_object() if obj is not None and hasattr(obj, "get_object") else obj


def xobject(resources: Any, name: Any) -> tuple | None:
    """("form", matrix, resources) or ("image", None, None) for XObject `name`; None for junk."""
    try:
        found = resolve(resolve(resources["/XObject"])[name])
        if found.get("/Subtype") == "/Image":
            return "image", None, None
        if found.get("/Subtype") != "/Form":
            return None
        matrix = tuple(float(v) for v in resolve(found.get("/Matrix", IDENTITY)))
        return "form", (matrix if len(matrix) == 6 else IDENTITY), resolve(found.get("/Resources"))
    except MemoryError:
        raise
    except Exception:
        return None


def annotation_texts(page: Any) -> list[tuple[str, float | None]]:
    """(text, top y) of the page's FreeText, Text and Watermark annotations that carry /Contents."""
    found = []
    for ref in resolve(page.get("/Annots")) or []:
        annot = resolve(ref)
        if not hasattr(annot, "get") or annot.get("/Subtype") not in ANNOTATION_TYPES:
            continue
        contents = resolve(annot.get("/Contents"))
        if contents is None or not str(contents).strip():
            continue
        rect = resolve(annot.get("/Rect"))
        top = max(float(rect[1]), float(rect[3])) if rect is not None and len(rect) == 4 else None
        found.append((str(contents), top))
    return found


def metadata(reader: Any, total: int, notes: list[Note]) -> Metadata:
    """Info entries and XMP properties, raw and normalised (Info wins, XMP fills gaps)."""
    raw: dict[str, str] = {}
    for part, reader_func in (("info", _info_raw), ("xmp", _xmp_raw)):
        try:
            raw.update(reader_func(reader))
        except MemoryError:
            raise
        except CheckError as exc:
            notes.append(Note("metadata-unreadable", f"{part}: {exc.message}", {"part": part}))
        except Exception as exc:
            notes.append(
                Note("metadata-unreadable", f"{part} could not be read ({type(exc).__name__})", {"part": part})
            )
    values, sources = normalise(raw, PDF_FIELDS)
    return Metadata(**values, page_count=total, encrypted=bool(reader.is_encrypted), raw=raw, sources=sources)


def _info_raw(reader: Any) -> dict[str, str]:
    """The /Info dictionary's entries as text (never pypdf's date properties, which raise)."""
    info = resolve(reader.trailer.get("/Info"))
    if not hasattr(info, "items"):
        return {}
    raw = {}
    for key, value in list(info.items())[:64]:
        value = resolve(value)
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        raw[str(key)] = str(value)[:2000]
    return raw


def _xmp_raw(reader: Any) -> dict[str, str]:
    """XMP properties from /Root /Metadata, parsed without DTDs."""
    stream = resolve(resolve(reader.trailer["/Root"]).get("/Metadata"))
    if stream is None or not hasattr(stream, "get_data"):
        return {}
    data = stream.get_data()
    if len(data) > 5_000_000:
        raise CheckError("too-large", f"XMP packet of {len(data)} bytes skipped", "load")
    from authcheck.loaders.safexml import safe_xml  # xml.etree: only for files with XMP

    return xmp_values(safe_xml(data.strip(b"\x00 \r\n\t"), "XMP metadata"))


def signature_fields(reader: Any, pages: int, notes: list[Note]) -> tuple:
    """The /Sig fields of /AcroForm (through /Kids), filled or empty, with their page."""
    try:
        where = _widget_pages(reader, pages)
        found = []
        for name, field, refs in _sig_field_dicts(reader):
            value = resolve(field.get("/V"))
            filled = hasattr(value, "get")
            page = next((where[r] for r in refs if r in where), None)
            found.append(
                SignatureField(
                    name=name,
                    filled=filled,
                    kind="pdf",
                    page=page,
                    signer=_str(value.get("/Name")) if filled else None,
                    signed_at=parse_pdf_date(_str(value.get("/M"))) if filled else None,
                    reason=_str(value.get("/Reason")) if filled else None,
                    byte_range=_byte_range(value.get("/ByteRange")) if filled else None,
                )
            )
        return tuple(found)
    except MemoryError:
        raise
    except Exception as exc:
        notes.append(Note("fields-unreadable", f"form fields could not be read ({type(exc).__name__})"))
        return ()


def _sig_field_dicts(reader: Any):
    """(full name, field dict, object numbers of it and its widgets) for each /FT /Sig field."""
    form = resolve(resolve(reader.trailer["/Root"]).get("/AcroForm"))
    if not hasattr(form, "get"):
        return
    todo = deque((ref, "", None) for ref in (resolve(form.get("/Fields")) or []))
    seen: set = set()
    while todo and len(seen) < 10_000:
        ref, parent, inherited = todo.popleft()
        field = resolve(ref)
        if not hasattr(field, "get") or id(field) in seen:
            continue
        seen.add(id(field))
        part = _str(field.get("/T"))
        name = ".".join(p for p in (parent, part) if p)
        kind = resolve(field.get("/FT")) or inherited
        kids = [k for k in (resolve(field.get("/Kids")) or []) if hasattr(resolve(k), "get")]
        child_fields = [k for k in kids if "/T" in resolve(k)]
        todo.extend((k, name, kind) for k in child_fields)
        if kind == "/Sig" and not child_fields:
            widgets = [field] + [resolve(k) for k in kids]
            places = [("page", _idnum(w.get("/P"))) for w in widgets if w.get("/P") is not None]
            yield name or "unnamed", field, [_idnum(ref)] + [_idnum(k) for k in kids] + places


def form_shape(reader: Any, pages: int) -> tuple[int, int]:
    """(fillable non-signature form fields, landscape pages): what tells a form or slides apart."""
    fields = 0
    try:
        form = resolve(resolve(reader.trailer["/Root"]).get("/AcroForm"))
        todo = deque(resolve(form.get("/Fields")) or []) if hasattr(form, "get") else deque()
        seen = 0
        while todo and seen < 10_000:
            field = resolve(todo.popleft())
            seen += 1
            if not hasattr(field, "get"):
                continue
            kids = [k for k in (resolve(field.get("/Kids")) or []) if hasattr(resolve(k), "get") and "/T" in resolve(k)]
            todo.extend(kids)
            fields += not kids and resolve(field.get("/FT")) not in ("/Sig", None)
    except MemoryError:
        raise
    except Exception:
        pass
    return fields, _landscape(reader, pages)


def _landscape(reader: Any, pages: int) -> int:
    """Pages (of the first `pages`) displayed wider than tall."""
    count = 0
    for index in range(pages):
        try:
            page = reader.pages[index]
            box = page.mediabox
            wide = float(box.width) > float(box.height)
            turned = int(resolve(page.get("/Rotate")) or 0) % 180 == 90
        except MemoryError:
            raise
        except Exception:
            continue
        count += wide != turned
    return count


def _widget_pages(reader: Any, pages: int) -> dict:
    """Object number of each annotation (and page) -> 1-based page number."""
    where = {}
    for index in range(pages):
        try:
            page = reader.pages[index]
            if page.indirect_reference is not None:
                where[("page", page.indirect_reference.idnum)] = index + 1
            for ref in resolve(page.get("/Annots")) or []:
                where[_idnum(ref)] = index + 1
        except MemoryError:
            raise
        except Exception:
            continue
    return where


def _idnum(ref: Any) -> Any:
    """A hashable identity for an indirect reference (or the object itself)."""
    return getattr(ref, "idnum", None) or id(ref)


def _str(value: Any) -> str | None:
    """A PDF string as text (None when absent)."""
    value = resolve(value)
    if value is None:
        return None
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _byte_range(value: Any) -> tuple[int, ...] | None:
    """The /ByteRange integers, or None when absent or malformed."""
    value = resolve(value)
    try:
        return tuple(int(v) for v in value) if value is not None else None
    except (TypeError, ValueError):
        return None
