"""Features of a letter's form that an office keeps constant: letterhead text and position, signature
block layout, date and reference formats (shapes), closing formula.  Compared with exemplars."""

from __future__ import annotations

import re

from .normal import fold, title_key

_MONTHS = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?", re.I)
_REF_LABEL = re.compile(r"^\s*(?:our\s+)?ref(?:erence)?s?\s*(?:no\.?|number|#)?\s*[:.]?\s*", re.I)


def features(letter) -> dict[str, str]:
    """The letter's form features (absent ones left out)."""
    out: dict[str, str] = {}
    head = [title_key(f.text) for f in letter.letterhead.organization]
    if head:
        out["letterhead text"] = " | ".join(head)
    top = _letterhead_top(letter)
    if top is not None:
        out["letterhead position"] = top
    block = letter.signature_block
    if block.name is not None:
        parts = ["closing" if block.closing else "no closing", "name", f"{len(block.titles)} title line(s)"]
        if "image" in letter.signature.kinds:
            parts.append("signature image")
        out["signature block layout"] = ", ".join(parts)
        out["signatory name case"] = "capitals" if block.name.text.isupper() else "mixed case"
    if letter.date is not None:
        out["date format"] = shape_of_date(letter.date.text)
    ref = _reference(letter)
    if ref:
        out["reference format"] = shape_of_reference(ref)
    if block.closing is not None:
        out["closing formula"] = " ".join(fold(block.closing.text).strip(" ,.").split())
    return out


def shape_of_date(text: str) -> str:
    """"6 January 2020" -> "D Month YYYY"; "January 6, 2020" -> "Month D, YYYY"; "2020-01-06" -> "YYYY-MM-DD"."""
    shape = _MONTHS.sub("Month", text.strip())
    shape = re.sub(r"\d{4}", "YYYY", shape)
    if re.search(r"\d{1,2}\D\d{1,2}\D", shape):
        return re.sub(r"\d{1,2}", "NN", shape)
    return re.sub(r"\d{1,2}(?:st|nd|rd|th)?", "D", shape)


def shape_of_reference(text: str) -> str:
    """Letters -> A, digits -> 9, punctuation kept: "MF/2020/0012" -> "AA/9999/9999"."""
    return re.sub(r"[0-9]", "9", re.sub(r"[^\W\d_]", "A", text.strip()))


def _reference(letter) -> str:
    """The letter's own reference value (after REF / OUR REF)."""
    text = letter.document.text
    spans = letter.parts.get("reference", ())
    for start, end in spans:
        for line in text[start:end].split("\n"):
            if line.strip() and not re.match(r"^\s*your\s+ref", line, re.I) and _REF_LABEL.match(line):
                value = _REF_LABEL.sub("", line).strip()
                if value:
                    return value
    return ""


def _letterhead_top(letter):
    """The first letterhead line's height on the page, to 1/6 inch (PDF only)."""
    if not letter.letterhead.lines:
        return None
    number = letter.letterhead.lines[0].loc.line
    line = next((ln for ln in letter.document.lines if ln.number == number), None)
    if line is None or line.y is None:
        return None
    return f"baseline at y={round(line.y / 12) * 12:g}"
