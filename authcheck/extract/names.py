"""Personal names: strip ranks and honorifics, and compare names tolerantly (initials, order, suffixes)."""

from __future__ import annotations

import functools
import unicodedata

from authcheck.extract.normalize import matching_text
from authcheck.util.patterns import compiled

RANKS = (
    "general",
    "gen",
    "brigadier",
    "brig",
    "bg",
    "bgen",
    "brig gen",
    "major",
    "maj",
    "mg",
    "majgen",
    "lieutenant",
    "lt",
    "ltg",
    "ltgen",
    "lt gen",
    "colonel",
    "col",
    "ltc",
    "lt col",
    "ltcol",
    "captain",
    "capt",
    "cpt",
    "commander",
    "cdr",
    "admiral",
    "adm",
    "radm",
    "vadm",
    "sergeant",
    "sgt",
    "msgt",
    "csm",
    "private",
    "pvt",
    "ensign",
    "ens",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lord",
    "lady",
    "hon",
    "honorable",
    "honourable",
    "rt",
    "right",
    "the",
    "his",
    "her",
    "excellency",
    "president",
    "prime",
    "minister",
    "secretary",
    "ambassador",
    "governor",
    "senator",
    "representative",
    "director",
    "chief",
    "commanding",
    "deputy",
    "acting",
    "usmc",
    "usa",
    "usn",
    "usaf",
    "ussf",
    "uscg",
    "us",
    "army",
    "navy",
    "marine",
    "corps",
    "air",
    "force",
    "retired",
    "ret",
    "phd",
    "md",
    "esq",
    "mp",
    "qc",
    "kc",
    "obe",
    "mbe",
    "cbe",
    "jr",
    "sr",
    "ii",
    "iii",
    "iv",
    "v",
)
_RANKS = set(RANKS)
_LOWER_WORD = compiled(r"[a-z]+")
_NAME_WORD = compiled(r"[a-z][a-z'\-]*")


def _ascii(text: str) -> str:
    """Lowercase, accents removed."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


@functools.lru_cache(maxsize=4096)
def name_tokens(name: str) -> tuple[str, ...]:
    """The words of a personal name in given-name-first order, without ranks, honorifics or suffixes.

    "Seely, William H. BGen USMC" -> ("william", "h", "seely").  Remembered for the last 4,096 names:
    the rules compare the same few names of a letter many times.
    """
    text = _ascii(matching_text(name))
    if "," in text:
        head, _, tail = text.partition(",")
        tail_words = [w for w in _LOWER_WORD.findall(tail) if w not in _RANKS]
        if tail_words and len(_LOWER_WORD.findall(head)) <= 2:
            text = " ".join(tail_words) + " " + head
    words = _NAME_WORD.findall(text.replace(".", " "))
    return tuple(w for w in words if w not in _RANKS)


def person_similarity(a: str, b: str) -> float:
    """0-100: how likely two strings name the same person (initials match full names; order is free)."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return 0.0
    if len(ta) > len(tb):
        ta, tb = tb, ta
    used: set[int] = set()
    total = 0.0
    for word in ta:
        best, best_j = 0.0, None
        for j, other in enumerate(tb):
            if j in used:
                continue
            score = _word_score(word, other)
            if score > best:
                best, best_j = score, j
                if best >= 100.0:
                    break  # nothing scores higher, and the first full score is the one kept
        if best_j is not None:
            used.add(best_j)
        total += best
    surname = _word_score(ta[-1], tb[-1]) if len(ta) > 1 else total / len(ta)
    return max(0.0, min(100.0, (total / len(ta) + surname) / 2))


def _word_score(a: str, b: str) -> float:
    """Similarity of two name words; an initial fully matches a word it begins."""
    if len(a) == 1 or len(b) == 1:
        return 100.0 if a[0] == b[0] else 0.0
    return indel_ratio(a, b)


def indel_ratio(a: str, b: str) -> float:
    """rapidfuzz's `fuzz.ratio` (the normalized Indel similarity, 0-100), computed here for the short
    words of a name: the same float, without importing rapidfuzz (≈ 10 ms of a cold run)."""
    if a == b:
        return 100.0
    total = len(a) + len(b)
    return (1.0 - (total - 2 * _common(a, b)) / total) * 100


def _common(a: str, b: str) -> int:
    """The length of the longest common subsequence of `a` and `b`, bit-parallel (Hyyrö 2004): bit
    i of `v` is 0 where a[i] is matched so far, one integer step for each character of `b`."""
    where: dict[str, int] = {}
    for i, ch in enumerate(a):
        where[ch] = where.get(ch, 0) | 1 << i
    full = (1 << len(a)) - 1
    v = full
    for ch in b:
        u = v & where.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()
