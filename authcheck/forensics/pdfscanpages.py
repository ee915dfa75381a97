"""Scanned pages that do not match the rest of the same PDF: a page whose picture was scanned at
another resolution, or stored with another compression, than every other scanned page (a page
scanned elsewhere and inserted).  Read from the page pictures' own dictionaries: no decoding.
"""

from __future__ import annotations

from typing import Any

from authcheck.loaders.pdfobjects import resolve
from authcheck.model import Document, Evidence, Location, Signal

MIN_PAGES = 3  #: scanned pages needed before one can stand out from "the rest"
MAX_PAGES = 200  #: pages looked at
COVER = 0.7  #: share of the page a picture must cover to be that page's scan
ODD_DPI = 1.5  #: a resolution this many times above or below the others' median stands out
_FULL_PAGE = (0.0, 0.0, 1.0, 1.0)
_COMPRESSION = {
    "/DCTDecode": "JPEG",
    "/JPXDecode": "JPEG 2000",
    "/CCITTFaxDecode": "CCITT fax",
    "/JBIG2Decode": "JBIG2",
    "/FlateDecode": "Flate",
}


def scan_page_facts(reader: Any, doc: Document) -> dict[str, Signal]:
    """`pdf_odd_scan_pages`: scanned pages whose resolution or compression differs from all the others."""
    pages = [p for p in (_scan_of(reader, doc, n) for n in range(1, min(len(reader.pages), MAX_PAGES) + 1)) if p]
    if len(pages) < MIN_PAGES:
        return {}
    import statistics  # only for 3+ scanned pages

    found = []
    for number, dpi, filt in pages:
        others = [(d, f) for n, d, f in pages if n != number]
        median = statistics.median(d for d, _ in others)
        if median > 0 and not 1 / ODD_DPI <= dpi / median <= ODD_DPI:
            found.append((number, f"page {number} was scanned at {dpi:.0f} dpi, the other pages at about {median:.0f}"))
        elif len({f for _, f in others}) == 1 and filt != others[0][1]:
            found.append((number, f"page {number}'s picture is stored as {filt}, every other page's as {others[0][1]}"))
    if not found or len(found) > len(pages) // 2:  # a mixed document, not one page that stands out
        return {}
    return {
        "pdf_odd_scan_pages": Signal(
            [what for _, what in found],
            tuple(
                Evidence(what, Location("page", number, key="scan resolution"), box=_FULL_PAGE)
                for number, what in found
            ),
            "a scanned page whose resolution or compression differs from every other page's was scanned or "
            "saved elsewhere, as a page inserted into the document later is",
        )
    }


def _scan_of(reader: Any, doc: Document, number: int) -> tuple[int, float, str] | None:
    """(page, horizontal dpi, compression) of the picture that covers most of the page, or None."""
    size = doc.page_sizes[number - 1] if number <= len(doc.page_sizes) else None
    placed = [im for im in doc.images if im.page == number and im.width and im.height]
    if size is None or not placed or not size.width or not size.height:
        return None
    biggest = max(placed, key=lambda im: (im.width or 0) * (im.height or 0))
    if (biggest.width or 0) * (biggest.height or 0) < COVER * size.width * size.height:
        return None
    image = _xobject(reader.pages[number - 1], biggest.name)
    if image is None:
        return None
    pixels = int(image.get("/Width", 0) or 0)
    if pixels <= 0 or not biggest.width:
        return None
    return number, pixels / (biggest.width / 72), _compression(image.get("/Filter"))


def _xobject(page: Any, name: str) -> Any:
    """The image XObject `name` of the page, or None."""
    try:
        image = resolve(resolve(resolve(page["/Resources"])["/XObject"])["/" + name.lstrip("/")])
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    return image if image.get("/Subtype") == "/Image" else None


def _compression(value: Any) -> str:
    """The picture's last filter, the one that says how it was compressed ("none" when unfiltered)."""
    if isinstance(value, list):
        value = value[-1] if value else None
    return _COMPRESSION.get(str(value), str(value or "none").lstrip("/"))
