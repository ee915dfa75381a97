"""The bytes of one placed image (a signature image), read back from the file on request.

Loaders record where images sit (`Document.images`); the signature comparison needs the pixels of
the few that sign the letter, so this reads just those: a PDF image XObject by page and name, or a
DOCX picture by its name.  Bounded: images over MAX_PIXELS or MAX_IMAGE_BYTES are skipped.
"""

from __future__ import annotations

import io

MAX_PIXELS = 16_000_000
MAX_IMAGE_BYTES = 16 * 1024 * 1024


def image_pixels(data: bytes, fmt: str, page: int | None, name: str):
    """A PIL image for a placed image, or None when it cannot be read within the bounds."""
    try:
        if fmt == "pdf":
            return _pdf_image(data, page or 1, name)
        if fmt == "docx":
            raw = _docx_image(data, name)
            return decode(raw) if raw else None
    except (MemoryError, RecursionError):
        raise
    except Exception:
        return None
    return None


def decode(raw: bytes):
    """Decode image bytes with Pillow under the pixel bound (None when refused or unreadable)."""
    from PIL import Image

    if len(raw) > MAX_IMAGE_BYTES:
        return None
    image = Image.open(io.BytesIO(raw))
    width, height = image.size
    if width * height > MAX_PIXELS or width < 4 or height < 4:
        return None
    image.load()
    return image


def _pdf_image(data: bytes, page: int, name: str):
    """An image XObject of a PDF page, by resource name."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted or not 1 <= page <= len(reader.pages):
        return None
    pdf_page = reader.pages[page - 1]
    xobjects = pdf_page.get("/Resources", {}).get_object().get("/XObject")
    key = "/" + name.lstrip("/")
    if xobjects is None or key not in xobjects.get_object():
        return None
    obj = xobjects.get_object()[key].get_object()
    if int(obj.get("/Width", 0)) * int(obj.get("/Height", 0)) > MAX_PIXELS:
        return None
    return pdf_page.images[key].image


def _docx_image(data: bytes, name: str) -> bytes | None:
    """The media bytes of the DOCX picture Word named `name` (wp:docPr/@name)."""
    from authcheck.loaders.ooxml import Package
    from authcheck.settings import Limits

    package = Package.open(data, Limits())
    part = "word/document.xml"
    root = package.xml(part)
    wp = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
    a = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    r = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    for holder in root.iter():
        doc_pr = holder.find(f"{wp}docPr")
        if doc_pr is None or doc_pr.get("name") != name:
            continue
        blip = next(holder.iter(f"{a}blip"), None)
        rid = blip.get(f"{r}embed") if blip is not None else None
        for rel_id, _kind, target in package.relationships(part):
            if rel_id == rid:
                return package.read(target, MAX_IMAGE_BYTES)
    return None
