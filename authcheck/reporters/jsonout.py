"""JSON and JSON Lines text from records: one file's report, one line per file, or a whole batch.

The records themselves are built in `authcheck.scoring.record` (the one record builder; its shape is
described by `authcheck/schemas/result-v1.json`); this module only turns them into text.  Any stray
surrogate (a file name that is not valid UTF-8) is written as ``\\xNN`` (`safetext.scrub_surrogates`),
so a report is never lost to a UnicodeEncodeError.  Stdlib only: rich is never imported here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from authcheck.model import Result
from authcheck.scoring.fingerprint import finding_fingerprint
from authcheck.scoring.record import SCHEMA_VERSION, letter_record, path_keys, result_record, sorted_findings
from authcheck.util.safetext import scrub_surrogates

__all__ = [
    "SCHEMA_VERSION",
    "finding_fingerprint",
    "json_lines_text",
    "json_text",
    "jsonl_line_from_text",
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
    return scrub_surrogates(_compact(record)) + "\n"


def jsonl_line_from_text(record: Mapping[str, Any], text: str, path: str) -> str | None:
    """The JSON line of a stored record (the result cache's `stored_texts`: compact JSON, not
    ASCII-escaped, in the record's key order) for the file at `path`, written through without
    building and encoding the record again: the same text as `render_jsonl` of the result the
    record describes.  `record` is `text` parsed, or any record with the same first keys (schema
    version, path, path_b64: the summary the cache keeps beside it); its path may be another file's
    of the same name.  None when `text` does not start as that form would (the caller then renders
    the result).  `text` must hold no lone surrogate (the cache stores such a record ASCII-escaped)."""
    head = {key: record[key] for key in ("schema_version", "path", "path_b64") if key in record}
    old = _compact(head)[:-1] + ","
    if record.get("schema_version") != SCHEMA_VERSION or list(record)[: len(head)] != list(head):
        return None
    if not text.startswith(old):
        return None
    new = _compact({"schema_version": SCHEMA_VERSION, **path_keys(path)})[:-1] + ","
    return new + text[len(old) :] + "\n"  # no lone surrogate: path_keys writes none, and the text is UTF-8


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render_json(result: Result) -> str:
    """The record of one result as indented JSON, ending with a newline."""
    return json_text(result_record(result))


def render_jsonl(result: Result) -> str:
    """The record of one result on a single line, ending with a newline."""
    return json_lines_text(result_record(result))
