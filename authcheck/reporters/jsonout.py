"""JSON and JSON Lines text from records: one file's report, one line per file, or a whole batch.

The records themselves are built in `authcheck.scoring.record` (the one record builder; its shape is
described by `authcheck/schemas/result-v1.json`); this module only turns them into text.  Any stray
surrogate (a file name that is not valid UTF-8) is written as ``\\xNN`` (`safetext.scrub_surrogates`),
so a report is never lost to a UnicodeEncodeError.  Stdlib only: rich is never imported here.
"""

from __future__ import annotations

import json
from typing import Any

from authcheck.model import Result
from authcheck.scoring.fingerprint import finding_fingerprint
from authcheck.scoring.record import SCHEMA_VERSION, letter_record, result_record, sorted_findings
from authcheck.util.safetext import scrub_surrogates

__all__ = [
    "SCHEMA_VERSION",
    "finding_fingerprint",
    "json_lines_text",
    "json_text",
    "letter_record",
    "render_json",
    "render_jsonl",
    "result_record",
    "sorted_findings",
]


def json_text(record: Any) -> str:
    """A record as indented JSON, ending with a newline."""
    return scrub_surrogates(json.dumps(record, indent=2, ensure_ascii=False)) + "\n"


def json_lines_text(record: Any) -> str:
    """A record on a single line (JSON Lines), ending with a newline."""
    return scrub_surrogates(json.dumps(record, ensure_ascii=False, separators=(",", ":"))) + "\n"


def render_json(result: Result) -> str:
    """The record of one result as indented JSON, ending with a newline."""
    return json_text(result_record(result))


def render_jsonl(result: Result) -> str:
    """The record of one result on a single line, ending with a newline."""
    return json_lines_text(result_record(result))
