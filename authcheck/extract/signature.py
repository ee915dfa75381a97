"""The signature block (closing, typed name, titles) and the evidence that something signs it."""

from __future__ import annotations

from typing import Optional

from ..model import Document, Fact, Image, Line, Location, Party, SignatureBlock, SignatureEvidence
from .layout import CLOSING, CONFORMED, Layout, looks_like_name
from .parties import fact

OCR_TOO_POOR = 0.75  # mean OCR confidence under which missing ink proves nothing (a bad photo)
_ABOVE_NAME = 110.0  # page units (1.5 inch): how far above the typed name a signature image may sit


def signature_block(layout: Layout) -> SignatureBlock:
    """Closing phrase, typed name and the title lines under it."""
    lines = [ln for ln in layout.parts.get("signature_block", []) if ln.text.strip()]
    if not lines:
        return SignatureBlock()
    closing = fact(lines[0], "signature_block") if CLOSING.match(lines[0].text.strip()) else None
    rest = lines[1:] if closing else lines
    name_line = next((ln for ln in rest if looks_like_name(ln.text.strip()) and not CONFORMED.search(ln.text)), None)
    titles: list[Fact] = []
    if name_line is not None:
        after = rest[rest.index(name_line) + 1:]
        titles = [fact(ln, "signature_block") for ln in after[:4] if not CONFORMED.search(ln.text)]
    all_lines = layout.parts["signature_block"]
    return SignatureBlock(
        closing=closing,
        name=fact(name_line, "signature_block") if name_line else None,
        titles=tuple(titles),
        start=all_lines[0].start,
        end=all_lines[-1].end,
        page=lines[0].page,
    )


def evidence(doc: Document, layout: Layout, block: SignatureBlock, issuer: Party) -> SignatureEvidence:
    """Decide `signed`: True with what signs it, False with why not, or None when there is nothing to sign."""
    weak = "weak" if doc.format == "text" else "strong"
    found: list[tuple[str, Fact]] = []
    for sig in doc.signature_fields:
        if sig.filled:
            found.append(("digital", Fact(sig.signer or sig.name, Location("signature_field", sig.page, key=sig.name))))
    found.extend(("conformed", f) for f in _conformed(layout))
    image = _signature_image(doc, layout, block)
    if image is not None:
        what = "handwritten ink (signature, initials or stamp) in the page image" if image.name == "ink" else \
            image.name or "image"
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
        what = block.name or block.closing or issuer.name
        why = "typed name only: no signature image, digital signature or /s/ marker" if block.name else \
            "a signature block or attribution with nothing that signs it"
        return SignatureEvidence(False, evidence=(what,) if what else (), reason=why, strength=weak)
    return SignatureEvidence(None, reason="nothing to sign: no signature block and no attribution", strength=weak)


def _conformed(layout: Layout) -> list[Fact]:
    """"/s/ Name" and "//SIGNED//" markers in the signature block or the lines after it."""
    lines = layout.parts.get("signature_block", []) + layout.parts.get("trailer", [])
    return [fact(ln, "signature_block") for ln in lines if CONFORMED.search(ln.text)]


def _signature_image(doc: Document, layout: Layout, block: SignatureBlock) -> Optional[Image]:
    """An image placed in, or just above, the signature block."""
    lines = layout.parts.get("signature_block", [])
    if not lines or not doc.images:
        return None
    name_line = _line_of(lines, block.name) or lines[-1]
    first = lines[0]
    for image in doc.images:
        if image.page != name_line.page:
            continue
        if image.line is not None and first.number - 1 <= image.line <= name_line.number:
            return image
        if image.bottom is not None and name_line.y is not None:
            ceiling = max(first.y or 0.0, name_line.y + _ABOVE_NAME)
            if image.bottom >= name_line.y - 14 and image.bottom <= ceiling + 12:
                return image
    return None


def _line_of(lines: list[Line], value: Optional[Fact]) -> Optional[Line]:
    """The line a fact sits on."""
    if value is None:
        return None
    return next((ln for ln in lines if ln.number == value.loc.line), None)
