"""The letter's fields for the HTML report: issuer, recipient, date, subject, letterhead and
signature, each with where in the letter it came from (part, page, line).  Values come from the
result's `fields`; locations from the extracted letter when the run kept it.  All escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authcheck.model import Result
from authcheck.reporters.htmlkit import esc
from authcheck.reporters.snippets import loc_label

PART_NAMES = {
    "signature_block": "signature block",
    "letterhead": "letterhead",
    "from_line": "FROM line",
    "from": "FROM line",
    "metadata": "metadata",
    "header": "page header",
    "address_block": "address block",
}
SIGNATURE_KINDS = {"digital": "digital signature", "image": "signature image", "conformed": "conformed signature (/s/)"}


def fields_table(result: Result) -> str:
    """Issuer, recipient, date, subject, letterhead and signature, each with where it came from."""
    f = result.fields or {}
    letter = result.letter
    rows = [
        ("Issuer", *_party(f.get("issuer"), letter.issuer if letter else None)),
        ("Recipient", *_party(f.get("recipient"), letter.recipient if letter else None)),
        ("Date", *_date(f.get("date"), letter.date if letter else None)),
        ("Subject", esc(f.get("subject") or ""), _where(letter.subject.loc) if letter and letter.subject else ""),
        ("Letterhead", *_letterhead(f.get("letterhead"), letter)),
        ("Signature", *_signature(f.get("signature"), f.get("signature_fields") or [])),
    ]
    body = "".join(
        f'<tr><th scope="row">{label}</th><td>{value or "<em>not found</em>"}</td><td class="where">{where}</td></tr>'
        for label, value, where in rows
    )
    return (
        '<table class="fields"><thead><tr><th scope="col">Field</th><th scope="col">Value</th>'
        f'<th scope="col">Where it came from</th></tr></thead><tbody>{body}</tbody></table>'
    )


def _where(loc) -> str:
    """A fact's location in words: part, page and line."""
    bits = [PART_NAMES.get(loc.part, loc.part or "")]
    if loc.page is not None:
        bits.append(f"page {loc.page}")
    if loc.line is not None:
        bits.append(f"line {loc.line}")
    if loc.key:
        bits.append(str(loc.key))
    return esc(", ".join(b for b in bits if b))


def _party(record: Mapping[str, Any] | None, party) -> tuple[str, str]:
    record = record or {}
    value = esc(", ".join(str(record[k]) for k in ("name", "title", "organization") if record.get(k)))
    where = []
    if party is not None:
        where = [
            f"{k}: {_where(fact.loc)}"
            for k, fact in (("name", party.name), ("title", party.title), ("organization", party.organization))
            if fact
        ]
    elif record.get("source"):
        where = [esc(PART_NAMES.get(record["source"], record["source"]))]
    claims = [
        f'<li>{esc(c.get("text"))} <span class="where">({esc(loc_label(c.get("page"), c.get("line"), c.get("part")))})'
        "</span></li>"
        for c in (record.get("claims") or [])[:6]
    ]
    if claims:
        value += f"<details><summary>{len(record.get('claims') or [])} claim(s) in the letter</summary><ul>{''.join(claims)}</ul></details>"
    return value, "<br>".join(where)


def _date(record, fact) -> tuple[str, str]:
    if not record:
        return "", ""
    value = f'{esc(record.get("text"))} <span class="muted">({esc(record.get("value"))})</span>'
    return value, _where(fact.loc) if fact is not None else esc(record.get("source") or "")


def _letterhead(record, letter) -> tuple[str, str]:
    record = record or {}
    value = "<br>".join(esc(v) for v in (record.get("organization") or []))
    markings = record.get("markings") or []
    if markings:
        value += f'<br><span class="muted">markings:</span> {esc(", ".join(map(str, markings)))}'
    facts = letter.letterhead.organization if letter is not None else ()
    return value, "<br>".join(_where(f.loc) for f in facts[:4])


def _signature(sig: Mapping[str, Any] | None, sig_fields: list) -> tuple[str, str]:
    """SIGNED by ..., NOT SIGNED or UNDETERMINED (words, not colour), with the evidence."""
    if not sig:
        return "<strong>UNDETERMINED</strong>: no signature evidence was recorded", ""
    signed = sig.get("signed")
    if signed:
        kinds = ", ".join(SIGNATURE_KINDS.get(k, str(k)) for k in sig.get("kinds") or []) or "unknown means"
        value = f"<strong>SIGNED</strong> by {esc(kinds)}"
    else:
        value = "<strong>NOT SIGNED</strong>" if signed is False else "<strong>UNDETERMINED</strong>"
    if sig.get("reason"):
        value += f": {esc(sig['reason'])}"
    if signed is False and sig.get("strength") == "weak":
        value += '<br><span class="muted">plain text cannot carry a handwritten signature, so this absence is weak evidence</span>'
    for field in sig_fields[:5]:
        state = "signed" if field.get("filled") else "empty"
        value += (
            f'<br><span class="muted">field {esc(field.get("name"))}: {state}'
            + (f" by {esc(field.get('signer'))}" if field.get("signer") else "")
            + "</span>"
        )
    where = [
        esc(loc_label(e.get("page"), e.get("line"), e.get("part"))) + f": {esc(e.get('text'))}"
        for e in (sig.get("evidence") or [])[:3]
    ]
    return value, "<br>".join(where)
