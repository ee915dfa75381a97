"""Findings -> risk score, per-axis scores, verdict and a one-line reason.  Pure functions.

The score is a noisy-OR of the weights of the findings that count (not suppressed):
    score = 100 * (1 - prod(1 - weight_i / 100))
so independent pieces of evidence add up but saturate, and one decisive finding is not
outvoted by many weak ones.  Each finding's `contribution` is the points it adds when the
findings are applied strongest first, so the contributions sum to the score exactly.
Each axis (origin, authority) gets the same noisy-OR over its own findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from authcheck.model import AXES, SEVERITIES, Finding, Letter, Result
from authcheck.settings import Settings

_RANK = {"pass": 0, "review": 1, "fail": 2}


def noisy_or(weights: Iterable[float]) -> float:
    """Combined risk (0-100) of independent pieces of evidence."""
    keep = 1.0
    for w in weights:
        keep *= 1.0 - min(max(w, 0.0), 100.0) / 100.0
    return 100.0 * (1.0 - keep)


def _order(findings: Sequence[Finding]) -> list[Finding]:
    """Strongest first: weight, then severity, then rule id (stable output)."""
    return sorted(findings, key=lambda f: (-f.weight, -SEVERITIES.index(f.severity), f.rule))


def with_contributions(findings: Sequence[Finding]) -> list[Finding]:
    """Findings sorted by contribution, each carrying the points it adds (suppressed ones add none)."""
    out, before = [], 0.0
    for f in _order([f for f in findings if f.suppressed is None]):
        after = noisy_or([before, f.weight])
        out.append(replace(f, contribution=round(after - before, 1)))
        before = after
    out.extend(replace(f, contribution=0.0) for f in _order([f for f in findings if f.suppressed is not None]))
    return out


def verdict_for(score: int, findings: Sequence[Finding], settings: Settings) -> str:
    """The band's verdict, raised to any floor a counted finding sets (e.g. no text layer -> review)."""
    verdict = settings.bands.verdict(score)
    for f in findings:
        if f.suppressed is None and f.floor and _RANK[f.floor] > _RANK[verdict]:
            verdict = f.floor
    return verdict


def reason_for(verdict: str, score: int, findings: Sequence[Finding]) -> str:
    """One line naming the strongest findings."""
    counted = [f for f in findings if f.suppressed is None and f.contribution > 0]
    if not counted:
        return f"{verdict} ({score}/100): no rule found a problem"
    names = "; ".join(f.title.rstrip(".").lower() for f in counted[:3])
    more = f" (+{len(counted) - 3} more)" if len(counted) > 3 else ""
    return f"{verdict} ({score}/100): {names}{more}"


def score_findings(findings: Sequence[Finding], settings: Settings):
    """(findings with contributions, score, axes, verdict, reason)."""
    ordered = with_contributions(findings)
    counted = [f for f in ordered if f.suppressed is None]
    score = round(noisy_or(f.weight for f in counted))
    axes = {axis: round(noisy_or(f.weight for f in counted if f.axis == axis)) for axis in AXES}
    verdict = verdict_for(score, counted, settings)
    return ordered, score, axes, verdict, reason_for(verdict, score, ordered)


def build_result(
    letter: Letter, findings: Sequence[Finding], settings: Settings, rules_not_applied: Sequence[tuple[str, str]] = ()
) -> Result:
    """The Result for a checked letter; `rules_not_applied` lists (rule, reason) the kind turned off."""
    from authcheck.scoring.advice import next_steps
    from authcheck.scoring.record import fields_record

    ordered, score, axes, verdict, reason = score_findings(findings, settings)
    doc = letter.document
    return Result(
        path=doc.path,
        sha256=doc.sha256,
        format=doc.format,
        verdict=verdict,
        score=score,
        axes=axes,
        reason=reason,
        findings=tuple(ordered),
        fields=fields_record(letter),
        notes=doc.notes,
        next_steps=tuple(next_steps(letter, ordered)),
        rules_not_applied=tuple(rules_not_applied),
        letter=letter,
    )


def rescore(result: Result, settings: Settings) -> Result:
    """Recompute score, axes, verdict and contributions after findings were suppressed or unsuppressed."""
    if result.error is not None:
        return result
    ordered, score, axes, verdict, reason = score_findings(result.findings, settings)
    return replace(result, findings=tuple(ordered), score=score, axes=axes, verdict=verdict, reason=reason)
