"""The letter's fields as rules address them (dotted paths) and as the JSON report shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from authcheck.engine.registrykeys import KEYS as KNOWLEDGE_KEYS
from authcheck.forensics.keys import KEYS as FACT_KEYS
from authcheck.model import METADATA_FIELDS, DateFact, Evidence, Fact, Letter, Party


@dataclass(frozen=True)
class FieldValue:
    """A field's value and the evidence that shows where it came from."""

    value: Any
    evidence: Any = None  #: an Evidence, a tuple of them, or None


def fact_evidence(f: Fact) -> Evidence:
    """Evidence pointing at an extracted fact."""
    loc = f.loc
    return Evidence(f.text, loc.part, loc.page, loc.line, loc.start, loc.end, loc.key)


def _fv(f: Fact | None) -> FieldValue:
    """A field value for an optional fact."""
    return FieldValue(f.text, fact_evidence(f)) if f is not None else FieldValue(None)


def letter_fields(letter: Letter, today: date | None = None) -> dict[str, FieldValue]:
    """Every field a rule condition can name, by dotted path."""
    doc, meta = letter.document, letter.document.metadata
    out: dict[str, FieldValue] = {}
    for name in METADATA_FIELDS:
        key = meta.sources.get(name, name)
        value = getattr(meta, name)
        ev = Evidence(str(value), "metadata", key=key) if value not in (None, "") else None
        out[f"metadata.{name}"] = FieldValue(value if value != "" else None, ev)
    mismatch = next((n for n in doc.notes if n.code == "type-mismatch"), None)
    out.update(
        {
            "document.format": FieldValue(doc.format),
            "document.extension": FieldValue(doc.extension or None),
            "document.pages": FieldValue(doc.pages),
            "document.has_text_layer": FieldValue(doc.has_text_layer),
            "document.text_chars": FieldValue(sum(len(line.text.strip()) for line in doc.lines)),
            "document.encrypted": FieldValue(meta.encrypted),
            "document.type_mismatch": FieldValue(
                mismatch is not None, Evidence(mismatch.detail, "file", key="extension") if mismatch else None
            ),
            "document.notes": FieldValue([n.code for n in doc.notes]),
            "document.kind": FieldValue(letter.kind.kind),
            "document.letter_like": FieldValue(letter.kind.letter_like),
            **_content(doc),
            "document.ocr_engine": FieldValue(doc.ocr.get("version") if doc.ocr else None),
            "document.ocr_confidence": FieldValue(doc.ocr.get("confidence") if doc.ocr else None),
            "run.today": FieldValue((today or date.today()).isoformat()),
        }
    )
    for key, signal in doc.facts.items():
        out[f"facts.{key}"] = FieldValue(signal.value, signal.evidence or None)
    for key, signal in letter.knowledge.items():
        if not key.startswith("_"):  # "_batch": the batch pass's private fingerprint
            out[key] = FieldValue(signal.value, signal.evidence or None)
    _party(out, "issuer", letter.issuer)
    out["issuer.display"] = FieldValue(_display(letter.issuer))
    _party(out, "recipient", letter.recipient)
    from_claim = next((c for c in letter.issuer.claims if c.loc.part == "from"), None)
    out["from.text"] = _fv(from_claim)
    out.update(_from_person(letter))
    block = letter.signature_block
    out["signature_block.name"] = _fv(block.name)
    out["signature_block.closing"] = _fv(block.closing)
    out["signature_block.titles"] = FieldValue([t.text for t in block.titles] or None)
    sig = letter.signature
    first = fact_evidence(sig.evidence[0]) if sig.evidence else None
    out["signature.signed"] = FieldValue(sig.signed, first)
    out["signature.kinds"] = FieldValue(list(sig.kinds))
    out["signature.strength"] = FieldValue(sig.strength)
    out["signature.reason"] = FieldValue(sig.reason)
    out["signature_fields.filled"] = FieldValue(sum(1 for s in doc.signature_fields if s.filled))
    out["signature_fields.empty"] = FieldValue(sum(1 for s in doc.signature_fields if not s.filled))
    out["letterhead.organization"] = FieldValue(
        " / ".join(f.text for f in letter.letterhead.organization) or None,
        fact_evidence(letter.letterhead.organization[0]) if letter.letterhead.organization else None,
    )
    out["letterhead.markings"] = FieldValue([f.text for f in letter.letterhead.markings] or None)
    out["subject"] = _fv(letter.subject)
    out["date.text"] = _date_fv(letter.date, "text")
    out["date.value"] = _date_fv(letter.date, "value")
    out["date.source"] = FieldValue(letter.date.loc.part if letter.date else None)
    return out


def _content(doc) -> dict[str, FieldValue]:
    """What the pages hold when there is no text: empty, image only, or no text layer (with a sentence)."""
    chars = sum(len(line.text.strip()) for line in doc.lines)
    pages = f"{doc.pages} page{'s' if doc.pages != 1 else ''}"
    if chars and doc.has_text_layer:
        return {"document.content": FieldValue("text"), "document.content_detail": FieldValue(f"text on {pages}")}
    if doc.images:
        what = (
            "image only",
            f"Image only: {len(doc.images)} picture(s) on {pages} and no text layer (a scan, a photo or an icon)",
        )
    elif chars:
        what = ("no text layer", f"No text layer on {pages}: the text read is not page text")
    elif doc.pages and doc.format == "pdf" and not doc.has_note("truncated"):
        what = ("empty", f"Empty: {pages} with no text and no pictures")
    elif doc.format == "pdf":
        what = ("no text layer", f"No text layer: no text could be read from {pages} within the limits")
    else:
        what = ("empty", "Empty: the file holds no text and no pictures")
    return {"document.content": FieldValue(what[0]), "document.content_detail": FieldValue(what[1])}


def _party(out: dict, prefix: str, party: Party) -> None:
    """Fields of an issuer or recipient."""
    out[f"{prefix}.name"] = _fv(party.name)
    out[f"{prefix}.title"] = _fv(party.title)
    out[f"{prefix}.organization"] = _fv(party.organization)
    out[f"{prefix}.source"] = FieldValue(party.source)


def _display(party: Party) -> str | None:
    """A party as one readable phrase: "NAME, Title (Organisation)"."""
    bits = [f.text for f in (party.name, party.title) if f is not None]
    text = ", ".join(bits)
    if party.organization is not None and party.organization.text not in text:
        text = f"{text} ({party.organization.text})" if text else party.organization.text
    return text or None


def _from_person(letter: Letter) -> dict[str, FieldValue]:
    """The person named on the FROM line, when it names one (not just an office)."""
    from authcheck.extract.lines import split_person

    claim = next((c for c in letter.issuer.claims if c.loc.part == "from"), None)
    if claim is None:
        return {"from.name": FieldValue(None)}
    name, _ = split_person(claim.text)
    if not name:
        return {"from.name": FieldValue(None)}
    ev = fact_evidence(claim)
    return {"from.name": FieldValue(name, ev)}


def _date_fv(d: DateFact | None, attr: str) -> FieldValue:
    """A field for the letter's date."""
    if d is None:
        return FieldValue(None)
    loc = d.loc
    return FieldValue(getattr(d, attr), Evidence(d.text, loc.part, loc.page, loc.line, loc.start, loc.end))


def fields_record(letter: Letter) -> dict[str, Any]:
    """The `fields` object of the JSON report."""
    doc, meta, sig = letter.document, letter.document.metadata, letter.signature
    issuer, block, head = letter.issuer, letter.signature_block, letter.letterhead
    return {
        "issuer": {**_party_record(issuer), "claims": [_claim(c) for c in issuer.claims]},
        "recipient": _party_record(letter.recipient),
        "date": _date_record(letter.date),
        "dates": [_date_record(d) for d in letter.dates],
        "subject": letter.subject.text if letter.subject else None,
        "salutation": letter.salutation.text if letter.salutation else None,
        "letterhead": {
            "organization": [f.text for f in head.organization],
            "address": [f.text for f in head.address],
            "office_symbol": head.office_symbol.text if head.office_symbol else None,
            "references": [f.text for f in head.references],
            "markings": [f.text for f in head.markings],
        },
        "signature_block": {
            "closing": block.closing.text if block.closing else None,
            "name": block.name.text if block.name else None,
            "titles": [t.text for t in block.titles],
        },
        "signature": {
            "signed": sig.signed,
            "kinds": list(sig.kinds),
            "strength": sig.strength,
            "reason": sig.reason,
            "evidence": [_claim(f) for f in sig.evidence],
        },
        "signature_fields": [
            {"name": s.name, "filled": s.filled, "kind": s.kind, "signer": s.signer, "signed_at": s.signed_at}
            for s in doc.signature_fields
        ],
        "metadata": {**meta.as_dict(), "raw": dict(meta.raw)},
        "document": {
            "pages": doc.pages,
            "has_text_layer": doc.has_text_layer,
            "extension": doc.extension,
            "size": doc.size,
            "kind": kind_record(letter.kind),
            **({"ocr": _jsonable(dict(doc.ocr))} if doc.ocr else {}),
        },
        "forensics": {key: _jsonable(signal.value) for key, signal in sorted(doc.facts.items())},
    }


def kind_record(kind) -> dict[str, Any]:
    """The document kind as JSON: kind, letter_like, forced, confidence, evidence (and the letter's pages)."""
    record = {
        "kind": kind.kind,
        "letter_like": kind.letter_like,
        "forced": kind.forced,
        "confidence": kind.confidence,
        "evidence": [{"cue": c.cue, "text": c.text, "page": c.page, "line": c.line} for c in kind.evidence],
    }
    record["letter_pages"] = list(kind.letter_pages) if kind.letter_pages else None
    return record


def _jsonable(value: Any) -> Any:
    """Signal values as JSON: tuples as lists, anything unusual as text."""
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def _party_record(party: Party) -> dict[str, Any]:
    """Name, title, organisation and source of a party."""
    return {
        "name": party.name.text if party.name else None,
        "title": party.title.text if party.title else None,
        "organization": party.organization.text if party.organization else None,
        "source": party.source,
    }


def _claim(f: Fact) -> dict[str, Any]:
    """A fact with its location, for the JSON report."""
    return {"text": f.text, "part": f.loc.part, "page": f.loc.page, "line": f.loc.line}


def _date_record(d: DateFact | None) -> dict[str, Any] | None:
    """A written date with its ISO value and the part it was found in."""
    if d is None:
        return None
    return {"text": d.text, "value": d.value, "source": d.loc.part}


FIELD_PATHS = frozenset(
    [f"metadata.{name}" for name in METADATA_FIELDS]
    + [
        "document.format",
        "document.extension",
        "document.pages",
        "document.has_text_layer",
        "document.text_chars",
        "document.encrypted",
        "document.kind",
        "document.letter_like",
        "document.content",
        "document.content_detail",
        "document.type_mismatch",
        "document.notes",
        "document.ocr_engine",
        "document.ocr_confidence",
        "run.today",
    ]
    + [f"{p}.{k}" for p in ("issuer", "recipient") for k in ("name", "title", "organization", "source")]
    + ["issuer.display"]
    + [
        "from.text",
        "from.name",
        "signature_block.name",
        "signature_block.closing",
        "signature_block.titles",
        "signature.signed",
        "signature.kinds",
        "signature.strength",
        "signature.reason",
        "signature_fields.filled",
        "signature_fields.empty",
        "letterhead.organization",
        "letterhead.markings",
        "subject",
        "date.text",
        "date.value",
        "date.source",
    ]
    + [f"facts.{key}" for key in FACT_KEYS]
    + list(KNOWLEDGE_KEYS)
)
