"""The batch pass: compare every pair of checked letters once all are read, so no result depends on
the order files were scanned or finished in.

For each unordered pair the comparison is symmetric (both letters get the finding, each pointing at
the other).  Findings come from the same rules as in a single check (`signature.reused-image`,
`letter.template-reuse`), evaluated over the batch's fields; results are then rescored.
"""

from __future__ import annotations

from dataclasses import replace

from authcheck.model import Evidence, Location, Result
from authcheck.registry.compare import signature_relation, template_relation
from authcheck.registry.report import BATCH_KEY

RULES = {"signature.reused_image": "signature.reused-image", "letter.template_reuse": "letter.template-reuse"}


def batch_pass(results: list[Result], ruleset, settings) -> list[Result]:
    """Results with cross-letter findings added and the private fingerprints removed."""
    prints = [_print(r) for r in results]
    found: list[dict[str, list[str]]] = [{key: [] for key in RULES} for _ in results]
    order = sorted(range(len(results)), key=lambda i: (results[i].path, results[i].sha256 or ""))
    for x, i in enumerate(order):
        for j in order[x + 1 :]:
            _compare(prints, found, i, j)
    return [_apply(r, extra, ruleset, settings) for r, extra in zip(results, found)]


def _print(result: Result):
    registry = (result.fields or {}).get("registry")
    return registry.get(BATCH_KEY) if isinstance(registry, dict) else None


def _compare(prints, found, i: int, j: int) -> None:
    """Record what letters i and j share, on both."""
    a, b = prints[i], prints[j]
    if not a or not b or a.get("path") == b.get("path"):
        return
    for me, other, k in ((a, b, i), (b, a, j)):
        relation = signature_relation(me, other)
        if relation and relation[0] == "reused":
            found[k]["signature.reused_image"].append(relation[1])
    text = template_relation(a.get("body", ""), b.get("body", ""))
    if text:
        found[i]["letter.template_reuse"].append(f"{text} (against {b['path']})")
        found[j]["letter.template_reuse"].append(f"{text} (against {a['path']})")


def _apply(result: Result, extra: dict, ruleset, settings) -> Result:
    """Add the batch findings to one result, strip the fingerprint, rescore."""
    registry = (result.fields or {}).get("registry")
    if not isinstance(registry, dict):
        return result
    fields = {**result.fields, "registry": {k: v for k, v in registry.items() if k != BATCH_KEY}}
    result = replace(result, fields=fields)
    new = _findings(extra, ruleset, settings, {f.rule for f in result.findings})
    if not new:
        return result
    from authcheck.scoring.score import rescore

    return rescore(replace(result, findings=result.findings + tuple(new)), settings)


def _findings(extra: dict, ruleset, settings, present: set) -> list:
    """Evaluate the batch rules over fields holding only the batch's details."""
    from authcheck.engine.evaluate import Context, _override, evaluate_rule
    from authcheck.engine.fields import FieldValue

    out = []
    for key, rule_id in RULES.items():
        rule = ruleset.get(rule_id) if hasattr(ruleset, "get") else None
        details = extra[key]
        if rule is None or not details or rule_id in present or rule_id in settings.disabled_rules:
            continue
        ev = tuple(Evidence(d[:300], Location("batch")) for d in details[:3])
        ctx = Context([], {"registry.given": FieldValue(True), key: FieldValue("; ".join(details[:3]), ev)})
        finding = evaluate_rule(rule, ctx.for_rule(rule))
        if finding is not None:
            out.append(_override(finding, settings))
    return out
