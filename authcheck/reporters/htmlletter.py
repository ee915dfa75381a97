"""The HTML report of one letter: verdict and axes, the letter's fields (htmlfields.py), the pages
with the evidence boxed, the findings, what to verify next, and the forensics (htmlforensics.py).

`letter_html` returns the report's sections for one result; ids carry `prefix` so several letters
can share one file.  Finding n has the id `{prefix}f{n}`; its k-th evidence is boxed on its page as
`{prefix}b{n}-{k}` and marked in the text as `{prefix}t{n}-{k}`; each links to the other with a
plain anchor.  Evidence boxes come from `Evidence.box` (page fractions, top-left origin), drawn in
percentages of the page picture, so a box sits where the JSON says it is at any zoom.
"""

from __future__ import annotations

from authcheck.errors import error_detail
from authcheck.model import Evidence, Finding, Result
from authcheck.reporters.htmlfields import fields_table
from authcheck.reporters.htmlkit import axis_meter, data_uri_jpeg, esc, evidence_box, pct, verdict_badge
from authcheck.reporters.pagepictures import MAX_PAGES
from authcheck.reporters.snippets import loc_label, split_context
from authcheck.scoring.record import sorted_findings

AXIS_MEANING = {
    "origin": "is it from whom it claims, unaltered?",
    "authority": "is it a final, signed, authorised act?",
}


def findings_of(result: Result) -> list[Finding]:
    """The findings in report order (the order of their numbers)."""
    return sorted_findings(result.findings)


def letter_html(result: Result, pictures=None, *, prefix: str = "", level: int = 1) -> str:
    """Every section of one letter's report, as HTML (headings start at <h{level}>)."""
    head, nav, body = letter_parts(result, pictures, prefix=prefix, level=level)
    return f'<header class="letter-head">{head}</header>{nav}{body}'


def letter_parts(result: Result, pictures=None, *, prefix: str = "", level: int = 1) -> tuple[str, str, str]:
    """(summary, navigation, sections) of one letter's report, so a page can put each in its landmark."""
    from authcheck.reporters.htmlforensics import forensics_html

    h = _heads(level)
    head = _summary(result, h)
    if result.error is not None:
        return head, "", ""
    findings = findings_of(result)
    emitted: set = set()  # ids of the evidence marks the text view wrote
    parts = [
        f'<section aria-labelledby="{prefix}h-fields"><{h[1]} id="{prefix}h-fields">The letter</{h[1]}>'
        f"{fields_table(result)}</section>",
        _document_view(result, findings, pictures, prefix, h, emitted),
        _findings_section(findings, pictures, prefix, h, emitted),
        _next_steps(result, prefix, h),
        forensics_html(result, findings, prefix, h, pictures),
        _notes(result, prefix, h),
    ]
    return head, _jump_nav(result, findings, pictures, prefix), "".join(parts)


def _heads(level: int) -> dict[int, str]:
    return {k: f"h{min(6, level + k)}" for k in range(3)}


def _summary(result: Result, h: dict) -> str:
    """File name, verdict with score, the two axes, and the one-line reason."""
    fmt = f' <span class="muted">({esc(result.format)})</span>' if result.format else ""
    out = [
        f'<{h[0]} class="path">{esc(result.path)}{fmt}</{h[0]}>',
        f"<p>{verdict_badge(result.verdict, result.score)}</p>",
    ]
    if result.error is not None:
        err = result.error
        out.append(f'<p role="alert"><strong>Could not be checked</strong>: {esc(error_detail(err))}</p>')
        return "".join(out)
    out.append(
        '<div class="axes">'
        + "".join(axis_meter(a, result.axes.get(a), AXIS_MEANING[a]) for a in AXIS_MEANING)
        + "</div>"
    )
    out.append(f'<p class="reason">{esc(result.reason)}</p>')
    return "".join(out)


def _jump_nav(result: Result, findings: list[Finding], pictures, prefix: str) -> str:
    """Links to each section, page and finding (plain anchors)."""
    links = [
        (f"{prefix}h-fields", "The letter"),
        (f"{prefix}h-doc", "Pages" if _has_pages(pictures) else "Text"),
        (f"{prefix}h-findings", f"Findings ({len(findings)})"),
        (f"{prefix}h-forensics", "Forensics"),
    ]
    if _has_pages(pictures):
        links += [(f"{prefix}p{pg.number}", f"page {pg.number}") for pg in pictures.pages]
    links += [(f"{prefix}f{n}", f"#{n}") for n in range(1, len(findings) + 1)]
    items = "".join(f'<li><a href="#{ident}">{esc(label)}</a></li>' for ident, label in links)
    return f'<nav class="jump" aria-label="In this report"><ul>{items}</ul></nav>'


def _has_pages(pictures) -> bool:
    return pictures is not None and bool(pictures.pages)


# --- pages and text ---------------------------------------------------------------------------


def _document_view(result: Result, findings: list[Finding], pictures, prefix: str, h: dict, emitted: set) -> str:
    """The pages as pictures with boxes (PDF), or the text as paragraphs with marks."""
    from authcheck.reporters.htmltext import text_view

    out = [f'<section aria-labelledby="{prefix}h-doc">']
    if _has_pages(pictures):
        out.append(f'<{h[1]} id="{prefix}h-doc">Pages</{h[1]}>')
        out.append(
            f'<p class="muted">Each numbered box marks the evidence of the finding with that number; '
            f"click a box to read its finding.</p>{pages_html(findings, pictures, prefix)}"
        )
        if pictures.problem:
            out.append(f'<p class="muted">{esc(pictures.problem)}.</p>')
        if pictures.total > MAX_PAGES:
            out.append(f'<p class="muted">Only the first {MAX_PAGES} of {pictures.total} pages are drawn.</p>')
        out.append(
            f"<details><summary>The extracted text</summary>{text_view(result, findings, prefix, emitted)}</details>"
        )
    else:
        out.append(f'<{h[1]} id="{prefix}h-doc">Text</{h[1]}>')
        if pictures is not None and pictures.problem:
            out.append(f'<p class="muted">No page pictures: {esc(pictures.problem)}.</p>')
        out.append(text_view(result, findings, prefix, emitted))
    out.append("</section>")
    return "".join(out)


def pages_html(findings: list[Finding], pictures, prefix: str) -> str:
    """Every drawn page with its evidence boxes."""
    boxes: dict[int, list[str]] = {}
    seen: dict[tuple, int] = {}
    for n, finding in enumerate(findings, 1):
        for k, ev in enumerate(finding.evidence, 1):
            box = evidence_box(ev)
            if box is None or ev.loc.page is None:
                continue
            spot = (ev.loc.page, round(box[0], 2), round(box[1], 2))
            shift = seen.get(spot, 0)
            seen[spot] = shift + 1
            boxes.setdefault(ev.loc.page, []).append(_box(n, k, box, shift, finding, prefix))
    figures = []
    for pg in pictures.pages:
        figures.append(
            f'<figure class="page" id="{prefix}p{pg.number}"><div class="sheet">'
            f'<img src="{data_uri_jpeg(pg.jpeg)}" width="{pg.width}" height="{pg.height}" '
            f'alt="Page {pg.number} of the letter">{"".join(boxes.get(pg.number, []))}</div>'
            f"<figcaption>Page {pg.number}</figcaption></figure>"
        )
    return f'<div class="pages">{"".join(figures)}</div>'


def _box(n: int, k: int, box, shift: int, finding: Finding, prefix: str) -> str:
    x0, y0, x1, y1 = box
    label_shift = f' style="left:{shift * 2.2:.1f}em"' if shift else ""
    return (
        f'<a class="box" id="{prefix}b{n}-{k}" href="#{prefix}f{n}" data-finding="{n}" '
        f'style="left:{pct(x0)};top:{pct(y0)};width:{pct(x1 - x0)};height:{pct(y1 - y0)}" '
        f'title="Finding {n}: {esc(finding.title)}" aria-label="Evidence {k} of finding {n}">'
        f'<span class="num"{label_shift}>{n}</span></a>'
    )


# --- findings ------------------------------------------------------------------------------


def _findings_section(findings: list[Finding], pictures, prefix: str, h: dict, emitted: set) -> str:
    pages = {pg.number for pg in pictures.pages} if _has_pages(pictures) else set()
    items = "".join(finding_html(n, f, pages, prefix, h, emitted) for n, f in enumerate(findings, 1))
    body = f'<ol class="findings">{items}</ol>' if findings else "<p>No findings.</p>"
    return (
        f'<section aria-labelledby="{prefix}h-findings"><{h[1]} id="{prefix}h-findings">Findings '
        f"({len(findings)})</{h[1]}>{body}</section>"
    )


def finding_html(n: int, finding: Finding, pages: set, prefix: str, h: dict, emitted: set) -> str:
    """One finding as the console shows it: contribution, severity, axis, rule, title, message,
    evidence (with links to its box or text mark), what to verify next."""
    sev = finding.severity if finding.severity in ("info", "low", "medium", "high", "critical") else "info"
    head = (
        f'<span class="fnum">{n}</span><span class="contrib">+{finding.contribution:.1f}</span> '
        f'<span class="sev">{esc(finding.severity)}</span> &middot; {esc(finding.axis)} &middot; '
        f'<span class="rule">{esc(finding.rule)}</span>'
    )
    parts = [
        f'<li id="{prefix}f{n}" class="sev-{sev}"><div>{head}</div>',
        f"<{h[2]}>{esc(finding.title)}</{h[2]}>",
        f"<p>{esc(finding.message)}</p>",
    ]
    if finding.evidence:
        evs = "".join(_evidence_item(n, k, ev, pages, prefix, emitted) for k, ev in enumerate(finding.evidence, 1))
        parts.append(f'<ul class="evidence">{evs}</ul>')
    if finding.weight_reason:
        parts.append(f'<p class="muted">Weight: {esc(finding.weight_reason)}</p>')
    if finding.suppressed:
        kind = finding.suppressed.get("kind", "")
        parts.append(f"<p><strong>Suppressed</strong> ({esc(kind)}): {esc(finding.suppressed.get('reason', ''))}</p>")
    if finding.remediation:
        parts.append(f"<p><strong>Verify next:</strong> {esc(finding.remediation)}</p>")
    if finding.references:
        parts.append('<p class="muted">References: ' + "; ".join(esc(r) for r in finding.references) + "</p>")
    parts.append("</li>")
    return "".join(parts)


def _evidence_item(n: int, k: int, ev: Evidence, pages: set, prefix: str, emitted: set) -> str:
    """Where, the quote with the match marked, and links to the box or the text mark."""
    before, match, after = split_context(ev)
    quote = esc(before) + (f"<mark>{esc(match)}</mark>" if match else "") + esc(after)
    links = []
    if evidence_box(ev) is not None and ev.loc.page in pages:
        links.append(f'<a href="#{prefix}b{n}-{k}">see it on page {ev.loc.page}</a>')
    elif f"{prefix}t{n}-{k}" in emitted:
        links.append(f'<a href="#{prefix}t{n}-{k}">see it in the text</a>')
    elif ev.loc.line is not None and f"{prefix}l{ev.loc.line}" in emitted:
        links.append(f'<a href="#{prefix}l{ev.loc.line}">see line {ev.loc.line}</a>')
    elif ev.loc.page is not None and ev.loc.page in pages:
        links.append(f'<span class="muted">(not located on page {ev.loc.page})</span>')
    reason = getattr(ev, "reason", None)
    extra = f' <span class="muted">{esc(reason)}</span>' if reason else ""
    where = loc_label(ev.loc.page, ev.loc.line, ev.loc.part, ev.loc.key)
    return f'<li><span class="where">{esc(where)}:</span> {quote} {" ".join(links)}{extra}</li>'


def _next_steps(result: Result, prefix: str, h: dict) -> str:
    return _list_section(prefix, h, "next", "Verify next", [esc(s) for s in result.next_steps])


def _notes(result: Result, prefix: str, h: dict) -> str:
    items = [f"<strong>{esc(n.code)}</strong>: {esc(n.detail)}" for n in result.notes]
    return _list_section(prefix, h, "notes", "Notes", items)


def _list_section(prefix: str, h: dict, key: str, title: str, items: list[str]) -> str:
    """A titled section holding a list of already-escaped items; nothing when there are none."""
    if not items:
        return ""
    rows = "".join(f"<li>{item}</li>" for item in items)
    return (
        f'<section aria-labelledby="{prefix}h-{key}"><{h[1]} id="{prefix}h-{key}">{title}</{h[1]}>'
        f"<ul>{rows}</ul></section>"
    )
