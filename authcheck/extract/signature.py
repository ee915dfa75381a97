"""The signature block (closing, typed name, titles) and the evidence that something signs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authcheck.extract.closing import cells, is_title, person_name
from authcheck.extract.lines import CLOSING, CONFORMED
from authcheck.extract.parties import fact
from authcheck.model import (
    Document,
    Fact,
    Line,
    Location,
    Party,
    SignatureBlock,
    SignatureEvidence,
)

if TYPE_CHECKING:
    from authcheck.extract.layout import Layout

OCR_TOO_POOR = 0.75  # mean OCR confidence under which missing ink proves nothing (a bad photo)


def signature_block(layout: Layout) -> SignatureBlock:
    """Closing phrase, typed name and the title lines above and under it (the first signatory's cell)."""
    lines = [ln for ln in layout.parts.get("signature_block", []) if ln.text.strip()]
    if not lines:
        return SignatureBlock()
    first = cells(lines[0].text)[0]
    closing = _cell_fact(lines[0], first) if CLOSING.match(first) else None
    rest = lines[1:] if closing else lines
    rest = [ln for ln in rest if not CONFORMED.search(ln.text)]
    at = next((k for k, ln in enumerate(rest) if person_name(ln.text)), None)
    who = person_name(rest[at].text) if at is not None else None
    name = _cell_fact(rest[at], who) if at is not None and who else None
    titles: list[Fact] = []
    if at is not None and name is not None:
        titles = _rank_on_name_line(rest[at], name.text)
        titles += [_cell_fact(ln, cells(ln.text)[0]) for ln in rest[at + 1 : at + 5]]
        titles += [_cell_fact(ln, cells(ln.text)[0]) for ln in rest[:at] if is_title(ln.text)]
    all_lines = layout.parts["signature_block"]
    return SignatureBlock(
        closing=closing,
        name=name,
        titles=tuple(titles),
        loc=Location("signature_block", page=lines[0].page, start=all_lines[0].start, end=all_lines[-1].end),
    )


def _rank_on_name_line(line: Line, name: str) -> list[Fact]:
    """What follows the name on its own line ("BRIAN T. HOLT, Major General"): a title claim too."""
    cell = cells(line.text)[0]
    rest = cell[cell.find(name) + len(name) :].strip(" ,;") if name in cell else ""
    return [_cell_fact(line, rest)] if rest and is_title(rest) else []


def _cell_fact(line: Line, value: str) -> Fact:
    """A fact for one cell (or a value found) on a signature-block line."""
    return fact(line, "signature_block", value)


def evidence(doc: Document, layout: Layout, block: SignatureBlock, issuer: Party) -> SignatureEvidence:
    """Decide `signed`: True with what signs it, False with why not, or None when there is nothing to sign."""
    weak = "weak" if doc.format == "text" else "strong"
    found: list[tuple[str, Fact]] = []
    for sig in doc.signature_fields:
        if sig.filled:
            found.append(("digital", Fact(sig.signer or sig.name, Location("signature_field", sig.page, key=sig.name))))
    found.extend(("conformed", f) for f in _conformed(layout))
    for image in layout.closing_images[:2]:  # drawn signatures in the closing area (two signatories at most shown)
        what = (
            "handwritten ink (signature, initials or stamp) in the page image"
            if image.name == "ink"
            else image.name or "image"
        )
        found.append(("image", Fact(what, Location("signature_block", image.page, image.line))))
    if found:
        kinds = tuple(dict.fromkeys(kind for kind, _ in found))
        return SignatureEvidence(True, kinds, tuple(f for _, f in found), f"signed: {', '.join(kinds)}", weak)
    if not doc.has_text_layer:
        return SignatureEvidence(None, reason="no text layer: a signature cannot be looked for", strength=weak)
    if doc.ocr and (doc.ocr.get("confidence") or 0.0) < OCR_TOO_POOR:
        return SignatureEvidence(None, reason="the page image is too poor to tell whether it is signed", strength=weak)
    empty = [s for s in doc.signature_fields if not s.filled]
    if empty:
        ev = tuple(Fact(s.name, Location("signature_field", s.page, key=s.name)) for s in empty)
        return SignatureEvidence(False, evidence=ev, reason="the digital signature field is empty", strength=weak)
    if block.name or block.closing or (issuer.source in ("from", "signature_block") and issuer.name):
        shown = block.name or block.closing or issuer.name
        why = (
            "typed name only: no signature image, digital signature or /s/ marker"
            if block.name
            else "a signature block or attribution with nothing that signs it"
        )
        return SignatureEvidence(False, evidence=(shown,) if shown else (), reason=why, strength=weak)
    return SignatureEvidence(None, reason="nothing to sign: no signature block and no attribution", strength=weak)


def _conformed(layout: Layout) -> list[Fact]:
    """ "/s/ Name" and "//SIGNED//" markers in the signature block or the lines after it."""
    lines = layout.parts.get("signature_block", []) + layout.parts.get("trailer", [])
    return [fact(ln, "signature_block") for ln in lines if CONFORMED.search(ln.text)]
