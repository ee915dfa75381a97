"""Split a document's lines into letter parts: letterhead, heading block, body, signature block, and what follows.

After the signature block come the postscript (P.S. paragraphs), the trailer (cc, distribution,
enclosure lists), footer-like lines, and annexes (Annex / Enclosure / Attachment bodies); footnotes
come from the loader (PDF small print at the page bottom, DOCX footnotes part).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from authcheck.model import Document, Image, Line
from authcheck.extract.normalize import matching_text

MARKING = re.compile(
    r"\b(?:DRAFT|PRE-?DECISIONAL|DELIBERATIVE|NOT\s+FOR\s+(?:RELEASE|DISTRIBUTION|PUBLIC\s+RELEASE)"
    r"|FOR\s+OFFICIAL\s+USE\s+ONLY|FOUO|CUI|CONTROLLED\s+UNCLASSIFIED|UNCLASSIFIED|CONFIDENTIAL|SECRET"
    r"|TOP\s+SECRET|RESTRICTED|OFFICIAL[\s-]+SENSITIVE|NOFORN|REL\s+TO|INTERNAL\s+USE\s+ONLY"
    r"|PROPRIETARY|EMBARGOED|SAMPLE|SPECIMEN|VOID|COPY)\b",
    re.IGNORECASE,
)
LABEL = re.compile(
    r"^\s*(?P<label>MEMORANDUM\s+FOR|MEMO\s+FOR|MEMORANDUM\s+THRU|THRU|TO|FROM|SUBJECT|SUBJ|RE|REF(?:ERENCE)?S?"
    r"|OUR\s+REF|YOUR\s+REF|ATTN|ATTENTION|CC|DATE)\b\s*[:.]?\s*(?P<value>.*)$",
    re.IGNORECASE,
)
SALUTATION = re.compile(
    r"^\s*(?:Dear\s+[^\n]{1,60}|Sir|Sirs|Madam|Sir\s+or\s+Madam|Madam\s+or\s+Sir|Gentlemen|Ladies\s+and\s+Gentlemen"
    r"|To\s+whom\s+it\s+may\s+concern|(?:Your\s+)?Excellency|Mr\.?\s+(?:President|Speaker|Secretary|Minister)"
    r"|Madam\s+(?:President|Speaker|Secretary|Minister)|Hello\s+[^\n]{1,40}|Greetings)\s*[,:!]?\s*$",
    re.IGNORECASE,
)
CLOSING = re.compile(
    r"^\s*(?:(?:Very\s+)?(?:Respectfully|Sincerely|Cordially|Faithfully|Truly)(?:\s+yours)?|Yours\s+(?:sincerely|faithfully|truly|respectfully)"
    r"|(?:With\s+)?(?:Best|Kind|Warm|Warmest)?\s*regards|Regards|Respectfully\s+submitted|With\s+(?:respect|gratitude|appreciation)"
    r"|Thank\s+you|Thanks|Best\s+wishes|Hochachtungsvoll|Mit\s+freundlichen\s+Gr(?:ü|ue)(?:ß|ss)en"
    r"|Yours(?:\s+ever)?|Ever\s+yours|Best|All\s+the\s+best|(?:Bien\s+)?[Cc]ordialement|Atentamente|Saludos(?:\s+cordiales)?"
    r"|(?:Cordiali|Distinti)\s+saluti|Met\s+vriendelijke\s+groet(?:en)?|Med\s+v(?:ä|ae)nlig\s+h(?:ä|ae)lsning"
    r"|Med\s+venlig\s+hilsen|Z\s+powa(?:ż|z)aniem|(?:For\s+and\s+)?[Oo]n\s+behalf\s+of\s+[^\n]{3,60}"
    r"|FOR\s+THE\s+[A-Z ]{3,40}|BY\s+(?:ORDER|DIRECTION)\s+OF\s+[^\n]{3,60})\s*[,:.]?\s*$",
    re.IGNORECASE,
)
CONFORMED = re.compile(r"(?:^|\s)/s/\s*\S|//\s*(?:ORIGINAL\s+)?SIGNED\s*//|\bSIGNED\s+ORIGINAL\s+ON\s+FILE\b", re.IGNORECASE)
TRAILER = re.compile(r"^\s*(?:Enclosures?|Encl\b|Attachments?|Atch\b|cc\s*:|CF\s*:|DISTRIBUTION|Copy\s+to|Copies\s+to)", re.IGNORECASE)
_SMALL = {"of", "the", "and", "for", "to", "in", "on", "at", "de", "la", "du", "des", "von", "van", "&", "-", "a", "an"}


@dataclass
class Layout:
    """Lines of the document grouped by letter part, plus the label lines found in the heading."""

    parts: dict[str, list[Line]] = field(default_factory=dict)
    labels: list[tuple[str, str, Line]] = field(default_factory=list)
    closing_images: list[Image] = field(default_factory=list)  #: drawn signatures found in the closing area

    def add(self, part: str, line: Line) -> None:
        """Put one line into a part."""
        self.parts.setdefault(part, []).append(line)


def is_heading_like(text: str) -> bool:
    """A short line mostly in capitals or Title Case, not a sentence: a letterhead or name line."""
    words = text.split()
    if not words or len(words) > 12 or len(text) > 90:
        return False
    if text.rstrip().endswith((".", "?", "!", ";")) and not re.search(r"\b[A-Z]\.[A-Z]\.$|\b(?:Inc|Ltd|Co|Jr|Sr)\.$", text.strip()):
        return False
    caps = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit() or w.lower() in _SMALL or not w[:1].isalpha())
    return caps / len(words) >= 0.7


def is_sentence(text: str) -> bool:
    """A line that reads as running prose: long, or a short sentence with its final stop."""
    words = len(text.split())
    if is_heading_like(text):
        return False
    return words >= 9 or (words >= 3 and text.rstrip().endswith((".", "!", "?")))


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
    from authcheck.extract.closing import find_closing  # closing.py builds on this module's patterns
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
    return bool(MARKING.search(text)) and not re.search(r"[A-Za-z]{3,}", re.sub(r"\b(?:AND|ONLY|FOR|NOT|USE|TO)\b", "", stripped, flags=re.I))


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
        "MEMORANDUM": "recipient", "MEMO": "recipient", "TO": "recipient", "ATTN": "recipient",
        "ATTENTION": "recipient", "THRU": "recipient", "FROM": "from", "SUBJECT": "subject", "SUBJ": "subject",
        "RE": "subject", "REF": "reference", "REFERENCE": "reference", "REFERENCES": "reference", "REFS": "reference",
        "OUR": "reference", "YOUR": "reference", "CC": "recipient", "DATE": "date",
    }.get(key, "recipient")


_PARTICLES = {"von", "van", "der", "den", "de", "la", "le", "du", "da", "di", "del", "dos", "das", "bin", "bint", "ibn",
              "al", "el", "ben", "ter", "te", "y", "zu"}
_DEGREES = re.compile(r",\s*(?:Ph\.?\s?D|M\.?D|Esq|MBA|MSc|BSc|JD|LLM|QC|KC|OBE|MBE|CBE)\.?\s*$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def looks_like_name(text: str) -> bool:
    """A typed personal name: 2-6 capitalised words (any script's letters), initials, particles, a suffix.

    Read folded (look-alike letters of other scripts as Latin), so a name typed with them is still a name.
    """
    words = _DEGREES.sub("", matching_text(text)).replace(",", " ").split()
    if not 2 <= len(words) <= 6 or not is_heading_like(text):
        return False
    if any(MARKING.fullmatch(w) for w in words) or words[0].lower() in _PARTICLES or words[-1].lower() in _PARTICLES:
        return False
    return all(w.lower() in _PARTICLES or _name_word(w) for w in words)


def _name_word(word: str) -> bool:
    """A capitalised name word, an initial, a Roman-numeral or Jr/Sr suffix."""
    if re.fullmatch(r"[IVX]+|Jr\.?|Sr\.?|(?:[A-Z]\.){1,3}", word):
        return True
    core = word[:-1] if word.endswith(".") else word
    pieces = re.split(r"['\-\u2019]", core)
    return bool(core) and core[0].isupper() and all(p.isalpha() for p in pieces if p) and \
        (len(core) > 1 or word.endswith("."))
