"""Where each finding's evidence sits on its PDF page: `Evidence.box` from pdfium's text positions.

Runs in the worker after scoring, only for PDFs with evidence that points into page text
(a page number and character offsets).  The evidence's text is looked up on its page with
whitespace and case ignored; when it occurs several times, the match on the line nearest the
evidence line's baseline is taken (by rank within that line), else the one with the same rank
on the page as in the extracted text.  Evidence over several lines is looked up line by line and
boxed as a whole.  A line a later revision added ("+ ..." revision evidence) is boxed where
it now stands on its page.  Anything that goes wrong leaves the boxes unknown (None):
a box is a convenience for the reader, never a reason to fail a check.
"""

from __future__ import annotations

from dataclasses import replace

from authcheck.model import Document, Evidence, Result


def with_boxes(result: Result, doc: Document, data: bytes, password: str | None = None) -> Result:
    """The result with `box` set on every PDF page evidence that can be found on its page."""
    if doc.format != "pdf" or not doc.has_text_layer:
        return result
    text = doc.text
    wanted: dict[tuple, list] = {}
    for finding in result.findings:
        for ev in finding.evidence:
            pieces = _wanted(ev, doc, text) if ev.box is None else None  # OCR evidence already has its box
            if pieces:
                wanted[_key(ev)] = pieces
    if not wanted:
        return result
    try:
        from authcheck.loaders.pdfium import locate

        boxes = locate(data, {w for pieces in wanted.values() for w in pieces}, password)
    except Exception:
        return result
    found = {key: _union([boxes.get(w) for w in pieces]) for key, pieces in wanted.items()}
    findings = tuple(replace(f, evidence=tuple(_boxed(ev, found) for ev in f.evidence)) for f in result.findings)
    return replace(result, findings=findings)


def _boxed(ev: Evidence, found: dict) -> Evidence:
    box = found.get(_key(ev))
    return replace(ev, box=box) if box is not None else ev


def _key(ev: Evidence) -> tuple:
    return ev.loc.page, ev.loc.start, ev.loc.end, ev.loc.part, ev.text


def _union(boxes: list) -> tuple[float, float, float, float] | None:
    """The box around every piece that was found (None when none was)."""
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _wanted(ev: Evidence, doc: Document, text: str) -> list:
    """What to look for on the page for this evidence, one piece per line it spans ([] when it is
    not page text): pdfium may order a page's lines differently from the loader."""
    if ev.loc.part == "revision" and ev.loc.page is not None and ev.text.startswith("+ ") and ev.loc.start is None:
        from authcheck.loaders.pdfium import Wanted

        return [Wanted(ev.loc.page, ev.text[2:])]  # a line a later revision added: on the page as it is now
    if (
        ev.loc.page is None
        or ev.loc.start is None
        or ev.loc.end is None
        or not (0 <= ev.loc.start < ev.loc.end <= len(text))
    ):
        return []
    pieces = []
    for line in doc.lines:
        if line.page == ev.loc.page and line.start < ev.loc.end and ev.loc.start < line.end:
            start, end = max(ev.loc.start, line.start), min(ev.loc.end, line.end)
            piece = _piece(text, start, end, line, doc)
            if piece is not None:
                pieces.append(piece)
    return pieces


def _piece(text: str, start: int, end: int, line, doc: Document):
    """One line's part of the evidence, with which occurrence it is (on its line when the line's
    baseline is known, else on the page)."""
    from authcheck.loaders.pdfium import Wanted

    needle = text[start:end]
    squeezed = "".join(needle.split()).lower()
    if not squeezed:
        return None
    if line.y is not None:
        return Wanted(line.page, needle, _count("".join(text[line.start : start].split()).lower(), squeezed), line.y)
    page_start = min((ln.start for ln in doc.lines if ln.page == line.page), default=start)
    return Wanted(line.page, needle, _count("".join(text[page_start:start].split()).lower(), squeezed))


def _count(haystack: str, needle: str) -> int:
    """How many times `needle` starts in `haystack` (overlaps counted, as pdfium's search will)."""
    count, at = 0, haystack.find(needle)
    while at >= 0:
        count += 1
        at = haystack.find(needle, at + 1)
    return count
