"""The ignore file (`.authcheck-ignore.yaml`) and applying suppressions to a result.

Each entry names a `rule` (id or glob) and/or a `fingerprint`, optionally a `path` glob, and must
give a `reason`; `expires: YYYY-MM-DD` stops it suppressing from that day on, and `approved_by`
records who agreed.  Entries are numbered from 1 in messages.  Suppressed findings stay in the
result, carrying a `suppressed` object, so audits can see them; only the score ignores them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import os
from collections.abc import Callable
from typing import Any

from authcheck.errors import ConfigError
from authcheck.model import Finding, Result
from authcheck.scoring.fingerprint import finding_fingerprint
from authcheck.suppress.baseline import Baseline
from authcheck.util.globs import glob_to_regex
from authcheck.util.patterns import compiled
from authcheck.util.records import mutable

KEYS = ("rule", "path", "fingerprint", "reason", "expires", "approved_by")
_DATE = compiled(r"\d{4}-\d{2}-\d{2}\Z")


MAX_NODES = 1_000_000  #: YAML nodes an ignore file may expand to, aliases counted at their full size


def _loader():
    """yaml.safe_load's loader without implicit timestamps, so a bad `expires` is our error, not PyYAML's.

    Built on first use: most runs have no ignore file and need no YAML at all.
    """
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def _clean(path: str) -> str:
    path = path.replace("\\", "/")
    return path[2:] if path.startswith("./") else path


@mutable
class Entry:
    """One ignore entry, and whether it suppressed anything in this run."""

    index: int
    rule: str | None
    path: str | None
    fingerprint: str | None
    reason: str
    expires: dt.date | None
    approved_by: str | None
    used: bool = False

    def label(self) -> str:
        """How messages name the entry: "entry 3 (rule x)"."""
        what = f"rule {self.rule}" if self.rule else f"fingerprint {(self.fingerprint or '')[:12]}"
        return f"entry {self.index} ({what})"

    def expired(self, today: dt.date) -> bool:
        """True from the `expires` day on."""
        return self.expires is not None and today >= self.expires

    def matches(self, paths: list[str], rule: str, fingerprint: str) -> bool:
        """True when every criterion the entry gives holds."""
        if self.rule is not None and not fnmatch.fnmatchcase(rule, self.rule):
            return False
        if self.fingerprint is not None and self.fingerprint != fingerprint.lower():
            return False
        if self.path is None:
            return True
        glob = _clean(self.path)
        regex = glob_to_regex(glob)
        names = paths if "/" in glob else [p.rsplit("/", 1)[-1] for p in paths]
        return any(regex.fullmatch(name) for name in names)


class IgnoreFile:
    """The entries of an ignore file; paths are matched as given and relative to the file's folder."""

    def __init__(self, entries: list[Entry], path: str = "") -> None:
        self.entries = entries
        self.path = path
        self.base = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()

    def _candidates(self, path: str) -> list[str]:
        names = [_clean(path)]
        try:
            relative = os.path.relpath(os.path.abspath(path), self.base)
        except ValueError:  # another drive on Windows
            return names
        if not relative.startswith(".."):
            names.append(_clean(relative))
        return names

    def match(self, path: str, finding: Finding, fingerprint: str, today: dt.date) -> dict | None:
        """The suppression for a finding, from the first live entry that matches it, or None."""
        paths = self._candidates(path)
        for entry in self.entries:
            if not entry.expired(today) and entry.matches(paths, finding.rule, fingerprint):
                entry.used = True
                expires = entry.expires.isoformat() if entry.expires else None
                return {"kind": "ignore", "reason": entry.reason, "expires": expires, "entry": entry.index}
        return None

    def warnings(self, today: dt.date) -> list[str]:
        """Expired entries, and live entries that matched nothing in this run."""
        out = []
        for entry in self.entries:
            if entry.expires is not None and entry.expired(today):
                out.append(f"{entry.label()} expired on {entry.expires.isoformat()}; it no longer suppresses anything")
            elif not entry.used:
                out.append(f"{entry.label()} matched nothing in this run")
        return out


def load_ignore(path: str) -> IgnoreFile:
    """Read and validate an ignore file; ConfigError names the file, the entry and the key."""
    import yaml

    from authcheck.util.smallfile import IGNORE_MAX_BYTES, decode_utf8, read_capped

    try:
        text = decode_utf8(path, read_capped(path, IGNORE_MAX_BYTES, "ignore file"), "ignore file")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: cannot read the ignore file: {exc.strerror or exc}") from None
    from authcheck.errors import RuleError
    from authcheck.util.safeyaml import check_expansion

    loader = _loader()
    try:
        if "*" in text:  # aliases: refuse a YAML bomb before anything is built (or printed)
            check_expansion(yaml, text, loader, path, MAX_NODES)
        data = yaml.load(text, Loader=loader)
    except RuleError as exc:
        raise ConfigError(str(exc)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid YAML: nested too deeply") from None
    if data is None:
        return IgnoreFile([], path)
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a list of entries, got {type(data).__name__}")
    return IgnoreFile([_entry(path, i, item) for i, item in enumerate(data, start=1)], path)


def _entry(path: str, index: int, item: Any) -> Entry:
    where = f"{path}: entry {index}"
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping with rule/fingerprint and reason")
    for key, value in item.items():
        if key not in KEYS:
            raise ConfigError(f"{where}: unknown key '{key}' (expected one of {', '.join(KEYS)})")
        if key != "expires" and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"{where}: key '{key}' must be a non-empty string")
    if "reason" not in item:
        raise ConfigError(f"{where}: key 'reason' is required: say why this is acceptable")
    if "rule" not in item and "fingerprint" not in item:
        raise ConfigError(f"{where}: key 'rule' or 'fingerprint' is required")
    fingerprint = item.get("fingerprint")
    return Entry(
        index,
        item.get("rule"),
        item.get("path"),
        fingerprint.lower() if fingerprint else None,
        item["reason"].strip(),
        _expiry(where, item.get("expires")),
        item.get("approved_by"),
    )


def _expiry(where: str, value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(f"{where}: key 'expires' must be a date written YYYY-MM-DD, got {value!r}")


def apply_suppressions(
    result: Result,
    baseline: Baseline | None,
    ignore: IgnoreFile | None,
    today: dt.date,
    settings: Any = None,
    rescore: Callable[..., Result] | None = None,
) -> Result:
    """A new Result whose baselined or ignored findings carry `suppressed`, rescored without them.

    The ignore file is asked first (its entries carry a reason, and count as used); findings
    already suppressed are left alone.  `rescore(result, settings)` defaults to
    `authcheck.scoring.score.rescore`, which needs the run's `settings` (bands).  A result nothing
    suppresses comes back unchanged.
    """
    if settings is None and rescore is None:
        raise TypeError("apply_suppressions() needs settings= to rescore a result")
    changed, findings = False, []
    for finding in result.findings:
        mark = None if finding.suppressed is not None else _suppression(result, finding, baseline, ignore, today)
        findings.append(finding if mark is None else dataclasses.replace(finding, suppressed=mark))
        changed = changed or mark is not None
    if not changed:
        return result
    if rescore is None:
        from authcheck.scoring.score import rescore as rescore_result
    else:
        rescore_result = rescore
    return rescore_result(dataclasses.replace(result, findings=tuple(findings)), settings)


def _suppression(
    result: Result, finding: Finding, baseline: Baseline | None, ignore: IgnoreFile | None, today: dt.date
) -> dict | None:
    fingerprint = finding_fingerprint(result.sha256, finding)
    mark = ignore.match(result.path, finding, fingerprint, today) if ignore is not None else None
    if mark is None and baseline is not None and baseline.match(fingerprint):
        mark = {"kind": "baseline"}
    return mark
