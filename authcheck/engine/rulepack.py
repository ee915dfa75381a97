"""Load, validate and compile YAML rule packs.  Errors name the file, the rule and the key.

One rule per file.  Built-in packs live in `rules/` at the top of the repository and are
installed as data in `authcheck/builtin_rules`; `--rules DIR` adds more folders.
Rule text is data: YAML is loaded safely, regexes compile with RE2, messages use `${name}`
placeholders from a fixed namespace, and nothing in a rule is ever executed.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from dataclasses import field
from typing import Any

from authcheck.engine.checks import KINDS
from authcheck.engine.checks.base import Guard
from authcheck.engine.checks.conditions import Cond, compile_when
from authcheck.engine.fields import FIELD_PATHS
from authcheck.engine.rulefiles import (  # noqa: F401 - builtin_dir, rule_files re-exported
    Pack,
    builtin_dir,
    cache_folder,
    digest_of,
    pack_files,
    pack_key,
    read_digests,
    rule_files,
)
from authcheck.engine.rulefiles import read_rule as _read
from authcheck.engine.templates import check_template
from authcheck.errors import RuleError
from authcheck.model import AXES, SEVERITIES
from authcheck.util.patterns import compiled
from authcheck.util.records import mutable
from authcheck.util.safeyaml import parse_yaml
from authcheck.util.sha import sha256

SCHEMA = "authcheck/rule/v1"
ID = compiled(r"^[a-z0-9]+(?:\.[a-z0-9][a-z0-9-]*)+$")
REQUIRED = {"id", "title", "description", "severity", "axis", "weight", "when", "message", "references", "tests"}
APPLIES_TO = ("letter-like", "any")
OPTIONAL = {
    "applies_to",
    "schema",
    "weights",
    "confidence",
    "floor",
    "scope",
    "patterns",
    "remediation",
    "max_evidence",
    "tags",
    "falsepositives",
    "status",
    "metadata",
}
PARTS = {
    "letterhead",
    "recipient",
    "from",
    "subject",
    "reference",
    "date",
    "salutation",
    "body",
    "signature_block",
    "trailer",
    "banner",
    "watermark",
    "header",
    "footer",
    "annotation",
    "metadata",
    "postscript",
    "footnote",
    "annex",
}


@mutable
class Pattern:
    """A compiled named pattern: its matcher, the parts it searches, and its guard."""

    matcher: Any
    scope: tuple[str, ...]
    guard: Guard


@mutable
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
    floor: str | None = None
    patterns: dict[str, Pattern] = field(default_factory=dict)
    remediation: str = ""
    max_evidence: int = 5
    tags: tuple[str, ...] = ()
    applies_to: str = "letter-like"  #: "letter-like" (letters, memos, e-mails, notices, statements) or "any"

    def descriptor(self) -> dict:
        """The rule as reporters (SARIF, docs) describe it."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "severity": self.severity,
            "axis": self.axis,
            "weight": self.weight,
            "references": list(self.references),
            "remediation": self.remediation,
            "confidence": self.confidence,
            "applies_to": self.applies_to,
        }


@mutable
class RuleSet:
    """All rules of a run, in a stable order, and a digest of the files they came from."""

    rules: list[Rule]
    digest: str
    sources: tuple[str, ...] = ()

    def get(self, rule_id: str) -> Rule | None:
        """The rule with this id, or None."""
        return next((r for r in self.rules if r.id == rule_id), None)


def ruleset_for(settings, read: Pack | None = None) -> RuleSet:
    """The rule set a run's settings name (module level, so spawned workers can rebuild it); `read`:
    the `Pack` `rulefiles.read_digests` gave for these settings, used instead of reading again."""
    return load_ruleset(settings.rule_dirs, memory_mb=settings.limits.memory_mb, read=read)


def load_ruleset(
    extra_dirs=(), *, builtin: bool = True, memory_mb: int | None = None, read: Pack | None = None
) -> RuleSet:
    """Load the built-in rules plus every folder in `extra_dirs`; raise RuleError on the first problem.

    Loading runs under the workers' memory cap (`memory_mb`, default `Limits.memory_mb`): a rule
    pack that needs more is a RuleError, never a parent process grown to gigabytes.  `read` is the
    `Pack` of exactly this load (`rulefiles.read_digests`): its texts, or its digests alone.
    """
    if memory_mb is None:
        from authcheck.settings import Limits

        memory_mb = Limits().memory_mb
    try:
        with memory_capped(memory_mb):
            return _load_ruleset(extra_dirs, builtin, read)
    except MemoryError:
        raise RuleError(
            f"loading the rule packs needs more than the {memory_mb} MB memory limit (limits.memory_mb)"
        ) from None


@contextlib.contextmanager
def memory_capped(memory_mb: int):
    """While inside, this process may grow its address space by at most `memory_mb` more (RLIMIT_AS,
    the workers' cap).  The parent cannot be capped for good (its workers and reporters need room
    later), so the soft limit is lowered for the duration and put back afterwards; where RLIMIT_AS
    or /proc are missing this does nothing (the alias bound in `parse_yaml` still holds)."""
    from authcheck.util.confine import address_space_in_use, resource

    in_use = address_space_in_use()  # 0 without /proc: no way to tell how much is "more"
    if resource is None or not hasattr(resource, "RLIMIT_AS") or not in_use or memory_mb <= 0:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = in_use + memory_mb * 1024 * 1024
    if (soft != resource.RLIM_INFINITY and soft <= cap) or (hard != resource.RLIM_INFINITY and hard < cap):
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _load_ruleset(extra_dirs, builtin: bool, read: Pack | None = None) -> RuleSet:
    if read is None:
        try:
            read = read_digests(extra_dirs, builtin)
        except RuleError:
            pass  # the file-by-file loop below raises the first problem, in the order it always did
    if read is not None and read.texts is None:  # the rule index vouched for its digests: no file read yet
        known = _from_digests(read)
        if known is not None:
            return known
        read = None  # the parsed pack is not cached: read the files, as always
    texts: list[str] | None
    if read is not None:
        files, texts = list(read.files), list(read.texts or ())
    else:
        files = pack_files(extra_dirs, builtin)
        try:
            texts = [_read(path) for path in files]
        except RuleError:
            texts = None  # the file-by-file loop below raises the first problem, in the order it always did
    known_digest: str | None = None  # None: a file could not be read, and the loop below hashes as it reads
    if read is not None:
        known_digest = read.digest
    elif texts is not None:
        known_digest = digest_of(files, texts, builtin)
    memo_key = (builtin, tuple(files), known_digest) if known_digest is not None and _REMEMBER else None
    if memo_key in _COMPILED:  # the same files with the same texts, compiled earlier in this process
        return _COMPILED[memo_key]
    pack = _PackCache(read.key if read is not None else pack_key(texts), len(files)) if texts is not None else None
    parsed = pack.load() if pack else None
    digest = sha256()
    datas: list[dict] = []
    rules: dict[str, tuple[Rule, str]] = {}
    for i, path in enumerate(files):  # each file read, parsed and compiled before the next is read
        text = texts[i] if texts is not None else _read(path)
        if known_digest is None:
            digest.update(path.encode() if not builtin else os.path.basename(path).encode())
            digest.update(text.encode("utf-8"))
        datas.append(parsed[i] if parsed is not None else parsed_rule(text, path))
        _add(rules, datas[-1], path)
    if pack and parsed is None:
        pack.store(datas)
    return _remembered(memo_key, RuleSet(_sorted(rules), known_digest or digest.hexdigest(), tuple(files)))


def _from_digests(read: Pack) -> RuleSet | None:
    """The rule set of a pack known by its digests alone, from this process's memory or the
    parsed-rule cache; None when neither holds it."""
    memo_key = (read.builtin, tuple(read.files), read.digest) if _REMEMBER else None
    if memo_key in _COMPILED:
        return _COMPILED[memo_key]
    parsed = _PackCache(read.key, len(read.files)).load()
    if parsed is None:
        return None
    rules: dict[str, tuple[Rule, str]] = {}
    for path, data in zip(read.files, parsed):
        _add(rules, data, path)
    return _remembered(memo_key, RuleSet(_sorted(rules), read.digest, tuple(read.files)))


def _add(rules: dict[str, tuple[Rule, str]], data: dict, path: str) -> None:
    """Compile one file's rule into `rules` (by id: the rule and its file); RuleError on a problem
    or an id already there."""
    rule = compile_rule(data, path)
    if rule.id in rules:
        raise RuleError(f"duplicate rule id (also in {rules[rule.id][1]})", file=path, rule=rule.id, key="id")
    rules[rule.id] = (rule, path)


def _sorted(rules: dict[str, tuple[Rule, str]]) -> list[Rule]:
    return [rule for _, (rule, _) in sorted(rules.items())]


def _remembered(memo_key: tuple | None, ruleset: RuleSet) -> RuleSet:
    if memo_key is not None:
        _COMPILED.clear()  # one pack per process is the common case; keep memory flat
        _COMPILED[memo_key] = ruleset
    return ruleset


#: The last rule pack compiled in this process, by its files and their digest, once `remember_compiled`
#: is on: the warm server (cli/server.py) compiles the built-in pack before it forks, and each
#: command it forks reuses it when its files still read the same.
_COMPILED: dict[tuple, RuleSet] = {}
_REMEMBER = False


def remember_compiled() -> None:
    """Keep the last compiled rule pack in this process for loads of the same files and texts."""
    global _REMEMBER
    _REMEMBER = True


class _PackCache:
    """The parsed data of a whole rule pack (every file of one load, in order) as ONE entry of the
    parsed-rule cache, so a warm run verifies one HMAC and reads one file instead of one per rule.

    The entry is keyed by the authcheck version and the hash of every file's text, carries an HMAC
    over that key and the data (cache key from cachekey.py, kept outside the cache folder), and
    holds the data marshalled (`util/sealed.py`) or, when marshal would not give back exactly
    these values (YAML's dates), the same tagged JSON as a file's entry; anything missing, unverified or corrupt is a
    miss, and the files are then read through `parsed_rule` (their own entries, or YAML).  The
    entry is written only after every rule of the load compiled without error."""

    def __init__(self, key: str, count: int) -> None:
        self.digest, self.count = key, count  # `rulefiles.pack_key` of the texts; how many files
        folder = cache_folder()
        self.secret = _cache_secret() if folder else None
        self.entry = os.path.join(folder, f"pack-{self.digest}.json") if folder and self.secret else None
        #: the same data marshalled (`util/sealed.py`), when marshal keeps every value as YAML gave it
        #: (no dates): read in a third of the time; marshal's format is this interpreter's
        self.native = f"{self.entry[:-5]}.marshal{marshal.version}" if self.entry else None

    def load(self) -> list[dict] | None:
        """The parsed data of every file, or None on a miss."""
        if not (self.entry and self.native and self.secret):
            return None
        from authcheck.util.sealed import read_sealed

        items = read_sealed(self.native, _PACK_FORM + self.digest.encode(), self.secret, MAX_CACHE_ENTRY_BYTES)
        marshalled = items is not None
        if not marshalled:
            data = _cached(self.entry, self.secret, "pack:" + self.digest)
            items = data.get("rules") if data is not None else None
        if not isinstance(items, list) or len(items) != self.count or not all(isinstance(i, dict) for i in items):
            return None
        if not marshalled:
            self._marshal(items)  # an entry an earlier version wrote as JSON: marshalled from now on
        return items

    def store(self, items: list[dict]) -> None:
        """Write the pack's entry: the parsed data of every file, in order; marshalled when marshal
        gives back exactly these values, else as tagged JSON."""
        if self.entry and self.secret and not self._marshal(items):
            _store(self.entry, self.secret, "pack:" + self.digest, {"rules": items})

    def _marshal(self, items: list[dict]) -> bool:
        """Write the marshalled entry when marshal gives back exactly these values; whether it did."""
        from authcheck.util.sealed import write_sealed

        if not (self.native and self.secret):
            return False
        try:
            if not same_values(marshal.loads(marshal.dumps(items)), items):
                return False
            write_sealed(self.native, _PACK_FORM + self.digest.encode(), self.secret, items)
        except (OSError, ValueError, TypeError, RecursionError):
            return False
        return True


_PACK_FORM = b"authcheck-rule-pack/2\n"  #: a marshalled pack entry's format line (its key follows)


def parsed_rule(text: str, path: str) -> dict:
    """A rule file's data, from the parsed-rule cache when this exact text was parsed before.

    Parsing YAML (and importing PyYAML) is most of the cost of loading rules; the cache holds
    the parsed data under the user cache folder, keyed by the text's hash, in a tagged JSON form
    that gives back exactly the values YAML gave (dates stay dates, integer keys stay integers),
    and with an HMAC made with the cache key (cachekey.py), so an entry planted by someone
    without the key is not used.  The cache is only an accelerator: a missing, unreadable,
    unverified or corrupt entry means parsing the YAML again.
    """
    digest = sha256(text.encode("utf-8")).hexdigest()
    folder = cache_folder()
    secret = _cache_secret() if folder else None
    entry = os.path.join(folder, digest + ".json") if folder and secret else None
    if entry and secret:
        data = _cached(entry, secret, digest)
        if data is not None:
            return data
    data = parse_yaml(text, path)
    if entry and secret:
        _store(entry, secret, digest, data)
    return data


def _cache_secret() -> bytes | None:
    """The cache key, or None (then the parsed-rule cache is simply not used)."""
    from authcheck.util.cachekey import CacheKeyError, load_key

    try:
        return load_key()
    except (CacheKeyError, OSError):
        return None


def _cached(entry: str, secret: bytes, digest: str) -> dict | None:
    """The verified data of one cache entry, or None."""
    import json

    from authcheck.util.cachekey import verify
    from authcheck.util.smallfile import read_regular
    from authcheck.util.typedjson import loads

    try:
        raw = read_regular(entry, MAX_CACHE_ENTRY_BYTES)  # the cache folder is not trusted: no FIFO, no /dev/zero
        if len(raw) > MAX_CACHE_ENTRY_BYTES:
            return None
        wrapper = json.loads(raw.decode("utf-8"))
        if not verify(secret, wrapper["mac"], digest, wrapper["data"]):
            return None
        data = loads(wrapper["data"])
        return data if isinstance(data, dict) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


MAX_CACHE_ENTRY_BYTES = 16 << 20  #: a parsed rule's cache entry; a larger one is a miss


def _store(entry: str, secret: bytes, digest: str, data: dict) -> None:
    """Write one parsed rule atomically, only when its encoded form decodes to the same values;
    failures are ignored (the cache only speeds things up)."""
    import json

    from authcheck.util.atomic import write_atomic
    from authcheck.util.cachekey import mac
    from authcheck.util.typedjson import decode, encode

    try:
        text = json.dumps(encode(data), sort_keys=True)
        if not same_values(decode(json.loads(text)), data):
            return
        wrapped = json.dumps({"mac": mac(secret, digest, text), "data": text})
        if len(wrapped.encode("utf-8")) > MAX_CACHE_ENTRY_BYTES:
            return  # would only ever be a miss: not written again on every run
        os.makedirs(os.path.dirname(entry), mode=0o700, exist_ok=True)
        write_atomic(entry, wrapped)
    except (OSError, TypeError, ValueError, RecursionError):
        pass


def same_values(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 == 1.0 == True are not the same here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_values(k, j) and same_values(a[k], b[j]) for k, j in zip(a, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_values(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)  # NaN


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
    check_template(data.get("remediation") or "", FIELD_PATHS, patterns, where, key="remediation")
    return Rule(
        id=data["id"],  # checked above to be a str
        title=data["title"].strip(),
        description=" ".join(data["description"].split()),
        severity=data["severity"],
        axis=data["axis"],
        weight=float(data["weight"]),
        when=when,
        message=data["message"].strip(),
        references=tuple(data["references"]),
        tests=_tests(data, where),
        file=path,
        weights=_weights(data, where, patterns),
        confidence=data.get("confidence", "medium"),
        floor=data.get("floor"),
        patterns=patterns,
        remediation=" ".join(data.get("remediation", "").split()),
        max_evidence=data.get("max_evidence", 5),
        tags=tuple(data.get("tags", ())),
        applies_to=data.get("applies_to", "letter-like"),
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
    choices = {
        "applies_to": APPLIES_TO,
        "severity": SEVERITIES,
        "axis": AXES,
        "confidence": ("low", "medium", "high"),
        "floor": ("review", "fail"),
    }
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
