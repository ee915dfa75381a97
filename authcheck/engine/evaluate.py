"""Evaluate rules against a letter: patterns -> guarded hits -> `when` tree -> findings.  Never prints.

Policy (which rules run, their severity and weight) is applied here, not in the check kinds.
At most one finding per rule per document, holding up to `max_evidence` evidence items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authcheck.engine.checks.base import Hit, Segment
from authcheck.engine.fields import FieldValue, letter_fields
from authcheck.engine.templates import render, variables_lookup
from authcheck.extract.ocrbox import ocr_weighed
from authcheck.model import Evidence, Finding, Letter, Location, Note
from authcheck.settings import Settings
from authcheck.util import sparecore
from authcheck.util.dates import date

if TYPE_CHECKING:
    from authcheck.engine.rulepack import Rule, RuleSet

MAX_DROPPED = 50  #: candidates a guard dropped, kept per letter for --explain


class Context:
    """One letter as the rules see it: segments by part, fields by path, hits computed once per rule."""

    def __init__(self, segments: list[Segment], fields: dict[str, FieldValue]) -> None:
        self.segments = segments
        self.fields = fields
        self._by_scope: dict[tuple[str, ...], list[Segment]] = {}
        self.rule: Rule | None = None
        self._hits: dict[str, list[Hit]] = {}
        self.dropped: list[tuple[str, Hit, str]] = []  #: (rule id, hit, guard) for candidates a guard dropped

    def for_rule(self, rule: Rule) -> Context:
        """Start evaluating another rule (pattern hits are per rule)."""
        self.rule, self._hits = rule, {}
        return self

    def in_scope(self, scope: tuple[str, ...]) -> list[Segment]:
        """Segments whose part is in the scope."""
        if scope not in self._by_scope:
            self._by_scope[scope] = [s for s in self.segments if s.part in scope]
        return self._by_scope[scope]

    def found(self, name: str) -> list[Hit]:
        """Hits already computed for a pattern (none when the rule never asked for it)."""
        return self._hits.get(name, [])

    def _current(self) -> Rule:
        """The rule being evaluated (set by `for_rule`)."""
        if self.rule is None:
            raise ValueError("no rule is being evaluated: call for_rule first")
        return self.rule

    def hits(self, name: str) -> list[Hit]:
        """Surviving (unguarded) hits of one of the current rule's named patterns."""
        if name not in self._hits:
            rule = self._current()
            pattern = rule.patterns[name]
            raw = pattern.matcher.hits(self.in_scope(pattern.scope), self.hits)
            kept = []
            for hit in raw:
                why = hit.dropped or pattern.guard.blocks(hit)
                if why is None:
                    kept.append(hit)
                elif len(self.dropped) < MAX_DROPPED:
                    self.dropped.append((rule.id, hit, why))
            self._hits[name] = kept
        return self._hits[name]


def segments_of(letter: Letter) -> list[Segment]:
    """Sentences of every part, plus metadata values as segments of part "metadata".

    Each segment's text is folded for matching (extract/normalize.py); evidence quotes the original.
    """
    segs = [Segment.of(s.text, s.loc.part, s.loc.start, s.loc.end, s.loc.page, s.loc.line) for s in letter.sentences]
    meta = letter.document.metadata
    for name in ("title", "author", "last_modified_by", "company", "template", "creator_tool", "producer"):
        value = getattr(meta, name)
        if value:
            segs.append(Segment.of(str(value), "metadata", key=meta.sources.get(name, name)))
    return segs


def context_for(letter: Letter, overrides: dict | None = None, today: date | None = None) -> Context:
    """The evaluation context of a letter; `overrides` replaces field values (rule tests)."""
    fields = letter_fields(letter, today)
    for path, value in (overrides or {}).items():
        fields[path] = FieldValue(value)
    return Context(segments_of(letter), fields)


def evaluate(
    ruleset: RuleSet, letter: Letter, settings: Settings | None = None, ctx: Context | None = None
) -> list[Finding]:
    """Every finding of every enabled rule on one letter (contributions are set by scoring)."""
    settings = settings or Settings()
    ctx = ctx or context_for(letter)
    disabled = set(settings.disabled_rules)
    if sparecore.helper() is not None:  # a long PDF's idle helper: the patterns that can use it start it now
        for rule in ruleset.rules:
            if rule.id not in disabled and applies(rule, letter):
                for pattern in rule.patterns.values():
                    ahead = getattr(pattern.matcher, "ahead", None)
                    if ahead is not None:
                        ahead(ctx.in_scope(pattern.scope))
    findings = []
    for rule in ruleset.rules:
        if rule.id in disabled or not applies(rule, letter):
            continue
        finding = evaluate_rule(rule, ctx.for_rule(rule))
        if finding is not None:
            if letter.document.ocr:
                finding = ocr_weighed(finding, letter.document)
            findings.append(_override(finding, settings))
    return findings


def applies(rule: Rule, letter: Letter) -> bool:
    """True when the rule is meant for this kind of document (letter rules only on letter-like ones)."""
    return rule.applies_to == "any" or letter.kind.letter_like


def not_applied(ruleset: RuleSet, letter: Letter, settings: Settings | None = None) -> list[tuple[str, str]]:
    """(rule id, reason) for each enabled rule the document's kind turned off."""
    disabled = set((settings or Settings()).disabled_rules)
    skipped = [r.id for r in ruleset.rules if r.id not in disabled and not applies(r, letter)]
    if not skipped:
        return []
    kind = letter.kind
    cues = ", ".join(dict.fromkeys(c.cue for c in kind.evidence)) or "no letter evidence"
    how = "forced" if kind.forced else cues
    reason = f"applies to letter-like documents; this is a {kind.kind} ({how})"
    return [(rule_id, reason) for rule_id in skipped]


def evaluate_rule(rule: Rule, ctx: Context) -> Finding | None:
    """The rule's finding on this context, or None when its `when` tree is false."""
    ok, evidence, variables = rule.when.run(ctx)
    if not ok:
        return None
    weight, because = rule.weight, ""
    for cond, alt, why in rule.weights:
        if cond.run(ctx)[0]:
            weight, because = alt, why
            break
    items = _dedupe([_evidence(e) for e in evidence])
    variables = {**variables, **_hit_variables(rule, ctx, [e for e in items if e.pattern])}
    lookup = variables_lookup(variables, ctx.fields)
    message = render(rule.message, lookup)
    return Finding(
        rule=rule.id,
        title=rule.title,
        severity=rule.severity,
        axis=rule.axis,
        weight=weight,
        message=message,
        evidence=tuple(items[: rule.max_evidence]),
        references=rule.references,
        confidence=rule.confidence,
        remediation=render(rule.remediation, lookup),
        weight_reason=because,
        floor=rule.floor,
    )


def _hit_variables(rule: Rule, ctx: Context, matched: list[Evidence]) -> dict:
    """Template variables about the matched words."""
    texts = list(dict.fromkeys(" ".join(e.text.split()) for e in matched))
    out = {
        "match": texts[0] if texts else None,
        "matches": "; ".join(f'"{t}"' for t in texts[:3]) or None,
        "count": len(matched),
        "rule": rule.id,
    }
    reasons: list[str] = []
    for name in rule.patterns:
        found = ctx.found(name)
        out[f"patterns.{name}"] = " ".join(found[0].quote.split()) if found else None
        reasons.extend(h.reason for h in found if isinstance(h.reason, str))  # kinds that explain in words
    out["reasons"] = "; ".join(dict.fromkeys(reasons).keys()) or None
    return out


def _evidence(item) -> Evidence:
    """Evidence from a hit (with its sentence as context) or pass an Evidence through."""
    if not isinstance(item, Hit):
        return item
    seg = item.segment
    lo, hi = seg.source_span(item.start, item.end)  # quote the text as written, not its folded form
    start = seg.start + lo if seg.start is not None else None
    end = seg.start + hi if seg.start is not None else None
    return Evidence(
        seg.source[lo:hi],
        Location(seg.part, seg.page, seg.line, start, end, seg.key),
        context=seg.source,
        highlight=(lo, hi),
        pattern=item.pattern,
        reason=item.reason,
    )


def dropped_notes(ctx: Context, limit: int = 20) -> tuple[Note, ...]:
    """Notes (code "guard-dropped") for the candidates a guard dropped: what, where, and which guard."""
    notes = []
    for rule_id, hit, why in ctx.dropped[:limit]:
        guard, _, cue = why.partition(": ")
        quote = " ".join(hit.text.split())
        seg = hit.segment
        detail = f'{rule_id}: "{quote}" in {seg.part} dropped by the {guard} guard' + (f" ({cue})" if cue else "")
        notes.append(
            Note(
                "guard-dropped",
                detail,
                {
                    "rule": rule_id,
                    "pattern": hit.pattern,
                    "guard": guard,
                    "cue": cue,
                    "text": quote,
                    "part": seg.part,
                    "line": seg.line,
                    "context": seg.text,
                    "reason": hit.reason,
                },
            )
        )
    return tuple(notes)


def _dedupe(items: list[Evidence]) -> list[Evidence]:
    """Drop repeated evidence and evidence contained in an earlier span of the same segment."""
    out: list[Evidence] = []
    for ev in items:
        if any(_same_or_inside(ev, kept) for kept in out):
            continue
        out = [kept for kept in out if not _same_or_inside(kept, ev)]
        out.append(ev)
    return out


def _same_or_inside(a: Evidence, b: Evidence) -> bool:
    """True when evidence a repeats b or lies inside b's span."""
    la, lb = a.loc, b.loc
    if la.start is not None and lb.start is not None and la.end is not None and lb.end is not None:
        return lb.start <= la.start and la.end <= lb.end
    return (a.text, la.part, la.key) == (b.text, lb.part, lb.key)


def _override(finding: Finding, settings: Settings) -> Finding:
    """Apply a project's severity or weight override."""
    from dataclasses import replace

    override = settings.overrides.get(finding.rule)
    if override is None:
        return finding
    return replace(
        finding,
        severity=override.severity or finding.severity,
        weight=finding.weight if override.weight is None else float(override.weight),
    )
