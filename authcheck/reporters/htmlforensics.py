"""Forensics you can see, for the HTML report: metadata with conflicts flagged, what later PDF
revisions changed (removed and added text side by side), DOCX tracked deletions and comments,
and the table of forensic facts.  Everything shown comes from the document and is escaped.
"""

from __future__ import annotations

import re
from itertools import zip_longest
from typing import Any

from authcheck.model import Finding, Result
from authcheck.reporters.htmlkit import data_uri_jpeg, esc, evidence_box, pct
from authcheck.util.patterns import compiled

_CHANGE = compiled(r"^revision (\d+): ([+-]) ?(.*)$", re.S)
MAX_FACT_CHARS = 400


def forensics_html(result: Result, findings: list[Finding], prefix: str, h: dict, pictures=None) -> str:
    """The forensics section (metadata, revisions, tracked changes and comments, facts)."""
    letter = result.letter
    facts = dict(letter.document.signals) if letter is not None else {}
    parts = [
        f'<section aria-labelledby="{prefix}h-forensics"><{h[1]} id="{prefix}h-forensics">Forensics</{h[1]}>',
        f"<{h[2]}>Metadata</{h[2]}>",
        metadata_table(result, findings, prefix),
    ]
    revisions = revisions_html(facts) + compared_html(pictures, findings)
    if revisions:
        parts += [f"<{h[2]}>What later revisions changed</{h[2]}>", revisions]
    docx = docx_changes_html(facts)
    if docx:
        parts += [f"<{h[2]}>Tracked changes and comments</{h[2]}>", docx]
    if facts:
        parts += [f"<{h[2]}>Forensic facts</{h[2]}>", facts_table(facts)]
    parts.append("</section>")
    return "".join(parts)


def metadata_table(result: Result, findings: list[Finding], prefix: str) -> str:
    """Every raw metadata key with its value; keys a finding rests on are flagged with its number."""
    letter = result.letter
    if letter is not None:
        raw = dict(letter.document.metadata.raw)
        normal = {v: k for k, v in dict(letter.document.metadata.sources).items()}
    else:
        raw = {
            k: str(v)
            for k, v in ((result.fields or {}).get("metadata") or {}).items()
            if v is not None and k != "raw" and not isinstance(v, (dict, list))
        }
        normal = {}
    flagged: dict[str, list[int]] = {}
    for n, finding in enumerate(findings, 1):
        for ev in finding.evidence:
            if ev.loc.part == "metadata" and ev.loc.key:
                flagged.setdefault(ev.loc.key, []).append(n)
    if not raw:
        return '<p class="muted">The file carries no metadata.</p>'
    rows = []
    for key, value in raw.items():
        nums = sorted(set(flagged.get(key, [])))
        note = ("conflict: " + ", ".join(f'<a href="#{prefix}f{n}">finding {n}</a>' for n in nums)) if nums else ""
        cls = ' class="conflict"' if nums else ""
        rows.append(
            f"<tr{cls}><td>{esc(key)}</td><td>{esc(value)}</td><td>{esc(normal.get(key, ''))}</td><td>{note}</td></tr>"
        )
    return (
        '<table class="metadata"><thead><tr><th scope="col">Key</th><th scope="col">Value</th>'
        '<th scope="col">Read as</th><th scope="col">Flagged</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def revisions_html(facts: dict) -> str:
    """Per later revision: removed lines beside added lines; then other changes in words."""
    changes = facts.get("pdf_text_changes")
    out = []
    grouped: dict[int, tuple[list[str], list[str]]] = {}
    for item in changes.value if changes is not None and isinstance(changes.value, list) else []:
        m = _CHANGE.match(str(item))
        if m:
            side = grouped.setdefault(int(m.group(1)), ([], []))
            side[0 if m.group(2) == "-" else 1].append(m.group(3))
    for rev, (removed, added) in sorted(grouped.items()):
        cells = [
            f'<div class="head">Before revision {rev} (removed)</div><div class="head">Revision {rev} (added)</div>'
        ]
        for old, new in zip_longest(removed, added):
            cells.append(
                f'<div class="old">{"&minus; " + esc(old) if old is not None else ""}</div>'
                f'<div class="new">{"+ " + esc(new) if new is not None else ""}</div>'
            )
        out.append(f'<div class="diff" role="group" aria-label="Text changed by revision {rev}">{"".join(cells)}</div>')
    for key in (
        "pdf_revision_changes",
        "pdf_pages_changed",
        "pdf_annotations_changed",
        "pdf_info_rewritten",
        "pdf_changes_after_signing",
    ):
        signal = facts.get(key)
        if signal is not None and signal.value:
            out.append(
                f"<p><strong>{esc(key)}</strong>: {esc(_short(signal.value))}"
                f'<br><span class="muted">{esc(signal.explanation)}</span></p>'
            )
    return "".join(out)


def compared_html(pictures, findings: list[Finding]) -> str:
    """Each page a revision changed, as it stood before and after that revision, side by side; the
    lines the revision added are outlined on the after picture."""
    out = []
    for revision, page, before, after in pictures.compared if pictures is not None else ():
        added = "".join(_outline(box) for box in _added_boxes(findings, revision, page))
        cells = "".join(
            f'<figure><div class="sheet"><img src="{data_uri_jpeg(img.jpeg)}" width="{img.width}" '
            f'height="{img.height}" alt="Page {page} {label}">{marks}</div>'
            f"<figcaption>Page {page} {label}</figcaption></figure>"
            for img, label, marks in (
                (before, f"before revision {revision}", ""),
                (
                    after,
                    f"after revision {revision} (added text outlined)" if added else f"after revision {revision}",
                    added,
                ),
            )
        )
        out.append(f'<div class="compare">{cells}</div>')
    return "".join(out)


def _added_boxes(findings: list[Finding], revision: int, page: int) -> list:

    boxes = []
    for finding in findings:
        for ev in finding.evidence:
            box = evidence_box(ev)
            if (
                ev.loc.part == "revision"
                and str(ev.loc.key) == str(revision)
                and ev.loc.page == page
                and box
                and box not in boxes
            ):
                boxes.append(box)
    return boxes


def _outline(box) -> str:
    x0, y0, x1, y1 = box
    return (
        f'<span class="box added" style="left:{pct(x0)};top:{pct(y0)};width:{pct(x1 - x0)};'
        f'height:{pct(y1 - y0)}"></span>'
    )


def docx_changes_html(facts: dict) -> str:
    """Deleted text (not in the letter's text), and every comment with what it is on."""
    out = []
    deleted = facts.get("tracked_deleted_text")
    if deleted is not None and deleted.value:
        items = "".join(
            f'<li><del>{esc(ev.text)}</del> <span class="muted">{esc(ev.context)}</span></li>'
            for ev in deleted.evidence[:50]
        )
        out.append(f"<p>Proposed deletions, still in the file:</p><ul>{items}</ul>")
    inserted = facts.get("tracked_inserted_text")
    if inserted is not None and inserted.value:
        items = "".join(
            f'<li><ins>{esc(ev.text)}</ins> <span class="muted">{esc(ev.context)}{_line(ev)}</span></li>'
            for ev in inserted.evidence[:50]
        )
        out.append(f"<p>Proposed insertions (shown underlined in the text):</p><ul>{items}</ul>")
    comments = facts.get("comments")
    if comments is not None and comments.value:
        items = "".join(f"<li>{esc(ev.context or ev.text)}{_line(ev)}</li>" for ev in comments.evidence[:50])
        out.append(f"<p>Comments (shown under their paragraph in the text):</p><ul>{items}</ul>")
    return "".join(out)


def _line(ev) -> str:
    return f' <span class="where">(line {ev.loc.line})</span>' if ev.loc.line is not None else ""


def facts_table(facts: dict) -> str:
    """Every forensic fact with a value: key, value and what it means."""
    rows = []
    for key in sorted(facts):
        signal = facts[key]
        if signal.value in (None, False, 0, "", [], (), {}):
            continue
        rows.append(
            f"<tr><td>{esc(key)}</td><td>{esc(_short(signal.value))}</td><td>{esc(signal.explanation)}</td></tr>"
        )
    if not rows:
        return '<p class="muted">Nothing unusual was recorded.</p>'
    return (
        '<table class="facts"><thead><tr><th scope="col">Fact</th><th scope="col">Value</th>'
        f'<th scope="col">Meaning</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _short(value: Any) -> str:
    text = "; ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return text if len(text) <= MAX_FACT_CHARS else text[:MAX_FACT_CHARS] + "…"
