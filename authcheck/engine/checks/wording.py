"""`wording`: read what each sentence does: an action on a commitment, by whom, when, how surely.

The rule's YAML carries the whole lexicon, so an analyst extends it without Python:

    wording:
      threshold: 0.5          # class weight x object weight needed to fire
      window: 10              # words between an action and its object
      actions:                # action classes: verbs (lemma or lemma/past/participle, "*" = gap) and nouns
        withdraw: {weight: 1.0, bare: 0.8, objects: [forces, places], verbs: [...], nouns: [...]}
      continuations: {weight: 1.0, bare: 0, objects: [...], verbs: [remain, ...], nouns: [renewal],
                      limited: ["be stationed"]}   # limited: only with "beyond/after DATE"
      objects:                # commitment objects by group, each with a weight
        forces: {weight: 1.0, words: [forces, troops, ...]}
      decoys: [funds, account, drill, software, ...]
      cues: {negation: [...], hypothetical: [...], reporting: [...], past_time: [...], ...}

Every hit carries its reason (action, words, object, tense, modality, actor, polarity,
score); candidates a guard dropped come back as hits with `dropped` set, so the engine
can show them with --explain and never count them.
"""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING

from authcheck.engine.checks.base import Hit
from authcheck.errors import RuleError
from authcheck.util import sparecore

if TYPE_CHECKING:
    from authcheck.engine.checks.lexicon import Index

KEYS = {"wording"}
CUES = {
    "negation",
    "negation_after",
    "pseudo",
    "cessation",
    "hypothetical",
    "deliberation",
    "intent",
    "decision",
    "hereby",
    "reporting",
    "reporting_nouns",
    "demand",
    "demand_nouns",
    "framing",
    "own_side",
    "past_time",
    "recent_time",
    "routine",
    "default",
    "limit",
    "travel",
    "idiom",
    "deciding_bodies",
    "undecided",
}
SPEC_KEYS = {"threshold", "window", "actions", "continuations", "objects", "decoys", "cues", "not_places"}
CLASS_KEYS = {"weight", "bare", "generic", "objects", "verbs", "nouns", "limited"}
MAX_WORDS = 5000  #: per list
MAX_ACTIONS_PER_DOCUMENT = 4000  #: action words judged per document (bounded time on hostile input)


class ClassSpec:
    """An action class: its weight, the weight with no object found, the object groups it acts on, and
    the weight of an object the lexicon does not know ("terminate the concession")."""

    __slots__ = ("bare", "generic", "objects", "weight")

    def __init__(self, weight: float, bare: float, objects: frozenset, generic: float = 0.0) -> None:
        self.weight, self.bare, self.objects, self.generic = weight, bare, objects, generic


class Lexicon:
    """The word lists of one `wording` pattern: validated when the rule loads, indexed on first use
    (so loading rules for a run that never reads a sentence costs nothing)."""

    def __init__(self, spec: dict, where: dict, key: str) -> None:
        self._args = (spec, where, key)
        self._index: Index | None = None
        self._validate(spec, where, key)

    def _validate(self, spec: dict, where: dict, key: str) -> None:
        """Check every key, number and list (errors name the key); keep the weights."""
        self.threshold = _number(spec.get("threshold", 0.5), 0, 10, where, key + ".threshold")
        self.window = int(_number(spec.get("window", 10), 1, 40, where, key + ".window"))
        groups = _mapping(spec.get("objects"), where, key + ".objects")
        self.weights = {
            g: _number(
                _mapping(v, where, f"{key}.objects.{g}").get("weight", 1.0), 0, 10, where, f"{key}.objects.{g}.weight"
            )
            for g, v in groups.items()
        }
        for g, v in groups.items():
            _words(v.get("words"), where, f"{key}.objects.{g}.words")
        _words(spec.get("decoys"), where, key + ".decoys")
        self.classes = {
            name: self._class(c, where, f"{key}.actions.{name}")
            for name, c in _mapping(spec.get("actions"), where, key + ".actions").items()
        }
        self.continuation = self._class(
            _mapping(spec.get("continuations"), where, key + ".continuations"), where, key + ".continuations"
        )
        for name, items in _mapping(spec.get("cues"), where, key + ".cues").items():
            if name not in CUES:
                raise RuleError(
                    f"unknown cue list {name!r} (known: {', '.join(sorted(CUES))})", **where, key=f"{key}.cues.{name}"
                )
            _words(items, where, f"{key}.cues.{name}")
        self.not_places = set(_words(spec.get("not_places", ["I"]), where, key + ".not_places", lower=True))

    @property
    def index(self):
        """The phrase index, built on first use."""
        return self._built()._index

    @property
    def gate(self) -> Index:
        """The phrases a candidate starts from (actions, continuations, cessation cues): a text where none of
        them is found has no candidate."""
        return self._built()._gate

    @property
    def triggers(self) -> set:
        """First words of every action and continuation: a sentence without one is skipped."""
        return self._built()._triggers

    def _built(self) -> Lexicon:
        """This lexicon with its index, gate and triggers built (on first use)."""
        if self._index is None:
            self._build(*self._args)
        return self

    def _build(self, spec: dict, where: dict, key: str) -> None:
        """Inflect and index every list (the lists were validated by `_validate`)."""
        from authcheck.engine.checks.lexicon import Index, cue_entries, noun_entries, verb_entries

        entries = [e for g, v in spec["objects"].items() for w in v["words"] for e in noun_entries(w, "object", g)]
        entries += [e for w in spec["decoys"] for e in noun_entries(w, "decoy", "decoy")]
        for name, cspec in spec["actions"].items():
            entries += self._entries(cspec, "action", name, verb_entries, noun_entries)
        entries += self._entries(spec["continuations"], "continuation", "continuation", verb_entries, noun_entries)
        entries += [
            e for n in spec["continuations"].get("limited", []) for e in noun_entries(n, "continuation", "limited")
        ]
        entries += [e for name, items in spec["cues"].items() for w in items for e in cue_entries(w, name)]
        self._index = Index(entries)
        starts = [
            e for e in entries if e.kind in ("action", "continuation") or (e.kind, e.name) == ("cue", "cessation")
        ]
        self._gate = Index(starts)
        self._triggers = {e.words[0] for e in starts}

    def _class(self, cspec: dict, where: dict, key: str) -> ClassSpec:
        """Validate one action class (or the continuations) and keep its weights."""
        unknown = set(cspec) - CLASS_KEYS
        if unknown:
            raise RuleError(f"unknown key {sorted(unknown)[0]!r}", **where, key=key)
        objects = _words(cspec.get("objects", []), where, key + ".objects", allow_empty=True)
        missing = [g for g in objects if g not in self.weights and g != "places"]
        if missing:
            raise RuleError(f"unknown object group {missing[0]!r}", **where, key=key + ".objects")
        _words(cspec.get("verbs", []), where, key + ".verbs", allow_empty=True)
        _words(cspec.get("nouns", []), where, key + ".nouns", allow_empty=True)
        _words(cspec.get("limited", []), where, key + ".limited", allow_empty=True)
        return ClassSpec(
            _number(cspec.get("weight", 1.0), 0, 10, where, key + ".weight"),
            _number(cspec.get("bare", 0.0), 0, 10, where, key + ".bare"),
            frozenset(objects),
            _number(cspec.get("generic", 0.0), 0, 10, where, key + ".generic"),
        )

    @staticmethod
    def _entries(cspec, kind, name, verb_entries, noun_entries) -> list:
        """Entries for a class's verbs and nouns."""
        out = [e for v in cspec.get("verbs", []) for e in verb_entries(v, kind, name)]
        return out + [e for n in cspec.get("nouns", []) for e in noun_entries(n, kind, name)]

    def object_weight(self, obj) -> float:
        """The weight of an object match's group (capitalised places weigh `places` or 0.6; an object the
        lexicon does not know weighs 1 here and its class's `generic` weight applies instead)."""
        return self.weights.get(obj.entry.name, 1.0 if obj.entry.name == "generic" else 0.6)


def _mapping(value, where: dict, key: str) -> dict:
    """A required mapping."""
    if not isinstance(value, dict) or not value:
        raise RuleError("must be a non-empty mapping", **where, key=key)
    return value


def _words(value, where: dict, key: str, allow_empty: bool = False, lower: bool = False) -> list:
    """A list of non-empty strings."""
    if (
        not isinstance(value, list)
        or (not value and not allow_empty)
        or len(value) > MAX_WORDS
        or not all(isinstance(w, str) and w.strip() for w in value)
    ):
        raise RuleError("must be a list of words or phrases", **where, key=key)
    return [w.lower() if lower else w for w in value]


def _number(value, lo: float, hi: float, where: dict, key: str) -> float:
    """A number within [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise RuleError(f"must be a number from {lo:g} to {hi:g}", **where, key=key)
    return float(value)


MEMO_TEXTS = 4096  #: segment readings a matcher keeps across documents (a batch's shared boilerplate)
MEMO_CHARS = 4000  #: longer segments are not kept


class Matcher:
    """Finds sentences that announce a change, with the reason; dropped candidates are marked."""

    def __init__(self, spec: dict, name: str, where: dict) -> None:
        body, key = spec["wording"], f"patterns.{name}.wording"
        if not isinstance(body, dict) or set(body) - SPEC_KEYS:
            extra = sorted(set(body) - SPEC_KEYS) if isinstance(body, dict) else []
            raise RuleError(
                f"wording takes {', '.join(sorted(SPEC_KEYS))}" + (f", not {extra[0]!r}" if extra else ""),
                **where,
                key=key,
            )
        self.name = name
        self.lexicon = Lexicon(body, where, key)
        self.key = next(_KEYS)  #: this matcher in `_LIVE`, as a helper forked from this process knows it
        _LIVE[self.key] = self
        #: (helper, job, segments, their new texts, the first of them the helper's), from `ahead`
        self._pending: tuple | None = None
        #: readings of texts earlier documents had (a letterhead, a closing, a standard paragraph),
        #: as (candidates, actions judged), least recently used first; at most MEMO_TEXTS, each at
        #: most MEMO_CHARS long.  An OrderedDict: its first key is found in constant time, where a dict's is
        #: found by walking past the slots of every entry deleted since it last resized (thousands, once
        #: the memo is full: a few microseconds for each new text)
        self._memo: OrderedDict[str, tuple[list, int]] = OrderedDict()

    def hits(self, segments, resolved) -> list[Hit]:
        """One hit per candidate in every segment; a dropped one names its guard in `dropped`."""
        from authcheck.engine.checks.reading import analyse  # here, once per document, not once per segment

        out = []
        budget = [MAX_ACTIONS_PER_DOCUMENT]
        read = self._ahead(segments)
        for seg in segments:
            if budget[0] <= 0:
                break
            for cand in self._read(seg.text, budget, read, analyse):
                reason = dict(cand.reason, score=cand.score)
                dropped = f"{cand.dropped}: {cand.cue}" if cand.dropped else None
                if dropped:
                    reason["guard"] = cand.dropped
                    reason["cue"] = cand.cue
                out.append(Hit(seg, cand.start, cand.end, self.name, reason=reason, dropped=dropped))
        return out

    def ahead(self, segments) -> None:
        """Hand a long document's texts to the check's idle helper on the spare core
        (`util/sparecore.py`), which has built its lexicon meanwhile, to be read while this process
        evaluates the rules before this one (`evaluate` calls this before its first rule); `hits`
        takes the readings (`_ahead`).  Nothing without a helper, or under `SHARE_CHARS` of new text."""
        helper = sparecore.helper()
        if helper is None or (self._pending is not None and self._pending[0] is helper):
            return
        memo = self._memo
        texts = list(dict.fromkeys(seg.text for seg in segments if seg.text not in memo))
        if sum(map(len, texts)) < SHARE_CHARS:
            return
        cut = round(len(texts) * SHARE_OWN)  # the first texts are this process's, the rest the helper's
        job = helper.job(_readings_of, self.key, texts[cut:])
        if job is not None:
            self._pending = (helper, job, segments, texts, cut)

    def _ahead(self, segments) -> dict[str, tuple[list, int]]:
        """The readings `ahead` asked the helper for, as `_read` keeps them ({} when there are none):
        also kept in the memo, for the document's other rules and the next documents."""
        pending, self._pending = self._pending, None
        if pending is None or pending[0] is not sparecore.helper():  # none, or an earlier check's
            return {}
        helper, job, asked, texts, cut = pending
        if segments is not asked:  # other segments (another scope; `Context.in_scope` keeps one list a scope)
            helper.result(job)
            return {}
        read = _readings(self.lexicon, texts[:cut])
        theirs = helper.result(job)
        if isinstance(theirs, list) and len(theirs) == len(texts) - cut:
            read.update((text, found) for text, found in zip(texts[cut:], theirs) if found is not None)
        for text, found in read.items():
            self._remember(text, found)
        return read

    def _read(self, text: str, budget: list, read: dict, analyse) -> list:
        """The candidates of one segment's text.  A text this document already had (a paragraph repeated on
        every page), or one of the last documents this process read had, reuses that reading, charged to the
        budget again, when the budget cannot cut it short; `read` holds one document's readings as
        (candidates, actions judged).  A reading depends on the text and the lexicon alone, so a reused one
        is the reading itself (candidates are never changed after they are made).  `analyse` is
        `reading.analyse`."""
        known = read.get(text)
        if known is None:
            known = self._memo.pop(text, None)
            if known is not None:
                self._memo[text] = known  # the most recently used last
        if known is not None and budget[0] > known[1]:
            budget[0] -= known[1]
            read[text] = known
            return known[0]
        before = budget[0]
        found = analyse(text, self.lexicon, budget)
        if budget[0] > 0:  # nothing was cut short by the budget
            read[text] = (found, before - budget[0])
            self._remember(text, read[text])
        return found

    def _remember(self, text: str, reading: tuple[list, int]) -> None:
        """Keep a text's reading in the memo, the most recently used last (not a text over `MEMO_CHARS`),
        dropping the least recently used over `MEMO_TEXTS`."""
        if len(text) > MEMO_CHARS:
            return
        memo = self._memo
        memo.pop(text, None)
        memo[text] = reading
        if len(memo) > MEMO_TEXTS:
            try:
                del memo[next(iter(memo))]
            except (KeyError, RuntimeError, StopIteration):
                pass  # another thread's check changed the memo meanwhile


SHARE_CHARS = 30_000  #: new text a document needs before its helper reads some (a 3-page letter has ~12,000)
#: The share of the texts this process reads itself, once it reaches the rule: the helper starts on the
#: rest when the rules start, with its lexicon built, this process a few milliseconds later and with
#: its own to build on a first command (20-page letters: both finish about together).
SHARE_OWN = 0.25
_KEYS = itertools.count()
_LIVE: weakref.WeakValueDictionary[int, Matcher] = weakref.WeakValueDictionary()  #: matchers by `key`


def _readings(lexicon: Lexicon, texts: list[str]) -> dict[str, tuple[list, int]]:
    """Each text's reading as `Matcher._read` keeps it, (candidates, actions judged), each read with a
    document's whole budget; one the budget cut short is left out (`_read` reads it again)."""
    from authcheck.engine.checks.reading import analyse

    out = {}
    for text in texts:
        budget = [MAX_ACTIONS_PER_DOCUMENT]
        found = analyse(text, lexicon, budget)
        if budget[0] > 0:
            out[text] = (found, MAX_ACTIONS_PER_DOCUMENT - budget[0])
    return out


def _readings_of(key: int, texts: list[str]) -> list[tuple[list, int] | None] | None:
    """A helper's job (`Matcher.ahead`): the readings of `texts` by the matcher `key`, in order (None
    for one the budget cut short); None when this process has no such matcher."""
    matcher = _LIVE.get(key)
    if matcher is None:
        return None
    found = _readings(matcher.lexicon, texts)
    return [found.get(text) for text in texts]


def _build_lexicons() -> None:
    """An idle helper's first work (`sparecore.IDLE`): the index of every wording lexicon."""
    for matcher in list(_LIVE.values()):
        matcher.lexicon.index  # noqa: B018 - built on first use


sparecore.IDLE.append(_build_lexicons)


def compile(spec: dict, name: str, where: dict) -> Matcher:
    """Build the matcher for one named pattern."""
    return Matcher(spec, name, where)
