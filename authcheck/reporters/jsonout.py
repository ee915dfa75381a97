"""JSON and JSONL output: one record per checked file, stable keys, stdlib only.

`result_record` is the projection every machine-readable format shares; its shape is
described by `authcheck/schemas/result-v1.json` (schema_version "1.1").  Adding a key
bumps the minor version; renaming, removing or changing the meaning of one bumps the
major version.  `letter_record` is the `authcheck extract --format json` view: what the
rules see for one letter.  Fingerprints come from `authcheck.suppress.fingerprint`, the same
function baselines and ignore files use, so a fingerprint copied from a report matches.

A file name that is not valid UTF-8 is written as text with each bad byte as ``\\xNN``, and the
record adds ``path_b64`` (base64 of the exact name) right after ``path``, only for such a name.
Any other stray surrogate is written the same way (`safetext.scrub_surrogates`), so a report is
never lost to a UnicodeEncodeError.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from authcheck.engine.fields import kind_record
from authcheck.model import Evidence, Fact, Finding, Letter, Location, Result
from authcheck.suppress.fingerprint import finding_fingerprint
from authcheck.util.safetext import path_b64, path_text, scrub_surrogates

SCHEMA_VERSION = "1.1"

__all__ = [
    "SCHEMA_VERSION",
    "finding_fingerprint",
    "letter_record",
    "render_json",
    "render_jsonl",
    "result_record",
]


def render_json(result: Result) -> str:
    """The record of one result as indented JSON, ending with a newline."""
    return scrub_surrogates(json.dumps(result_record(result), indent=2, ensure_ascii=False)) + "\n"


def render_jsonl(result: Result) -> str:
    """The record of one result on a single line, ending with a newline."""
    return scrub_surrogates(json.dumps(result_record(result), ensure_ascii=False, separators=(",", ":"))) + "\n"


def result_record(result: Result) -> dict[str, Any]:
    """One JSON-ready record for a result, keys in the documented order."""
    return {
        "schema_version": SCHEMA_VERSION,
        **path_keys(result.path),
        "sha256": result.sha256,
        "format": result.format,
        "verdict": result.verdict,
        "score": result.score,
        "axes": axes_record(result),
        "reason": result.reason,
        "findings": [finding_record(result.sha256, f) for f in sorted_findings(result.findings)],
        "fields": jsonable(result.fields) if result.error is None else {},
        "notes": [{"code": n.code, "detail": n.detail, "data": jsonable(n.data)} for n in result.notes],
        "next_steps": list(result.next_steps),
        "error": error_record(result),
        "rules_not_applied": [{"rule": rule, "reason": reason} for rule, reason in result.rules_not_applied],
    }


def path_keys(path: str) -> dict[str, str]:
    """``path`` as valid text, plus ``path_b64`` with the exact bytes when the name is not valid UTF-8."""
    exact = path_b64(path)
    return {"path": path_text(path), "path_b64": exact} if exact else {"path": path_text(path)}


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings by contribution to the score (largest first), then by rule id."""
    return sorted(findings, key=lambda f: (-f.contribution, f.rule))


def axes_record(result: Result) -> dict[str, int | None]:
    """The two axis scores; both null when the file could not be checked."""
    if result.error is not None:
        return {"origin": None, "authority": None}
    return {"origin": result.axes.get("origin"), "authority": result.axes.get("authority")}


def error_record(result: Result) -> dict[str, str] | None:
    """The error object, or None when the file was checked."""
    if result.error is None:
        return None
    err = result.error
    return {"type": err.type, "message": err.message, "stage": err.stage}


def finding_record(sha256: str | None, finding: Finding) -> dict[str, Any]:
    """One finding, with its fingerprint and evidence."""
    return {
        "rule": finding.rule,
        "title": finding.title,
        "severity": finding.severity,
        "axis": finding.axis,
        "weight": finding.weight,
        "contribution": round(finding.contribution, 1),
        "confidence": finding.confidence,
        "message": finding.message,
        "references": list(finding.references),
        "remediation": finding.remediation,
        "fingerprint": finding_fingerprint(sha256, finding),
        "suppressed": jsonable(finding.suppressed),
        "weight_reason": finding.weight_reason,
        "floor": finding.floor,
        "evidence": [evidence_record(e) for e in finding.evidence],
    }


def evidence_record(ev: Evidence) -> dict[str, Any]:
    """One evidence item; unknown positions are null."""
    return {
        "text": ev.text,
        "part": ev.part,
        "page": ev.page,
        "line": ev.line,
        "start": ev.start,
        "end": ev.end,
        "key": ev.key,
        "context": ev.context,
        "highlight": list(ev.highlight) if ev.highlight is not None else None,
        "pattern": ev.pattern,
        "reason": jsonable(ev.reason),
        "box": box_record(ev.box),
    }


def box_record(box) -> dict[str, float] | None:
    """An evidence box as {x0, y0, x1, y1} page fractions (top-left origin), or None."""
    if box is None:
        return None
    return dict(zip(("x0", "y0", "x1", "y1"), (float(v) for v in box)))


def jsonable(value: Any) -> Any:
    """A deep copy with mappings as dicts and tuples as lists, so json.dumps accepts it."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


# --- `authcheck extract --format json` ------------------------------------------------


def letter_record(letter: Letter) -> dict[str, Any]:
    """Everything the rules see for one letter, JSON-ready, keys in a fixed order."""
    doc = letter.document
    return {
        "schema_version": SCHEMA_VERSION,
        "document": document_record(letter),
        "metadata": metadata_record(letter),
        "signature_fields": [signature_field_record(s) for s in doc.signature_fields],
        "images": [image_record(i) for i in doc.images],
        "parts": parts_record(letter),
        "letterhead": letterhead_record(letter),
        "issuer": party_record(letter.issuer),
        "recipient": party_record(letter.recipient),
        "date": date_record(letter.date),
        "dates": [date_record(d) for d in letter.dates],
        "subject": fact_record(letter.subject),
        "salutation": fact_record(letter.salutation),
        "sentences": [sentence_record(s) for s in letter.sentences],
        "signature_block": signature_block_record(letter),
        "signature": signature_record(letter),
        "forensics": {key: forensic_record(signal) for key, signal in sorted(doc.facts.items())},
        "notes": [{"code": n.code, "detail": n.detail, "data": jsonable(n.data)} for n in doc.notes],
    }


def forensic_record(signal) -> dict[str, Any]:
    """One forensic fact: its value, what it means, and where it was seen."""
    return {
        "value": jsonable(signal.value),
        "explanation": signal.explanation,
        "evidence": [evidence_record(e) for e in signal.evidence],
    }


def document_record(letter: Letter) -> dict[str, Any]:
    """Facts about the file as loaded."""
    doc = letter.document
    return {
        **path_keys(doc.path),
        "sha256": doc.sha256,
        "format": doc.format,
        "extension": doc.extension,
        "size": doc.size,
        "pages": doc.pages,
        "has_text_layer": doc.has_text_layer,
        "lines": len(doc.lines),
        "text_chars": len(doc.text),
        "kind": kind_record(letter.kind),
        **({"ocr": jsonable(doc.ocr)} if doc.ocr else {}),
    }


def metadata_record(letter: Letter) -> dict[str, Any]:
    """Normalised metadata, then the raw keys and which raw key fed each normalised field."""
    meta = letter.document.metadata
    record = meta.as_dict()
    record["raw"] = dict(meta.raw)
    record["sources"] = dict(meta.sources)
    return record


def signature_field_record(sf) -> dict[str, Any]:
    """A digital signature field or signature line."""
    return {
        "name": sf.name,
        "filled": sf.filled,
        "kind": sf.kind,
        "signer": sf.signer,
        "signed_at": sf.signed_at,
        "reason": sf.reason,
        "page": sf.page,
        "byte_range": list(sf.byte_range) if sf.byte_range is not None else None,
    }


def image_record(img) -> dict[str, Any]:
    """A picture on a page (a possible signature image)."""
    return {
        "page": img.page,
        "name": img.name,
        "line": img.line,
        "top": img.top,
        "bottom": img.bottom,
        "width": img.width,
        "height": img.height,
    }


def parts_record(letter: Letter) -> list[dict[str, Any]]:
    """Each letter part's spans: offsets, first and last line, and the text itself."""
    doc = letter.document
    text = doc.text
    rows = []
    for name, spans in letter.parts.items():
        for start, end in spans:
            rows.append(
                {
                    "part": name,
                    "start": start,
                    "end": end,
                    "first_line": line_at(doc.lines, start),
                    "last_line": line_at(doc.lines, max(start, end - 1)),
                    "text": text[start:end],
                }
            )
    return rows


def line_at(lines, offset: int) -> int | None:
    """The number of the line holding a character offset, or None when out of range."""
    for line in lines:
        if line.start <= offset <= line.end:
            return line.number
    return None


def loc_record(loc: Location) -> dict[str, Any]:
    """Where a value came from."""
    return {
        "part": loc.part,
        "page": loc.page,
        "line": loc.line,
        "start": loc.start,
        "end": loc.end,
        "key": loc.key,
    }


def fact_record(fact: Fact | None) -> dict[str, Any] | None:
    """A value and its location, flattened; None stays None."""
    if fact is None:
        return None
    return {"text": fact.text, **loc_record(fact.loc)}


def facts_record(facts: Iterable[Fact]) -> list[dict[str, Any]]:
    """Several located values."""
    return [record for f in facts if (record := fact_record(f)) is not None]


def letterhead_record(letter: Letter) -> dict[str, Any]:
    """The letterhead's lines and what was recognised in them."""
    head = letter.letterhead
    return {
        "lines": facts_record(head.lines),
        "organization": facts_record(head.organization),
        "address": facts_record(head.address),
        "office_symbol": fact_record(head.office_symbol),
        "references": facts_record(head.references),
        "markings": facts_record(head.markings),
    }


def party_record(party) -> dict[str, Any]:
    """Issuer or recipient with the part each value came from."""
    return {
        "name": fact_record(party.name),
        "title": fact_record(party.title),
        "organization": fact_record(party.organization),
        "source": party.source,
        "claims": facts_record(party.claims),
    }


def date_record(date) -> dict[str, Any] | None:
    """A written date, its ISO value and location."""
    if date is None:
        return None
    return {"text": date.text, "value": date.value, **loc_record(date.loc)}


def sentence_record(s) -> dict[str, Any]:
    """A sentence and its span."""
    return {"text": s.text, "part": s.part, "page": s.page, "line": s.line, "start": s.start, "end": s.end}


def signature_block_record(letter: Letter) -> dict[str, Any]:
    """The closing, typed name and title lines."""
    block = letter.signature_block
    return {
        "closing": fact_record(block.closing),
        "name": fact_record(block.name),
        "titles": facts_record(block.titles),
        "page": block.page,
        "start": block.start,
        "end": block.end,
    }


def signature_record(letter: Letter) -> dict[str, Any]:
    """Whether the letter is signed, how, and on what evidence."""
    sig = letter.signature
    return {
        "signed": sig.signed,
        "kinds": list(sig.kinds),
        "strength": sig.strength,
        "reason": sig.reason,
        "evidence": facts_record(sig.evidence),
    }
