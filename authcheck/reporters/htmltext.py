"""The letter's text as paragraphs, with each finding's evidence marked where it sits.

Lines come from the loaded document (blank lines and changes of source, such as a page header,
start a new paragraph); each line starts with an empty anchor `{prefix}l{number}`.  Evidence with character offsets is marked inline (`<mark>`, numbered,
id `{prefix}t{n}-{k}`, linked to its finding); text a DOCX proposes as a tracked insertion is
shown as `<ins>`; reviewer comments are shown under the paragraph they sit in.  Every piece of
text is escaped on its own; marks are added around the escaped pieces, never inside them.
"""

from __future__ import annotations

import itertools
from typing import Any

from authcheck.model import Finding, Result
from authcheck.reporters.htmlkit import esc

MAX_CHARS = 300_000  #: text shown; the rest is cut with a note
SOURCE_LABELS = {
    "header": "page header",
    "footer": "page footer",
    "textbox": "text box",
    "watermark": "watermark",
    "annotation": "annotation",
}


def text_view(result: Result, findings: list[Finding], prefix: str, emitted: set | None = None) -> str:
    """The text view, or a short note when the document's lines were not kept.  The ids of the
    evidence marks written are added to `emitted`, so links are made only to marks that exist."""
    emitted = set() if emitted is None else emitted
    letter = result.letter
    if letter is None:
        return '<p class="muted">The letter\'s text is not available in this report.</p>'
    doc = letter.document
    marks = _evidence_marks(findings, prefix)
    inserts = _by_line(doc.signals.get("tracked_inserted_text"))
    comments = _by_line(doc.signals.get("comments"))
    para: list[str] = []
    out, source, shown = ['<div class="textview">'], None, 0
    for line in doc.lines:
        if shown > MAX_CHARS:
            out.append('<p class="muted">(the rest of the text is not shown)</p>')
            para = []
            break
        if not line.text.strip() or line.source != source:
            out.append(_paragraph(para, source))
            para, source = [], line.source
            if not line.text.strip():
                continue
        anchor = f"{prefix}l{line.number}"
        emitted.add(anchor)
        para.append(
            f'<span class="ln" id="{anchor}"></span>' + _line_html(line, marks, inserts.get(line.number, ()), emitted)
        )
        para.extend(_comment(ev) for ev in comments.get(line.number, ()))
        shown += len(line.text)
    out.append(_paragraph(para, source))
    out.append("</div>")
    return "".join(out)


def _paragraph(lines: list[str], source: str | None) -> str:
    if not lines:
        return ""
    label = SOURCE_LABELS.get(source or "")
    head = f'<span class="src">{label}</span><br>' if label else ""
    body = "<br>".join(x for x in lines if not x.startswith("<aside"))  # asides follow the paragraph
    asides = "".join(x for x in lines if x.startswith("<aside"))
    return f"<p>{head}{body}</p>{asides}"


def _evidence_marks(findings: list[Finding], prefix: str) -> list[tuple[int, int, int, str, str]]:
    """(start, end, finding number, finding id, mark id) for every evidence with offsets into the text."""
    marks = []
    for n, finding in enumerate(findings, 1):
        for k, ev in enumerate(finding.evidence, 1):
            if ev.loc.start is not None and ev.loc.end is not None and ev.loc.end > ev.loc.start:
                marks.append((ev.loc.start, ev.loc.end, n, f"{prefix}f{n}", f"{prefix}t{n}-{k}"))
    return marks


def _by_line(signal) -> dict[int, tuple]:
    """A forensic fact's evidence grouped by line number."""
    out: dict[int, list] = {}
    for ev in signal.evidence if signal is not None else ():
        if ev.loc.line is not None:
            out.setdefault(ev.loc.line, []).append(ev)
    return {k: tuple(v) for k, v in out.items()}


def _line_html(line, marks, inserts, emitted: set) -> str:
    """One line with evidence marks and tracked insertions, each text piece escaped alone."""
    text = line.text
    spans: list[tuple[int, int, str, Any]] = []
    for start, end, n, href, ident in marks:
        a, b = max(start, line.start) - line.start, min(end, line.end) - line.start
        if a < b:
            spans.append((a, b, "mark", (n, href, ident)))
    for ev in inserts:
        at = text.find(ev.text) if ev.text else -1
        if at >= 0:
            spans.append((at, at + len(ev.text), "ins", ev.context or "tracked insertion"))
    if not spans:
        return esc(text)
    cuts = sorted({0, len(text), *(s[0] for s in spans), *(s[1] for s in spans)})
    out = []
    for a, b in itertools.pairwise(cuts):
        for s in spans:
            if s[2] == "mark" and s[0] == a and s[3][2] not in emitted:
                n, href, ident = s[3]
                emitted.add(ident)
                out.append(f'<sup class="evn" id="{ident}"><a href="#{href}" aria-label="finding {n}">{n}</a></sup>')
        piece = esc(text[a:b])
        if any(s[2] == "mark" and s[0] <= a and b <= s[1] for s in spans):
            piece = f'<mark class="ev">{piece}</mark>'
        ins = next((s for s in spans if s[2] == "ins" and s[0] <= a and b <= s[1]), None)
        if ins is not None:
            piece = f'<ins title="{esc(ins[3])}">{piece}</ins>'
        out.append(piece)
    return "".join(out)


def _comment(ev) -> str:
    return f'<aside class="comment" role="note"><strong>Comment</strong>: {esc(ev.context or ev.text)}</aside>'
