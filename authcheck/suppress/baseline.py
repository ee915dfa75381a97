"""Baselines: the findings a project has already accepted, so CI fails only on new ones.

A baseline file holds sorted `{rule, fingerprint, sha256, path}` entries with no timestamps and no
line numbers, so writing it again for the same inputs gives the same bytes.  Matching uses only the
fingerprint, which covers the rule, the document's content hash and the evidence: a changed
document or changed evidence fires again.  `path` is a hint for people reading the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from authcheck.errors import ConfigError
from authcheck.model import Result
from authcheck.scoring.fingerprint import finding_fingerprint

SCHEMA_VERSION = "1.0"
ENTRY_KEYS = ("rule", "fingerprint", "sha256", "path")


def baseline_entries(results: Iterable[Result]) -> list[dict]:
    """One entry per distinct finding fingerprint, sorted; findings an ignore entry hides are left out."""
    from authcheck.util.safetext import path_text  # a name that is not UTF-8: \xNN text, never a lone surrogate

    rows = []
    for result in results:
        for finding in result.findings:
            if (finding.suppressed or {}).get("kind") == "ignore":
                continue
            rows.append(
                {
                    "rule": finding.rule,
                    "fingerprint": finding_fingerprint(result.sha256, finding),
                    "sha256": result.sha256 or "",
                    "path": path_text(result.path.replace("\\", "/")),
                }
            )
    rows.sort(key=lambda e: (e["rule"], e["fingerprint"], e["path"]))
    seen: set[str] = set()
    unique = []
    for row in rows:  # the same letter at two paths: keep the first path in sorted order
        if row["fingerprint"] not in seen:
            seen.add(row["fingerprint"])
            unique.append(row)
    return unique


def baseline_text(entries: list[dict]) -> str:
    """The file's text: sorted keys, two-space indent, a trailing newline."""
    data = {"schema_version": SCHEMA_VERSION, "tool": "authcheck", "entries": entries}
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_baseline(path: str, results: Iterable[Result]) -> int:
    """Write the baseline for `results` atomically (temp file + os.replace, the umask's usual mode,
    since the file is meant to be committed); returns the entry count."""
    from authcheck.util.atomic import OutputError, write_atomic

    entries = baseline_entries(results)
    try:
        write_atomic(path, baseline_text(entries))
    except OutputError as exc:
        raise ConfigError(f"{path}: cannot write the baseline: {exc.reason}") from None
    return len(entries)


class Baseline:
    """The accepted findings of a baseline file; remembers which entries matched in this run."""

    def __init__(self, entries: list[dict], path: str = "") -> None:
        self.path = path
        self.entries = entries
        self._fingerprints = {e["fingerprint"] for e in entries}
        self._matched: set[str] = set()

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, finding_fp: str) -> bool:
        """True when a finding with this fingerprint was accepted into the baseline."""
        if finding_fp in self._fingerprints:
            self._matched.add(finding_fp)
            return True
        return False

    def unmatched(self) -> list[dict]:
        """Entries no finding matched so far (fixed findings, or letters no longer checked)."""
        return [e for e in self.entries if e["fingerprint"] not in self._matched]


def load_baseline(path: str) -> Baseline:
    """Read and validate a baseline file; ConfigError names the file (and entry and key) when bad."""
    from authcheck.util.smallfile import BASELINE_MAX_BYTES, decode_utf8, read_capped

    try:
        raw = read_capped(path, BASELINE_MAX_BYTES, "baseline")
    except FileNotFoundError:
        raise ConfigError(f"{path}: baseline file not found (create it with `authcheck baseline create`)") from None
    try:
        data = json.loads(decode_utf8(path, raw, "baseline"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not a valid baseline (not JSON: {exc})") from None
    except RecursionError:
        raise ConfigError(f"{path}: not a valid baseline (JSON nested too deeply)") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise ConfigError(f"{path}: not a valid baseline (expected an object with an 'entries' list)")
    version = data.get("schema_version")
    if not isinstance(version, str) or not version.startswith("1."):
        raise ConfigError(f"{path}: key 'schema_version': unsupported baseline version {version!r} (expected 1.x)")
    for index, entry in enumerate(data["entries"], start=1):
        _check_entry(path, index, entry)
    return Baseline(data["entries"], path)


def _check_entry(path: str, index: int, entry: object) -> None:
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: entry {index}: expected an object, got {type(entry).__name__}")
    for key in ("rule", "fingerprint"):
        value = entry.get(key)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path}: entry {index}: key '{key}' must be a non-empty string")
