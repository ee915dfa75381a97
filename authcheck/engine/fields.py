"""The letter's fields as rules address them: dotted paths, each a value with the evidence of where it came from.

The JSON report's `fields` object is built from the same letter by `scoring.record.fields_record`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from authcheck.engine.registrykeys import KEYS as KNOWLEDGE_KEYS
from authcheck.forensics.keys import KEYS as FACT_KEYS
from authcheck.model import METADATA_FIELDS, DateFact, Evidence, Fact, Letter, Location, Party
from authcheck.util.dates import date
from authcheck.util.records import frozen


@frozen
class FieldValue:
    """A field's value and the evidence that shows where it came from."""

    value: Any
    evidence: Any = None  #: an Evidence, a tuple of them, or None


def fact_evidence(f: Fact) -> Evidence:
    """Evidence pointing at an extracted fact."""
    return Evidence(f.text, f.loc)


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
        ev = Evidence(str(value), Location("metadata", key=key)) if value not in (None, "") else None
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
                mismatch is not None, Evidence(mismatch.detail, Location("file", key="extension")) if mismatch else None
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
    for key, signal in doc.signals.items():
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
    return FieldValue(getattr(d, attr), Evidence(d.text, replace(d.loc, key=None)))


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
