"""The `when` tree: all / any / not / match, field predicates, similarity between fields, date comparisons.

Null semantics: a predicate over a missing (null) field is false, except `exists: false`
and `unknown: true`, so absence of evidence is never taken as evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any

from authcheck.errors import RuleError
from authcheck.extract.normalize import matching_text
from authcheck.loaders.metadates import parse_when
from authcheck.util.records import mutable
from authcheck.util.saferegex import compile_pattern

Outcome = tuple[bool, list, dict]
FIELD_OPS = {"exists", "is", "in", "matches", "contains", "gt", "gte", "lt", "lte", "unknown"}
SCORERS = {"person", "ratio", "partial_ratio", "token_set_ratio", "token_sort_ratio"}


@mutable
class Cond:
    """A compiled condition: `run(ctx)` gives (true?, evidence, template variables)."""

    run: Callable[[Any], Outcome]
    patterns: tuple[str, ...] = ()


def compile_when(node, where: dict, known_fields: AbstractSet[str], key: str = "when") -> Cond:
    """Compile one node of the tree; errors name the rule and the key path."""
    if not isinstance(node, dict) or len(node) == 0:
        raise RuleError(
            "a condition must be a mapping with one of all, any, not, match, field, similarity, dates", **where, key=key
        )
    kinds = [k for k in ("all", "any", "not", "match", "field", "similarity", "dates") if k in node]
    if len(kinds) != 1:
        raise RuleError(
            f"a condition needs exactly one of all/any/not/match/field/similarity/dates, got {sorted(node)}",
            **where,
            key=key,
        )
    kind = kinds[0]
    builder = {
        "all": _group,
        "any": _group,
        "not": _not,
        "match": _match,
        "field": _field,
        "similarity": _similarity,
        "dates": _dates,
    }[kind]
    return builder(node, kind, where, known_fields, f"{key}.{kind}")


def _group(node, kind, where, known, key) -> Cond:
    """all: every child true (evidence from all); any: at least one (evidence from the true ones).

    A template variable keeps the value of the first true child that sets it, so a message
    quotes the same values as the first evidence lines.
    """
    items = node[kind]
    if not isinstance(items, list) or not items or len(node) != 1:
        raise RuleError(f"{kind} takes a non-empty list of conditions", **where, key=key)
    children = [compile_when(c, where, known, f"{key}[{i}]") for i, c in enumerate(items)]

    def run(ctx) -> Outcome:
        evidence: list = []
        variables: dict = {}
        results: list = []
        for child in children:
            ok, ev, var = child.run(ctx)
            results.append(ok)
            if ok:
                evidence.extend(ev)
                for name, value in var.items():
                    variables.setdefault(name, value)
            elif kind == "all":
                return False, [], {}
        return (all(results) if kind == "all" else any(results)), evidence, variables

    return Cond(run, tuple(p for c in children for p in c.patterns))


def _not(node, kind, where, known, key) -> Cond:
    """True when the child is false; contributes no evidence."""
    child = compile_when(node["not"], where, known, key)
    return Cond(lambda ctx: (not child.run(ctx)[0], [], {}), child.patterns)


def _match(node, kind, where, known, key) -> Cond:
    """True when the named pattern (or any of a list) has surviving hits."""
    names = node["match"] if isinstance(node["match"], list) else [node["match"]]
    if not names or not all(isinstance(n, str) for n in names):
        raise RuleError("match takes a pattern name or a list of names", **where, key=key)

    def run(ctx) -> Outcome:
        hits = [h for n in names for h in ctx.hits(n)]
        return bool(hits), hits, {}

    return Cond(run, tuple(names))


def _field(node, kind, where, known, key) -> Cond:
    """A predicate over one field of the letter."""
    path = node["field"]
    ops = set(node) - {"field"}
    if path not in known:
        raise RuleError(f"unknown field {path!r}", **where, key=key)
    if len(ops) != 1 or not ops <= FIELD_OPS:
        raise RuleError(f"field takes exactly one of {sorted(FIELD_OPS)}", **where, key=key)
    op = ops.pop()
    arg = node[op]
    test = _field_test(op, arg, where, key)

    def run(ctx) -> Outcome:
        fv = ctx.fields.get(path)
        value = fv.value if fv else None
        ok = test(value)
        evidence = _evidence_of(fv) if ok else []
        return ok, evidence, {f"fields.{path}": value}

    return Cond(run)


def _evidence_of(fv) -> list:
    """A field value's evidence as a list (fields may carry one item or several)."""
    if fv is None or fv.evidence is None:
        return []
    return list(fv.evidence) if isinstance(fv.evidence, tuple) else [fv.evidence]


def _field_test(op: str, arg, where: dict, key: str) -> Callable[[Any], bool]:
    """The test function for one field operator."""
    if op == "exists":
        return lambda v: (v not in (None, "", [])) == bool(arg)
    if op == "unknown":
        return lambda v: (v is None) == bool(arg)
    if op == "matches":
        pattern = compile_pattern(arg, ignore_case=True, where={**where, "key": key + ".matches"})
        return lambda v: v is not None and pattern.search(matching_text(str(v))) is not None
    if op in ("gt", "gte", "lt", "lte"):
        if not isinstance(arg, (int, float)) or isinstance(arg, bool):
            raise RuleError(f"{op} takes a number", **where, key=key)
        cmp = {"gt": lambda v: v > arg, "gte": lambda v: v >= arg, "lt": lambda v: v < arg, "lte": lambda v: v <= arg}[
            op
        ]
        return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and cmp(v)
    if op == "in":
        if not isinstance(arg, list):
            raise RuleError("in takes a list", **where, key=key)
        return lambda v: v is not None and v in arg
    if op == "contains":
        return lambda v: (
            v is not None and (arg in v if isinstance(v, list) else str(arg).lower() in matching_text(str(v)).lower())
        )
    return lambda v: v is not None and v == arg  # "is"


def _similarity(node, kind, where, known, key) -> Cond:
    """Best similarity (0-100) between field a and any of the fields b, compared with a bound."""
    spec = node["similarity"]
    if not isinstance(spec, dict) or "a" not in spec or "b" not in spec:
        raise RuleError("similarity needs a and b", **where, key=key)
    a_paths = spec["a"] if isinstance(spec["a"], list) else [spec["a"]]
    b_paths = spec["b"] if isinstance(spec["b"], list) else [spec["b"]]
    for p in a_paths + b_paths:
        if p not in known:
            raise RuleError(f"unknown field {p!r}", **where, key=key)
    scorer = spec.get("scorer", "token_set_ratio")
    if scorer not in SCORERS:
        raise RuleError(f"scorer must be one of {sorted(SCORERS)}", **where, key=key + ".scorer")
    bound = _bound(spec, where, key)

    def run(ctx) -> Outcome:
        best, pair = _best_pair(ctx, a_paths, b_paths, scorer)
        if pair is None or not bound(best):
            return False, [], {}
        (fa, fb) = pair
        evidence = _evidence_of(fa) + _evidence_of(fb)
        return True, evidence, {"similarity": round(best), "a": fa.value, "b": fb.value}

    return Cond(run)


def _bound(spec: dict, where: dict, key: str) -> Callable[[float], bool]:
    """below N, at_least N, or between [lo, hi)."""
    if "below" in spec:
        return lambda s: s < spec["below"]
    if "at_least" in spec:
        return lambda s: s >= spec["at_least"]
    if "between" in spec and isinstance(spec["between"], list) and len(spec["between"]) == 2:
        lo, hi = spec["between"]
        return lambda s: lo <= s < hi
    raise RuleError("similarity needs below, at_least or between [lo, hi]", **where, key=key)


def _best_pair(ctx, a_paths, b_paths, scorer) -> tuple[float, tuple | None]:
    """The highest-scoring pair of present values (rapidfuzz is imported only for a non-person scorer)."""
    from authcheck.extract.names import person_similarity

    best, pair = -1.0, None
    for pa in a_paths:
        for pb in b_paths:
            fa, fb = ctx.fields.get(pa), ctx.fields.get(pb)
            if not fa or not fb or not fa.value or not fb.value:
                continue
            a, b = matching_text(str(fa.value)), matching_text(str(fb.value))
            score = person_similarity(a, b) if scorer == "person" else _fuzz(scorer)(a.lower(), b.lower())
            if score > best:
                best, pair = score, (fa, fb)
    return best, pair


def _fuzz(scorer: str) -> Callable:
    """A rapidfuzz scorer, imported when first needed (the person scorer seldom needs rapidfuzz)."""
    from rapidfuzz import fuzz

    return getattr(fuzz, scorer)


def _dates(node, kind, where, known, key) -> Cond:
    """True when date field a is after (or before) date field b by more than `by_days` days."""
    spec = node["dates"]
    if not isinstance(spec, dict) or spec.get("op") not in ("after", "before") or "a" not in spec or "b" not in spec:
        raise RuleError("dates needs a, b and op (after|before)", **where, key=key)
    for p in (spec["a"], spec["b"]):
        if p not in known:
            raise RuleError(f"unknown field {p!r}", **where, key=key)
    days = spec.get("by_days", 0)
    if not isinstance(days, (int, float)):
        raise RuleError("by_days must be a number", **where, key=key + ".by_days")

    def run(ctx) -> Outcome:
        fa, fb = ctx.fields.get(spec["a"]), ctx.fields.get(spec["b"])
        a, b = parse_when(fa.value if fa else None), parse_when(fb.value if fb else None)
        if a is None or b is None:
            return False, [], {}
        delta = (a - b) if spec["op"] == "after" else (b - a)
        gap = delta.total_seconds() / 86400
        if gap <= days:
            return False, [], {}
        evidence = _evidence_of(fa) + _evidence_of(fb)
        return True, evidence, {"a": fa.value, "b": fb.value, "days": int(gap), "gap": gap_text(gap)}

    return Cond(run)


def gap_text(days: float) -> str:
    """A gap between two dates as people say it: "1 day", "12 days", "5 hours", "1 minute"."""
    for unit, size in (("day", 1.0), ("hour", 1 / 24), ("minute", 1 / 1440)):
        if days >= size or unit == "minute":
            count = int(days / size)
            return f"{count} {unit}" + ("" if count == 1 else "s")
    raise AssertionError("unreachable")
