"""Where each finding's evidence sits on its PDF page: `Evidence.box` from pdfium's text positions.

Runs in the worker after scoring, only for PDFs with evidence that points into page text
(a page number and character offsets).  The evidence's text is looked up on its page with
whitespace and case ignored; when it occurs several times, the occurrence with the same rank
as in the extracted text is taken.  Anything that goes wrong leaves the boxes unknown (None):
a box is a convenience for the reader, never a reason to fail a check.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from .model import Document, Evidence, Result


def with_boxes(result: Result, doc: Document, data: bytes, password: Optional[str] = None) -> Result:
    """The result with `box` set on every PDF page evidence that can be found on its page."""
    if doc.format != "pdf" or not doc.has_text_layer:
        return result
    text = doc.text
    wanted = {}
    for finding in result.findings:
        for ev in finding.evidence:
            item = _wanted(ev, doc, text)
            if item is not None:
                wanted[(ev.page, ev.start, ev.end)] = item
    if not wanted:
        return result
    try:
        from .loaders.pdfium import locate

        boxes = locate(data, set(wanted.values()), password)
    except Exception:  # noqa: BLE001 - pdfium may refuse a file pypdf read; boxes stay unknown
        return result
    found = {key: boxes.get(item) for key, item in wanted.items()}
    findings = tuple(replace(f, evidence=tuple(_boxed(ev, found) for ev in f.evidence)) for f in result.findings)
    return replace(result, findings=findings)


def _boxed(ev: Evidence, found: dict) -> Evidence:
    box = found.get((ev.page, ev.start, ev.end))
    return replace(ev, box=box) if box is not None else ev


def _wanted(ev: Evidence, doc: Document, text: str):
    """What to look for on the page for this evidence, or None when it is not page text."""
    from .loaders.pdfium import Wanted

    if ev.page is None or ev.start is None or ev.end is None or not (0 <= ev.start < ev.end <= len(text)):
        return None
    needle = text[ev.start:ev.end]
    if not needle.strip():
        return None
    page_start = min((line.start for line in doc.lines if line.page == ev.page), default=ev.start)
    before = "".join(text[page_start:ev.start].split()).lower()
    return Wanted(ev.page, needle, _count(before, "".join(needle.split()).lower()))


def _count(haystack: str, needle: str) -> int:
    """How many times `needle` starts in `haystack` (overlaps counted, as pdfium's search will)."""
    count, at = 0, haystack.find(needle)
    while at >= 0:
        count += 1
        at = haystack.find(needle, at + 1)
    return count
