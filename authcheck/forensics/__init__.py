"""Forensics: what the file itself says about signing, editing and origin.

`examine(data, doc, settings)` runs the examiner the format table (`loaders/formats.py`) names
for the document's format and returns `Signal`s keyed by name; they become rule fields
`facts.<name>`.  Each format's examiner declares its keys in `keys.py` (cheap to import, so
rule validation knows every field without loading a parser).  An examiner that fails never
fails the check: the failure becomes a note and the facts it had are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authcheck.model import Document, Note, Signal

SHARE_OF_TIMEOUT = (
    0.35  #: of the per-file timeout; the examiners' own budgets stop them earlier, this stops a stuck call
)


def examine(data: bytes, doc: Document, settings: Any) -> tuple[Mapping[str, Signal], tuple[Note, ...]]:
    """Forensic signals for one loaded document, and notes about what could not be examined."""
    from authcheck.loaders import formats

    fmt = formats.by_name(doc.format)
    if fmt is None or fmt.forensics is None:
        return {}, ()
    try:
        run = formats.resolve(fmt.forensics)
    except ImportError:
        return {}, ()
    from authcheck.loaders.budget import Budget, OutOfTime

    limits = getattr(settings, "limits", None)
    budget = Budget(float(getattr(limits, "timeout", 0) or 0) * SHARE_OF_TIMEOUT)
    try:
        with budget.enforced():
            found = budget.call(run, data, doc, settings)
            return found if isinstance(found, tuple) else (found, ())
    except OutOfTime:
        allowed = f"{budget.seconds:g} s, {SHARE_OF_TIMEOUT:.0%} of the {(budget.seconds or 0.0) / SHARE_OF_TIMEOUT:g} s --timeout"
        return {}, (
            Note(
                "forensics-incomplete",
                f"the file's structure was not fully examined in the time allowed ({allowed})",
                {"reason": "time"},
            ),
            Note("truncated", "forensic examination stopped at the time limit", {"reason": "time"}),
        )
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:
        return {}, (Note("forensics-failed", f"the file's structure could not be examined ({type(exc).__name__})"),)
