"""A letter's fingerprint for comparison with other letters: signatory, signature-image hashes,
whether it claims a wet-ink signature, and its body text (names, dates and amounts kept, so the
changed spans can be shown).  Plain JSON data: it travels in the result to the batch pass."""

from __future__ import annotations

import re

from authcheck.registry.normal import name_string, person_key
from authcheck.util.patterns import compiled

MAX_BODY = 20_000
_WET_INK = compiled(
    r"\b(?:wet[- ]ink|signed\s+in\s+ink|original\s+signed|hand[- ]?signed|signed\s+original|"
    r"original\s+signature|signed\s+by\s+hand)\b",
    re.I,
)


def fingerprint(letter, data: bytes, signals: dict) -> dict:
    """The comparison data of one letter."""
    return {
        "path": letter.document.path,
        "signatory": signatory_key(letter, signals),
        "wet_ink": bool(_WET_INK.search(letter.document.text[:200_000])),
        "images": signature_hashes(letter, data),
        "body": body_text(letter),
    }


def signatory_key(letter, signals: dict) -> str:
    """The registry person id when matched, else the typed name normalised ("" when none)."""
    matched = signals.get("registry.signatory")
    if matched is not None and matched.value:
        return "id:" + str(matched.value).split(" (")[0]
    name = letter.signature_block.name or letter.issuer.name
    return "name:" + name_string(person_key(name.text)) if name is not None else ""


def signature_hashes(letter, data: bytes) -> list[str]:
    """Perceptual hashes of the images the signature evidence names (at most 4)."""
    if not data:
        return []
    from authcheck.loaders.placedimages import image_pixels
    from authcheck.registry.phash import image_hash

    out: list[str] = []
    for fact in letter.signature.evidence:
        if fact.loc.part != "signature_block" or "image" not in letter.signature.kinds or len(out) >= 4:
            continue
        image = image_pixels(data, letter.document.format, fact.loc.page, fact.text)
        digest = image_hash(image) if image is not None else None
        if digest:
            out.append(digest)
    return out


def body_text(letter) -> str:
    """The body sentences, whitespace collapsed, capped."""
    text = " ".join(" ".join(s.text.split()) for s in letter.sentences if s.loc.part == "body")
    return text[:MAX_BODY]
