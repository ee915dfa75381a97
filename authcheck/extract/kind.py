"""Is it a letter?  Classify a document before the letter rules run.  Pure over the Document and its layout.

Letter-like kinds (the letter rules apply): letter, memo, email, notice, and statement (text with no
positive evidence of any other kind: a bare statement, a pasted paragraph, one sentence from stdin).
Other kinds (only the file-level rules apply): report (report, manual, paper, specification), form,
slides, invoice, image (pictures and no text), empty.

Only positive evidence of another kind turns the letter rules off, and letter evidence on the first
pages wins over it: a letter on page 1 of a 40-page report is still a letter (with `letter_pages`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from authcheck.extract.lines import CLOSING, CONFORMED, DIGIT, SALUTATION
from authcheck.model import Document, DocumentKind, KindCue, Line
from authcheck.util.patterns import compiled

LETTER_PAGES = 3  #: a letter's salutation or heading labels must sit on the first pages
MAX_LINE = 400  #: longer lines are prose or junk, never a cue (and keep every pattern cheap)
_LABEL = compiled(r"^\s*(?P<label>MEMORANDUM\s+FOR|MEMO\s+FOR|TO|FROM|SUBJECT|SUBJ|RE)\s*:\s*\S", re.I)
_MEMO = compiled(r"^\s*(?:MEMORANDUM|MEMO)(?:\s+(?:FOR|THRU)\b.*)?\s*$", re.I)
_EMAIL = compiled(r"^\s*(?P<label>From|To|Sent|Date|Subject|Cc)\s*:\s*\S", re.I)
_NOTICE = compiled(r"^\s*(?:PUBLIC\s+|LEGAL\s+|OFFICIAL\s+)?NOTICE(?:\s+OF\b.{0,60}|\s+TO\b.{0,60})?\s*$", re.I)
_TOC = compiled(r"^\s*(?:table\s+of\s+)?contents\s*$|^\s*inhaltsverzeichnis\s*$|^\s*sommaire\s*$", re.I)
_SECTION = compiled(
    r"^\s*(?:(?:chapter|section|part|appendix|annex)\s+[\dIVXA-Z]+\b"
    r"|\d{1,2}(?:\.\d{1,2}){0,3}\.?\s+[A-Z])"
)
_REFERENCES = compiled(r"^\s*(?:\d+\.?\s*)?(?:references|bibliography|works\s+cited|literature\s+cited)\s*$", re.I)
_PAPER = compiled(
    r"^\s*(?:\d+\.?\s*)?(?:index|glossary|abstract|introduction|conclusions?|acknowledge?ments|"
    r"appendix|preface|foreword)\s*$",
    re.I,
)
_HEADING = compiled(r"^\s*#{1,6}\s+\S|^\s*[=\-~*]{3,}\s*$")
_BLANK = compiled(r"_{5,}|\.{12,}")
_THANKS = compiled(r"^\s*(?:thank\s+you|thanks)\b", re.I)
_HELLO = compiled(r"(?i)hello|greetings")
_CHECKBOX = compiled(r"[☐☑☒□■▢]|\[\s?[xX]?\s?\]")
_INVOICE = compiled(r"\b(?:invoice|rechnung|facture)\b(?:\s*(?:no\.?|number|#|nr\.?|date|total))?", re.I)
_MONEY = compiled(
    r"\b(?:sub-?total|total(?:\s+due)?|amount\s+due|balance\s+due|vat|sales\s+tax|tax|qty|"
    r"quantity|unit\s+price)\b",
    re.I,
)

if TYPE_CHECKING:
    from authcheck.extract.layout import Layout


def classify(doc: Document, layout: Layout) -> DocumentKind:
    """The document's kind, a confidence, and the evidence for the call."""
    if not any(ln.text.strip() for ln in doc.lines):
        return _no_text(doc)
    lines = [ln for ln in doc.lines if ln.text.strip() and len(ln.text) <= MAX_LINE]
    letter = _letter_cues(doc, layout, lines)
    if _strong_letter(letter):
        return _letter_kind(doc, letter, lines)
    best = _best_other(doc, _other_cues(doc, lines), letter)
    if best is not None:
        kind, cues = best
        return DocumentKind(kind, "high" if len(cues) >= 3 else "medium", tuple(cues))
    cues = [c for group in letter.values() for c in group]
    if any(v for k, v in letter.items() if k != "date line"):
        return DocumentKind(_letter_name(letter), "low", tuple(cues))
    return DocumentKind("statement", "low", tuple(cues) or (KindCue("no evidence of another kind"),))


def _no_text(doc: Document) -> DocumentKind:
    """Empty files and picture-only pages."""
    if doc.images:
        pages = len({img.page for img in doc.images})
        return DocumentKind(
            "image", "high", (KindCue("image only", f"{len(doc.images)} picture(s) on {pages} page(s), no text layer"),)
        )
    return DocumentKind("empty", "high", (KindCue("empty", "no text and no pictures"),))


def _cue(name: str, line: Line) -> KindCue:
    text = " ".join(line.text.split())
    return KindCue(name, text[:80], line.page, line.number)


def _letter_cues(doc: Document, layout: Layout, lines: list[Line]) -> dict[str, list[KindCue]]:
    """Salutation, closing, signature, heading labels, e-mail headers, memo and notice titles, date line."""
    early = [ln for ln in lines if ln.page <= LETTER_PAGES]
    cues: dict[str, list[KindCue]] = {
        k: []
        for k in (
            "salutation",
            "closing",
            "signature block",
            "addressee labels",
            "email headers",
            "memorandum",
            "notice",
            "date line",
        )
    }
    cues["salutation"] = [_cue("salutation", ln) for ln in early[:80] if _salutation(ln.text.strip())][:1]
    closings = [
        ln
        for ln in lines
        if CLOSING.match(ln.text.strip()) and len(ln.text.split()) <= 8 and not _THANKS.match(ln.text)
    ]
    cues["closing"] = [_cue("closing", ln) for ln in closings[:1]]
    cues["signature block"] = [
        _cue("signature block", ln)
        for ln in lines
        if ("/" in ln.text or "signed" in ln.text.lower()) and CONFORMED.search(ln.text)
    ][:1]
    if not cues["signature block"] and closings and layout.parts.get("signature_block"):
        block = [ln for ln in layout.parts["signature_block"] if ln.text.strip()]
        if len(block) >= 2:
            cues["signature block"] = [_cue("signature block", block[1])]
    top = early[:40]
    labels: dict[str, Line] = {}
    for ln in top:
        m = _LABEL.match(ln.text)
        if m:
            labels.setdefault(m.group("label").split()[0].upper(), ln)
    if len(labels) >= 2:
        cues["addressee labels"] = [_cue("addressee labels", ln) for ln in labels.values()]
    heads: dict[str, Line] = {}
    for ln in lines[:25]:
        m = _EMAIL.match(ln.text)
        if m:
            heads.setdefault(m.group("label").lower(), ln)
    if len(heads) >= 3 and "from" in heads:
        cues["email headers"] = [_cue("email headers", ln) for ln in heads.values()]
    cues["memorandum"] = [_cue("memorandum", ln) for ln in top[:15] if _MEMO.match(ln.text)][:1]
    cues["notice"] = [_cue("notice", ln) for ln in top[:8] if _NOTICE.match(ln.text)][:1]
    cues["date line"] = [_cue("date line", ln) for ln in layout.parts.get("date", []) if ln.page <= LETTER_PAGES][:1]
    return cues


def _salutation(text: str) -> bool:
    """A salutation line; a bare "Hello world" or "Greetings" needs its comma, colon or "!" to count."""
    if not SALUTATION.match(text):
        return False
    return not _HELLO.match(text) or text.endswith((",", ":", "!"))


def _strong_letter(letter: dict[str, list[KindCue]]) -> bool:
    """Letter evidence that outweighs any other kind's."""
    has = {k for k, v in letter.items() if v}
    if has & {"salutation", "email headers", "memorandum"}:
        return True
    if "addressee labels" in has and has & {"closing", "signature block", "date line", "notice"}:
        return True
    return "closing" in has and "signature block" in has and _closing_early(letter)


def _closing_early(letter: dict[str, list[KindCue]]) -> bool:
    cue = letter["closing"][0]
    return (cue.page or 1) <= LETTER_PAGES


def _letter_name(letter: dict[str, list[KindCue]]) -> str:
    """letter, memo, email or notice, by the strongest heading evidence."""
    if letter["email headers"]:
        return "email"
    if letter["memorandum"]:
        return "memo"
    if letter["notice"] and not letter["salutation"]:
        return "notice"
    if letter["addressee labels"] and not letter["salutation"]:
        return "memo"
    return "letter"


def _letter_kind(doc: Document, letter: dict[str, list[KindCue]], lines: list[Line]) -> DocumentKind:
    """A letter-like call; inside a longer document (the letter ends before the last page and the document
    shows evidence of another kind, looked for only then), the pages the letter covers."""
    cues = [c for group in letter.values() for c in group]
    end = _letter_end(letter)
    pages = None
    if end is not None and end < doc.pages and any(_other_cues(doc, lines).values()):
        pages = (1, end)
        cues.append(
            KindCue(
                "letter inside a longer document",
                f"letter on pages 1-{end} of a {doc.pages}-page document"
                if end > 1
                else f"letter on page 1 of a {doc.pages}-page document",
            )
        )
    confidence = "high" if len({c.cue for c in cues}) >= 3 else "medium"
    return DocumentKind(_letter_name(letter), confidence, tuple(cues), letter_pages=pages)


def _letter_end(letter: dict[str, list[KindCue]]) -> int | None:
    """The last page of the letter: where its closing or signature sits (None when unknown)."""
    pages = [c.page for key in ("closing", "signature block") for c in letter[key] if c.page]
    return max(pages) if pages else None


def _other_cues(doc: Document, lines: list[Line]) -> dict[str, list[KindCue]]:
    """Report, form, slides and invoice evidence."""
    cues: dict[str, list[KindCue]] = {"report": [], "form": [], "slides": [], "invoice": []}
    toc = [ln for ln in lines if _TOC.match(ln.text)]
    leaders = [ln for ln in lines if _leader(ln.text)]
    if toc or len(leaders) >= 3:
        cues["report"].append(_cue("table of contents", (toc or leaders)[0]))
    sections = [
        ln
        for ln in lines
        if _SECTION.match(ln.text) and len(ln.text.split()) <= 12 and not ln.text.rstrip().endswith((".", ",", ";"))
    ]
    if len(sections) >= 4:
        first = " ".join(sections[0].text.split())[:60]
        cues["report"].append(
            KindCue(
                "numbered sections", f"{len(sections)} headings, first: {first}", sections[0].page, sections[0].number
            )
        )
    refs = [ln for ln in lines if _REFERENCES.match(ln.text)]
    paper = [ln for ln in lines if _PAPER.match(ln.text)]
    if refs or len({ln.text.strip().lower() for ln in paper}) >= 2:
        cues["report"].append(_cue("document sections", (refs or paper)[0]))
    headings = [ln for ln in lines if _HEADING.match(ln.text)]
    if len(headings) >= 3:
        cues["report"].append(
            KindCue("headings", f"{len(headings)} heading lines", headings[0].page, headings[0].number)
        )
    _form_cues(doc, lines, cues["form"])
    _slide_cues(doc, lines, cues["slides"])
    invoice = [ln for ln in lines[:60] if _INVOICE.search(ln.text)]
    money = [ln for ln in lines if DIGIT.search(ln.text) and _MONEY.search(ln.text)]
    if invoice and len(money) >= 2:
        cues["invoice"] += [_cue("invoice title", invoice[0]), _cue("amounts", money[0])]
    return cues


def _leader(text: str) -> bool:
    """A table-of-contents entry: dot leaders then a page number ("Scope ....... 12", ". . . . 3")."""
    line = text.rstrip()
    body = line.rstrip("0123456789").rstrip()
    return (
        body != line.rstrip()
        and len(line) - len(line.rstrip("0123456789")) <= 4
        and body.endswith(("....", ". . . .", "\u2026\u2026"))
    )


def _form_cues(doc: Document, lines: list[Line], out: list[KindCue]) -> None:
    """Fill-in fields, rows of blanks, check boxes."""
    if doc.form_fields:
        out.append(KindCue("form fields", f"{doc.form_fields} fillable field(s)"))
    blanks = [ln for ln in lines if ("_____" in ln.text or "......" in ln.text) and _BLANK.search(ln.text)]
    if len(blanks) >= 4:
        out.append(KindCue("blanks to fill in", f"{len(blanks)} lines with blanks", blanks[0].page, blanks[0].number))
    boxes = [ln for ln in lines if _CHECKBOX.search(ln.text)]
    if len(boxes) >= 3:
        out.append(KindCue("check boxes", f"{len(boxes)} lines with check boxes", boxes[0].page, boxes[0].number))


def _slide_cues(doc: Document, lines: list[Line], out: list[KindCue]) -> None:
    """Landscape pages with few words each."""
    if doc.pages < 3:
        return
    words = sum(len(ln.text.split()) for ln in doc.lines) / doc.pages
    if doc.landscape_pages >= doc.pages * 0.8 and words < 120:
        out.append(KindCue("slide-like pages", f"{doc.landscape_pages} landscape pages, {words:.0f} words per page"))


def _best_other(doc: Document, other: dict[str, list[KindCue]], letter: dict[str, list[KindCue]]):
    """(kind, cues) when there is positive evidence of a non-letter kind, else None."""
    ranked = sorted(((len(cues), kind) for kind, cues in other.items() if cues), reverse=True)
    if ranked:
        kind = ranked[0][1]
        return kind, list(other[kind]) + _length_cue(doc, force=True)
    length = _length_cue(doc, force=False)
    if length and not any(v for k, v in letter.items() if k != "date line"):
        return "report", length
    return None


def _length_cue(doc: Document, force: bool) -> list[KindCue]:
    """Many pages with no letter opening: a report or manual (listed as evidence when `force`)."""
    if doc.pages >= 4 or (force and doc.pages >= 2):
        return [KindCue("page count", f"{doc.pages} pages, no salutation, closing or addressee")]
    return []


def forced(kind: str, why: str, automatic: DocumentKind) -> DocumentKind:
    """The kind the user named (`why` says where), keeping the automatic call as evidence."""
    said = f"{automatic.kind}" + (
        f" ({', '.join(sorted({c.cue for c in automatic.evidence}))})" if automatic.evidence else ""
    )
    return DocumentKind(
        kind, "high", (KindCue("forced", why or "--kind"), KindCue("automatic call", said)), forced=True
    )
