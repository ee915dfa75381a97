"""Multi-document outputs: one JSON report for many files, and JSON Lines records.

The batch record (schema version, summary, then the documents sorted by path) is built by
`scoring.record.batch_record`; JSON Lines carries one `result_record` per line and no summary,
so every line has the same shape.  The text is written by `reporters.jsonout`.
"""

from __future__ import annotations

from collections.abc import Sequence

from authcheck.model import Result
from authcheck.reporters.formats import RunReport
from authcheck.reporters.jsonout import json_text, render_jsonl
from authcheck.scoring.record import WORST_COUNT, batch_record, summary, worst

__all__ = ["WORST_COUNT", "jsonl_line", "render_batch_json", "summary", "worst"]


def render_batch_json(results: Sequence[Result], cache_failures: int = 0) -> str:
    """The whole batch as indented JSON: schema version, summary, then documents by path.
    `cache_failures` counts cache entries that failed verification (summary key added in 1.1)."""
    return json_text(batch_record(results, cache_failures))


jsonl_line = render_jsonl  #: one result's record as a single JSON line (the batch's name for it)


def render_run(report: RunReport) -> str:
    """The JSON report of a run (output table): one record for a single file, else the batch document."""
    from authcheck.reporters.jsonout import render_json

    if report.single:
        return render_json(report.results[0])
    return render_batch_json(report.results, report.cache_failures)
