"""Comparisons between letters: the same signature image, and the same body with a few spans changed.

Used against known letters (registry signature hashes, exemplars) inside a worker, and between the
letters of a batch by the batch pass.  Every function is symmetric in its two letters.
"""

from __future__ import annotations

import difflib
import re

from authcheck.model import Evidence, Location, Signal
from authcheck.registry.phash import distance, same_image
from authcheck.util.patterns import compiled

TEMPLATE_SIMILARITY = 0.80  #: body similarity (0-1) from which a letter is a near-duplicate
MAX_CHANGED_WORDS = 8  #: a changed span longer than this is rewording, not a filled-in template
_NUMBER = compiled(r"\d")
_MONTH = compiled(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?$", re.I)


def signature_relation(a: dict, b: dict, published: bool = False) -> tuple[str, str] | None:
    """("reused" | "same", detail) when the two letters carry the same signature image, else None."""
    pair = next(((x, y) for x in a.get("images", ()) for y in b.get("images", ()) if same_image(x, y)), None)
    if pair is None:
        return None
    dp, dd = distance(*pair)
    how = f"(pHash distance {dp}/64, dHash {dd}/64)"
    who_a, who_b = a.get("signatory", ""), b.get("signatory", "")
    if published:
        return "reused", f"same signature image as the published letter {b['path']} {how}"
    if who_a and who_b and who_a != who_b:
        return "reused", f"same signature image as {b['path']}, signed by another signatory ({_who(who_b)}) {how}"
    if a.get("wet_ink") or b.get("wet_ink"):
        return "reused", (
            f"pixel-identical signature image to {b['path']}, yet a wet-ink signature is claimed "
            f"(hand signatures are never identical) {how}"
        )
    return "same", f"same signature image as {b['path']} by the same signatory {how}"


def _who(key: str) -> str:
    return key.split(":", 1)[-1]


def registry_signature(print_: dict, people) -> tuple[str, str] | None:
    """A signature image registered for a different person than the letter's signatory."""
    if not print_.get("images"):
        return None
    for person in (p for p in people if p.signatures):
        for known in person.signatures:
            for mine in print_.get("images", ()):
                if same_image(mine, known) and print_.get("signatory") != f"id:{person.id}":
                    return "reused", f"the signature image is registered for {person.names[0]} ({person.where})"
    return None


def template_relation(a: str, b: str) -> str | None:
    """A description of the changed spans when body b is a filled-in copy of body a, else None."""
    wa, wb = a.split(), b.split()
    if min(len(wa), len(wb)) < 30 or wa == wb or not 0.75 <= len(wa) / max(len(wb), 1) <= 1.33:
        return None
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    if matcher.quick_ratio() < TEMPLATE_SIMILARITY or matcher.ratio() < TEMPLATE_SIMILARITY:
        return None
    changes = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        old, new = " ".join(wa[i1:i2]), " ".join(wb[j1:j2])
        if max(i2 - i1, j2 - j1) > MAX_CHANGED_WORDS or not (_particular(wa[i1:i2]) and _particular(wb[j1:j2])):
            return None
        changes.append(f"'{old}' -> '{new}'")
    shown = "; ".join(changes[:5]) + (f" (+{len(changes) - 5} more)" if len(changes) > 5 else "")
    return f"{round(matcher.ratio() * 100)}% the same words; changed: {shown}"


def _particular(words: list[str]) -> bool:
    """True for a span of particulars: numbers, amounts, dates, or a capitalised name (or nothing)."""
    return all(
        _NUMBER.search(w) or _MONTH.match(w) or w[:1].isupper() or w.lower() in ("and", "of", "the", "de")
        for w in words
    )


def against_known(print_: dict, knowledge) -> dict[str, Signal]:
    """Signature and template signals against the registry's and the exemplars' known letters."""
    reused: list = []
    same: list = []
    template: list = []
    if knowledge.index is not None:
        found = registry_signature(print_, knowledge.index.registry.people)
        if found:
            reused.append(found[1])
    for ex in getattr(knowledge.exemplars, "items", ()):
        if ex.fingerprint.get("path") == print_.get("path"):
            continue
        found = signature_relation(print_, ex.fingerprint, ex.published)
        if found:
            (reused if found[0] == "reused" else same).append(found[1])
    if knowledge.exemplars is not None:
        template.extend(knowledge.exemplars.templates_of(print_.get("body", "")))
    return {
        "signature.reused_image": _signal(reused),
        "signature.same_image": _signal(same),
        "letter.template_reuse": _signal(template),
    }


def _signal(details: list[str]) -> Signal:
    """One signal joining several details (None when empty)."""
    if not details:
        return Signal(None)
    return Signal("; ".join(details[:3]), tuple(Evidence(d[:300], Location("registry")) for d in details[:3]))
