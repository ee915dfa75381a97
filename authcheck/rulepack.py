"""Load, validate and compile YAML rule packs.  Errors name the file, the rule and the key.

One rule per file.  Built-in packs live in `rules/` at the top of the repository and are
installed as the package `authcheck.builtin_rules`; `--rules DIR` adds more folders.
Rule text is data: YAML is loaded safely, regexes compile with RE2, messages use `${name}`
placeholders from a fixed namespace, and nothing in a rule is ever executed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from .checks import KINDS
from .checks.base import Guard
from .checks.conditions import Cond, compile_when
from .errors import RuleError
from .fields import FIELD_PATHS
from .model import AXES, SEVERITIES
from .templates import check_template

SCHEMA = "authcheck/rule/v1"
ID = re.compile(r"^[a-z0-9]+(?:\.[a-z0-9][a-z0-9-]*)+$")
REQUIRED = {"id", "title", "description", "severity", "axis", "weight", "when", "message", "references", "tests"}
OPTIONAL = {"schema", "weights", "confidence", "floor", "scope", "patterns", "remediation", "max_evidence", "tags",
            "falsepositives", "status", "metadata"}
PARTS = {"letterhead", "recipient", "from", "subject", "reference", "date", "salutation", "body", "signature_block",
         "trailer", "banner", "watermark", "header", "footer", "annotation", "metadata",
         "postscript", "footnote", "annex"}
MAX_RULE_BYTES = 256 * 1024
MAX_RULES = 2000


@dataclass
class Pattern:
    """A compiled named pattern: its matcher, the parts it searches, and its guard."""

    matcher: Any
    scope: tuple[str, ...]
    guard: Guard


@dataclass
class Rule:
    """A validated, compiled rule."""

    id: str
    title: str
    description: str
    severity: str
    axis: str
    weight: float
    when: Cond
    message: str
    references: tuple[str, ...]
    tests: list
    file: str
    weights: list[tuple[Cond, float, str]] = field(default_factory=list)
    confidence: str = "medium"
    floor: Optional[str] = None
    patterns: dict[str, Pattern] = field(default_factory=dict)
    remediation: str = ""
    max_evidence: int = 5
    tags: tuple[str, ...] = ()

    def descriptor(self) -> dict:
        """The rule as reporters (SARIF, docs) describe it."""
        return {"id": self.id, "title": self.title, "description": self.description, "severity": self.severity,
                "axis": self.axis, "weight": self.weight, "references": list(self.references),
                "remediation": self.remediation, "confidence": self.confidence}


@dataclass
class RuleSet:
    """All rules of a run, in a stable order, and a digest of the files they came from."""

    rules: list[Rule]
    digest: str
    sources: tuple[str, ...] = ()

    def get(self, rule_id: str) -> Optional[Rule]:
        """The rule with this id, or None."""
        return next((r for r in self.rules if r.id == rule_id), None)


def builtin_dir() -> str:
    """The folder of the built-in rule packs (installed or editable)."""
    spec = importlib.util.find_spec("authcheck.builtin_rules")
    if spec is not None and spec.submodule_search_locations:
        return list(spec.submodule_search_locations)[0]
    checkout = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules")
    if os.path.isfile(os.path.join(checkout, "__init__.py")):  # running from a source checkout
        return checkout
    raise RuleError("built-in rules are missing from this installation")


def ruleset_for(settings) -> RuleSet:
    """The rule set a run's settings name (module level, so spawned workers can rebuild it)."""
    return load_ruleset(settings.rule_dirs)


def rule_files(directory: str) -> list[str]:
    """Every *.yaml / *.yml file under a folder, sorted; a missing folder is an error."""
    if not os.path.isdir(directory):
        raise RuleError(f"rule folder {directory!r} does not exist")
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        found.extend(os.path.join(root, f) for f in sorted(files) if f.endswith((".yaml", ".yml")))
    return found


def load_ruleset(extra_dirs=(), *, builtin: bool = True) -> RuleSet:
    """Load the built-in rules plus every folder in `extra_dirs`; raise RuleError on the first problem."""
    files = (rule_files(builtin_dir()) if builtin else []) + [f for d in extra_dirs for f in rule_files(d)]
    if len(files) > MAX_RULES:
        raise RuleError(f"too many rule files ({len(files)} > {MAX_RULES})")
    digest = hashlib.sha256()
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        text = _read(path)
        digest.update(path.encode() if not builtin else os.path.basename(path).encode())
        digest.update(text.encode("utf-8"))
        rule = compile_rule(parsed_rule(text, path), path)
        if rule.id in seen:
            raise RuleError(f"duplicate rule id (also in {seen[rule.id]})", file=path, rule=rule.id, key="id")
        seen[rule.id] = path
        rules.append(rule)
    return RuleSet(sorted(rules, key=lambda r: r.id), digest.hexdigest(), tuple(files))


def _read(path: str) -> str:
    """A rule file's text, size-capped."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_RULE_BYTES + 1)
    except OSError as exc:
        raise RuleError(f"cannot read: {exc.strerror or exc}", file=path) from None
    if len(raw) > MAX_RULE_BYTES:
        raise RuleError(f"rule file is larger than {MAX_RULE_BYTES} bytes", file=path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RuleError("rule file is not UTF-8", file=path) from None


def parsed_rule(text: str, path: str) -> dict:
    """A rule file's data, from the compiled-form cache when this exact text was parsed before.

    Parsing YAML (and importing PyYAML) is most of the cost of loading rules; the cache holds
    the parsed data as JSON under the user cache folder, keyed by the text's hash, and is only
    ever an accelerator: a missing, unreadable or corrupt entry means parsing the YAML again.
    """
    import json

    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    folder = _compiled_dir()
    entry = os.path.join(folder, key + ".json") if folder else None
    if entry:
        try:
            with open(entry, encoding="utf-8") as fh:
                data = json.load(fh)
            if isinstance(data, dict):
                return data
        except (OSError, ValueError):
            pass
    data = parse_yaml(text, path)
    if entry:
        _store(entry, data)
    return data


def _compiled_dir():
    """Where parsed rule files are kept (None when caching is off)."""
    if os.environ.get("AUTHCHECK_NO_RULE_CACHE"):
        return None
    base = os.environ.get("AUTHCHECK_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "authcheck", "rules-v1") if not os.environ.get("AUTHCHECK_CACHE_DIR") \
        else os.path.join(base, "rules-v1")
    return folder


def _store(entry: str, data: dict) -> None:
    """Write one parsed rule atomically; failures are ignored (the cache only speeds things up)."""
    import json
    import tempfile

    try:
        os.makedirs(os.path.dirname(entry), exist_ok=True)
        text = json.dumps(data, default=str)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(entry), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, entry)
    except (OSError, TypeError, ValueError):
        pass


def parse_yaml(text: str, path: str) -> dict:
    """YAML with the safe loader only (libyaml's when available); the document must be a mapping."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise RuleError(f"invalid YAML{where}: {getattr(exc, 'problem', exc)}", file=path) from None
    if not isinstance(data, dict):
        raise RuleError("a rule file must hold one mapping (one rule per file)", file=path)
    return data


def compile_rule(data: dict, path: str) -> Rule:
    """Validate one rule's keys and compile its patterns, conditions and message."""
    rid = data.get("id")
    where = {"file": path, "rule": rid if isinstance(rid, str) else ""}
    _check_keys(data, where)
    _check_scalars(data, where)
    patterns = _patterns(data, where)
    when = compile_when(data["when"], where, FIELD_PATHS)
    for name in when.patterns:
        if name not in patterns:
            raise RuleError(f"match names an undefined pattern {name!r}", **where, key="when")
    check_template(data["message"], FIELD_PATHS, patterns, where)
    return Rule(
        id=rid, title=data["title"].strip(), description=" ".join(data["description"].split()),
        severity=data["severity"], axis=data["axis"], weight=float(data["weight"]), when=when,
        message=data["message"].strip(), references=tuple(data["references"]), tests=_tests(data, where),
        file=path, weights=_weights(data, where, patterns), confidence=data.get("confidence", "medium"),
        floor=data.get("floor"), patterns=patterns, remediation=" ".join(data.get("remediation", "").split()),
        max_evidence=data.get("max_evidence", 5), tags=tuple(data.get("tags", ())),
    )


def _check_keys(data: dict, where: dict) -> None:
    """Required keys present, no unknown keys (x- prefixed keys are free)."""
    missing = sorted(REQUIRED - set(data))
    if missing:
        raise RuleError(f"missing required key {missing[0]!r}", **where, key=missing[0])
    unknown = sorted(k for k in data if k not in REQUIRED | OPTIONAL and not str(k).startswith("x-"))
    if unknown:
        raise RuleError(f"unknown key {unknown[0]!r}", **where, key=str(unknown[0]))
    if data.get("schema", SCHEMA) != SCHEMA:
        raise RuleError(f"unsupported schema {data['schema']!r} (this authcheck reads {SCHEMA})", **where, key="schema")


def _check_scalars(data: dict, where: dict) -> None:
    """Types and ranges of the scalar keys."""
    if not isinstance(data["id"], str) or not ID.match(data["id"]):
        raise RuleError("id must be dotted lowercase, e.g. signature.unsigned", **where, key="id")
    for key in ("title", "description", "message"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise RuleError(f"{key} must be a non-empty string", **where, key=key)
    choices = {"severity": SEVERITIES, "axis": AXES, "confidence": ("low", "medium", "high"), "floor": ("review", "fail")}
    for key, allowed in choices.items():
        if key in data and data[key] not in allowed:
            raise RuleError(f"{key} must be one of {', '.join(allowed)}", **where, key=key)
    _weight_value(data["weight"], where, "weight")
    refs = data["references"]
    if not isinstance(refs, list) or not refs or not all(isinstance(r, str) and r.strip() for r in refs):
        raise RuleError("references must be a non-empty list of strings", **where, key="references")
    if not isinstance(data.get("max_evidence", 5), int) or not 1 <= data.get("max_evidence", 5) <= 50:
        raise RuleError("max_evidence must be an integer from 1 to 50", **where, key="max_evidence")
    if not isinstance(data.get("remediation", ""), str):
        raise RuleError("remediation must be a string", **where, key="remediation")


def _weight_value(value, where: dict, key: str) -> float:
    """A weight: a number from 0 to 100."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise RuleError("weight must be a number from 0 to 100", **where, key=key)
    return float(value)


def _scope(value, where: dict, key: str) -> tuple[str, ...]:
    """A list of letter parts."""
    parts = [value] if isinstance(value, str) else value
    if not isinstance(parts, list) or not parts or any(p not in PARTS for p in parts):
        raise RuleError(f"scope must list parts from: {', '.join(sorted(PARTS))}", **where, key=key)
    return tuple(parts)


def _patterns(data: dict, where: dict) -> dict[str, Pattern]:
    """Compile the named patterns with their kind, scope and guard."""
    specs = data.get("patterns", {}) or {}
    if not isinstance(specs, dict):
        raise RuleError("patterns must be a mapping of name -> pattern", **where, key="patterns")
    default_scope = _scope(data.get("scope", ["body"]), where, "scope")
    out: dict[str, Pattern] = {}
    for name, spec in specs.items():
        key = f"patterns.{name}"
        if not isinstance(spec, dict):
            raise RuleError("a pattern must be a mapping", **where, key=key)
        kinds = [k for k in KINDS if k in spec]
        if len(kinds) != 1:
            raise RuleError(f"a pattern needs exactly one kind of: {', '.join(KINDS)}", **where, key=key)
        module = KINDS[kinds[0]]
        extra = set(spec) - module.KEYS - {"scope", "guard"}
        if extra:
            raise RuleError(f"unknown key {sorted(extra)[0]!r} for a {kinds[0]} pattern", **where, key=key)
        scope = _scope(spec["scope"], where, key + ".scope") if "scope" in spec else default_scope
        out[name] = Pattern(module.compile(spec, name, where), scope, Guard.parse(spec.get("guard"), where))
    for name, pat in out.items():
        for needed in getattr(pat.matcher, "needs", ()):
            if needed not in out or needed == name:
                raise RuleError(f"near names an undefined pattern {needed!r}", **where, key=f"patterns.{name}.near")
    return out


def _weights(data: dict, where: dict, patterns: dict) -> list[tuple[Cond, float, str]]:
    """Context-dependent weights: the first entry whose `when` holds replaces the base weight."""
    items = data.get("weights", []) or []
    if not isinstance(items, list):
        raise RuleError("weights must be a list of {when, weight, because}", **where, key="weights")
    out = []
    for i, item in enumerate(items):
        key = f"weights[{i}]"
        if not isinstance(item, dict) or set(item) - {"when", "weight", "because"} or "when" not in item:
            raise RuleError("each weights entry takes when, weight and because", **where, key=key)
        cond = compile_when(item["when"], where, FIELD_PATHS, key + ".when")
        for name in cond.patterns:
            if name not in patterns:
                raise RuleError(f"match names an undefined pattern {name!r}", **where, key=key)
        out.append((cond, _weight_value(item.get("weight"), where, key + ".weight"), str(item.get("because", ""))))
    return out


def _tests(data: dict, where: dict) -> list:
    """Inline examples: at least one that must match and one that must not."""
    tests = data["tests"]
    if not isinstance(tests, list) or not tests:
        raise RuleError("tests must be a non-empty list", **where, key="tests")
    for i, case in enumerate(tests):
        key = f"tests[{i}]"
        if not isinstance(case, dict) or case.get("expect") not in ("match", "no_match"):
            raise RuleError("each test needs expect: match or no_match", **where, key=key)
        if not isinstance(case.get("text", ""), str) or not isinstance(case.get("fields", {}), dict):
            raise RuleError("a test takes text (a string) and fields (a mapping)", **where, key=key)
        unknown = [f for f in case.get("fields", {}) if f not in FIELD_PATHS]
        if unknown:
            raise RuleError(f"test sets unknown field {unknown[0]!r}", **where, key=key)
    expects = {c["expect"] for c in tests}
    if expects != {"match", "no_match"}:
        raise RuleError("tests need at least one match and one no_match example", **where, key="tests")
    return tests
