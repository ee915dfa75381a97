"""Who the letter claims to be from (issuer) and to whom it is addressed (recipient)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from authcheck.extract.lines import (
    DIGIT,
    MARKING,
    NOT_A_PARTY,
    ORG_WORDS,
    TITLE_WORDS,
    is_sentence,
    looks_like_name,
    split_person,
)
from authcheck.model import (
    Document,
    Fact,
    Letterhead,
    Line,
    Location,
    Party,
    SignatureBlock,
)
from authcheck.util.patterns import compiled

if TYPE_CHECKING:
    from authcheck.extract.layout import Layout

ADDRESS = compiled(
    r"\d|\b(?:APO|FPO|P\.?O\.?\s+Box|Street|St\.|Road|Rd\.|Avenue|Ave\.|Suite|Floor|Building|Bldg)\b|,\s*[A-Z]", re.I
)
MORE_ORG = compiled(
    r"\b(?:City|Town|County|Municipality|Province|Region|Consulate|Mission|Church|School|College|Hospital|Union|"
    r"Society|Club|Partners|LLP|GmbH|AG|S\.?A|plc|Co|Corp|Chambers|Secretariat|Directorate|Presidency|Cabinet|"
    r"Nations|Ministry|Navy|Army|Air\s+Force|Marine\s+Corps|Police|Court)\b",
    re.I,
)
OFFICE_SYMBOL = compiled(r"^[A-Z]{2,}(?:[-/][A-Z0-9]{1,8})+$")
REFERENCE = compiled(r"^(?:Ref(?:erence)?|Our\s+ref|Your\s+ref|No\.|Serial|Control\s+No)\b\.?\s*[:.]?\s*\S+", re.I)


def fact(line: Line, part: str, text: str | None = None) -> Fact:
    """A fact for a whole line (or a value found on it)."""
    value = (text if text is not None else line.text).strip()
    offset = line.text.find(value) if value else 0
    start = line.start + max(offset, 0)
    return Fact(value, Location(part, line.page, line.number, start, start + len(value)))


def letterhead(layout: Layout) -> Letterhead:
    """Organisation, address, office symbol, references and markings of the letterhead."""
    lines = [ln for ln in layout.parts.get("letterhead", []) if ln.text.strip()]
    org, addr, refs, marks = [], [], [], []
    symbol = None
    for line in lines:
        text = line.text.strip()
        if MARKING.search(text) and len(text.split()) <= 8 and text.upper() == text:
            marks.append(fact(line, "letterhead"))
        elif OFFICE_SYMBOL.match(text):
            symbol = symbol or fact(line, "letterhead")
        elif REFERENCE.match(text):
            refs.append(fact(line, "letterhead"))
        elif ADDRESS.search(text) and (DIGIT.search(text) or not ORG_WORDS.search(text)):
            addr.append(fact(line, "letterhead"))
        elif is_party(text):
            org.append(fact(line, "letterhead"))
    for part in ("banner", "watermark"):
        marks.extend(fact(ln, part) for ln in layout.parts.get(part, []) if MARKING.search(ln.text))
    return Letterhead(
        tuple(fact(ln, "letterhead") for ln in lines), tuple(org), tuple(addr), symbol, tuple(refs), tuple(marks)
    )


def is_party(text: str) -> bool:
    """Could this name a person, office or organisation?  Not a letter, a heading, a sentence or a fragment."""
    value = text.strip(" \t,;:.-")
    words = value.split()
    if not words or len(words) > 14 or sum(ch.isalpha() for ch in value) < 3 or is_sentence(value):
        return False
    if NOT_A_PARTY.match(value) or not words[0][:1].isupper():
        return False
    return (
        looks_like_name(value)
        or bool(TITLE_WORDS.search(value) or ORG_WORDS.search(value) or MORE_ORG.search(value))
        or (value.upper() == value and len(words) >= 2 and sum(ch.isalpha() for ch in value) >= 6)
    )


def issuer(doc: Document, layout: Layout, head: Letterhead, block: SignatureBlock) -> Party:
    """The claimed issuer, preferring the signature block, then the FROM line, then the letterhead."""
    claims: list[Fact] = []
    from_name = from_title = None
    for label, value, line in layout.labels:
        if label == "from" and value and is_party(value):
            person, role = split_person(value)
            from_name = fact(line, "from", person) if person else None
            from_title = fact(line, "from", role) if role else None
            claims.append(fact(line, "from", value))
            break
    if block.name:
        claims.append(block.name)
    org = head.organization[-1] if head.organization else None
    claims.extend(head.organization)
    name = block.name or from_name
    titles = block.titles
    title = titles[0] if titles else from_title
    org = _organization_from_titles(titles) or org
    source = "signature_block" if block.name else "from" if (from_name or from_title) else "letterhead" if org else None
    if source is None and doc.metadata.author:
        key = doc.metadata.sources.get("author", "author")
        meta = Fact(doc.metadata.author, Location("metadata", key=key))
        claims.append(meta)
        return Party(name=meta, source="metadata", claims=tuple(claims))
    return Party(name=name, title=title, organization=org, source=source, claims=tuple(claims))


def _organization_from_titles(titles: tuple[Fact, ...]) -> Fact | None:
    """An organisation named in the signature block's title lines ("Commanding General, Task Force Iraq")."""
    for title in reversed(titles):
        if ORG_WORDS.search(title.text):
            _head, sep, tail = title.text.rpartition(",")
            if sep and ORG_WORDS.search(tail):
                offset = title.text.rfind(tail.strip())
                loc = title.loc
                start = (loc.start or 0) + offset
                return Fact(tail.strip(), Location(loc.part, loc.page, loc.line, start, start + len(tail.strip())))
            return title
    return None


def recipient(layout: Layout, salutation: Fact | None) -> Party:
    """The addressee: MEMORANDUM FOR / TO / addressee lines, else the salutation."""
    values = [(v, ln) for label, v, ln in layout.labels if label == "recipient" and v]
    if values:
        text = " ".join(v for v, _ in values)
        first = values[0][1]
        person, _ = split_person(values[0][0])
        f = fact(first, "recipient", values[0][0])
        full = Fact(text, f.loc)
        return Party(
            name=Fact(person, f.loc) if person else None, organization=full, source="recipient", claims=(full,)
        )
    lines = [ln for ln in layout.parts.get("recipient", []) if ln.text.strip()]
    if lines:
        name = next((fact(ln, "recipient") for ln in lines if looks_like_name(ln.text.strip())), None)
        org = next((fact(ln, "recipient") for ln in lines if ORG_WORDS.search(ln.text)), None)
        return Party(
            name=name, organization=org, source="addressee", claims=tuple(fact(ln, "recipient") for ln in lines)
        )
    if salutation:
        return Party(name=salutation, source="salutation", claims=(salutation,))
    return Party()
