"""Load and validate issuer registries (YAML): organisations and people with dated posts.

A registry is data from a file nobody vetted: it is parsed with the safe YAML loader, bounded in
size and alias expansion, and every problem is one error naming the file, the entry and the key
(exit status 2).  Reference-number patterns compile with RE2 (linear time, no backtracking).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from authcheck.errors import ConfigError

MAX_REGISTRY_BYTES = 64 * 1024 * 1024
MAX_NODES = 5_000_000
ACTIONS = (
    "end-agreement",
    "move-forces",
    "withdraw",
    "deploy",
    "commit-funds",
    "change-policy",
    "new-obligation",
    "any",
)
TOP_KEYS = {"schema", "example", "sources", "organisations", "organizations", "people", "description"}
ORG_KEYS = {
    "id",
    "names",
    "aliases",
    "letterhead",
    "addresses",
    "office_symbols",
    "reference_patterns",
    "exemplars",
    "sources",
    "notes",
}
PERSON_KEYS = {"id", "names", "organisation", "organization", "posts", "may_sign", "signatures", "sources", "notes"}
POST_KEYS = {
    "title",
    "titles",
    "rank",
    "organisation",
    "organization",
    "valid_from",
    "valid_to",
    "may_sign",
    "sources",
    "notes",
}


class RegistryError(ConfigError):
    """A registry file is invalid; the message names the file, the entry and the key."""


@dataclass(frozen=True)
class Organisation:
    """An issuing office: what it is called, what its letterhead says, how it numbers letters."""

    id: str
    names: tuple[str, ...]
    letterhead: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    office_symbols: tuple[str, ...] = ()
    reference_patterns: tuple[Any, ...] = ()  #: compiled RE2 patterns
    reference_sources: tuple[str, ...] = ()  #: the patterns as written
    exemplars: str | None = None
    where: str = ""


@dataclass(frozen=True)
class Post:
    """A title held from `valid_from` to `valid_to` (inclusive; None = open), and what it may sign."""

    titles: tuple[str, ...]
    rank: str | None = None
    organisation: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    may_sign: tuple[str, ...] | None = None

    def holds_on(self, day: date) -> bool:
        """True when the post was held on this day."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def span(self) -> str:
        """ "2019-07-01 to 2020-07-15" (open ends shown as "...")."""
        return f"{self.valid_from or '...'} to {self.valid_to or '...'}"


@dataclass(frozen=True)
class Person:
    """A person who signs for an organisation: name variants, posts, known signature-image hashes."""

    id: str
    names: tuple[str, ...]
    organisation: str | None = None
    posts: tuple[Post, ...] = ()
    may_sign: tuple[str, ...] | None = None
    signatures: tuple[str, ...] = ()
    where: str = ""


@dataclass(frozen=True)
class Registry:
    """Every organisation and person of the registry files of a run."""

    organisations: tuple[Organisation, ...] = ()
    people: tuple[Person, ...] = ()
    files: tuple[str, ...] = ()
    digest: str = ""
    orgs_by_id: dict = field(default_factory=dict, compare=False)


def load_registries(paths) -> Registry:
    """Load and merge registry files; raise RegistryError on the first problem."""
    orgs, people, digest = [], [], hashlib.sha256()
    for path in paths:
        text = _read(path)
        digest.update(text.encode("utf-8"))
        data = _parse(text, path)
        o, p = _entries(data, path)
        orgs.extend(o)
        people.extend(p)
    by_id: dict[str, Organisation] = {}
    for org in orgs:
        if org.id in by_id:
            raise RegistryError(f"{org.where}: key 'id': duplicate organisation id {org.id!r}")
        by_id[org.id] = org
    _check_people(people, by_id)
    return Registry(tuple(orgs), tuple(people), tuple(paths), digest.hexdigest(), by_id)


def _read(path: str) -> str:
    """A registry file's text, size-capped (a FIFO or device is never read)."""
    from authcheck.util.smallfile import decode_utf8, read_capped

    try:
        raw = read_capped(path, MAX_REGISTRY_BYTES, "registry", RegistryError)
    except FileNotFoundError:
        raise RegistryError(f"{path}: cannot read the registry: no such file") from None
    return decode_utf8(path, raw, "registry", RegistryError)


def _parse(text: str, path: str) -> dict:
    """Safe, bounded YAML; the document must be a mapping with known top-level keys."""
    from authcheck.errors import RuleError
    from authcheck.util.safeyaml import parse_yaml

    try:
        data = parse_yaml(text, path, MAX_NODES)
    except RuleError as exc:
        raise RegistryError(
            str(exc).replace("a rule file must hold one mapping (one rule per file)", "a registry must be a mapping")
        ) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a timestamp such as 2020-13-01
        raise RegistryError(f"{path}: invalid value in YAML: {exc}") from None
    unknown = sorted(str(k) for k in data if k not in TOP_KEYS)
    if unknown:
        raise RegistryError(f"{path}: key {unknown[0]!r}: unknown key (expected {', '.join(sorted(TOP_KEYS))})")
    return data


def _entries(data: dict, path: str) -> tuple[list[Organisation], list[Person]]:
    """The organisation and person entries of one file."""
    raw_orgs = data.get("organisations", data.get("organizations")) or []
    raw_people = data.get("people") or []
    for key, value in (("organisations", raw_orgs), ("people", raw_people)):
        if not isinstance(value, list):
            raise RegistryError(f"{path}: key {key!r}: must be a list")
    base = os.path.dirname(os.path.abspath(path))
    orgs = [_org(item, f"{path}:organisations[{i}]", base) for i, item in enumerate(raw_orgs)]
    return orgs, [_person(item, f"{path}:people[{i}]") for i, item in enumerate(raw_people)]


def _mapping(item: Any, where: str, allowed: set[str]) -> dict:
    """An entry as a mapping with only allowed keys (x- keys are free)."""
    if not isinstance(item, dict):
        raise RegistryError(f"{where}: must be a mapping")
    if isinstance(item.get("id"), str) and not where.endswith(")"):
        where = f"{where}({item['id'].strip()})"
    unknown = sorted(str(k) for k in item if k not in allowed and not str(k).startswith("x-"))
    if unknown:
        raise RegistryError(f"{where}: key {unknown[0]!r}: unknown key (expected {', '.join(sorted(allowed))})")
    return item


def _texts(item: dict, key: str, where: str, required: bool = False) -> tuple[str, ...]:
    """A key holding one text or a list of texts."""
    value = item.get(key)
    if value is None:
        if required:
            raise RegistryError(f"{where}: key {key!r}: required")
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise RegistryError(f"{where}: key {key!r}: must be a text or a list of non-empty texts")
    if required and not values:
        raise RegistryError(f"{where}: key {key!r}: must not be empty")
    return tuple(v.strip() for v in values)


def _ident(item: dict, where: str) -> str:
    """The entry's id: a non-empty text."""
    value = item.get("id")
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{where}: key 'id': required (a non-empty text)")
    return value.strip()


def _org(item: Any, where: str, base: str) -> Organisation:
    """One organisation entry."""
    item = _mapping(item, where, ORG_KEYS)
    oid = _ident(item, where)
    where = f"{where}({oid})"
    names = _texts(item, "names", where, required=True) + _texts(item, "aliases", where)
    sources = _texts(item, "reference_patterns", where)
    patterns = tuple(_compile(p, f"{where}: key 'reference_patterns'") for p in sources)
    folder = item.get("exemplars")
    if folder is not None and (not isinstance(folder, str) or not folder.strip()):
        raise RegistryError(f"{where}: key 'exemplars': must be a folder path")
    return Organisation(
        oid,
        names,
        _texts(item, "letterhead", where),
        _texts(item, "addresses", where),
        _texts(item, "office_symbols", where),
        patterns,
        sources,
        os.path.join(base, os.path.expanduser(folder)) if folder else None,
        where,
    )


def _compile(pattern: str, where: str):
    """An RE2 pattern, or a RegistryError naming where it was written."""
    from authcheck.errors import RuleError
    from authcheck.util.saferegex import compile_pattern

    try:
        return compile_pattern(pattern, ignore_case=True, where={})
    except RuleError as exc:
        raise RegistryError(f"{where}: {exc}") from None


def _person(item: Any, where: str) -> Person:
    """One person entry with its posts."""
    item = _mapping(item, where, PERSON_KEYS)
    pid = _ident(item, where)
    where = f"{where}({pid})"
    posts = item.get("posts") or []
    if not isinstance(posts, list):
        raise RegistryError(f"{where}: key 'posts': must be a list")
    signatures = _texts(item, "signatures", where)
    for sig in signatures:
        if len(sig) != 16 or any(c not in "0123456789abcdefABCDEF" for c in sig):
            raise RegistryError(f"{where}: key 'signatures': {sig!r} is not a 16-digit hex image hash")
    org = item.get("organisation", item.get("organization"))
    return Person(
        pid,
        _texts(item, "names", where, required=True),
        org,
        tuple(_post(p, f"{where}: key 'posts[{i}]'") for i, p in enumerate(posts)),
        _actions(item, where),
        tuple(s.lower() for s in signatures),
        where,
    )


def _post(item: Any, where: str) -> Post:
    """One dated post."""
    item = _mapping(item, where, POST_KEYS)
    titles = _texts(item, "title", where) + _texts(item, "titles", where)
    if not titles:
        raise RegistryError(f"{where}: key 'title': required")
    rank = item.get("rank")
    if rank is not None and not isinstance(rank, str):
        raise RegistryError(f"{where}: key 'rank': must be a text")
    start, end = _day(item, "valid_from", where), _day(item, "valid_to", where)
    if start and end and end < start:
        raise RegistryError(f"{where}: key 'valid_to': {end} is before valid_from {start}")
    return Post(titles, rank, item.get("organisation", item.get("organization")), start, end, _actions(item, where))


def _day(item: dict, key: str, where: str) -> date | None:
    """A date key (YAML date or ISO text)."""
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RegistryError(f"{where}: key {key!r}: {value!r} is not a date (YYYY-MM-DD)") from None


def _actions(item: dict, where: str) -> tuple[str, ...] | None:
    """The action classes an entry may sign (None = not declared)."""
    if "may_sign" not in item:
        return None
    values = _texts(item, "may_sign", where)
    for value in values:
        if value not in ACTIONS and not value.startswith("x-"):
            raise RegistryError(f"{where}: key 'may_sign': unknown action {value!r} (expected {', '.join(ACTIONS)})")
    return values


def _check_people(people: list[Person], orgs: dict) -> None:
    """Unique ids; organisations named by people and posts exist."""
    seen: set[str] = set()
    for person in people:
        if person.id in seen:
            raise RegistryError(f"{person.where}: key 'id': duplicate person id {person.id!r}")
        seen.add(person.id)
        for org in [person.organisation] + [p.organisation for p in person.posts]:
            if org is not None and org not in orgs:
                raise RegistryError(f"{person.where}: key 'organisation': unknown organisation {org!r}")
