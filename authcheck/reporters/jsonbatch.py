"""Multi-document outputs: a batch summary, one JSON report for many files, JSON Lines records.

Each document is the per-file record of `reporters.jsonout.result_record`, imported when
first needed.  The batch JSON lists documents sorted by path after a summary; JSON Lines
carries one record per line and no summary, so every line has the same shape.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from authcheck.model import VERDICTS, Result

WORST_COUNT = 5


def summary(results: Sequence[Result]) -> dict[str, Any]:
    """Counts over a batch: documents, verdicts, errors (by type), findings shown and
    suppressed, and the highest-scoring documents (score descending, then path)."""
    verdicts = Counter(r.verdict for r in results if r.error is None)
    errors = Counter(r.error.type for r in results if r.error is not None)
    findings = [f for r in results for f in r.findings]
    suppressed = sum(1 for f in findings if f.suppressed is not None)
    return {
        "documents": len(results),
        "by_verdict": {verdict: verdicts.get(verdict, 0) for verdict in VERDICTS},
        "errors": sum(errors.values()),
        "errors_by_type": dict(sorted(errors.items())),
        "findings": len(findings) - suppressed,
        "suppressed": suppressed,
        "worst": worst(results),
    }


def worst(results: Sequence[Result], count: int = WORST_COUNT) -> list[dict[str, Any]]:
    """The `count` checked documents with the highest risk scores, ties broken by path."""
    scored = sorted((r for r in results if r.score is not None), key=lambda r: (-(r.score or 0), r.path))
    from authcheck.util.safetext import path_text

    return [{"path": path_text(r.path), "score": r.score, "verdict": r.verdict} for r in scored[:count]]


def render_batch_json(results: Sequence[Result], cache_failures: int = 0) -> str:
    """The whole batch as indented JSON: schema version, summary, then documents by path.
    `cache_failures` counts cache entries that failed verification (summary key added in 1.1)."""
    from authcheck.reporters.jsonout import SCHEMA_VERSION, result_record

    ordered = sorted(results, key=lambda r: r.path)
    report = {
        "schema_version": SCHEMA_VERSION,
        "summary": {**summary(ordered), "cache_failed_verification": cache_failures},
        "documents": [result_record(r) for r in ordered],
    }
    from authcheck.util.safetext import scrub_surrogates

    return scrub_surrogates(json.dumps(report, indent=2, ensure_ascii=False)) + "\n"


def jsonl_line(result: Result) -> str:
    """One result's record as a single JSON line, ending with a newline."""
    from authcheck.reporters.jsonout import result_record
    from authcheck.util.safetext import scrub_surrogates

    return scrub_surrogates(json.dumps(result_record(result), ensure_ascii=False, separators=(",", ":"))) + "\n"
