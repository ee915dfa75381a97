"""The `wording` check kind's lexicon: the rule's word lists compiled into one index of phrases.

Verbs are listed by lemma and inflected here ("withdraw/withdrew/withdrawn" gives withdraws,
withdrawing, withdrew, withdrawn; "pull * out" allows up to six words between pull and out);
nouns and objects get their plural.  Every entry knows its kind (action, continuation,
object, decoy or a cue category), so one pass over a sentence finds everything.
"""

from __future__ import annotations

from typing import NamedTuple

GAP = 6  #: words allowed where a phrase has "*"


class Entry(NamedTuple):
    """One phrase of the lexicon: its tokens, what it is, and (for verbs) which form it is."""

    words: tuple
    kind: str  #: action | continuation | object | decoy | cue
    name: str  #: action class, object group, or cue category
    form: str = ""  #: base | s | ing | past | pp | ed | noun
    lemma: str = ""


class Match(NamedTuple):
    """An entry found at tokens [lo, hi) of a sentence."""

    lo: int
    hi: int
    entry: Entry


_new = tuple.__new__  #: Match(...) or Entry(...) without the named tuple's Python-level __new__ (thousands of them)


def _longest_first(entry: Entry) -> int:
    """Sort key: the entries of one first word, longest phrase first."""
    return -len(entry.words)


def _plural(word: str) -> list[str]:
    """The word and its regular plural."""
    if word.endswith(("s", "sh", "ch", "x", "z")):
        return [word, word + "es"]
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return [word, word[:-1] + "ies"]
    return [word, word + "s"]


def _doubles(word: str) -> bool:
    """Whether a final consonant may double before -ed/-ing (stop -> stopped, cancel -> cancelled)."""
    return len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou"


def inflect(base: str, past: str | None = None, pp: str | None = None) -> list[tuple[str, str]]:
    """(form, tag) pairs of a verb: base, 3rd person, -ing, and past/participle (regular or given)."""
    forms = [(base, "base")]
    if base.endswith(("s", "sh", "ch", "x", "z", "o")):
        forms.append((base + "es", "s"))
    elif base.endswith("y") and base[-2:-1] not in "aeiou":
        forms.append((base[:-1] + "ies", "s"))
    else:
        forms.append((base + "s", "s"))
    stem = base[:-1] if base.endswith("e") and not base.endswith(("ee", "ye", "oe")) else base
    stems = [stem] + ([base + base[-1]] if _doubles(base) else [])
    forms.extend((s + "ing", "ing") for s in stems)
    given = past or pp
    if given:
        forms.extend([(past or given, "past"), (pp or given, "pp")])
    elif base.endswith("e"):
        forms.append((base + "d", "ed"))
    elif base.endswith("y") and base[-2:-1] not in "aeiou":
        forms.append((base[:-1] + "ied", "ed"))
    else:
        forms.extend((s + "ed", "ed") for s in stems)
    return forms


def verb_entries(phrase: str, kind: str, name: str) -> list[Entry]:
    """Entries for every form of a verb phrase such as "withdraw/withdrew/withdrawn" or "bring * home"."""
    head, *rest = phrase.lower().split()
    parts = head.split("/")
    lemma = parts[0] + (" " + " ".join(rest) if rest else "")
    forms = inflect(parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None)
    return [_new(Entry, ((form, *rest), kind, name, tag, lemma)) for form, tag in forms]


def noun_entries(phrase: str, kind: str, name: str, form: str = "noun") -> list[Entry]:
    """Entries for a noun phrase and its plural (the last word is pluralised)."""
    lowered = phrase.lower()
    words = lowered.split()
    return [_new(Entry, ((*words[:-1], last), kind, name, form, lowered)) for last in _plural(words[-1])]


def cue_entries(phrase: str, name: str) -> list[Entry]:
    """A cue phrase, matched exactly (no inflection)."""
    return [_new(Entry, (tuple(phrase.lower().split()), "cue", name, "", ""))]


class Index:
    """All entries by first word; `scan` finds every entry in a token list (longest first per kind)."""

    def __init__(self, entries: list[Entry]) -> None:
        #: the entries by first word, in the order given (`_pairs` orders a word's longest first)
        self.by_first: dict[str, list[Entry]] = {}
        for entry in entries:
            words = entry.words
            found = self.by_first.get(words[0])
            if found is None:
                self.by_first[words[0]] = [entry]
            else:
                found.append(entry)
        #: by first word, once a text had it: (by next word, open), lists of (entry, its second word or None)
        #: in longest-first order.  `open` holds the entries that may match whatever follows (one word, or a
        #: gap after the first); `by next word` adds, for each second word, the entries with that second word.
        #: Most phrases fail on their second word ("in accordance with", "in the event", ...: 21 start with
        #: "in"), so a word tries only the entries its next word allows.  Built per word on first use
        #: (`_pairs`): a letter has a few hundred of the lexicon's thousands of first words, and building
        #: them all cost a first command about 5 ms.
        self._by_first: dict[str, tuple[dict[str, list], list]] = {}

    def _pairs(self, first: str) -> tuple[dict[str, list], list]:
        """(by next word, open) for the entries starting with `first` (which `by_first` has)."""
        items = self.by_first[first]  # not sorted in place: another thread may be reading it
        if len(items) == 1:
            entry = items[0]
            second = entry.words[1] if len(entry.words) > 1 else None
            pair = [(entry, second)]
            found: tuple[dict[str, list], list] = (
                (_NOTHING_NEXT, pair) if second in (None, "*") else ({second: pair}, [])
            )
        else:
            pairs: list[tuple[Entry, str | None]] = [
                (e, e.words[1] if len(e.words) > 1 else None) for e in sorted(items, key=_longest_first)
            ]
            seconds = {second for _, second in pairs if second is not None and second != "*"}
            found = (
                {s: [p for p in pairs if p[1] in (None, "*", s)] for s in seconds},
                [p for p in pairs if p[1] in (None, "*")],
            )
        self._by_first[first] = found
        return found

    def _tried(self, words: list[str], i: int) -> list:
        """The (entry, second word) pairs that may match at token i, in order: those starting with its word
        whose second word is the next word, or that have none or a gap (`_by_first`)."""
        found = self._by_first.get(words[i])
        if found is None:
            if words[i] not in self.by_first:
                return []
            found = self._pairs(words[i])
        by_next, open_ = found
        return by_next.get(words[i + 1], open_) if i + 1 < len(words) else open_

    def scan(self, words: list[str]) -> list[Match]:
        """Every match in a sentence's lowercased words."""
        out = []
        by_first = self.by_first
        for i, word in enumerate(words):
            if word in by_first:
                for entry, second in self._tried(words, i):
                    if second is None:
                        out.append(_new(Match, (i, i + 1, entry)))
                    else:
                        hi = _match_at(words, i, entry.words)
                        if hi:
                            out.append(_new(Match, (i, hi, entry)))
        return out

    def finds(self, words: list[str]) -> bool:
        """Whether `scan(words)` would find anything (stops at the first match)."""
        by_first = self.by_first
        for i, word in enumerate(words):
            if word in by_first:
                for entry, second in self._tried(words, i):
                    if second is None or _match_at(words, i, entry.words):
                        return True
        return False


#: (by next word) of a word whose one phrase has no second word: shared, never changed
_NOTHING_NEXT: dict[str, list] = {}


def _match_at(words: list[str], i: int, pattern: tuple) -> int:
    """End index when `pattern` (with optional "*" gaps) matches at i, else 0."""
    j = i + 1
    k = 1
    while k < len(pattern):
        if pattern[k] == "*":
            target = pattern[k + 1]
            window = words[j : j + GAP + 1]
            if target not in window:
                return 0
            j += window.index(target) + 1
            k += 2
            continue
        if j >= len(words) or words[j] != pattern[k]:
            return 0
        j += 1
        k += 1
    return j
