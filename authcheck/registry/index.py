"""Fast lookup in a registry: exact normalised keys first, then fuzzy search inside small blocks.

People are indexed by their normalised name (person_key) and blocked by the first and last three
letters of the surname, so a near-miss search scores a few dozen candidates, not 10,000.
Organisations are indexed by every name, alias and letterhead line (title_key).
"""

from __future__ import annotations

from dataclasses import dataclass

from authcheck.registry.load import Organisation, Person, Registry
from authcheck.registry.normal import initials_match, name_string, person_key, title_key

NEAR = 80  #: lowest similarity (0-100) for a near miss


@dataclass(frozen=True)
class PersonMatch:
    """A registry person found for a written name: exact (same normalised name) or near."""

    person: Person
    variant: str
    similarity: float
    exact: bool


@dataclass(frozen=True)
class OrgMatch:
    """A registry organisation found for a letterhead or organisation line."""

    org: Organisation
    line: str  #: the registry's own text
    similarity: float
    exact: bool
    kind: str  #: "name" or "letterhead"


class RegistryIndex:
    """Lookup tables over one Registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.people: dict[str, list[tuple[Person, str]]] = {}
        self.blocks: dict[str, set[str]] = {}
        self.surnames: dict[str, list[str]] = {}
        self.orgs: dict[str, tuple[Organisation, str, str]] = {}
        for person in registry.people:
            for variant in person.names:
                self._add_person(person, variant)
        for org in registry.organisations:
            lines = [(n, "name") for n in org.names] + [(n, "letterhead") for n in org.letterhead]
            for text, kind in lines + [(s, "office symbol") for s in org.office_symbols]:
                self.orgs.setdefault(title_key(text), (org, text, kind))
        self._org_keys = list(self.orgs)

    def _add_person(self, person: Person, variant: str) -> None:
        key = person_key(variant)
        if not key:
            return
        text = name_string(key)
        if text not in self.people:
            self.surnames.setdefault(key[-1], []).append(text)
        self.people.setdefault(text, []).append((person, variant))
        for block in _blocks(key):
            self.blocks.setdefault(block, set()).add(text)

    def person(self, name: str) -> PersonMatch | None:
        """The registry person a written name refers to, exactly or nearly (None below NEAR)."""
        key = person_key(name)
        if not key:
            return None
        text = name_string(key)
        if text in self.people:
            person, variant = self.people[text][0]
            return PersonMatch(person, variant, 100.0, True)
        compatible = sorted(k for k in self.surnames.get(key[-1], ()) if initials_match(key, tuple(k.split())))
        if compatible:
            person, variant = self.people[compatible[0]][0]
            return PersonMatch(person, variant, 100.0, True)
        return self._near(text, key)

    def _candidates(self, key: tuple[str, ...]) -> list[str]:
        """Indexed names sharing a surname block with this name, in a stable order."""
        found: set[str] = set()
        for block in _blocks(key):
            found |= self.blocks.get(block, set())
        return sorted(found)

    def _near(self, text: str, key: tuple[str, ...]) -> PersonMatch | None:
        """The closest indexed name in the same blocks, when it reaches NEAR."""
        from rapidfuzz import fuzz, process

        candidates = self._candidates(key)
        if not candidates:
            return None
        best = process.extractOne(text, candidates, scorer=fuzz.ratio, score_cutoff=NEAR)
        if best is None:
            return None
        person, variant = self.people[best[0]][0]
        return PersonMatch(person, variant, float(best[1]), False)

    def organisation(self, line: str) -> OrgMatch | None:
        """The registry organisation a line names, exactly or nearly."""
        key = title_key(line)
        if not key:
            return None
        if key in self.orgs:
            org, text, kind = self.orgs[key]
            return OrgMatch(org, text, 100.0, True, kind)
        if not self._org_keys:
            return None
        from rapidfuzz import fuzz, process

        best = process.extractOne(key, self._org_keys, scorer=fuzz.ratio, score_cutoff=NEAR)
        if best is None:
            return None
        org, text, kind = self.orgs[best[0]]
        return OrgMatch(org, text, float(best[1]), False, kind)


def _blocks(key: tuple[str, ...]) -> list[str]:
    """Blocking keys of a person key: start and end of the surname (one typo rarely hits both), and
    given initial with the surname's first and last letters or its length (for short surnames)."""
    surname = key[-1]
    given = key[0][0] if len(key) > 1 else ""
    return [
        f"<{surname[:3]}",
        f">{surname[-3:]}",
        f"={given}{surname[0]}{surname[-1]}",
        f"#{given}{surname[0]}{len(surname)}",
    ]
