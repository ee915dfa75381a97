"""Findings on text read by OCR: where on the page (`Evidence.box`) and how far to trust them.

Evidence that points at OCR'd lines gets the box of the words it covers (page-relative
fractions x0, y0, x1, y1, top-left origin).  A finding whose evidence was read with low
confidence weighs less: its weight is scaled by that confidence, and `weight_reason` says so.
"""

from __future__ import annotations

import dataclasses

from authcheck.model import Document, Evidence, Finding, Line

TRUSTED = 0.90  #: OCR confidence from which a finding keeps its full weight

Box = tuple[float, float, float, float]


def ocr_weighed(finding: Finding, doc: Document) -> Finding:
    """The finding with boxes on its OCR evidence, and less weight when that text was read poorly."""
    boxed, confidences = [], []
    for ev in finding.evidence:
        line = _line(doc, ev)
        if line is None or line.source != "ocr":
            boxed.append(ev)
            continue
        confidences.append(line.confidence if line.confidence is not None else 1.0)
        box = ev.box or box_of(line, ev.loc.start, ev.loc.end)
        boxed.append(dataclasses.replace(ev, box=box) if box else ev)
    out = dataclasses.replace(finding, evidence=tuple(boxed))
    low = min(confidences) if confidences else None
    if low is None or low >= TRUSTED:
        return out
    reason = f"read by OCR at {low:.0%} confidence: weighs less"
    because = f"{finding.weight_reason}; {reason}" if finding.weight_reason else reason
    return dataclasses.replace(out, weight=round(finding.weight * low, 2), weight_reason=because)


def _line(doc: Document, ev: Evidence) -> Line | None:
    if ev.loc.line is None or not 1 <= ev.loc.line <= len(doc.lines):
        return None
    line = doc.lines[ev.loc.line - 1]
    return line if line.number == ev.loc.line else None


def box_of(line: Line, start: int | None, end: int | None) -> Box | None:
    """The box around the words of `line` that characters [start, end) of the document text fall in."""
    if not line.words:
        return line.box
    if start is None or end is None:
        return line.box
    lo, hi = start - line.start, end - line.start
    picked, at = [], 0
    for word in line.words:
        w_end = at + len(word.text)
        if w_end > lo and at < hi:
            picked.append(word.box)
        at = w_end + 1
    if not picked:
        return line.box
    return (min(b[0] for b in picked), min(b[1] for b in picked), max(b[2] for b in picked), max(b[3] for b in picked))
