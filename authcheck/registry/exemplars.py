"""Known-genuine letters (exemplars): loaded once, grouped by office, compared with a suspect letter.

A folder holds PDF, DOCX or text letters and optionally `exemplars.yaml`, a list of
`{file, published, organisation, source}` entries: `published: true` marks a letter that appeared in
the press (a signature lifted from it is a forgery's tell).  Each difference from the office's
exemplars is reported with both values and weighted by how consistent the exemplars are on that
feature: a feature that varies among them weighs nothing.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import zlib
from collections import Counter
from dataclasses import dataclass, field

from authcheck.model import Evidence, Location, Signal
from authcheck.registry.features import TOLERANCE, features
from authcheck.registry.load import RegistryError

MAX_EXEMPLARS = 5000
MIN_CONSISTENCY = 0.6  #: share of exemplars agreeing on a value before a difference counts
SUFFIXES = (".pdf", ".docx", ".txt")
MANIFEST = "exemplars.yaml"


@dataclass
class Exemplar:
    """One known-genuine letter: its office, form features and fingerprint."""

    path: str
    group: str
    features: dict
    fingerprint: dict
    published: bool = False


@dataclass
class ExemplarSet:
    """Exemplars grouped by office, with a shingle index for finding near-duplicate bodies fast."""

    items: list[Exemplar]
    digest: str
    groups: dict = field(default_factory=dict)
    shingles: dict = field(default_factory=dict)

    def templates_of(self, body: str) -> list[str]:
        """Exemplars whose body this body copies with only names, dates or amounts changed."""
        from authcheck.registry.compare import template_relation

        mine = _shingles(body)
        if not mine:
            return []
        counts = Counter(i for s in mine for i in self.shingles.get(s, ()))
        out = []
        for i, shared in counts.most_common(5):
            if shared < 0.5 * len(mine):
                break
            found = template_relation(self.items[i].fingerprint["body"], body)
            if found:
                out.append(f"{found} (against exemplar {self.items[i].path})")
        return out


def _shingles(text: str) -> set[int]:
    """Hashes of word 4-grams, one in four kept (a cheap, deterministic sample)."""
    words = text.lower().split()
    grams = {zlib.crc32(" ".join(words[i : i + 4]).encode()) for i in range(max(0, len(words) - 3))}
    return {g for g in grams if g % 4 == 0}


def load_exemplars(folders, index) -> ExemplarSet:
    """Read every exemplar of the folders (str, or (folder, organisation id)); RegistryError on a bad one."""
    items: list[Exemplar] = []
    digest = hashlib.sha256()
    for entry in folders:
        folder, org = entry if isinstance(entry, tuple) else (entry, None)
        manifest = _manifest(folder)
        for path in _files(folder):
            if len(items) >= MAX_EXEMPLARS:
                raise RegistryError(f"{folder}: more than {MAX_EXEMPLARS} exemplars")
            items.append(_exemplar(path, manifest.get(os.path.basename(path), {}), org, index, digest))
    exemplars = ExemplarSet(items, digest.hexdigest())
    for i, ex in enumerate(items):
        exemplars.groups.setdefault(ex.group, []).append(i)
        for s in _shingles(ex.fingerprint.get("body", "")):
            exemplars.shingles.setdefault(s, []).append(i)
    return exemplars


def _files(folder: str) -> list[str]:
    """The letters in a folder (not recursive), sorted."""
    if not os.path.isdir(folder):
        raise RegistryError(f"{folder}: exemplar folder does not exist")
    return [
        os.path.join(folder, n)
        for n in sorted(os.listdir(folder))
        if n.lower().endswith(SUFFIXES) and os.path.isfile(os.path.join(folder, n))
    ]


def _manifest(folder: str) -> dict[str, dict]:
    """The folder's exemplars.yaml as {file name: entry}, validated."""
    path = os.path.join(folder, MANIFEST)
    if not os.path.isfile(path):
        return {}
    from authcheck.errors import RuleError
    from authcheck.registry.load import _read
    from authcheck.util.safeyaml import parse_yaml

    try:
        data = parse_yaml(_read(path), path)
    except RuleError as exc:
        raise RegistryError(
            str(exc).replace(
                "a rule file must hold one mapping (one rule per file)", "must be a mapping with the key 'exemplars'"
            )
        ) from None
    entries = data.get("exemplars")
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: key 'exemplars': must be a list of {{file, published, organisation, source}}")
    out = {}
    for i, item in enumerate(entries):
        where = f"{path}:exemplars[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            raise RegistryError(f"{where}: key 'file': required")
        unknown = sorted(set(item) - {"file", "published", "organisation", "organization", "source", "notes"})
        if unknown:
            raise RegistryError(f"{where}: key {unknown[0]!r}: unknown key")
        if not isinstance(item.get("published", False), bool):
            raise RegistryError(f"{where}: key 'published': must be true or false")
        out[item["file"]] = item
    return out


def _exemplar(path: str, meta: dict, org: str | None, index, digest) -> Exemplar:
    """Load, extract and describe one exemplar letter."""
    import hashlib as _h

    from authcheck.errors import CheckError
    from authcheck.extract import extract
    from authcheck.loaders import load
    from authcheck.loaders.read import read_input
    from authcheck.registry.fingerprint import fingerprint
    from authcheck.settings import Limits

    try:
        data = read_input(path, Limits())
        letter = extract(load(data, path=path, sha256=_h.sha256(data).hexdigest(), password=None, limits=Limits()))
    except CheckError as exc:
        raise RegistryError(f"{path}: exemplar could not be read: {exc.message}") from None
    digest.update(path.encode() + _h.sha256(data).digest() + repr(sorted(meta.items())).encode())
    signals = {}
    if index is not None:
        from authcheck.registry.facts import registry_signals

        signals = registry_signals(letter, index, ())
    group = meta.get("organisation") or meta.get("organization") or org or _group(letter, signals)
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    print_ = {**fingerprint(letter, data, signals), "path": shown}
    return Exemplar(shown, group, features(letter), print_, bool(meta.get("published")))


def _group(letter, signals: dict) -> str:
    """The office an exemplar belongs to: the registry organisation, else its letterhead text."""
    found = signals.get("registry.organisation")
    if found is not None and found.value:
        return str(found.value)
    from authcheck.registry.normal import title_key

    return "letterhead:" + " | ".join(title_key(f.text) for f in letter.letterhead.organization)


def exemplar_signals(letter, exemplars: ExemplarSet, signals: dict) -> dict[str, Signal]:
    """Differences from the exemplars of the letter's office, weighted by the exemplars' consistency."""
    group = _suspect_group(letter, exemplars, signals)
    members = [exemplars.items[i] for i in exemplars.groups.get(group, ())]
    if len(members) < 2:
        return {}
    mine = features(letter)
    diffs, weight = [], 0.0
    for name, value in mine.items():
        values = [m.features[name] for m in members if name in m.features]
        if len(values) < 2:
            continue
        found = _numeric(value, values, TOLERANCE[name]) if name in TOLERANCE else _exact(value, values)
        if found is None:
            continue
        modal, count = found
        consistency = count / len(values)
        if consistency < MIN_CONSISTENCY:
            continue
        weight += consistency
        diffs.append(f"{name}: this letter '{value}', exemplars '{modal}' ({count} of {len(values)})")
    if not diffs:
        return {"exemplar.mismatch_weight": Signal(0.0)}
    ev = tuple(Evidence(d[:300], Location("exemplar", key=group)) for d in diffs[:5])
    return {"exemplar.mismatch": Signal("; ".join(diffs), ev), "exemplar.mismatch_weight": Signal(round(weight, 2))}


def _exact(value: str, values: list[str]):
    """(modal value, its count) when `value` is none of the exemplars' values, else None."""
    return None if value in values else Counter(values).most_common(1)[0]


def _numeric(value: str, values: list[str], tolerance: float):
    """(median shown as the exemplars' value, how many lie within `tolerance` of it) when `value` lies
    further than `tolerance` from the median; None when it agrees or a value is not a number."""
    try:
        mine, theirs = _number(value), [_number(v) for v in values]
    except ValueError:
        return None
    middle = statistics.median(theirs)
    if abs(mine - middle) <= tolerance:
        return None
    shown = value.replace(value.split()[0], f"{middle:g}", 1)
    return shown, sum(abs(v - middle) <= tolerance for v in theirs)


def _number(text: str) -> float:
    """The leading number of a feature value ("25 mm" -> 25.0); ValueError when there is none."""
    return float(text.split()[0])


def _suspect_group(letter, exemplars: ExemplarSet, signals: dict) -> str:
    """The exemplar group of a suspect letter: its registry organisation, else the closest letterhead."""
    group = _group(letter, signals)
    if group in exemplars.groups or not group.startswith("letterhead:"):
        return group
    from rapidfuzz import fuzz, process

    keys = [g for g in exemplars.groups if g.startswith("letterhead:")]
    best = process.extractOne(group, keys, scorer=fuzz.ratio, score_cutoff=80) if keys else None
    return best[0] if best else group
