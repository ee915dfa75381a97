"""Scanned pages whose invisible OCR text layer says something the page image does not.

A scanner's OCR layer is what search, copy-paste and authcheck's own rules read, while a reader
sees only the picture under it.  Whoever edits the layer (or lays a new one over an old scan)
changes what the letter "says" to every tool without touching what anyone sees.  So the pages
`pdfcontent` found to carry an OCR layer (at most MAX_PAGES of them) are rendered and read afresh
(`loaders/ocr/pages.py`, under the OCR memory cap, in at most half the forensics' time), and the two
word sequences are compared.  Misreadings are not differences: a changed part counts only when it
is not a near spelling of what the page shows, holds a number or a word of the word list, and the
fresh reading of that spot was confident.  A page the fresh reading cannot make out (under
MIN_CHARS letters and digits), or does not reach in time, says nothing either way; a reading cut
short is reported (`pdf_forensics_incomplete`, and a "truncated" note: the file is held at review).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from authcheck.model import Document, Evidence, Location, Note, Signal
from authcheck.util.patterns import compiled
from authcheck.util.records import frozen

MAX_PAGES = 3  #: OCR-layer pages read afresh (each costs an OCR pass)
SHARE = 0.5  #: of the forensics' time, the most the fresh reading may take
MIN_CHARS = 20  #: letters and digits the fresh reading must find on a page to compare it
NEAR = 70  #: similarity (0-100) at or above which two readings are one misread word
SURE = 0.80  #: confidence the fresh reading must have where it differs
MAX_SHOWN = 8  #: differences quoted in the fact
_RARE = -17.0  #: log-frequency of the word list's rarest entries (its floor is about -17.3)
_WORD = compiled(r"[0-9A-Za-z]+(?:['\u2019][A-Za-z]+)?")


@frozen
class Token:
    """A word, case-folded, with the line it came from."""

    norm: str
    text: str
    confidence: float = 1.0
    box: tuple[float, float, float, float] | None = None


def compare(
    data: bytes, doc: Document, layer: Signal, settings: Any, stopped: list[str] | None = None
) -> dict[str, Signal]:
    """`pdf_ocr_layer_mismatch` when a fresh reading of an OCR-layer page contradicts its text layer.

    Where the fresh reading stopped before the last page (its time budget ran out, the OCR helper
    failed), why is appended to `stopped`: the pages after it were not compared, which the caller
    reports, so a layer edited on a page the reading did not reach is never a silent pass."""
    from authcheck.loaders.ocr.engine import available
    from authcheck.loaders.ocr.pages import read_pages
    from authcheck.loaders.pdfscan import render_pages

    engine = getattr(settings, "ocr_engine", "rapidocr")
    pages = sorted({e.loc.page for e in layer.evidence if e.loc.page})[:MAX_PAGES]
    limits = _limits(settings.limits)
    if not pages or available(engine) or limits is None:
        return {}
    notes: list[Note] = []
    reading = read_pages(render_pages(data, [p - 1 for p in pages], limits), limits, engine, notes, numbers=pages)
    if stopped is not None:
        stopped += [n.detail for n in notes if n.code == "truncated" and n.data.get("reason") == "ocr"]
    found: list[tuple[int, str, str, tuple | None]] = []
    for page in pages:
        seen = [ln for ln in reading.lines if ln.page == page]
        if sum(ch.isalnum() for ln in seen for ch in ln.text) < MIN_CHARS:
            continue  # too poor (or too empty) to tell
        said = tokens(ln.text for ln in doc.lines if ln.page == page and ln.source not in ("ocr", "annotation"))
        found += [(page, *diff) for diff in differences(said, fresh_tokens(seen))]
    if not found:
        return {}
    return {
        "pdf_ocr_layer_mismatch": Signal(
            [
                f"page {page}: the text layer says '{a}' where the page shows '{b}'"
                for page, a, b, _ in found[:MAX_SHOWN]
            ],
            tuple(
                Evidence(f"text layer: '{a}'; page image: '{b}'", Location("page", page, key="OCR layer"), box=box)
                for page, a, b, box in found[:MAX_SHOWN]
            ),
            "The invisible text layer over a scanned page says something the page image does not: search, "
            "copy-paste and the rules read words nobody sees on the page.",
        )
    }


def _limits(limits: Any) -> Any | None:
    """The OCR budget for the fresh reading: at most SHARE of the forensics' time (pages past it are
    left unread, never the whole examination lost); None when that is under a second."""
    import dataclasses

    from authcheck.forensics import SHARE_OF_TIMEOUT

    if not limits.timeout:
        return limits
    seconds = limits.timeout * SHARE_OF_TIMEOUT * SHARE
    if seconds < 1.0:
        return None
    return dataclasses.replace(
        limits, timeout=seconds, ocr_time_percent=100, ocr_page_seconds=min(limits.ocr_page_seconds, seconds)
    )


def tokens(texts: Any, confidence: float = 1.0, box: tuple | None = None) -> list[Token]:
    """The words of some lines, case-folded and with full-width and accented forms folded."""
    out = []
    for text in texts:
        folded = unicodedata.normalize("NFKC", text)
        out += [
            Token(m.group().lower().replace("\u2019", "'"), m.group(), confidence, box) for m in _WORD.finditer(folded)
        ]
    return out


def fresh_tokens(lines: list) -> list[Token]:
    """The fresh reading's words, each with its line's confidence and box."""
    return [tok for ln in lines for tok in tokens([ln.text], ln.confidence or 0.0, ln.box)]


def differences(said: list[Token], seen: list[Token]) -> list[tuple[str, str, tuple | None]]:
    """(layer words, page words, box) for each part where the layer and the fresh reading disagree."""
    import difflib

    from rapidfuzz import fuzz

    matcher = difflib.SequenceMatcher(a=[t.norm for t in said], b=[t.norm for t in seen], autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        a, b = said[i1:i2], seen[j1:j2]
        if fuzz.ratio("".join(t.norm for t in a), "".join(t.norm for t in b)) >= NEAR:
            continue  # a misreading or a space put elsewhere, not other words
        if not any(_meaningful(t.norm) for t in a + b):
            continue
        near = b or seen[max(j1 - 1, 0) : j1 + 1]
        if not near or min(t.confidence for t in near) < SURE:
            continue  # the fresh reading is unsure just there
        out.append((" ".join(t.text for t in a), " ".join(t.text for t in b), near[0].box))
    return out


def _meaningful(word: str) -> bool:
    """A number, or a word of the word list (a scribble read as letters is neither)."""
    if any(ch.isdigit() for ch in word):
        return True
    from authcheck.loaders.ocr.words import vocabulary

    found = vocabulary()
    if found is None:
        return len(word) >= 3
    return word in found[0] and found[0][word] > _RARE
