"""The report record: a Result (and the Letter behind it) as plain JSON-able values, built here only.

`result_record` is the projection every machine-readable output shares (JSON, JSON Lines, the
batch report, the result cache, the cluster's wire format); its shape is described by
`authcheck/schemas/result-v1.json` (schema_version "1.1").  Adding a key bumps the minor version;
renaming, removing or changing the meaning of one bumps the major version.  `fields_record` is its
``fields`` object (what was extracted, short form), built once when the result is scored;
`letter_record` is the `authcheck extract --format json` view (what the rules see, every value
with its location).  Fingerprints come from `scoring.fingerprint`, the same function baselines
and ignore files use, so a fingerprint copied from a report matches.

A file name that is not valid UTF-8 is written as text with each bad byte as ``\\xNN``, and the
record adds ``path_b64`` (base64 of the exact name) right after ``path``, only for such a name.
Stdlib only; no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from authcheck.model import VERDICTS, DateFact, DocumentKind, Evidence, Fact, Finding, Letter, Location, Party, Result
from authcheck.scoring.fingerprint import finding_fingerprint
from authcheck.util.safetext import path_b64, path_text

SCHEMA_VERSION = "1.1"
LOCATION_KEYS = ("part", "page", "line", "start", "end", "key")
WORST_COUNT = 5


def jsonable(value: Any) -> Any:
    """A deep copy json.dumps accepts: mappings as dicts, tuples as lists, anything unusual as text."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value  # the common leaves first: `isinstance(x, Mapping)` is an ABC check, slow on every string
    if kind is dict:
        return {str(k): jsonable(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def location_record(loc: Location, keys: Sequence[str] = LOCATION_KEYS) -> dict[str, Any]:
    """Where a value came from, as the JSON keys `keys` (all six by default, in the model's order)."""
    return {key: getattr(loc, key) for key in keys}


# --- the per-file record -------------------------------------------------------------


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
        **location_record(ev.loc),
        "context": ev.context,
        "highlight": list(ev.highlight) if ev.highlight is not None else None,
        "pattern": ev.pattern,
        "reason": jsonable(ev.reason),
        "box": box_record(ev.box),
    }


def box_record(box: Sequence[float] | None) -> dict[str, float] | None:
    """An evidence box as {x0, y0, x1, y1} page fractions (top-left origin), or None."""
    if box is None:
        return None
    return dict(zip(("x0", "y0", "x1", "y1"), (float(v) for v in box), strict=False))


# --- the values every view shares ----------------------------------------------------


def fact_text(fact: Fact | None) -> str | None:
    """Just the text of an extracted value (None stays None): the short form of `fields`."""
    return fact.text if fact is not None else None


def fact_record(fact: Fact | None) -> dict[str, Any] | None:
    """A value and its full location, flattened; None stays None."""
    if fact is None:
        return None
    return {"text": fact.text, **location_record(fact.loc)}


def claim_record(fact: Fact) -> dict[str, Any]:
    """A value with the part, page and line it came from (the short form of `fields`)."""
    return {"text": fact.text, **location_record(fact.loc, ("part", "page", "line"))}


def party_record(
    party: Party,
    value: Callable[[Fact | None], Any] = fact_record,
    claim: Callable[[Fact], Any] | None = fact_record,
) -> dict[str, Any]:
    """Issuer or recipient: each value through `value`, then its claims through `claim` (left out when None)."""
    record = {
        "name": value(party.name),
        "title": value(party.title),
        "organization": value(party.organization),
        "source": party.source,
    }
    if claim is not None:
        record["claims"] = [claim(c) for c in party.claims]
    return record


def date_record(date: DateFact | None, located: bool = True) -> dict[str, Any] | None:
    """A written date and its ISO value, with its full location or (short form) just its part as `source`."""
    if date is None:
        return None
    where = location_record(date.loc) if located else {"source": date.loc.part}
    return {"text": date.text, "value": date.value, **where}


def kind_record(kind: DocumentKind) -> dict[str, Any]:
    """The document kind as JSON: kind, letter_like, forced, confidence, evidence (and the letter's pages)."""
    return {
        "kind": kind.kind,
        "letter_like": kind.letter_like,
        "forced": kind.forced,
        "confidence": kind.confidence,
        "evidence": [{"cue": c.cue, "text": c.text, "page": c.page, "line": c.line} for c in kind.evidence],
        "letter_pages": list(kind.letter_pages) if kind.letter_pages else None,
    }


def signature_record(letter: Letter, fact: Callable[[Fact], Any] = fact_record) -> dict[str, Any]:
    """Whether the letter is signed, how, and on what evidence (each piece through `fact`)."""
    sig = letter.signature
    return {
        "signed": sig.signed,
        "kinds": list(sig.kinds),
        "strength": sig.strength,
        "reason": sig.reason,
        "evidence": [fact(f) for f in sig.evidence],
    }


def signature_field_record(sf, full: bool = True) -> dict[str, Any]:
    """A digital signature field or signature line (the short form stops at `signed_at`)."""
    record = {"name": sf.name, "filled": sf.filled, "kind": sf.kind, "signer": sf.signer, "signed_at": sf.signed_at}
    if full:
        record["reason"] = sf.reason
        record["page"] = sf.page
        record["byte_range"] = list(sf.byte_range) if sf.byte_range is not None else None
    return record


# --- `fields`: what was extracted, short form ----------------------------------------


def fields_record(letter: Letter) -> dict[str, Any]:
    """The `fields` object of the JSON report."""
    doc, meta, block = letter.document, letter.document.metadata, letter.signature_block
    return {
        "issuer": party_record(letter.issuer, fact_text, claim_record),
        "recipient": party_record(letter.recipient, fact_text, None),
        "date": date_record(letter.date, located=False),
        "dates": [date_record(d, located=False) for d in letter.dates],
        "subject": fact_text(letter.subject),
        "salutation": fact_text(letter.salutation),
        "letterhead": letterhead_record(letter, short=True),
        "signature_block": {
            "closing": fact_text(block.closing),
            "name": fact_text(block.name),
            "titles": [t.text for t in block.titles],
        },
        "signature": signature_record(letter, claim_record),
        "signature_fields": [signature_field_record(s, full=False) for s in doc.signature_fields],
        "metadata": {**meta.as_dict(), "raw": dict(meta.raw)},
        "document": {
            "pages": doc.pages,
            "has_text_layer": doc.has_text_layer,
            "extension": doc.extension,
            "size": doc.size,
            "kind": kind_record(letter.kind),
            **({"ocr": jsonable(doc.ocr)} if doc.ocr else {}),
        },
        "forensics": {key: jsonable(signal.value) for key, signal in sorted(doc.signals.items())},
    }


def letterhead_record(letter: Letter, short: bool = False) -> dict[str, Any]:
    """The letterhead's lines and what was recognised in them (short form: texts, and no `lines`)."""
    head = letter.letterhead

    def many(facts: Iterable[Fact]) -> list[Any]:
        return [f.text if short else fact_record(f) for f in facts]

    record = {} if short else {"lines": many(head.lines)}
    return {
        **record,
        "organization": many(head.organization),
        "address": many(head.address),
        "office_symbol": fact_text(head.office_symbol) if short else fact_record(head.office_symbol),
        "references": many(head.references),
        "markings": many(head.markings),
    }


# --- `authcheck extract --format json`: what the rules see ---------------------------


def letter_record(letter: Letter) -> dict[str, Any]:
    """Everything the rules see for one letter, JSON-ready, keys in a fixed order."""
    doc = letter.document
    return {
        "schema_version": SCHEMA_VERSION,
        "document": document_record(letter),
        "metadata": {**doc.metadata.as_dict(), "raw": dict(doc.metadata.raw), "sources": dict(doc.metadata.sources)},
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
        "sentences": [{"text": s.text, **location_record(s.loc, LOCATION_KEYS[:-1])} for s in letter.sentences],
        "signature_block": signature_block_record(letter),
        "signature": signature_record(letter),
        "forensics": {key: forensic_record(signal) for key, signal in sorted(doc.signals.items())},
        "notes": [{"code": n.code, "detail": n.detail, "data": jsonable(n.data)} for n in doc.notes],
    }


def forensic_record(signal) -> dict[str, Any]:
    """One forensic signal: its value, what it means, and where it was seen."""
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


def image_record(img) -> dict[str, Any]:
    """A picture on a page (a possible signature image)."""
    keys = ("page", "name", "line", "top", "bottom", "width", "height")
    return {key: getattr(img, key) for key in keys}


def parts_record(letter: Letter) -> list[dict[str, Any]]:
    """Each letter part's spans: offsets, first and last line, and the text itself."""
    doc = letter.document
    text = doc.text
    return [
        {
            "part": name,
            "start": start,
            "end": end,
            "first_line": line_at(doc.lines, start),
            "last_line": line_at(doc.lines, max(start, end - 1)),
            "text": text[start:end],
        }
        for name, spans in letter.parts.items()
        for start, end in spans
    ]


def line_at(lines, offset: int) -> int | None:
    """The number of the line holding a character offset, or None when out of range."""
    for line in lines:
        if line.start <= offset <= line.end:
            return line.number
    return None


def signature_block_record(letter: Letter) -> dict[str, Any]:
    """The closing, typed name and title lines, and where the block sits."""
    block = letter.signature_block
    where = location_record(block.loc, ("page", "start", "end")) if block.loc is not None else None
    return {
        "closing": fact_record(block.closing),
        "name": fact_record(block.name),
        "titles": [fact_record(t) for t in block.titles],
        **(where or {"page": None, "start": None, "end": None}),
    }


# --- many files ----------------------------------------------------------------------


def batch_record(results: Sequence[Result], cache_failures: int = 0) -> dict[str, Any]:
    """The whole batch: schema version, summary, then the documents sorted by path.
    `cache_failures` counts cache entries that failed verification (summary key added in 1.1)."""
    ordered = sorted(results, key=lambda r: r.path)
    return {
        "schema_version": SCHEMA_VERSION,
        "summary": {**summary(ordered), "cache_failed_verification": cache_failures},
        "documents": [result_record(r) for r in ordered],
    }


def summary(results: Sequence[Result]) -> dict[str, Any]:
    """Counts over a batch: documents, verdicts, errors (by type), findings shown and
    suppressed, and the highest-scoring documents (score descending, then path)."""
    verdicts = Counter(r.verdict for r in results if r.error is None)
    errors = Counter(r.error.type for r in results if r.error is not None)
    findings = [f for r in results for f in r.findings]
    suppressed = sum(1 for f in findings if f.suppressed is not None)
    return {
        "documents": len(results),
        "by_verdict": {verdict: verdicts.get(verdict, 0) for verdict in VERDICTS},
        "errors": sum(errors.values()),
        "errors_by_type": dict(sorted(errors.items())),
        "findings": len(findings) - suppressed,
        "suppressed": suppressed,
        "worst": worst(results),
    }


def worst(results: Sequence[Result], count: int = WORST_COUNT) -> list[dict[str, Any]]:
    """The `count` checked documents with the highest risk scores, ties broken by path."""
    scored = sorted((r for r in results if r.score is not None), key=lambda r: (-(r.score or 0), r.path))
    return [{"path": path_text(r.path), "score": r.score, "verdict": r.verdict} for r in scored[:count]]
