"""What a sentence does: find actions on commitments, then ask who acts, when, and how surely.

`analyse(text, lexicon)` returns candidates: an action of some class (withdraw, end,
suspend...) on a commitment object (forces, an agreement, funding...), each either kept
with a reason (action, object, tense, modality, actor, polarity) or dropped by a named
guard (negation, condition, hypothetical, deliberation, question, reported, demand, past,
decoy, routine, request, participle).  Cues are scoped to their clause; conditions,
contrasts and reporting verbs to the clauses they govern in the sentence.
"""

from __future__ import annotations

from dataclasses import field

from authcheck.engine.checks.clauses import Sentence, sentences, tokenize, words_of
from authcheck.engine.checks.guards import first_guard
from authcheck.engine.checks.tense import (
    ADVERBS,
    AUX_FUTURE,
    DETERMINERS,
    FINITE,
    PRONOUNS,
    tense_of,
)
from authcheck.util.patterns import compiled
from authcheck.util.records import mutable


@mutable
class Candidate:
    """An action found in a sentence: kept (dropped is None) with its reason, or dropped by a guard."""

    start: int
    end: int
    reason: dict
    dropped: str | None = None
    cue: str = ""
    score: float = 0.0


@mutable
class _Ctx:
    """One sentence under analysis: tokens, clauses and the lexicon matches by kind."""

    sent: Sentence
    words: list
    actions: list = field(default_factory=list)
    objects: list = field(default_factory=list)
    decoys: list = field(default_factory=list)
    cues: dict = field(default_factory=dict)

    def cue_at(self, name: str, lo: int, hi: int):
        """The first cue of a category inside token range [lo, hi), or None."""
        for m in self.cues.get(name, ()):  # a loop, not next(generator): called ~5 times per candidate
            if lo <= m.lo < hi:
                return m
        return None


MAX_ACTIONS = 400  #: action words judged per segment: hostile text ("withdraw withdraw ...") costs bounded time


def analyse(text: str, lex, budget: list | None = None) -> list[Candidate]:
    """Every candidate change in a text (one segment), kept or dropped; `budget` ([n]) is shared across
    calls to bound the work on a whole document."""
    triggers = lex.triggers
    words = words_of(text)
    if triggers.isdisjoint(words):
        return []
    bare = _bare_words(text, words)
    if not lex.gate.finds(bare):
        return []  # no action, continuation or cessation cue: nothing to judge in any sentence
    out: list[Candidate] = []
    budget = budget if budget is not None else [MAX_ACTIONS]
    hi = 0
    for sent in sentences(text, tokenize(text, words)):
        if budget[0] <= 0:
            break
        lo, hi = hi, hi + len(sent.tokens)  # the sentences cut the token list in order
        if not triggers.isdisjoint(words[lo:hi]):
            out.extend(_sentence(sent, words[lo:hi], bare[lo:hi], lex, budget))
    return out


def _sentence(sent: Sentence, words: list, bare: list, lex, budget: list) -> list[Candidate]:
    """Candidates of one sentence, given its tokens' words and their `_bare` forms."""
    ctx = _Ctx(sent, words)
    tokens = sent.tokens
    for m in lex.index.scan(bare):
        kind = m.entry.kind
        if kind not in ("object", "decoy") and m.lo > 0 and tokens[m.lo].cap and words[m.lo] != "i":
            continue  # "the United States", "Operation Enduring Freedom": a name, not a verb or a cue
        if kind in ("action", "continuation"):
            ctx.actions.append(m)
        elif kind == "object":
            ctx.objects.append(m)
        elif kind == "decoy":
            ctx.decoys.append(m)
        else:
            ctx.cues.setdefault(m.entry.name, []).append(m)
    if not ctx.actions and "cessation" not in ctx.cues:
        return []  # nothing to judge (and no cessation cue to read)
    _drop_pseudo(ctx)
    compounds = [(d.lo, d.hi) for d in ctx.decoys if d.hi - d.lo > 1]  # "annual leave", "gym membership"
    idioms = [(c.lo, c.hi) for c in ctx.cues.get("idiom", ())] + compounds
    # (each filter runs only when it has something to drop: most sentences have no compound or idiom)
    if compounds:
        ctx.objects = [o for o in ctx.objects if not any(lo <= o.lo < hi for lo, hi in compounds)]
    ctx.actions = [
        m
        for m in ctx.actions
        if not _noun_reading(ctx, m) and not (idioms and any(lo <= m.lo < hi or m.lo < lo < m.hi for lo, hi in idioms))
    ]  # "at the end of", "based on"; "be [out of service]"
    ctx.actions = _longest([m for m in ctx.actions if m.entry.kind == "action"]) + _longest(
        [m for m in ctx.actions if m.entry.kind == "continuation"]
    )
    _drop_cues_in_phrases(ctx)
    out: list[Candidate] = []
    ctx.actions = ctx.actions[: max(0, budget[0])]
    budget[0] -= len(ctx.actions)
    for m in ctx.actions:
        cand = _candidate(ctx, m, lex)
        if cand is not None and not any(c.start == cand.start and c.dropped is None for c in out):
            out.append(cand)
    if not out:
        cand = _cessation(ctx, lex)
        if cand is not None:
            out.append(cand)
    return out


def _drop_cues_in_phrases(ctx: _Ctx) -> None:
    """ "ships will call at Piraeus": a word inside a phrasal action is not a demand or report cue ("a call")."""
    spans = [(a.lo, a.hi) for a in ctx.actions if a.hi - a.lo > 1 and "*" not in a.entry.words]
    if not spans:
        return  # no phrasal action: nothing to drop
    for name in ("demand_nouns", "reporting_nouns"):
        ctx.cues[name] = [c for c in ctx.cues.get(name, ()) if not any(lo <= c.lo < hi for lo, hi in spans)]


NOT_POSSESSIVE = {"it's", "that's", "there's", "here's", "what's", "who's", "let's", "he's", "she's"}


_APOSTROPHE_S = compiled("['’][sS]")  #: a possessive needs one


def _bare_words(text: str, words: list[str]) -> list[str]:
    """`_bare` of every word of `text` (the words themselves when the text has no "'s")."""
    return [_bare(w) for w in words] if _APOSTROPHE_S.search(text) else words


def _bare(word: str) -> str:
    """ "the mission's doors": a possessive is read as its noun, so the mission is found as an object."""
    if word.endswith("'s") and len(word) > 3 and word not in NOT_POSSESSIVE:
        return word[:-2]
    return word


def _drop_pseudo(ctx: _Ctx) -> None:
    """Remove negation and condition cues that sit inside a pseudo cue ("no later than", "if necessary"), and
    "May" (a month) from the hypothetical ones; add every contraction ending in n't to the negation cues
    (`ctx.cues["negation"]` is always set from here on).  Each step runs only when the sentence has what it
    works on: most sentences have none of these cues."""
    cues = ctx.cues
    spans = [(m.lo, m.hi) for m in cues.get("pseudo", ())]
    if spans:
        for name in ("negation", "hypothetical", "deliberation"):
            cues[name] = [m for m in cues.get(name, ()) if not any(lo <= m.lo < hi for lo, hi in spans)]
    if cues.get("hypothetical"):
        tokens = ctx.sent.tokens
        cues["hypothetical"] = [
            m for m in cues["hypothetical"] if not (ctx.words[m.lo] == "may" and tokens[m.lo].cap and m.lo > 0)
        ]
    neg = list(cues.get("negation", ()))
    if "n't" in "".join(ctx.words):  # a quick look first: a word ending in n't is rare
        for i, w in enumerate(ctx.words):
            if w.endswith("n't") and not any(m.lo == i for m in neg):
                neg.append(_Pseudo(i, i + 1, "n't"))
    cues["negation"] = neg


class _Pseudo:
    """A cue found by shape rather than by the lexicon (a contraction ending in n't)."""

    def __init__(self, lo: int, hi: int, name: str) -> None:
        self.lo, self.hi, self.name = lo, hi, name


def _noun_reading(ctx: _Ctx, m) -> bool:
    """ "the fund", "a base", "its supply": a verb form right after a determiner is a noun here."""
    return m.entry.form != "noun" and m.lo > 0 and ctx.words[m.lo - 1] in NOUN_DETERMINERS


NOUN_DETERMINERS = DETERMINERS - {"that"}  #: "that" is also a pronoun ("that close"): no noun after it


def _longest(matches: list) -> list:
    """Drop matches inside a longer one ("pull out" inside "pull out of"); a gapped match ("bring * home")
    hides nothing, since its gap may hold another reading ("ship ... heads back ... home")."""
    if len(matches) < 2:
        return matches  # (the caller's own list: nothing to hide)
    kept: list = []
    for m in sorted(matches, key=lambda m: (m.lo, -(m.hi - m.lo))):
        if any(k.lo <= m.lo and m.hi <= k.hi and "*" not in k.entry.words for k in kept):
            continue
        kept.append(m)
    return kept


def _candidate(ctx: _Ctx, m, lex) -> Candidate | None:
    """Judge one action match: object, polarity, then each guard in turn."""
    entry = m.entry
    if entry.kind == "continuation" and not ctx.cues["negation"] and not ctx.cues.get("cessation"):
        return None  # what `_polarity` finds: a continuation counts only when negated, and no cue here negates
    clause = ctx.sent.clause_of(m.lo)
    # a noun, or an infinitive inside a noun phrase ("any decision to withdraw would..."), is in the scope
    # of cues anywhere in its clause; a finite verb only of cues before it
    is_noun = (
        entry.form == "noun"
        or (
            entry.form == "base"
            and m.lo > 0
            and ctx.words[m.lo - 1] == "to"
            and not _finite_before(ctx, m.lo - 1, clause.lo)
        )
        or (entry.form == "ing" and m.lo == clause.lo)
    )  # "Closing the office is one possibility"
    negation = _negated(ctx, m, clause, is_noun)
    found = _polarity(ctx, m, clause, lex)
    if found is None:
        return None
    spec, polarity = found
    obj, decoy = _object(ctx, m, clause, spec, lex)
    if _last_of_another(ctx, m, obj):
        return None  # "the party will be the last event of the year": what is last is the event
    if entry.kind == "continuation":
        decoy = None  # "will no longer participate in the meetings": ending participation is the change
    limited = entry.kind == "continuation" and _limit(ctx, m, clause, lex)
    if entry.kind == "continuation" and (obj is None or entry.name == "limited") and not limited and not spec.bare:
        return None  # "will not be stationed in the city during the festival": no end without "after DATE"
    if obj is None and decoy is None and spec.generic and not limited and _firm(ctx, m, clause):
        obj = _generic_object(ctx, m, clause, lex)
    scale = spec.generic if obj is not None and obj.entry.name == "generic" else 1.0
    weight = spec.weight * scale * (lex.object_weight(obj) if obj is not None else 1.0 if limited else spec.bare)
    if obj is None and decoy is None and weight < lex.threshold:
        return None
    cand = _make(ctx, m, obj, entry, polarity, clause)
    cand.score = round(weight, 2)
    if polarity == "stopped":
        polarity, negation = "affirmed", ctx.cue_at("cessation", clause.lo, m.lo)
    guard = first_guard(ctx, m, clause, is_noun, negation if polarity == "affirmed" else None, decoy, lex)
    if guard is None and weight < lex.threshold:
        guard = ("weak", "")
    if guard is None:
        guard = _pause(ctx, m, obj)
    if guard is not None:
        cand.dropped, cand.cue = guard
    return cand


CLOSING = {"close", "closes", "closed", "closing", "shut", "shuts", "shutting", "switched", "switch", "turned", "turn"}
GATES = {
    "crossing",
    "checkpoint",
    "port",
    "airport",
    "airfield",
    "border",
    "airspace",
    "waters",
}  #: access, not premises
SHORT = {
    "hour",
    "hours",
    "day",
    "days",
    "week",
    "weeks",
    "weekend",
    "morning",
    "afternoon",
    "evening",
    "night",
    "summer",
    "winter",
    "holiday",
    "holidays",
    "duration",
    "birthday",
    "funeral",
    "visit",
    "festival",
    "regatta",
    "celebration",
    "celebrations",
    "farewell",
    "ceremony",
    "reception",
    "anniversary",
    "inauguration",
    "feast",
}

LASTING = {"remaining", "rest", "remainder", "foreseeable", "good"}  #: "for the remaining weeks of the mandate"


def _pause(ctx: _Ctx, m, obj):
    """ "The consulate will be closed for the King's birthday", "... until Thursday", "... while the road is
    repaired": premises closed for a short, bounded time pause; they are not closed (a border or port closed
    for a day is a measure on access, and "until further notice" has no bound)."""
    if (
        ctx.words[m.lo] not in CLOSING
        or obj is None
        or obj.entry.name != "facilities"
        or ctx.words[obj.hi - 1] in GATES
    ):
        return None
    words = ctx.words
    for i in range(m.hi, len(words)):
        w = words[i]
        if w in ("until", "till") and words[i + 1 : i + 2] != ["further"]:
            return "routine", w
        if w == "while" or w == "during":
            return "routine", w
        if (
            w == "for"
            and any(x in SHORT or x[:-2] in SHORT for x in words[i + 1 : i + 5])
            and not any(x in LASTING for x in words[i + 1 : i + 5])
        ):
            return "routine", " ".join(words[i : i + 4])
    return None


WHEN = {"next", "this", "today", "tomorrow", "then", "now", "mid", "early", "late"}


def _limit(ctx: _Ctx, m, clause, lex) -> bool:
    """A limit after a continuation ("beyond 31 March", "after the handover"); "from" only before a time
    ("from 1 April", "from next year"), not a source ("accept invoices from suppliers")."""
    for cue in ctx.cues.get("limit", ()):
        if not m.hi <= cue.lo < clause.hi:
            continue
        if ctx.words[cue.lo] != "from":
            return True
        nxt = ctx.sent.tokens[cue.hi] if cue.hi < len(ctx.words) else None
        if nxt is not None and (nxt.low[:1].isdigit() or nxt.low in WHEN or (nxt.cap and nxt.low in lex.not_places)):
            return True
    return False


STOPPING = {
    "withdraw",
    "depart",
    "end",
    "finish",
    "suspend",
    "reduce",
    "recall",
    "change",
}  #: no more of these is no change


def _last_of_another(ctx: _Ctx, m, obj) -> bool:
    """ "be the last/final X": the X is what is last; unless X is the commitment itself (or "one")."""
    if m.entry.form != "noun" or m.entry.words[0] != "be" or m.entry.words[-1] not in ("last", "final"):
        return False
    nxt = ctx.words[m.hi] if m.hi < len(ctx.words) else ""
    if not nxt.isalpha() or nxt in ("one", "ones", "time") or nxt in FUNCTION:
        return False
    return obj is None or obj.lo != m.hi


def _polarity(ctx: _Ctx, m, clause, lex):
    """(class spec, polarity) of an action; a continuation counts only when negated ("will not remain")."""
    cessation = ctx.cue_at("cessation", clause.lo, m.lo)
    if m.entry.kind != "continuation":
        if cessation and m.entry.name in STOPPING:
            return lex.classes[m.entry.name], "stopped"  # "there will be no withdrawal": stopping an end is no change
        if cessation and ctx.words[cessation.hi - 1] in ("longer", "anymore"):
            return lex.continuation, "no longer"  # "we will no longer require the use of the port": any commitment
        return lex.classes[m.entry.name], "no longer" if cessation else "affirmed"
    cue = ctx.cue_at("negation", clause.lo, m.lo) or cessation  # "has not been suspended" is not "not fund"
    if cue is None or any(cue.hi <= a.lo < m.lo for a in ctx.actions if a.entry.kind == "action"):
        return None  # "not be cutting funding": the negation belongs to "cutting"
    return lex.continuation, "double negation"


def _finite_before(ctx: _Ctx, i: int, lo: int) -> bool:
    """Whether a finite verb or auxiliary precedes token i in the clause ("we intend to", "has decided to")."""
    return (
        any(
            w in FINITE or w in PRONOUNS or (w.endswith(("s", "ed")) and j > lo and ctx.words[j - 1] in PRONOUNS)
            for j, w in enumerate(ctx.words[lo:i], lo)
        )
        or ctx.cue_at("intent", lo, i) is not None
    )


def _negated(ctx: _Ctx, m, clause, is_noun: bool):
    """The negation cue that covers this action: in its clause, before it (anywhere for a noun)."""
    hi = clause.hi if is_noun else m.lo
    cue = ctx.cue_at("negation", clause.lo, hi)
    if cue is None:
        cue = ctx.cue_at("negation_after", clause.lo, m.lo)  # "rather than", "instead of"
    return cue


def _object(ctx: _Ctx, m, clause, spec, lex):
    """The nearest commitment object the action may act on, and the nearest decoy if it is closer."""

    def dist(o):
        return o.lo - m.hi if o.lo >= m.hi else m.lo - o.hi + 1

    gapped = "*" in m.entry.words and m.hi - m.lo > len(m.entry.words) - 1  # "bring our trainers home": in the gap
    inside = [
        o
        for o in ctx.objects
        if clause.lo <= o.lo < clause.hi
        and o.lo != m.lo
        and (m.lo < o.lo < m.hi if gapped else not m.lo <= o.lo < m.hi)  # "make * payments" ends on one
        and o.entry.name in spec.objects
        and abs(dist(o)) <= lex.window
    ]
    inside += _places(ctx, m, clause, spec, lex)
    decoys = [
        d
        for d in ctx.decoys
        if clause.lo <= d.lo < clause.hi
        and not (m.lo <= d.lo < m.hi)
        and dist(d) <= lex.window
        and (ctx.words[d.hi : d.hi + 1] != ["of"] or "during" in ctx.words[d.lo - 3 : d.lo])
        and not _aside(ctx, d, clause)
        and not _force_term(ctx, d)
        and not any(a.lo <= d.lo < a.hi for a in ctx.actions)
    ]  # "call at": part of a verb, not a call
    heads = {d.lo for d in decoys}
    inside = [o for o in inside if o.hi not in heads]  # "the project account": the account is what is meant
    inside = [o for o in inside if not (o.lo >= m.hi and ctx.words[o.hi - 1].endswith("'s"))]  # "the sale of the
    # embassy's old cars": after the action, what is acted on is the possessed noun, not its owner
    nouns = {o.lo for o in ctx.objects if o.lo != m.lo}
    inside = [o for o in inside if o.hi not in nouns]  # "the inspection team will need": a team, not an inspection
    tails = {d.hi for d in ctx.decoys if clause.lo <= d.lo < clause.hi}
    inside = [
        o for o in inside if not any(ctx.words[k] == "of" and k in tails for k in range(max(0, o.lo - 2), o.lo))
    ]  # "the leave of the attaché"
    best = min(inside, key=dist, default=None)
    decoy = min(decoys, key=dist, default=None)
    other = _other_complement(ctx, m, clause, best, inside)
    if other is not None:
        return None, other  # "the embassy will withdraw its invitation list": the list is withdrawn, not the embassy
    during = [d for d in decoys if _bounded(ctx, m, d, best)]
    if during and m.entry.name in STOPPING and not ctx.cue_at("decision", 0, len(ctx.words)):
        return best, during[0]  # "the embassy will close during the reception": a pause for an event
    after = [d for d in decoys if d.lo >= m.hi]
    if after and m.entry.name == "move" and (best is None or best.lo < m.lo):
        return best, after[0]  # "the library will operate from the ground floor": a move inside the house
    if decoys and m.entry.name == "depart" and m.entry.form == "noun":
        return best, decoys[0]  # "our team will be home by Friday after the workshop": back from a trip
    subject = [d for d in decoys if d.hi <= m.lo and m.lo - d.hi <= 3 and m.entry.form != "noun"]
    subject += [d for d in decoys if d.hi <= m.lo and _leads(ctx, d, clause) and m.entry.form != "noun"]
    if subject and not any(subject[-1].hi <= o.lo < m.lo and not _modifier(ctx, o, subject[-1]) for o in inside):
        return best, subject[-1]  # "the bus will depart from the embassy": the decoy is what acts
    if decoy is not None and (
        best is None or dist(decoy) < dist(best) or (m.entry.form == "noun" and decoy.lo == m.hi)
    ):
        return best, decoy
    return best, None


OWN_PARTS = {"door", "doors", "gate", "gates", "books", "operations", "activities", "work", "business"}
TIME = {
    "today",
    "tomorrow",
    "tonight",
    "soon",
    "immediately",
    "now",
    "shortly",
    "next",
    "this",
    "early",
    "later",
    "forthwith",
    "altogether",
    "entirely",
    "completely",
    "permanently",
    "temporarily",
    "again",
    "too",
    "well",
    "once",
    "gradually",
    "fully",
    "partly",
    "first",
    "finally",
    "together",
    "home",
    "back",
    "out",
    "down",
    "up",
    "away",
    "abroad",
    "overseas",
    "south",
    "north",
    "east",
    "west",
    "ahead",
    "forward",
    "there",
    "here",
}


def _other_complement(ctx: _Ctx, m, clause, best, inside):
    """A subject commitment with an active verb whose own direct object is something else ("the mission will move
    its archive boxes", "the section will stop issuing paper receipts"): a match on that object's head, else None."""
    if (
        best is None
        or best.lo >= m.lo
        or m.entry.kind != "action"
        or m.entry.form == "noun"
        or "*" in m.entry.words
        or _passive(ctx, m, clause)
        or m.entry.name == "depart"
        or ctx.words[m.lo].startswith("evacuat")
    ):
        return None  # "the battalion will leave the valley", "will evacuate the town": what follows is a place
    words, tokens, head, i = ctx.words, ctx.sent.tokens, None, m.hi
    named = {d.lo for d in ctx.decoys}  # "the invitation list": a list, not an invitation
    objects = [o for o in ctx.objects if o.hi not in named]
    while i < min(clause.hi, m.hi + 5) and words[i] not in STOP:
        if any(o.lo <= i < o.hi for o in objects):
            return None
        if words[i] in TIME or tokens[i].cap or not words[i].isalpha() or words[i].endswith("ly"):
            return None
        if words[i] not in SKIP:
            head = i
        i += 1
    if head is None or words[head] in OWN_PARTS:
        return None  # "the office will close its doors": the office itself closes
    if words[head + 1 : head + 2] == ["with"] and words[head + 2 : head + 3] not in (["immediate"], ["effect"]):
        return None  # "terminate its exchange with your academy": a tie with a counterpart is a commitment
    from authcheck.engine.checks.lexicon import Entry, Match

    return Match(head, head + 1, Entry((words[head],), "decoy", "complement"))


def _passive(ctx: _Ctx, m, clause) -> bool:
    """ "is closed", "will be transferred": a passive verb, whose subject is what is acted on."""
    return m.entry.form in ("ed", "pp", "past") and any(
        w in ("is", "are", "was", "were", "be", "been", "being") for w in ctx.words[max(clause.lo, m.lo - 3) : m.lo]
    )


PREPOSITIONS = {"for", "of", "at", "in", "to", "from", "with"}


def _leads(ctx: _Ctx, d, clause) -> bool:
    """A decoy heading its clause's first noun phrase ("Canteen prices for staff will drop")."""
    for j in range(clause.lo, d.lo):
        w = ctx.words[j]
        if w in STOP or not w.isalpha() or any(o.lo <= j < o.hi and o.hi != d.lo for o in ctx.objects):
            return False  # "the staff bus": a noun right before the decoy only names which bus
    return True


def _modifier(ctx: _Ctx, o, d) -> bool:
    """An object inside a prepositional phrase after the subject ("prices [for embassy staff]")."""
    return any(w in PREPOSITIONS for w in ctx.words[d.hi : o.lo]) and not any(
        w in STOP - PREPOSITIONS for w in ctx.words[d.hi : o.lo]
    )


PAUSE = {"after", "for", "until", "till", "throughout"}  #: "close after the ceremony": bounded by an event


def _bounded(ctx: _Ctx, m, d, best) -> bool:
    """A decoy event or period that bounds the action: "during (for the duration of) the audit" for any stopping action;
    "after/for/until the ceremony" only for a facility that closes or pauses (a force leaving after a
    ceremony still leaves)."""
    before = ctx.words[max(0, d.lo - 3) : d.lo]
    if "during" in before or "duration" in before:  # "for the duration of the audit"
        return True
    return (
        d.lo > m.lo
        and any(w in PAUSE for w in before)
        and m.entry.name in ("end", "suspend")
        and m.entry.form != "noun"
        and best is not None
        and best.entry.name == "facilities"
    )


TERMS = {"tour", "stay", "rotation"}  #: what a force has in a place: its tour there is its presence


def _force_term(ctx: _Ctx, d) -> bool:
    """ "our contingent's tour": the tour of a force is its presence, not a trip."""
    if ctx.words[d.lo] not in TERMS or d.lo == 0 or not ctx.words[d.lo - 1].endswith("'s"):
        return False
    return any(o.hi == d.lo and o.entry.name == "forces" for o in ctx.objects)


CIRCUMSTANCE = {"at", "during", "after", "before", "following", "since", "throughout"}
ATTACHED = {"in", "of", "for", "to"}


def _aside(ctx: _Ctx, d, clause) -> bool:
    """A decoy that is neither what acts nor what is acted on: where a decision was taken ("resolved at its
    meeting yesterday to close the office") or a complement of a commitment noun ("our participation in the
    exercise has been cancelled": the participation is cancelled, when the word may be a commitment
    itself; "participation in the conference" stays a decoy)."""
    words, j = ctx.words, d.lo - 1
    if any(w in CIRCUMSTANCE for w in words[max(clause.lo, d.lo - 4) : d.lo]):  # "at this afternoon's session"
        return ctx.cue_at("decision", 0, len(words)) is not None  # where a decision was taken
    while j >= clause.lo and words[j] in SKIP:
        j -= 1
    if j < clause.lo:
        return False
    return words[j] in ATTACHED and any(o.hi == j for o in ctx.objects) and any(o.lo == d.lo for o in ctx.objects)


STOP = {
    "to",
    "of",
    "in",
    "on",
    "at",
    "by",
    "for",
    "with",
    "from",
    "until",
    "after",
    "before",
    "and",
    "or",
    "that",
    "which",
    "who",
    "as",
    "than",
    "into",
    "under",
    "over",
    "within",
    "during",
    "between",
    "is",
    "are",
    "was",
    "were",
    "will",
    "shall",
    "be",
    "has",
    "have",
    "had",
    ",",
    ";",
    ":",
    "?",
    "!",
    "if",
    "when",
    "because",
}
SKIP = {
    "the",
    "a",
    "an",
    "its",
    "their",
    "our",
    "your",
    "his",
    "her",
    "my",
    "this",
    "these",
    "those",
    "all",
    "any",
    "some",
    "each",
    "every",
    "both",
    "remaining",
    "current",
    "existing",
    "new",
    "further",
    "entire",
    "whole",
}
FUNCTION = (
    STOP
    | SKIP
    | {
        "it",
        "them",
        "us",
        "you",
        "him",
        "me",
        "we",
        "they",
        "i",
        "he",
        "she",
        "itself",
        "not",
        "no",
        "there",
        "here",
        "now",
        "then",
        "also",
        "be",
        "been",
        "being",
        "hereby",
    }
)


def _firm(ctx: _Ctx, m, clause) -> bool:
    """An unknown object only counts in a firm announcement: hereby, decided, intends, or the writer acting."""
    return _modality(ctx, m, clause) in ("hereby", "decided", "intends") or _actor(ctx, m, clause) == "writer"


def _generic_object(ctx: _Ctx, m, clause, lex):
    """The head of the noun phrase an action acts on when the lexicon does not know it:
    after an active verb ("terminate the concession"), before a passive one ("the concession is
    terminated"), or after "of" for a noun ("the abolition of the levy")."""
    from authcheck.engine.checks.lexicon import Entry, Match

    words, form = ctx.words, m.entry.form
    if form == "noun":
        start = m.hi + 1 if words[m.hi : m.hi + 1] == ["of"] else None
    elif form in ("ed", "pp", "past") and any(
        w in ("is", "are", "was", "were", "be", "been", "being") for w in words[max(clause.lo, m.lo - 3) : m.lo]
    ):
        j = m.lo - 1
        while j >= clause.lo and (words[j] in FUNCTION or words[j] in ADVERBS):
            j -= 1
        head = j if j >= clause.lo else None
        return _generic_match(ctx, head, Entry, Match)
    else:
        start = m.hi
    if start is None:
        return None
    head, i = None, start
    while i < min(clause.hi, start + 5) and words[i] not in STOP:
        if words[i] not in SKIP:
            head = i
        i += 1
    return _generic_match(ctx, head, Entry, Match)


def _generic_match(ctx: _Ctx, i, Entry, Match):
    """A match for a generic object at token i, when it reads like a noun."""
    if i is None:
        return None
    word = ctx.words[i]
    if word in FUNCTION or not word.isalpha() or len(word) < 3 or word.endswith("ly"):
        return None
    return Match(i, i + 1, Entry((word,), "object", "generic"))


def _places(ctx: _Ctx, m, clause, spec, lex) -> list:
    """Capitalised names after a movement verb ("leave Iraq"), for classes that accept places."""
    if "places" not in spec.objects:
        return []
    out = []
    for i in range(m.hi, min(clause.hi, m.hi + 3)):
        tok = ctx.sent.tokens[i]
        if tok.cap and tok.low not in lex.not_places and tok.low[:1].isalpha():
            from authcheck.engine.checks.lexicon import Entry, Match

            out.append(Match(i, i + 1, Entry((tok.low,), "object", "places")))
            break
    return out


def _make(ctx: _Ctx, m, obj, entry, polarity: str, clause) -> Candidate:
    """A candidate with its span (action and object when close) and its reason."""
    tokens = ctx.sent.tokens
    lo, hi = m.lo, m.hi
    if obj is not None and abs(obj.lo - m.lo) <= 6:
        lo, hi = min(lo, obj.lo), max(hi, obj.hi)
    elif obj is None and lo > 0 and ctx.words[lo - 1] in ("our", "their", "its", "my", "your", "his", "her"):
        lo -= 1  # "our departure": whose
    words = ctx.words
    reason = {
        "action": entry.name if entry.kind == "action" and polarity == "affirmed" else "end",
        "words": " ".join(words[m.lo : m.hi]),
        "object": " ".join(words[obj.lo : obj.hi]) if obj is not None else None,
        "tense": tense_of(ctx, m, clause),
        "modality": _modality(ctx, m, clause),
        "actor": _actor(ctx, m, clause),
        "polarity": polarity,
    }
    return Candidate(tokens[lo].start, tokens[hi - 1].end, reason)


def _modality(ctx: _Ctx, m, clause) -> str:
    """hereby | decided | intends | will | stated: how firmly the clause puts the action."""
    for name, label in (("hereby", "hereby"), ("decision", "decided"), ("intent", "intends")):
        if ctx.cue_at(name, 0, m.lo) or (name == "hereby" and ctx.cue_at(name, clause.lo, clause.hi)):
            return label
    if any(w in AUX_FUTURE for w in ctx.words[clause.lo : m.lo]):
        return "will"
    return "stated"


def _actor(ctx: _Ctx, m, clause) -> str:
    """writer | own side | named | unstated: who is said to act."""
    before = ctx.words[: m.lo]
    if any(w in ("i", "we") for w in before):
        return "writer"
    if any(w in ("our", "my") for w in before) or ctx.cue_at("own_side", 0, m.lo):
        return "own side"
    if any(t.cap for t in ctx.sent.tokens[1 : m.lo]):
        return "named"
    return "unstated"


def _cessation(ctx: _Ctx, lex) -> Candidate | None:
    """ "The programme no longer accepts new beneficiaries": "no longer" with a commitment in its clause."""
    for cue in ctx.cues.get("cessation", ()):
        clause = ctx.sent.clause_of(cue.lo)
        if any(clause.lo <= a.lo < clause.hi for a in ctx.actions):
            continue  # "there will be no change to ...": the action's own reading decides
        objs = [o for o in ctx.objects if clause.lo <= o.lo < clause.hi]
        only = [d for d in ctx.decoys if clause.lo <= d.lo < clause.hi and not any(o.lo == d.lo for o in objs)]
        if not objs or only:  # "no longer use the car park"; "no longer be a party to" (party is both)
            continue
        from authcheck.engine.checks.lexicon import Entry, Match

        m = Match(cue.lo, cue.hi, Entry(tuple(ctx.words[cue.lo : cue.hi]), "action", "end", "base"))
        cand = _make(ctx, m, objs[0], m.entry, "no longer", clause)
        cand.score = lex.continuation.weight
        guard = first_guard(ctx, m, clause, False, None, None, lex)
        if guard:
            cand.dropped, cand.cue = guard
        return cand
    return None
