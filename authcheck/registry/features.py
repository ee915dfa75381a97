"""Features of a letter's form that an office keeps constant: letterhead text and position, page size,
left margin, font families, signature block layout, date and reference formats (shapes), closing
formula.  Compared with exemplars (`TOLERANCE` says which are numbers compared within a tolerance)."""

from __future__ import annotations

import math
import re
import statistics

from authcheck.registry.normal import fold, title_key
from authcheck.util.patterns import compiled

TOLERANCE = {"left margin": 3.0}  #: numeric features (leading number, mm) and how far apart still agrees
MM = 25.4 / 72
PAPER = (
    ("A4", 595.28, 841.89),
    ("Letter", 612.0, 792.0),
    ("Legal", 612.0, 1008.0),
    ("A5", 419.53, 595.28),
    ("A3", 841.89, 1190.55),
)
_FLUSH_LEFT = ("body", "reference", "recipient", "subject", "salutation", "postscript")
_STYLE = compiled(r"[-,].*$")
_VENDOR = compiled(r"(?:PSMT|PS|MT)$")
#: metric-compatible families a PDF writer or viewer substitutes for one another (base-14 and Windows/free)
SAME_FAMILY = {
    "timesnewroman": "times",
    "timesroman": "times",
    "liberationserif": "times",
    "nimbusroman": "times",
    "nimbusromno9l": "times",
    "tinos": "times",
    "arial": "helvetica",
    "liberationsans": "helvetica",
    "nimbussans": "helvetica",
    "nimbussanl": "helvetica",
    "arimo": "helvetica",
    "couriernew": "courier",
    "liberationmono": "courier",
    "nimbusmono": "courier",
    "nimbusmonl": "courier",
    "cousine": "courier",
}

_MONTHS = compiled(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?", re.I)
_REF_LABEL = compiled(r"^\s*(?:our\s+)?ref(?:erence)?s?\s*(?:no\.?|number|#)?\s*[:.]?\s*", re.I)


def features(letter) -> dict[str, str]:
    """The letter's form features (absent ones left out)."""
    out: dict[str, str] = {}
    head = [title_key(f.text) for f in letter.letterhead.organization]
    if head:
        out["letterhead text"] = " | ".join(head)
    out.update(page_form(letter))
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
    """ "6 January 2020" -> "D Month YYYY"; "January 6, 2020" -> "Month D, YYYY"; "2020-01-06" -> "YYYY-MM-DD"."""
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


def page_form(letter) -> dict[str, str]:
    """Page size, left margin and font families of a PDF or DOCX letter (what it cannot tell is left out)."""
    doc, out = letter.document, {}
    first = doc.page_sizes[0] if doc.page_sizes else None
    if first is not None:
        out["page size"] = paper_name(first.width, first.height, first.rotation)
    margin = first.margin_left if first is not None and first.margin_left is not None else _left_margin(letter)
    if margin is not None:
        out["left margin"] = f"{round(margin * MM):d} mm"
    families = font_families(doc.fonts)
    if families:
        out["font families"] = ", ".join(families)
    return out


def paper_name(width: float, height: float, rotation: int = 0) -> str:
    """ "A4", "Letter", "Legal" (+ " landscape") within 3 points, else "W x H mm" as displayed."""
    if rotation % 180 == 90:
        width, height = height, width
    short, long_ = sorted((width, height))
    turn = " landscape" if width > height else ""
    for name, w, h in PAPER:
        if abs(short - w) <= 3 and abs(long_ - h) <= 3:
            return name + turn
    return f"{round(width * MM):d} x {round(height * MM):d} mm"


def font_families(fonts) -> list[str]:
    """Sorted family names: style suffixes (-Bold, ,Italic, PSMT) and spaces dropped, lower case, and
    metric-compatible substitutes named once (Times New Roman and base-14 Times are both "times")."""
    out = set()
    for name in fonts:
        family = _VENDOR.sub("", _STYLE.sub("", name.replace(" ", ""))).lower()
        if family:
            out.add(SAME_FAMILY.get(family, family))
    return sorted(out)


def _left_margin(letter):
    """The median left x of the body's lines (with reference, recipient, subject and salutation: the parts
    set flush left; letterhead, date and signature block are often not) in points from the page's edge (PDF)."""
    doc = letter.document
    spans = [span for part in _FLUSH_LEFT for span in letter.parts.get(part, ())]
    left = {n: size.left for n, size in enumerate(doc.page_sizes, 1)}
    chosen = [
        ln
        for ln in doc.lines
        if ln.source == "page"
        and ln.x is not None
        and ln.text.strip()
        and math.isfinite(ln.x)
        and any(a <= ln.start < b for a, b in spans)
    ]
    if len(chosen) < 2:
        return None
    value = statistics.median(ln.x - left.get(ln.page, 0.0) for ln in chosen)
    return value if 0 <= value < 2000 else None
