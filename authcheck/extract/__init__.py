"""Extraction: turn a loaded `Document` into the `Letter` the rules see.

Layout first (which lines are letterhead, heading, body, signature block), then the
parts that live in them: letterhead facts, dates, recipient, issuer, body sentences,
signature block and signature evidence.
"""

from __future__ import annotations

from dataclasses import replace

from authcheck.extract.kind import classify, forced
from authcheck.extract.layout import Layout, segment
from authcheck.extract.letterdates import find_dates, is_date_line
from authcheck.extract.parties import fact, issuer, letterhead, recipient
from authcheck.extract.signature import evidence, signature_block
from authcheck.extract.textutil import sentences_of
from authcheck.model import DateFact, Document, Fact, Letter, Line, Location

__all__ = ["extract"]

_SENTENCE_PARTS = (
    "body",
    "subject",
    "recipient",
    "from",
    "signature_block",
    "letterhead",
    "banner",
    "watermark",
    "annotation",
    "footer",
    "header",
    "trailer",
    "salutation",
    "date",
    "reference",
    "postscript",
    "footnote",
    "annex",
)


def extract(doc: Document, kind: str | None = None, why: str = "") -> Letter:
    """Everything the rules see about one document; `kind` (not "auto") forces the document kind.

    When a letter sits on the first pages of a longer document, its parts are taken from those pages.
    """
    whole = doc
    layout = segment(doc, is_date_line)
    found = classify(doc, layout)
    if kind and kind != "auto":
        found = forced(kind, why, found)
    elif found.letter_pages:
        doc = _first_pages(doc, found.letter_pages[1])
        layout = segment(doc, is_date_line)
    text = doc.text
    head = letterhead(layout)
    block = signature_block(layout)
    salutation = _first_fact(layout, "salutation")
    who = issuer(doc, layout, head, block)
    dates = _dates(layout)
    sentences = []
    for part in _SENTENCE_PARTS:
        sentences.extend(sentences_of(layout.parts.get(part, []), text, part))
    sentences.sort(key=lambda s: s.loc.start or 0)  # a sentence always has its span
    return Letter(
        document=whole,
        letterhead=head,
        issuer=who,
        recipient=recipient(layout, salutation),
        date=_letter_date(layout, dates),
        dates=tuple(dates),
        subject=_subject(layout),
        salutation=salutation,
        sentences=tuple(sentences),
        signature_block=block,
        signature=evidence(doc, layout, block, who),
        parts={name: _ranges(lines) for name, lines in layout.parts.items()},
        kind=found,
    )


def _first_pages(doc: Document, last: int) -> Document:
    """The document cut after page `last` (a prefix of the lines, so text offsets stay valid)."""
    lines = doc.lines
    cut = next((i for i, line in enumerate(lines) if line.page > last), len(lines))
    if any(line.page <= last for line in lines[cut:]):
        return doc  # pages out of order: judge the whole text rather than break offsets
    return replace(doc, lines=lines[:cut], images=tuple(i for i in doc.images if i.page <= last))


def _first_fact(layout: Layout, part: str) -> Fact | None:
    """The first non-blank line of a part, as a fact."""
    line = next((ln for ln in layout.parts.get(part, []) if ln.text.strip()), None)
    return fact(line, part) if line else None


def _subject(layout: Layout) -> Fact | None:
    """The SUBJECT / RE line's value (with its continuation lines)."""
    values = [(v, ln) for label, v, ln in layout.labels if label == "subject" and v]
    if not values:
        return None
    first = fact(values[0][1], "subject", values[0][0])
    return Fact(" ".join(v for v, _ in values), first.loc)


def _dates(layout: Layout) -> list[DateFact]:
    """Every date written in the letter, in reading order."""
    out = []
    for part, lines in layout.parts.items():
        for line in lines:
            for start, end, raw, value in find_dates(line.text):
                loc = Location(part, line.page, line.number, line.start + start, line.start + end)
                out.append(DateFact(raw, value, loc))
    return sorted(out, key=lambda d: d.loc.start or 0)


def _letter_date(layout: Layout, dates: list[DateFact]) -> DateFact | None:
    """The letter's own date: the date line, else a date in the heading, else the first date on page 1."""
    for part in ("date", "letterhead", "recipient", "reference", "signature_block"):
        found = [d for d in dates if d.loc.part == part]
        if found:
            return found[0]
    return next((d for d in dates if d.loc.page in (None, 1)), None)


def _ranges(lines: list[Line]) -> tuple[tuple[int, int], ...]:
    """Character ranges covered by a part's lines, merging adjacent lines."""
    out: list[list[int]] = []
    for line in sorted(lines, key=lambda ln: ln.start):
        if out and line.start <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], line.end)
        else:
            out.append([line.start, line.end])
    return tuple((a, b) for a, b in out)
