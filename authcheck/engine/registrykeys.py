"""Every field the registry, exemplar and batch comparisons add to a letter (rule fields), with its meaning.

Each value is a sentence saying what was found (with both values and the similarity) or None when
there is nothing to say; `registry.given` is True only when a registry or exemplars were given, so
the rules built on these fields are silent otherwise.  Data only, cheap to import.
"""

from __future__ import annotations

KEYS: dict[str, str] = {
    "registry.given": "True when an issuer registry or exemplar folder was given for this run.",
    "registry.signatory": "The registry person the signatory was matched to (id and name).",
    "registry.organisation": "The registry organisation the letterhead or issuer was matched to.",
    "registry.unknown": "Neither the signatory nor the organisation is in the registry.",
    "registry.not_in_office": "The signatory did not hold the claimed title, post or rank on the letter's date.",
    "registry.near_miss": "A name, title, organisation or letterhead line close to but not equal to a registry entry.",
    "registry.reference_format": "The letter's reference number does not fit the issuer's reference patterns.",
    "registry.action": "The kinds of act the wording announces (end-agreement, withdraw, deploy, commit-funds...).",
    "registry.not_authorised": "The signatory may not sign the kind of act the letter announces.",
    "registry.corroborated": "Signatory, title and letterhead match the registry on the letter's date.",
    "exemplar.mismatch": "Differences from the same office's known-genuine letters, each with both values.",
    "exemplar.mismatch_weight": "Sum over the differences of how consistent the exemplars are on that feature (0-n).",
    "signature.reused_image": "The signature image matches another signatory's, a published letter's, or one on a "
    "letter claiming a wet-ink signature.",
    "signature.same_image": "The signature image is the one the same signatory uses on other letters (information).",
    "letter.template_reuse": "The body is a near-duplicate of a known letter with only names, dates or amounts changed.",
}
