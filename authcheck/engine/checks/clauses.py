"""Tokens, sentences and clauses for the `wording` check kind.  Standard library only.

A segment's text is cut into word tokens (with their offsets), then into sentences, then
into clauses: a clause ends at ; : dashes and brackets, at a comma, and before a word that
opens a new clause ("but", "if", "unless", "whether", "because", "when"...).  Negation and
modality cues are scoped to their own clause; conditions, contrasts and reporting verbs
are read at sentence level from each clause's opener (`Clause.opener`) and group (clauses
between two contrast boundaries share a group).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from authcheck.util.patterns import compiled
from authcheck.util.records import frozen

_TOKEN = compiled(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,2}[:.]\d{2}\b|[^\W_]+(?:['’\-][^\W_]+)*|--|[;:?!—–,()\"“”]", re.U)
HARD = {";", ":", "—", "–", "--", "(", ")", '"', "“", "”"}
CONTRAST = {"but", "however", "nevertheless", "nonetheless", "although", "though", "whereas", "yet"}
OPENERS = CONTRAST - {"yet"} | {
    "if",
    "unless",
    "whether",
    "because",
    "nor",
    "once",
    "while",
    "when",
    "whilst",
    "notwithstanding",
}
AFTER_COMMA = {"and", "or", "as", "so", "which", "who", "since", "following", "after", "before", "yet"}
HANGING = {
    "will",
    "shall",
    "would",
    "could",
    "should",
    "may",
    "might",
    "must",
    "can",
    "not",
    "never",
    "is",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "be",
    "been",
    "to",
    "the",
    "a",
    "an",
    "of",
    "and",
    "or",
}
MAX_SENTENCE = 80  #: tokens; a longer run without a full stop is cut, so hostile text costs linear time
ABBREVIATIONS = {
    "lt",
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "gen",
    "col",
    "maj",
    "capt",
    "sgt",
    "no",
    "nos",
    "art",
    "para",
    "u",
    "s",
    "e",
    "g",
    "i",
    "vs",
    "etc",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "prof",
    "rev",
    "hon",
    "gov",
    "sen",
    "rep",
    "adm",
    "brig",
    "cdr",
    "cmdr",
    "fig",
}


class Token(NamedTuple):
    """One word or punctuation mark: lowercased text (curly apostrophes folded), offsets, capitalised?

    A named tuple: a letter has thousands of tokens, and a tuple is made several times faster than a
    frozen dataclass."""

    low: str
    start: int
    end: int
    cap: bool


@frozen
class Clause:
    """A clause: token indices [lo, hi) in its sentence, the word that opened it, and its group."""

    lo: int
    hi: int
    opener: str
    group: int


class Sentence:
    """A sentence's tokens and clauses; `question` when it ends with a question mark.  The clauses are
    split on first use (most sentences of a letter are never read clause by clause)."""

    __slots__ = ("_clauses", "question", "tokens")

    def __init__(self, tokens: list, question: bool) -> None:
        self.tokens, self.question = tokens, question
        self._clauses: list[Clause] | None = None

    @property
    def clauses(self) -> list[Clause]:
        """The sentence's clauses, in order."""
        if self._clauses is None:
            self._clauses = split_clauses(self.tokens)
        return self._clauses

    def clause_of(self, index: int) -> Clause:
        """The clause holding token `index`."""
        for clause in self.clauses:
            if clause.lo <= index < clause.hi:
                return clause
        return self.clauses[-1]


def tokenize(text: str, words: list[str] | None = None) -> list[Token]:
    """Word and punctuation tokens with offsets into `text`; `words` is `words_of(text)` when the caller has it.

    An ASCII text's tokens are placed by finding each word in the lowercased text, from where the previous
    one ended, which is several times faster than making a match object per token.  The place found is the
    regex's: between two tokens the regex skipped only characters where no token can start, and wherever a
    word's text occurs a token starts (every token begins with a letter, a digit, "--" or one of the single
    marks, and each of those alone is a token or begins one), so the first occurrence is the token itself."""
    if text.isascii():  # lowercasing keeps every offset: each token's word is a slice of the lowercased text
        low = text.lower()
        find = low.find
        out, end = [], 0
        for word in _TOKEN.findall(low) if words is None else words:
            start = find(word, end)
            end = start + len(word)
            out.append(_new(Token, (word, start, end, text[start].isupper())))
        return out
    out = []
    for m in _TOKEN.finditer(text):
        raw = m.group()
        start, end = m.span()
        out.append(_new(Token, (raw.lower().replace("’", "'"), start, end, raw[:1].isupper())))
    return out


_new = tuple.__new__  #: Token(...) without the named tuple's Python-level __new__ (a letter has thousands)


def words_of(text: str) -> list[str]:
    """The `low` of every token of `tokenize(text)`, without making the tokens (a quick look for trigger words)."""
    if text.isascii():
        return _TOKEN.findall(text.lower())
    return [raw.lower().replace("’", "'") for raw in _TOKEN.findall(text)]


_STOP_MARK = compiled(r"[.?!]")


def sentences(text: str, tokens: list[Token]) -> list[Sentence]:
    """Split tokens into sentences (at ? ! and at a full stop before a capital); clauses are split on use."""
    if tokens and len(tokens) <= MAX_SENTENCE and not _STOP_MARK.search(text, 0, tokens[-1].start):
        return [_sentence(text, tokens)]  # no stop before the last token: one sentence
    out, start = [], 0
    for i, tok in enumerate(tokens):
        end_here = (
            tok.low in ("?", "!")
            or (text[tok.end : tok.end + 1] == "." and _full_stop_after(text, tokens, i))
            or i - start + 1 >= MAX_SENTENCE
        )
        if end_here or i == len(tokens) - 1:
            out.append(_sentence(text, tokens[start : i + 1]))
            start = i + 1
    return out


def _sentence(text: str, chunk: list[Token]) -> Sentence:
    """A sentence of these tokens (a question when a "?" ends it)."""
    return Sentence(chunk, chunk[-1].low == "?" or text[chunk[-1].end : chunk[-1].end + 2].strip().startswith("?"))


def _full_stop_after(text: str, tokens: list[Token], i: int) -> bool:
    """True when a full stop follows token i and the next token starts a new sentence."""
    tok = tokens[i]
    if i + 1 >= len(tokens) or text[tok.end : tok.end + 1] != ".":
        return False
    if tok.low in ABBREVIATIONS or (len(tok.low) == 1 and tok.low.isalpha()):
        return False
    return tokens[i + 1].cap or not tokens[i + 1].low[:1].isalpha()


def split_clauses(tokens: list[Token]) -> list[Clause]:
    """Clauses of one sentence; a clause ending on an auxiliary or "not" is joined to the next."""
    spans, lo, opener, group, after_comma = [], 0, "", 0, False
    for i, tok in enumerate(tokens):
        word = tok.low
        if word in HARD or word == ",":
            if i > lo:
                spans.append([lo, i, opener, group])
            lo, opener, after_comma = i + 1, "", word == ","
            if word in HARD:
                group += 1
            continue
        starts = word in OPENERS or (after_comma and word in AFTER_COMMA)
        if starts and i > lo:
            spans.append([lo, i, opener, group])
            lo = i
        if starts:
            opener = word
            group += word in CONTRAST
        after_comma = False
    if lo < len(tokens):
        spans.append([lo, len(tokens), opener, group])
    return [Clause(*s) for s in _join_hanging(tokens, spans)] or [Clause(0, len(tokens), "", 0)]


def _join_hanging(tokens: list[Token], spans: list) -> list:
    """Join "We will not, under any circumstances, withdraw" back into one clause."""
    out: list = []
    carry = False
    for lo, hi, opener, group in spans:
        if carry and out and (not opener or _hangs(tokens[out[-1][1] - 1])):
            out[-1][1] = hi
            carry = _hangs(tokens[hi - 1]) or (hi - lo <= 4 and not opener)
        else:
            out.append([lo, hi, opener, group])
            carry = _hangs(tokens[hi - 1])
    return out


def _hangs(token: Token) -> bool:
    """A clause ending on this word continues after the comma ("will not, ...") ("May" is a month)."""
    return token.low in HANGING and not token.cap
