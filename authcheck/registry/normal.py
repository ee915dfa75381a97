"""Normalise names, titles, ranks and organisation lines before comparing them with the registry.

`fold(text)` first reads the text as every matcher does (`extract.normalize.matching_text`), then
folds case, width, accents and look-alike letters (Cyrillic/Greek homoglyphs, also in whole words:
a registry name is compared as a name, never as text in another language).
"""

from __future__ import annotations

import re
import unicodedata

from authcheck.util.patterns import compiled

_HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "һ": "h",
        "ӏ": "l",
        "ո": "n",
        "ν": "v",
        "ο": "o",
        "α": "a",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ѡ": "w",
        "ԛ": "q",
        "ԝ": "w",
        "ı": "i",
        "ℓ": "l",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
    }
)
_ZERO_WIDTH = compiled("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")


def local_fold(text: str) -> str:
    """Case, width, accents, zero-width characters and homoglyphs folded away."""
    text = unicodedata.normalize("NFKC", _ZERO_WIDTH.sub("", text)).casefold()
    text = text.translate(_HOMOGLYPHS)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Fold text for comparison: the project's matching fold (look-alikes inside mixed words, hidden
    characters, digits for letters), then case, accents and whole-word look-alikes."""
    from authcheck.extract.normalize import matching_text

    return local_fold(matching_text(text or ""))


# Ranks and their abbreviations, folded and without dots: every spelling maps to one canonical rank.
RANK_SPELLINGS = {
    "general": ("general", "gen"),
    "lieutenant general": ("lieutenant general", "lt gen", "ltgen", "ltg", "lieut gen"),
    "major general": ("major general", "maj gen", "majgen", "mg"),
    "brigadier general": ("brigadier general", "brig gen", "briggen", "bg", "bgen", "brigadier"),
    "colonel": ("colonel", "col"),
    "lieutenant colonel": ("lieutenant colonel", "lt col", "ltcol", "ltc"),
    "major": ("major", "maj"),
    "captain": ("captain", "capt", "cpt"),
    "admiral": ("admiral", "adm"),
    "vice admiral": ("vice admiral", "vadm", "vice adm"),
    "rear admiral": ("rear admiral", "radm", "rear adm"),
    "commodore": ("commodore", "cdre"),
    "commander": ("commander", "cdr"),
    "air marshal": ("air marshal",),
    "air vice-marshal": ("air vice-marshal", "air vice marshal", "avm"),
    "air commodore": ("air commodore",),
}
_RANK_OF = {spelling: canon for canon, spellings in RANK_SPELLINGS.items() for spelling in spellings}
_RANK_RE = compiled(r"\b(" + "|".join(sorted((re.escape(s) for s in _RANK_OF), key=len, reverse=True)) + r")\b")
SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "v", "phd", "md", "esq"}
HONORIFICS = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "prof",
    "sir",
    "dame",
    "hon",
    "the",
    "rt",
    "honorable",
    "honourable",
    "his",
    "her",
    "excellency",
    "he",
    "lord",
    "lady",
}
SERVICES = {
    "usmc",
    "usa",
    "usn",
    "usaf",
    "ussf",
    "uscg",
    "us",
    "u s",
    "army",
    "navy",
    "marine",
    "corps",
    "air",
    "force",
    "marines",
    "retired",
    "ret",
    "royal",
}
_ABBREVIATIONS = {
    "hq": "headquarters",
    "hqs": "headquarters",
    "cmd": "command",
    "cdr": "commander",
    "dept": "department",
    "dep": "deputy",
    "dir": "director",
    "min": "ministry",
    "govt": "government",
    "tf": "task force",
    "cg": "commanding general",
    "co": "commanding officer",
    "sec": "secretary",
    "gov": "government",
    "&": "and",
    "intl": "international",
    "natl": "national",
}


def plain(text: str) -> str:
    """Folded, dots and punctuation turned into spaces, whitespace collapsed."""
    text = fold(text).replace(".", " ")
    return " ".join(re.sub(r"[^\w&'\-]+", " ", text).replace("_", " ").split())


def rank_of(text: str) -> str | None:
    """The canonical rank written in a line ("BGen" -> "brigadier general"), longest spelling first."""
    found = _RANK_RE.search(plain(text))
    return _RANK_OF[found.group(1)] if found else None


def claimed_rank(text: str) -> str | None:
    """The rank a line states as a rank: at the start of the line or of a comma-separated part
    ("Brigadier General, US Marine Corps", "JOHN SMITH, BG"), not inside a title ("Commanding General")."""
    for part in fold(text).split(","):
        words = plain(part)
        found = _RANK_RE.match(words)
        if found and (found.end() == len(words) or words[found.end()] == " "):
            return _RANK_OF[found.group(1)]
    return None


def title_key(text: str) -> str:
    """A title or organisation line for comparison: folded, abbreviations expanded, service words kept."""
    words = [_ABBREVIATIONS.get(w, w) for w in plain(text).split()]
    return " ".join(" ".join(words).split())


def person_key(name: str) -> tuple[str, ...]:
    """A personal name as (given names..., surname) without ranks, honorifics or suffixes.

    "Seely, William H. III, BGen USMC" and "WILLIAM H. SEELY III" give ("william", "h", "seely").
    """
    text = _RANK_RE.sub(" ", plain(name))
    if "," in fold(name):
        head, _, tail = fold(name).partition(",")
        tail_words = _strip(_RANK_RE.sub(" ", plain(tail)).split())
        if tail_words and len(_strip(plain(head).split())) == 1:
            text = " ".join(tail_words) + " " + plain(head)
        else:
            text = _RANK_RE.sub(" ", plain(head))
    return tuple(_strip(text.split()))


def _strip(words: list[str]) -> list[str]:
    """Words without honorifics, suffixes and service names."""
    return [w for w in words if w not in SUFFIXES and w not in HONORIFICS and w not in SERVICES and w != "-"]


def name_string(key: tuple[str, ...]) -> str:
    """A person key as one string for fuzzy scoring."""
    return " ".join(key)


def initials_match(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same surname and compatible given names ("W. H." fits "William Henry"; a missing middle name fits)."""
    if not a or not b or a[-1] != b[-1]:
        return False
    ga, gb = a[:-1], b[:-1]
    if not ga or not gb:
        return True
    if ga[0][0] != gb[0][0] or (len(ga[0]) > 1 and len(gb[0]) > 1 and ga[0] != gb[0]):
        return False
    return all(not (x[0] != y[0] or (len(x) > 1 and len(y) > 1 and x != y)) for x, y in zip(ga[1:], gb[1:]))
