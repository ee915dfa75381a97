"""Text helpers for extraction: length-preserving normalisation and sentence splitting with spans."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from authcheck.model import Line, Location, Sentence
from authcheck.util.patterns import compiled

# One-to-one replacements only, so offsets in normalised text equal offsets in the original.
_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\t": " ",
        "\u00ad": "-",
    }
)


def fold(text: str) -> str:
    """Unify quotes, dashes and spaces without changing the length of the text."""
    return text.translate(_FOLD)


_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "gen",
    "lt",
    "col",
    "maj",
    "capt",
    "cpt",
    "sgt",
    "adm",
    "cdr",
    "brig",
    "bg",
    "bgen",
    "gov",
    "sen",
    "rep",
    "hon",
    "st",
    "no",
    "nos",
    "vol",
    "fig",
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
    "inc",
    "ltd",
    "co",
    "corp",
    "dept",
    "e.g",
    "i.e",
    "etc",
    "vs",
    "cf",
    "u.s",
    "u.k",
    "u.n",
    "approx",
    "ref",
    "encl",
    "jr",
    "sr",
}
_END = compiled(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])")


_LONGEST_ABBREV = max(map(len, _ABBREV))


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at `dot` ends an abbreviation or an initial, not a sentence.

    The word before the dot (letters and dots) is looked at only as far back as the longest
    abbreviation reaches: a longer word cannot be one (lowercasing never shortens a word)."""
    start = dot
    stop = max(0, dot - _LONGEST_ABBREV - 1)
    while start > stop and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    if dot - start > _LONGEST_ABBREV:
        return False
    word = text[start:dot].lower()
    return word in _ABBREV or (len(word) == 1 and word.isalpha())


def split_sentences(text: str, base: int) -> list[tuple[int, int]]:
    """Spans (absolute offsets, `base` added) of the sentences of one paragraph, without the white
    space around them (`str.strip`'s, the same as `str.isspace`'s); blank ones are left out."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in _END.finditer(text):
        dot = match.start()
        if text[dot] == "." and _is_abbreviation(text, dot):
            continue
        end = match.end()
        _add_trimmed(spans, text[pos:end], base + pos)
        pos = end
    _add_trimmed(spans, text[pos:], base + pos)
    return spans


def _add_trimmed(spans: list[tuple[int, int]], piece: str, at: int) -> None:
    """Append the span of `piece` (which starts at offset `at`) without its surrounding white space."""
    kept = piece.strip()
    if kept:
        start = at + len(piece) - len(piece.lstrip())
        spans.append((start, start + len(kept)))


def paragraphs(lines: Iterable[Line]) -> list[list[Line]]:
    """Group consecutive non-blank lines into paragraphs (a blank line or a page change ends one)."""
    groups: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if not line.text.strip() or (current and line.page != current[-1].page and _ends_sentence(current[-1])):
            if current:
                groups.append(current)
            current = [line] if line.text.strip() else []
            continue
        current.append(line)
    if current:
        groups.append(current)
    return groups


def _ends_sentence(line: Line) -> bool:
    """True when a line ends with sentence punctuation."""
    return line.text.rstrip().endswith((".", "!", "?", ":", '"'))


def sentences_of(lines: list[Line], doc_text: str, part: str) -> list[Sentence]:
    """Sentences of the given lines, paragraph by paragraph, with spans into the document text."""
    out: list[Sentence] = []
    for para in paragraphs(lines):
        start, end = para[0].start, para[-1].end
        chunk = doc_text[start:end].replace("\n", " ")  # one character for one: offsets into it stay valid
        starts = [ln.start for ln in para]
        for s, e in split_sentences(chunk, start):
            line = para[max(bisect.bisect_right(starts, s) - 1, 0)]
            out.append(Sentence(chunk[s - start : e - start], Location(part, line.page, line.number, s, e)))
    return out
