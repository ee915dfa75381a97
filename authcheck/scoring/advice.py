"""What an analyst should verify next, from the findings and what extraction could not settle."""

from __future__ import annotations

from collections.abc import Sequence

from authcheck.model import Finding, Letter


def next_steps(letter: Letter, findings: Sequence[Finding]) -> list[str]:
    """Concrete checks, strongest findings first, without repeats."""
    steps: list[str] = []
    for f in findings:
        if f.suppressed is None and f.remediation and f.remediation not in steps:
            steps.append(f.remediation)
    issuer = letter.issuer
    who = issuer.name.text if issuer.name else issuer.organization.text if issuer.organization else None
    if letter.signature.signed is None and letter.signature.reason.startswith("no text layer"):
        steps.append(
            "Read the page images yourself: without a text layer the letter's wording and signature were not analysed."
        )
    if who and findings and letter.kind.letter_like:  # a manual's heading is no one to call
        steps.append(
            f"Confirm with {who} through a channel you already trust (not contact details printed in the letter)."
        )
    return steps[:6]
