"""Split a document's lines into letter parts: letterhead, heading block, body, signature block, and what follows.

After the signature block come the postscript (P.S. paragraphs), the trailer (cc, distribution,
enclosure lists), footer-like lines, and annexes (Annex / Enclosure / Attachment bodies); footnotes
come from the loader (PDF small print at the page bottom, DOCX footnotes part).
"""

from __future__ import annotations

import re
from dataclasses import field

from authcheck.extract.lines import (
    LABEL,
    MARKING,
    SALUTATION,
    is_heading_like,
    is_sentence,
)
from authcheck.model import Document, Image, Line
from authcheck.util.records import mutable


@mutable
class Layout:
    """Lines of the document grouped by letter part, plus the label lines found in the heading."""

    parts: dict[str, list[Line]] = field(default_factory=dict)
    labels: list[tuple[str, str, Line]] = field(default_factory=list)
    closing_images: list[Image] = field(default_factory=list)  #: drawn signatures found in the closing area

    def add(self, part: str, line: Line) -> None:
        """Put one line into a part."""
        self.parts.setdefault(part, []).append(line)


_is_sentence = is_sentence


def segment(doc: Document, is_date_line) -> Layout:
    """Assign every line to a part; `is_date_line(text)` tells a dated line."""
    layout = Layout()
    main: list[Line] = []
    for line in doc.lines:
        if line.source in ("header", "textbox"):
            layout.add("letterhead" if line.page <= 1 else "header", line)
        elif line.source in ("footer", "watermark", "annotation", "footnote"):
            layout.add(line.source, line)
        else:
            main.append(line)
    main = _strip_banners(main, layout)
    head_end = _heading(main, layout, is_date_line)
    from authcheck.extract.closing import find_closing  # closing.py builds on the line patterns
    from authcheck.extract.tail import place_tail

    closing = find_closing(main, head_end, doc.images)
    layout.closing_images = closing.images
    place_tail(main, head_end, closing, layout)
    return layout


def _strip_banners(lines: list[Line], layout: Layout) -> list[Line]:
    """Move handling banners (a marking alone in the top or bottom lines of a page) to `banner`."""
    keep = []
    by_page: dict[int, list[Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    for page_lines in by_page.values():
        filled = [ln for ln in page_lines if ln.text.strip()]
        edges = {id(ln) for ln in filled[:2] + filled[-2:]}
        for line in page_lines:
            if id(line) in edges and _is_banner(line.text):
                layout.add("banner", line)
            else:
                keep.append(line)
    return keep


def _is_banner(text: str) -> bool:
    """A line that is only handling markings (and separators)."""
    stripped = MARKING.sub("", text)
    return bool(MARKING.search(text)) and not re.search(
        r"[A-Za-z]{3,}", re.sub(r"\b(?:AND|ONLY|FOR|NOT|USE|TO)\b", "", stripped, flags=re.I)
    )


def _heading(lines: list[Line], layout: Layout, is_date_line) -> int:
    """Letterhead, date, labels and salutation at the top of page 1; returns where the body starts."""
    i, n = 0, len(lines)
    seen_text = 0
    while i < n and lines[i].page <= 1 and seen_text < 12:
        text = lines[i].text.strip()
        if text and (LABEL.match(text) or SALUTATION.match(text) or is_date_line(text) or not is_heading_like(text)):
            break
        if text:
            layout.add("letterhead", lines[i])
            seen_text += 1
        i += 1
    return _heading_block(lines, i, layout, is_date_line)


def _heading_block(lines: list[Line], i: int, layout: Layout, is_date_line) -> int:
    """Date, MEMORANDUM FOR / TO / FROM / SUBJECT lines and the salutation; returns the body start."""
    n, current = len(lines), None
    start = i
    while i < n:
        text = lines[i].text.strip()
        if not text:
            current = None
            i += 1
            continue
        label = LABEL.match(text)
        if SALUTATION.match(text):
            layout.add("salutation", lines[i])
            return i + 1
        if label and (label.group("value") or label.group("label").upper().startswith("MEMO")):
            current = _label_part(label.group("label"))
            layout.labels.append((current, label.group("value").strip(), lines[i]))
            layout.add(current, lines[i])
        elif is_date_line(text) and len(text.split()) <= 8:
            layout.add("date", lines[i])
        elif current and not _is_sentence(text):
            layout.labels.append((current, text, lines[i]))
            layout.add(current, lines[i])
        elif _is_sentence(text) or i - start > 25:
            return i
        else:
            layout.add("recipient", lines[i])
        i += 1
    return i


def _label_part(label: str) -> str:
    """The letter part a heading label introduces."""
    key = label.upper().split()[0]
    return {
        "MEMORANDUM": "recipient",
        "MEMO": "recipient",
        "TO": "recipient",
        "ATTN": "recipient",
        "ATTENTION": "recipient",
        "THRU": "recipient",
        "FROM": "from",
        "SUBJECT": "subject",
        "SUBJ": "subject",
        "RE": "subject",
        "REF": "reference",
        "REFERENCE": "reference",
        "REFERENCES": "reference",
        "REFS": "reference",
        "OUR": "reference",
        "YOUR": "reference",
        "CC": "recipient",
        "DATE": "date",
    }.get(key, "recipient")
