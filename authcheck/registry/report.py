"""The report's `registry` section: what the registry and exemplars say about the letter.

`fields.registry` holds the corroboration (signatory, title and letterhead matching the registry on
the letter's date), the matched entries, every registry/exemplar fact that has something to say,
and (until the batch pass removes it) the letter's fingerprint for comparison across the batch.
"""

from __future__ import annotations

from dataclasses import replace

BATCH_KEY = "fingerprint"


def section(letter) -> dict:
    """The `registry` object of the JSON report."""
    facts = {
        k: _plain(s.value)
        for k, s in sorted(letter.knowledge.items())
        if not k.startswith("_") and s.value not in (None, "") and k != "registry.given"
    }

    def value(key: str) -> object:
        return _plain(letter.knowledge[key].value) if key in letter.knowledge else None

    return {
        "corroboration": value("registry.corroborated"),
        "signatory": value("registry.signatory"),
        "organisation": value("registry.organisation"),
        "facts": facts,
    }


def _plain(value):
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def with_section(result, letter):
    """The result with `fields.registry` (and the private fingerprint the batch pass reads)."""
    record = section(letter)
    batch = letter.knowledge.get("_batch")
    if batch is not None:
        record[BATCH_KEY] = batch.value
    return replace(result, fields={**result.fields, "registry": record})


def corroboration_line(result) -> str | None:
    """One console line for a corroborated letter, or None."""
    found = (result.fields or {}).get("registry") or {}
    text = found.get("corroboration") if isinstance(found, dict) else None
    return f"Corroborated by the registry: {text}" if text else None
