"""A tiny deterministic PDF writer (stdlib only) for test letters and demo samples.

It writes hand-made PDF objects: base-14 fonts with /WinAnsiEncoding, text placed with
`Tm`, small grayscale signature images as real /XObject /Image streams, an optional
/Sig form field (filled or empty), an /Info dictionary, an optional XMP packet, an exact xref
table and a trailer /ID derived from the content, so the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import math
import re
import zlib
from dataclasses import dataclass
from datetime import datetime

from tools.pdfmeta import pdf_date
from tools.scribble import signature_pixels


@dataclass(frozen=True)
class Text:
    """A run of text with its baseline start at (x, y) in points, optionally rotated."""

    x: float
    y: float
    text: str
    font: str = "Times-Roman"
    size: float = 12
    gray: float = 0.0
    angle: float = 0.0


@dataclass(frozen=True)
class Img:
    """An image of the given kind drawn in the box (x, y, w, h); only "signature" exists."""

    x: float
    y: float
    w: float
    h: float
    kind: str = "signature"


PdfItem = Text | Img
_BYTE_RANGE_SLOT = b"[0 0000000000 0000000000 0000000000]"
_SIG_CONTENTS_BYTES = 2048


def pdf_string(value: str) -> str:
    """Encode a text string for /Info: a literal if ASCII, else UTF-16BE hex with a BOM."""
    if value.isascii():
        return "(" + _escape(value.encode("ascii")) + ")"
    return "<FEFF" + value.encode("utf-16-be").hex().upper() + ">"


def _escape(raw: bytes) -> str:
    """Escape bytes for a PDF literal string; bytes outside printable ASCII become octal."""
    out = []
    for byte in raw:
        char = chr(byte)
        if char in "()\\":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


def _show_text(text: str) -> str:
    """Encode page text as a cp1252 literal string (unmappable characters become '?')."""
    return "(" + _escape(text.encode("cp1252", errors="replace")) + ")"


def _pdf_name(key: str) -> str:
    """Write a dictionary key as a PDF name, #-escaping unusual characters."""
    return "/" + re.sub(r"[^A-Za-z0-9_.-]", lambda m: f"#{ord(m.group()):02X}", key)


def _info_value(value: object) -> str:
    """Render one /Info value: datetimes as PDF dates, everything else as a string."""
    if isinstance(value, datetime):
        return pdf_string(pdf_date(value))
    return pdf_string(str(value))


def _fmt(number: float) -> str:
    """Format a coordinate compactly and deterministically."""
    text = f"{number:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


class _Objects:
    """Numbered PDF object bodies; numbers are reserved first and filled later."""

    def __init__(self) -> None:
        self.bodies: list[bytes | None] = []

    def reserve(self) -> int:
        """Reserve the next object number."""
        self.bodies.append(None)
        return len(self.bodies)

    def put(self, num: int, body: str | bytes) -> int:
        """Set the body of a reserved object."""
        self.bodies[num - 1] = body.encode("latin-1") if isinstance(body, str) else body
        return num

    def add(self, body: str | bytes) -> int:
        """Add a new object and return its number."""
        return self.put(self.reserve(), body)

    def stream(self, head: str, data: bytes) -> int:
        """Add a stream object; `head` holds extra dictionary entries."""
        prefix = f"<< {head} /Length {len(data)} >>\nstream\n".encode("latin-1")
        return self.add(prefix + data + b"\nendstream")


def _text_ops(item: Text, font_name: str) -> str:
    """Content-stream operators that draw one Text item."""
    rad = math.radians(item.angle)
    cos, sin = math.cos(rad), math.sin(rad)
    matrix = " ".join(_fmt(v) for v in (cos, sin, -sin, cos, item.x, item.y))
    return f"q {_fmt(item.gray)} g BT /{font_name} {_fmt(item.size)} Tf {matrix} Tm {_show_text(item.text)} Tj ET Q"


def _image_ops(item: Img, image_name: str) -> str:
    """Content-stream operators that draw one Img item."""
    box = " ".join(_fmt(v) for v in (item.w, 0, 0, item.h, item.x, item.y))
    return f"q {box} cm /{image_name} Do Q"


def _image_object(objs: _Objects, kind: str) -> int:
    """Write the image XObject for `kind` as an 8-bit /FlateDecode grayscale stream."""
    if kind != "signature":
        raise ValueError(f"unknown image kind {kind!r}")
    width, height, rows = signature_pixels()
    head = (
        f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
        "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode"
    )
    return objs.stream(head, zlib.compress(b"".join(rows), 9))


def _resource_names(pages: list[list[PdfItem]]) -> tuple[dict, dict]:
    """Map every font and image kind used to a resource name (F1.., Im1..)."""
    fonts = sorted({i.font for page in pages for i in page if isinstance(i, Text)})
    kinds = sorted({i.kind for page in pages for i in page if isinstance(i, Img)})
    return ({f: f"F{n}" for n, f in enumerate(fonts, 1)}, {k: f"Im{n}" for n, k in enumerate(kinds, 1)})


def _page_content(items: list[PdfItem], fonts: dict, images: dict) -> bytes:
    """The content stream of one page."""
    ops = [_text_ops(i, fonts[i.font]) if isinstance(i, Text) else _image_ops(i, images[i.kind]) for i in items]
    return ("\n".join(ops) + "\n").encode("latin-1")


def _page_resources(items: list[PdfItem], font_refs: dict, image_refs: dict) -> str:
    """The /Resources dictionary of one page, naming only what the page uses."""
    fonts = sorted({font_refs[i.font] for i in items if isinstance(i, Text)})
    images = sorted({image_refs[i.kind] for i in items if isinstance(i, Img)})
    text = "/Font << " + " ".join(fonts) + " >>" if fonts else ""
    if images:
        text += " /XObject << " + " ".join(images) + " >>"
    return f"<< /ProcSet [/PDF /Text /ImageB] {text} >>"


def _sig_objects(objs: _Objects, mode: str, name: str | None, when: object) -> tuple[int, int]:
    """Write the /V signature value when filled; return (reserved widget number, " /V n 0 R")."""
    value = ""
    if mode == "digital":
        entries = [
            "/Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached",
            "/ByteRange " + _BYTE_RANGE_SLOT.decode(),
            "/Contents <" + "00" * _SIG_CONTENTS_BYTES + ">",
        ]
        if name:
            entries.append("/Name " + pdf_string(name))
        if when is not None:
            entries.append("/M " + _info_value(when))
        value = f" /V {objs.add('<< ' + ' '.join(entries) + ' >>')} 0 R"
    elif mode != "empty-field":
        raise ValueError(f"sig_field must be 'digital' or 'empty-field', not {mode!r}")
    widget = objs.reserve()
    return widget, value


def _place_sig_widget(objs: _Objects, mode: str, widget: int, value: str, page: int) -> str:
    """Write the invisible /Sig widget on `page`; return the catalog's /AcroForm entry."""
    objs.put(
        widget,
        f"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /F 132 /Rect [0 0 0 0] /P {page} 0 R{value} >>",
    )
    _add_annot(objs, page, widget)
    flags = 3 if mode == "digital" else 1
    return f" /AcroForm << /Fields [{widget} 0 R] /SigFlags {flags} >>"


def _fill_byte_range(data: bytes) -> bytes:
    """Replace the /ByteRange placeholder with the real ranges around /Contents."""
    slot = data.find(_BYTE_RANGE_SLOT)
    if slot < 0:
        return data
    start = data.index(b"/Contents <", slot) + len(b"/Contents ")
    end = data.index(b">", start) + 1
    ranges = f"[0 {start} {end} {len(data) - end}]".encode("ascii")
    return data[:slot] + ranges.ljust(len(_BYTE_RANGE_SLOT)) + data[slot + len(_BYTE_RANGE_SLOT) :]


def _serialize(objs: _Objects, root: int, info: int | None) -> bytes:
    """Join the objects with header, xref table and trailer (with a content-derived /ID)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objs.bodies, 1):
        offsets.append(len(out))
        out += f"{num} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    doc_id = hashlib.md5(bytes(out)).hexdigest().upper()
    xref_at = len(out)
    out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += b"".join(f"{off:010d} 00000 n \n".encode("ascii") for off in offsets)
    info_ref = f" /Info {info} 0 R" if info else ""
    out += (
        f"trailer\n<< /Size {len(offsets) + 1} /Root {root} 0 R{info_ref} "
        f"/ID [<{doc_id}> <{doc_id}>] >>\nstartxref\n{xref_at}\n%%EOF\n"
    ).encode("ascii")
    return _fill_byte_range(bytes(out))


def build_pdf(
    pages: list[list[PdfItem]],
    *,
    info: dict | None = None,
    sig_field: str | None = None,
    sig_name: str | None = None,
    xmp: str | None = None,
    page_size: tuple[float, float] = (612, 792),
) -> bytes:
    """Write a PDF of `pages` (lists of Text/Img items) and return its bytes.

    `info` becomes the /Info dictionary (datetime values become PDF dates; any key is
    allowed, e.g. a custom /Company).  `sig_field` adds an invisible /Sig widget on the
    last page: "digital" (filled: /V with PPKLite/pkcs7 /ByteRange and zeroed /Contents,
    /SigFlags 3) or "empty-field" (no /V, /SigFlags 1).  `xmp` is stored as /Metadata.
    """
    objs = _Objects()
    catalog, pages_ref = objs.reserve(), objs.reserve()
    font_names, image_names = _resource_names(pages)
    font_refs = {f: f"/{n} {objs.add(_font_dict(f))} 0 R" for f, n in font_names.items()}
    image_refs = {k: f"/{n} {_image_object(objs, k)} 0 R" for k, n in image_names.items()}
    when = (info or {}).get("ModDate", (info or {}).get("CreationDate"))
    widget, value = _sig_objects(objs, sig_field, sig_name, when) if sig_field else (0, "")
    kids = [
        _add_page(objs, items, pages_ref, page_size, font_names, image_names, font_refs, image_refs) for items in pages
    ]
    catalog_extra = _place_sig_widget(objs, sig_field, widget, value, kids[-1]) if sig_field else ""
    if xmp is not None:
        meta = objs.stream("/Type /Metadata /Subtype /XML", xmp.encode("utf-8"))
        catalog_extra += f" /Metadata {meta} 0 R"
    objs.put(catalog, f"<< /Type /Catalog /Pages {pages_ref} 0 R{catalog_extra} >>")
    kid_refs = " ".join(f"{k} 0 R" for k in kids)
    objs.put(pages_ref, f"<< /Type /Pages /Kids [{kid_refs}] /Count {len(kids)} >>")
    info_ref = objs.add(_info_dict(info)) if info else None
    return _serialize(objs, catalog, info_ref)


def _font_dict(font: str) -> str:
    """A base-14 Type1 font dictionary with WinAnsi encoding."""
    return f"<< /Type /Font /Subtype /Type1 /BaseFont /{font} /Encoding /WinAnsiEncoding >>"


def _info_dict(info: dict) -> str:
    """The /Info dictionary body."""
    return "<< " + " ".join(f"{_pdf_name(k)} {_info_value(v)}" for k, v in info.items()) + " >>"


def _add_page(
    objs: _Objects,
    items: list[PdfItem],
    parent: int,
    size: tuple,
    font_names: dict,
    image_names: dict,
    font_refs: dict,
    image_refs: dict,
) -> int:
    """Write one page and its content stream; return the page object number."""
    content = objs.stream("", _page_content(items, font_names, image_names))
    box = f"[0 0 {_fmt(size[0])} {_fmt(size[1])}]"
    resources = _page_resources(items, font_refs, image_refs)
    return objs.add(
        f"<< /Type /Page /Parent {parent} 0 R /MediaBox {box} /Resources {resources} /Contents {content} 0 R >>"
    )


def _add_annot(objs: _Objects, page: int, annot: int) -> None:
    """Attach an annotation to an already written page object."""
    body = objs.bodies[page - 1]
    objs.bodies[page - 1] = body[:-2] + f"/Annots [{annot} 0 R] >>".encode("ascii")
