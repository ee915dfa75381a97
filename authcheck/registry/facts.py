"""Registry facts about one letter: who signs, in which post on that date, for which office.

`registry_signals(letter, index, actions)` compares the letter's signatory, titles, letterhead and
reference number with the registry and returns `Signal`s keyed as in keys.py; every signal's
evidence holds the registry entry (part "registry", key = file and entry) and the letter's text.
"""

from __future__ import annotations

import re
from datetime import date

from authcheck.engine.registrykeys import KEYS
from authcheck.model import Evidence, Fact, Letter, Location, Signal
from authcheck.registry.index import PersonMatch, RegistryIndex
from authcheck.registry.load import Organisation, Person, Post
from authcheck.registry.normal import claimed_rank, person_key, plain, rank_of, title_key
from authcheck.util.patterns import compiled

TITLE_WORDS = {
    "commander",
    "commanding",
    "director",
    "secretary",
    "minister",
    "chief",
    "head",
    "deputy",
    "officer",
    "ambassador",
    "president",
    "chair",
    "chairman",
    "chairwoman",
    "manager",
    "governor",
    "general",
    "admiral",
    "attache",
    "counsellor",
    "counselor",
    "consul",
    "spokesperson",
    "adviser",
    "advisor",
    "undersecretary",
    "under",
    "assistant",
    "principal",
    "dean",
    "mayor",
    "premier",
    "envoy",
}
_REF_LABEL = compiled(r"^\s*(?:our\s+)?ref(?:erence)?s?\s*(?:no\.?|number|#)?\s*[:.]?\s*", re.I)


def registry_signals(letter: Letter, index: RegistryIndex, actions=()) -> dict[str, Signal]:
    """Every registry signal for one letter (None values when there is nothing to say).  `actions` is
    the tuple of action classes the wording announces, or a function giving it (called only when the
    signatory's registry entry says what they may sign)."""
    out = {key: Signal(None) for key in KEYS if key.startswith("registry.")}
    out["registry.given"] = Signal(True)
    day = _day(letter)
    near: list[tuple[str, tuple]] = []
    match = _signatory(letter, index, near)
    org, org_ev = _organisation(letter, index, near, match)
    if match is not None:
        out["registry.signatory"] = Signal(f"{match.person.id} ({match.variant})", (_entry(match.person),))
    if org is not None:
        out["registry.organisation"] = Signal(org.id, (_org_entry(org),))
    if match is None and org is None and (_names(letter) or _org_lines(letter)):
        out["registry.unknown"] = _unknown(letter)
    if match is not None and match.exact:
        _post_signals(letter, match.person, day, out, near, org_ev)
    if near:
        out["registry.near_miss"] = Signal("; ".join(t for t, _ in near), tuple(e for _, ev in near for e in ev))
    out["registry.reference_format"] = _reference(letter, org)
    if match is not None and match.exact and _grants(match.person, day) is not None:
        found = actions() if callable(actions) else actions
        if found:
            out["registry.action"] = Signal(", ".join(found))
            out["registry.not_authorised"] = _authority(match.person, day, found)
    return out


def _day(letter: Letter) -> date | None:
    """The letter's own date, when it has one."""
    try:
        return date.fromisoformat(letter.date.value[:10]) if letter.date else None
    except ValueError:
        return None


def _ev(fact: Fact) -> Evidence:
    return Evidence(fact.text, fact.loc)


def _entry(person: Person) -> Evidence:
    """The registry entry of a person as evidence."""
    posts = "; ".join(f"{p.titles[0]} ({p.span()})" for p in person.posts[:4])
    text = f"{person.names[0]}" + (f": {posts}" if posts else "")
    return Evidence(text[:300], Location("registry", key=person.where))


def _org_entry(org: Organisation) -> Evidence:
    return Evidence(org.names[0][:300], Location("registry", key=org.where))


def _names(letter: Letter) -> list[Fact]:
    """The signatory's name as written: signature block first, then the issuer and FROM line."""
    from authcheck.extract.lines import split_person

    facts = [f for f in (letter.signature_block.name, letter.issuer.name) if f is not None]
    claim = next((c for c in letter.issuer.claims if c.loc.part == "from"), None)
    if claim is not None:
        name, _ = split_person(claim.text)
        if name:
            facts.append(Fact(name, claim.loc))
    seen, out = set(), []
    for f in facts:
        if f.text not in seen and person_key(f.text):
            seen.add(f.text)
            out.append(f)
    return out


def _signatory(letter: Letter, index: RegistryIndex, near: list) -> PersonMatch | None:
    """The registry person the letter names (exact preferred); near misses are noted."""
    best: PersonMatch | None = None
    for fact in _names(letter):
        found = index.person(fact.text)
        if found is None:
            continue
        if not found.exact:
            near.append(
                (
                    f"name '{fact.text}' is close to registry '{found.variant}' "
                    f"(similarity {round(found.similarity)}/100)",
                    (_ev(fact), _entry(found.person)),
                )
            )
        if best is None or (found.exact and not best.exact):
            best = found
    return best


def _org_lines(letter: Letter) -> list[Fact]:
    """Letterhead organisation lines and the issuer's organisation."""
    facts = list(letter.letterhead.organization) or list(letter.letterhead.lines[:4])
    if letter.letterhead.office_symbol is not None:
        facts.append(letter.letterhead.office_symbol)
    if letter.issuer.organization is not None and letter.issuer.organization.text not in {f.text for f in facts}:
        facts.append(letter.issuer.organization)
    return facts


def _organisation(letter: Letter, index: RegistryIndex, near: list, match: PersonMatch | None):
    """The organisation of the letter (exact line match, else near match, else the signatory's)."""
    exact, close = None, None
    for fact in _org_lines(letter):
        found = index.organisation(fact.text)
        if found is None:
            continue
        if found.exact:
            exact = exact or (found.org, [_ev(fact)])
        elif title_key(fact.text) not in _known_lines(index, found.org):
            near.append(
                (
                    f"{found.kind} line '{fact.text}' is close to registry '{found.line}' "
                    f"(similarity {round(found.similarity)}/100)",
                    (_ev(fact), _org_entry(found.org)),
                )
            )
            close = close or (found.org, [_ev(fact)])
    chosen = exact or close
    if chosen is None and match is not None and match.person.organisation:
        org = index.registry.orgs_by_id.get(match.person.organisation)
        return org, []
    return (chosen[0], chosen[1]) if chosen else (None, [])


def _known_lines(index: RegistryIndex, org: Organisation) -> set[str]:
    return {title_key(t) for t in org.names + org.letterhead + org.addresses + org.office_symbols}


def _unknown(letter: Letter) -> Signal:
    """Nothing in the registry: say what was looked for."""
    names = [f.text for f in _names(letter)[:1]] + [f.text for f in _org_lines(letter)[:1]]
    shown = " / ".join(f"'{n}'" for n in names) or "the issuer"
    return Signal(f"{shown} not found in the registry")


def _claimed_titles(letter: Letter, ranks_registered: bool = True) -> list[Fact]:
    """Title lines the letter claims for its signatory (signature block, then issuer/FROM title).  A line
    that is only a rank ("Commander") is a title claim when the registry gives no rank for the date."""
    facts = list(letter.signature_block.titles)
    if letter.issuer.title is not None and letter.issuer.title.text not in {f.text for f in facts}:
        facts.append(letter.issuer.title)
    return [f for f in facts if _title_like(f.text, ranks_registered)]


def _title_like(text: str, ranks_registered: bool = True) -> bool:
    """A line naming a post (not just a rank and service, or a unit)."""
    words = set(title_key(text).split())
    rank = rank_of(text)
    if (
        rank
        and ranks_registered
        and not (
            words
            - set(rank.split())
            - {
                "us",
                "u",
                "s",
                "marine",
                "corps",
                "army",
                "navy",
                "air",
                "force",
                "royal",
                "usmc",
                "usa",
                "usn",
                "usaf",
                "and",
            }
        )
    ):
        return False
    return bool(words & TITLE_WORDS)


def _post_signals(letter: Letter, person: Person, day: date | None, out: dict, near: list, org_ev: list) -> None:
    """not-in-office (claimed title/rank not held on the date), title near-misses and corroboration."""
    held = [p for p in person.posts if day is not None and p.holds_on(day)]
    claims = _claimed_titles(letter, any(p.rank for p in held))
    problems, evidence, corroborated = [], [_entry(person)], None
    for fact in claims:
        post, score = _best_post(person, fact.text, day)
        if post is None or score < 80:
            if person.posts and day is not None:
                now = "; ".join(p.titles[0] for p in held) or "no post"
                problems.append(
                    f"'{fact.text}' is not a post of {person.names[0]} in the registry "
                    f"(on {day} the registry gives: {now})"
                )
                evidence.append(_ev(fact))
            continue
        if score < 100:
            near.append(
                (
                    f"title '{fact.text}' is close to registry '{_closest_title(post, fact.text)}' "
                    f"(similarity {round(score)}/100)",
                    (_ev(fact), _entry(person)),
                )
            )
        if day is not None and not post.holds_on(day):
            problems.append(f"{person.names[0]} held '{post.titles[0]}' from {post.span()}; the letter is dated {day}")
            evidence.append(_ev(fact))
        elif day is not None and score == 100:
            corroborated = post
    if not claims and person.posts and day is not None and not held:
        problems.append(
            f"{person.names[0]} held no registered post on {day} "
            f"(posts: {'; '.join(p.titles[0] + ' ' + p.span() for p in person.posts[:3])})"
        )
    problems.extend(_rank_problem(letter, person, held, day, evidence))
    if problems:
        out["registry.not_in_office"] = Signal("; ".join(problems), tuple(evidence))
    elif corroborated is not None and not near and (org_ev or not letter.letterhead.organization):
        post = corroborated
        out["registry.corroborated"] = Signal(
            f"{person.names[0]}, {post.titles[0]} ({post.span()}) on {day}", (_entry(person), *org_ev)
        )


def _best_post(person: Person, text: str, day: date | None) -> tuple[Post | None, float]:
    """The post whose title is closest to a claimed title line (among equals, one held on the day:
    the same title held twice), and the similarity."""
    from rapidfuzz import fuzz

    key = _strip_rank(text)
    best, rank = None, (-1.0, False)
    for post in person.posts:
        for title in post.titles:
            s = 100.0 if _strip_rank(title) == key else fuzz.token_sort_ratio(_strip_rank(title), key) * 0.99
            candidate = (s, day is not None and post.holds_on(day))
            if candidate > rank:
                best, rank = post, candidate
    return best, rank[0]


def _closest_title(post: Post, text: str) -> str:
    from rapidfuzz import fuzz

    return max(post.titles, key=lambda t: fuzz.token_sort_ratio(_strip_rank(t), _strip_rank(text)))


def _strip_rank(text: str) -> str:
    """A title key without a leading rank ("Brigadier General, Commander X" -> "commander x")."""
    key = title_key(text)
    rank = rank_of(text)
    if rank and key.startswith(rank + " ") and len(key.split()) > len(rank.split()) + 1:
        key = key[len(rank) + 1 :]
    return key


def _rank_problem(letter: Letter, person: Person, held: list[Post], day, evidence: list) -> list[str]:
    """A claimed rank that differs from the rank the registry gives for the date."""
    ranked = [p for p in held if p.rank]
    if not ranked:
        return []
    lines = [f for f in (letter.signature_block.name, *letter.signature_block.titles) if f is not None]
    for fact in lines:
        claimed = claimed_rank(fact.text)
        if claimed and claimed not in {rank_of(rank) or plain(rank) for rank in (p.rank for p in ranked) if rank}:
            evidence.append(_ev(fact))
            return [f"'{fact.text}' claims the rank {claimed}; on {day} the registry gives {ranked[0].rank}"]
    return []


def _reference(letter: Letter, org: Organisation | None) -> Signal:
    """A reference number that fits none of the organisation's patterns."""
    if org is None or not org.reference_patterns:
        return Signal(None)
    for fact in _references(letter):
        value = _REF_LABEL.sub("", fact.text).strip()
        if value and not any(p.search(value) for p in org.reference_patterns):
            shown = " or ".join(org.reference_sources[:3])
            return Signal(
                f"'{value}' does not fit the reference format of {org.names[0]} ({shown})", (_ev(fact), _org_entry(org))
            )
    return Signal(None)


def _references(letter: Letter) -> list[Fact]:
    """The letter's own reference lines (REF / OUR REF; never YOUR REF, the recipient's number)."""
    from authcheck.model import Location

    text = letter.document.text
    facts = list(letter.letterhead.references)
    for start, end in letter.parts.get("reference", ()):
        for offset, line in _lines_in(text, start, end):
            facts.append(Fact(line.strip(), Location("reference", start=offset, end=offset + len(line))))
    return [f for f in facts if not re.match(r"^\s*your\s+ref", f.text, re.I) and _REF_LABEL.match(f.text)]


def _lines_in(text: str, start: int, end: int):
    """(offset, line) for each non-empty line of text[start:end]."""
    pos = start
    for line in text[start:end].split("\n"):
        if line.strip():
            yield pos, line
        pos += len(line) + 1


def _grants(person: Person, day: date | None) -> tuple[str, ...] | None:
    """What the person may sign on that day: the post's may_sign, else the person's (None: not declared)."""
    held = [p for p in person.posts if day is not None and p.holds_on(day) and p.may_sign is not None]
    return held[0].may_sign if held else person.may_sign


def _authority(person: Person, day: date | None, actions: tuple[str, ...]) -> Signal:
    """Actions the letter announces that the signatory may not sign (only when may_sign is declared)."""
    grants = _grants(person, day)
    if grants is None:
        return Signal(None)
    refused = [a for a in actions if not allowed(a, grants)]
    if not refused:
        return Signal(None)
    return Signal(
        f"{person.names[0]} may sign {', '.join(grants) or 'nothing'}; the letter announces {', '.join(refused)}",
        (_entry(person),),
    )


#: what a grant in a registry's `may_sign` covers beyond its own name
COVERS = {"move-forces": {"withdraw", "deploy", "move-forces"}, "any": None}


def allowed(action: str, may_sign: tuple[str, ...]) -> bool:
    """True when an action is covered by what the signatory may sign."""
    if "any" in may_sign or action in may_sign:
        return True
    return any(action in (COVERS.get(grant) or ()) for grant in may_sign)
