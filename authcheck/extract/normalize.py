"""Text as the matchers read it: folded for matching, with a map back to the text as written.

`fold(text)` returns a `Folded`: the matching text plus, for each of its characters, the span of
the original it came from, so a hit in the folded text is quoted and located as written.  Steps:

0. curly quotes, dashes and odd spaces as ASCII, one for one (textutil.fold);
1. invisible characters removed: zero-width space/joiners, word joiner, BOM, soft hyphens (a soft
   hyphen before a line break also joins the word across it), bidi marks, embeddings and isolates;
2. Unicode NFKC (ligatures, full-width and mathematical letters, non-breaking spaces);
3. homoglyphs: inside a word that also holds Latin letters, letters of other scripts that look like
   one Latin letter (Unicode TR39 prototypes, `confusables.py`) become that letter, when every
   non-Latin letter of the word has one; a word wholly in another script is left alone;
4. OCR/leet noise inside words that mix letters and digits (`withdraw1ng`, `n0t`, `tr00ps`);
   ordinals, units, times, codes such as B2B, F16, COVID19, 4x4 and pure digit tokens are kept;
5. spaced-out words ("w i t h d r a w", 3+ single letters; and the negation "n o") are closed up.

Pure ASCII text without letter-digit mixes or spaced letters takes a fast path (no copy).
`Folded.hidden` lists what a writer hid (`Hidden`): invisible characters inside a Latin word and
words mixing Latin with look-alike letters of another script.  Not counted: soft hyphens, and
ZWNJ/ZWJ or direction marks between letters of scripts that use them (Persian, Arabic, Indic).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache

from authcheck.extract.textutil import fold as fold_punctuation
from authcheck.util.patterns import compiled

__all__ = ["Folded", "Hidden", "fold", "hidden_in", "matching_text"]

SOFT_HYPHEN = "\u00ad"
JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ: legitimate in Persian, Arabic, Indic scripts
MARKS = "\u200e\u200f\u061c"  # LRM, RLM, ALM: legitimate between right-to-left letters
OVERRIDES = "\u202d\u202e"  # LRO, RLO: reorder what is displayed ("Trojan Source")
INVISIBLE = frozenset(
    SOFT_HYPHEN + JOINERS + MARKS + OVERRIDES + "\u034f\u180e\u200b\u2060\u2061\u2062\u2063\u2064\ufeff"
    "\u202a\u202b\u202c\u2066\u2067\u2068\u2069"
)
_INVIS_CLASS = "".join(sorted(INVISIBLE))
#: a digit or bar touching a letter ("n0t"), and two lone letters ("w i t h"): what `_digits` and `_spaced` fold.
#: Each pattern starts on a rarer character (a digit or bar; a space), which the regex engine skips to quickly.
_DIGIT_IN_WORD = compiled(r"[0-9|](?:(?<=[A-Za-z][0-9|])|(?=[A-Za-z]))")
_LONE_LETTERS = compiled(r" [A-Za-z](?![A-Za-z])(?<=(?<![A-Za-z])[A-Za-z] [A-Za-z])")
#: Greek, Cyrillic, Armenian, Cherokee blocks: scripts whose letters pass for Latin ones
_SUSPECT_SCRIPTS = "\u0370-\u058f\u13a0-\u13ff\u1c80-\u1c8f\u1f00-\u1fff\u2de0-\u2dff\ua640-\ua69f\uab70-\uabbf"
_DIGIT_LETTER = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"}
_VOWELS = frozenset("aeiouAEIOU")


class Hidden:
    """Something a writer hid in a word: where the word is (offsets into the original), and what."""

    __slots__ = ("end", "kind", "start", "what", "word")

    def __init__(self, start: int, end: int, word: str, what: str, kind: str) -> None:
        self.start, self.end, self.word, self.what = start, end, word, what
        self.kind = kind  #: "mixed-script" or "invisible"

    def __repr__(self) -> str:
        return f"Hidden({self.start}, {self.end}, {self.word!r}, {self.what!r}, {self.kind!r})"

    def describe(self) -> str:
        """What was hidden, quoting the word as it reads: "Cyrillic о (U+043E) in 'repositioning'"."""
        visible = "".join(ch for ch in self.word if ch not in INVISIBLE)
        return f"{self.what} in '{visible}'"


class Folded:
    """Matching text, the original, and for each matching character the span it came from.

    A plain class rather than a dataclass: it is built for every segment and imported on every run.
    """

    __slots__ = ("ends", "hidden", "source", "starts", "text")

    def __init__(
        self,
        text: str,
        source: str,
        starts: tuple[int, ...] | None = None,
        ends: tuple[int, ...] | None = None,
        hidden: tuple[Hidden, ...] = (),
    ) -> None:
        self.text, self.source = text, source
        self.starts, self.ends = starts, ends  #: None: character k of the text is character k of the source
        self.hidden = hidden

    def __repr__(self) -> str:
        return f"Folded({self.text!r}, {self.source!r}, hidden={self.hidden!r})"

    @property
    def changed(self) -> bool:
        """True when the matching text differs from the original or something was hidden."""
        return self.starts is not None or bool(self.hidden) or self.text != self.source

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original that a span of the matching text came from."""
        starts, ends = self.starts, self.ends
        if starts is None or ends is None:
            return start, end
        if end > start:
            return starts[start], ends[end - 1]
        at = starts[start] if start < len(starts) else len(self.source)
        return at, at

    def to_folded(self, start: int, end: int) -> tuple[int, int]:
        """The span of the matching text made from a span of the original."""
        starts, ends = self.starts, self.ends
        if starts is None or ends is None:
            return start, end
        return bisect.bisect_left(ends, start + 1), bisect.bisect_left(starts, end)

    def quote(self, start: int, end: int) -> str:
        """The original text behind a span of the matching text."""
        s, e = self.to_source(start, end)
        return self.source[s:e]


def fold(text: str) -> Folded:
    """The matching form of `text` with its offset map and what was hidden in it."""
    if not _ascii_trigger(text) and (text.isascii() or _clean_unicode(text)):
        return Folded(punctuation(text), text)
    chars, spans = list(text), [(i, i + 1) for i in range(len(text))]
    hidden: tuple[Hidden, ...] = ()
    if not text.isascii():
        hidden = tuple(hidden_in(text))
        chars, spans = _drop_invisible(chars, spans)
        chars, spans = _nfkc(chars, spans)
        _homoglyphs(chars)
    _digits(chars)
    chars, spans = _spaced(chars, spans)
    folded = punctuation("".join(chars))
    if len(spans) == len(text) and all(s == k for k, (s, _) in enumerate(spans)):
        return Folded(folded, text, hidden=hidden)
    return Folded(folded, text, tuple(s for s, _ in spans), tuple(e for _, e in spans), hidden)


def _ascii_trigger(text: str) -> bool:
    """Whether ASCII text may need folding: a digit or bar inside a word, or letters spaced out one by one."""
    return _DIGIT_IN_WORD.search(text) is not None or _LONE_LETTERS.search(text) is not None


def punctuation(text: str) -> str:
    """Curly quotes, dashes and odd spaces as their ASCII forms, one for one (so "won’t" reads "won't")."""
    return text if text.isascii() else fold_punctuation(text)


def matching_text(text: str) -> str:
    """Just the folded text, for comparing names and field values as the matchers read them."""
    return fold(text).text


def _drop_invisible(chars: list, spans: list) -> tuple[list, list]:
    """Without invisible characters; a soft hyphen after a letter also takes the line break after it."""
    if INVISIBLE.isdisjoint(chars):
        return chars, spans
    out: list = []
    kept: list = []
    join = False
    for ch, span in zip(chars, spans):
        if join and ch.isspace():
            continue
        join = ch == SOFT_HYPHEN and bool(out) and out[-1].isalpha()
        if ch not in INVISIBLE:
            out.append(ch)
            kept.append(span)
    return out, kept


def _nfkc(chars: list, spans: list) -> tuple[list, list]:
    """NFKC, applied per character with its combining marks so each output keeps its source span."""
    if unicodedata.is_normalized("NFKC", "".join(chars)):
        return chars, spans
    out, kept, i = [], [], 0
    while i < len(chars):
        j = i + 1
        while j < len(chars) and unicodedata.combining(chars[j]):
            j += 1
        cluster = "".join(chars[i:j])
        normal = unicodedata.normalize("NFKC", cluster)
        if unicodedata.decomposition(chars[i]).startswith(("<super>", "<sub>")):
            normal = " " + normal  # a footnote mark stays apart: "withdrawal¹" is not "withdrawali"
        if normal == cluster:
            out.extend(chars[i:j])
            kept.extend(spans[i:j])
        else:
            out.extend(normal)
            kept.extend([(spans[i][0], spans[j - 1][1])] * len(normal))
        i = j
    return out, kept


def _homoglyphs(chars: list) -> None:
    """Look-alike letters of other scripts folded to Latin inside words that hold Latin letters."""
    table = _confusables()
    if table.keys().isdisjoint(chars):
        return
    for m in _re()["letters"].finditer("".join(chars)):
        word = m.group()
        if word.isascii() or table.keys().isdisjoint(word):
            continue
        foreign = [ch for ch in word if script_of(ch) != "Latin"]
        if len(foreign) == len(word) or not all(ch in table for ch in foreign):
            continue
        for k in range(m.start(), m.end()):
            chars[k] = table.get(chars[k], chars[k])


def _digits(chars: list) -> None:
    """Digits and bars that stand for letters inside words that mix them (`withdraw1ng`, `n0t`)."""
    text = "".join(chars)
    if not _ascii_trigger(text):
        return
    for m in _re()["token"].finditer(text):
        token = m.group()
        if token.isalpha() or token.isdigit() or not _is_noisy(token):
            continue
        for k in range(m.start(), m.end()):
            ch = chars[k]
            if ch in _DIGIT_LETTER:
                chars[k] = _DIGIT_LETTER[ch]
            elif ch in "1|":
                chars[k] = _one_or_ell(chars, k, m.start(), m.end())


def _is_noisy(token: str) -> bool:
    """True when a letter-digit token reads as a word with digits in it, not a code, unit or ordinal."""
    if token in ("N0", "n0"):
        return True
    letters = sum(ch.isalpha() for ch in token)
    digits = len(token) - letters
    if letters < 2 or digits == 0 or digits > letters or len(token) < 3:
        return False
    return _re()["keep"].fullmatch(token) is None


def _one_or_ell(chars: list, k: int, lo: int, hi: int) -> str:
    """ "i" between consonants or at a word edge next to one (w1thdraw), else "l" (1eave, cance1)."""
    before = chars[k - 1] if k > lo else ""
    after = chars[k + 1] if k + 1 < hi else ""
    return "l" if before in _VOWELS or after in _VOWELS else "i"


def _spaced(chars: list, spans: list) -> tuple[list, list]:
    """Spaced-out words closed up: "w i t h d r a w" -> "withdraw", "n o" -> "no"."""
    text = "".join(chars)
    drop = {k for m in _re()["spaced"].finditer(text) for k in range(m.start(), m.end()) if text[k] == " "}
    if not drop:
        return chars, spans
    keep = [k for k in range(len(chars)) if k not in drop]
    return [chars[k] for k in keep], [spans[k] for k in keep]


@lru_cache(maxsize=1)
def _re() -> dict:
    """The regexes of the slow path, compiled on first use (most letters never need them)."""
    return {
        name: re.compile(p)
        for name, p in (
            ("word", rf"(?:\w|[\u0300-\u036f\u0483-\u0489{_INVIS_CLASS}])+"),
            ("letters", r"[^\W\d_]+"),
            ("token", r"[A-Za-z0-9|]+"),
            ("spaced", r"(?<![^\W_])[^\W\d_](?: [^\W\d_]){2,}(?![^\W_])|(?<![^\W_])[nN] [oO](?![^\W_])"),
            ("keep", r"\d+[A-Za-z]{1,3}|[A-Za-z]+\d{2,}|\d{2,}[A-Za-z]+|[A-Z]+\d+[A-Z]?|\d+[A-Z]+\d*"),
        )
    }


def _clean_unicode(text: str) -> bool:
    """True when non-ASCII text has nothing to fold or report: NFKC already, no invisible characters,
    no letters of a script with Latin look-alikes (curly quotes, dashes, accented Latin letters)."""
    return unicodedata.is_normalized("NFKC", text) and not _suspect().search(text)


@lru_cache(maxsize=1)
def _suspect() -> re.Pattern:
    """Invisible characters, letters of the look-alike scripts, and the other look-alikes of the table."""
    scripts = re.compile(f"[{_SUSPECT_SCRIPTS}]")
    others = "".join(ch for ch in _confusables() if not scripts.match(ch))
    return re.compile("[" + re.escape(_INVIS_CLASS + others) + _SUSPECT_SCRIPTS + "]")


@lru_cache(maxsize=1)
def _confusables() -> dict[str, str]:
    """Letter -> the Latin letter it looks like (loaded on first non-ASCII text)."""
    from authcheck.extract.confusables import SOURCE, TARGET

    return dict(zip(SOURCE, TARGET))


@lru_cache(maxsize=4096)
def script_of(ch: str) -> str:
    """The script a letter belongs to, from its Unicode name ("Latin", "Cyrillic", "Greek", ...)."""
    if ch.isascii():
        return "Latin" if ch.isalpha() else "Common"
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    if first in ("OLD", "CANADIAN", "WARANG"):
        first = " ".join(name.split(" ", 2)[:2])
    return first.title() if ch.isalpha() and first else "Common"


def hidden_in(text: str) -> list[Hidden]:
    """Invisible characters inside Latin words and words mixing Latin with look-alikes of another script."""
    if text.isascii():
        return []
    out: list[Hidden] = []
    for m in _re()["word"].finditer(text):
        word = m.group()
        if word.isascii():
            continue
        out.extend(_invisible_inside(word, m.start(), m.end()))
        mixed = _mixed_script(word)
        if mixed:
            out.append(Hidden(m.start(), m.end(), word, mixed, "mixed-script"))
    return out


def _invisible_inside(word: str, start: int, end: int) -> list[Hidden]:
    """Invisible characters with a letter or digit on each side, where that script does not use them."""
    out = []
    for k, ch in enumerate(word):
        if ch not in INVISIBLE or ch == SOFT_HYPHEN:
            continue
        before = next((c for c in reversed(word[:k]) if c not in INVISIBLE), "")
        after = next((c for c in word[k + 1 :] if c not in INVISIBLE), "")
        if ch not in OVERRIDES and not (before and after):
            continue
        if (
            ch in JOINERS + MARKS
            and "Latin" not in (script_of(before), script_of(after))
            and not (before.isdigit() or after.isdigit())
        ):
            continue
        label = unicodedata.name(ch, "invisible character").lower()
        out.append(Hidden(start, end, word, f"{label} (U+{ord(ch):04X})", "invisible"))
    return out


def _mixed_script(word: str) -> str | None:
    """What makes a word mix Latin with look-alike letters of another script, or None."""
    table = _confusables()
    letters = [ch for ch in word if ch.isalpha()]
    latin = [ch for ch in letters if script_of(ch) == "Latin"]
    foreign = [ch for ch in letters if script_of(ch) not in ("Latin", "Common")]
    if not latin or not foreign:
        return None
    fakes = [ch for ch in dict.fromkeys(foreign) if ch in table]
    if fakes and len(latin) >= len(foreign):  # a Latin word with look-alikes in it
        return ", ".join(f"{script_of(ch)} {ch} (U+{ord(ch):04X})" for ch in fakes[:3])
    scripts = {script_of(ch) for ch in foreign}
    lookalikes = [ch for ch in dict.fromkeys(latin) if ch.isascii() and ch in _latin_lookalikes(frozenset(scripts))]
    if lookalikes and len(foreign) > len(latin):  # a word of another script with Latin look-alikes in it
        other = sorted(scripts)[0]
        return ", ".join(f"Latin {ch} (U+{ord(ch):04X}) in a {other} word" for ch in lookalikes[:3])
    return None


@lru_cache(maxsize=64)
def _latin_lookalikes(scripts: frozenset) -> frozenset:
    """ASCII letters that a letter of one of these scripts looks like."""
    return frozenset(t for s, t in _confusables().items() if script_of(s) in scripts)
