"""What one line is: the patterns and tests for markings, labels, salutations, closings, names and prose.

Pure functions over a line's text; the layout, closing, party and kind modules build on them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from authcheck.extract.normalize import matching_text
from authcheck.util.patterns import compiled

MARKING = compiled(
    r"\b(?:DRAFT|PRE-?DECISIONAL|DELIBERATIVE|NOT\s+FOR\s+(?:RELEASE|DISTRIBUTION|PUBLIC\s+RELEASE)"
    r"|FOR\s+OFFICIAL\s+USE\s+ONLY|FOUO|CUI|CONTROLLED\s+UNCLASSIFIED|UNCLASSIFIED|CONFIDENTIAL|SECRET"
    r"|TOP\s+SECRET|RESTRICTED|OFFICIAL[\s-]+SENSITIVE|NOFORN|REL\s+TO|INTERNAL\s+USE\s+ONLY"
    r"|PROPRIETARY|EMBARGOED|SAMPLE|SPECIMEN|VOID|COPY)\b",
    re.IGNORECASE,
)
LABEL = compiled(
    r"^\s*(?P<label>MEMORANDUM\s+FOR|MEMO\s+FOR|MEMORANDUM\s+THRU|THRU|TO|FROM|SUBJECT|SUBJ|RE|REF(?:ERENCE)?S?"
    r"|OUR\s+REF|YOUR\s+REF|ATTN|ATTENTION|CC|DATE)\b\s*[:.]?\s*(?P<value>.*)$",
    re.IGNORECASE,
)
SALUTATION = compiled(
    r"^\s*(?:Dear\s+[^\n]{1,60}|Sir|Sirs|Madam|Sir\s+or\s+Madam|Madam\s+or\s+Sir|Gentlemen|Ladies\s+and\s+Gentlemen"
    r"|To\s+whom\s+it\s+may\s+concern|(?:Your\s+)?Excellency|Mr\.?\s+(?:President|Speaker|Secretary|Minister)"
    r"|Madam\s+(?:President|Speaker|Secretary|Minister)|Hello\s+[^\n]{1,40}|Greetings)\s*[,:!]?\s*$",
    re.IGNORECASE,
)
CLOSING = compiled(
    r"^\s*(?:(?:Very\s+)?(?:Respectfully|Sincerely|Cordially|Faithfully|Truly)(?:\s+yours)?|Yours\s+(?:sincerely|faithfully|truly|respectfully)"
    r"|(?:With\s+)?(?:Best|Kind|Warm|Warmest)?\s*regards|Regards|Respectfully\s+submitted|With\s+(?:respect|gratitude|appreciation)"
    r"|Thank\s+you|Thanks|Best\s+wishes|Hochachtungsvoll|Mit\s+freundlichen\s+Gr(?:ü|ue)(?:ß|ss)en"
    r"|Yours(?:\s+ever)?|Ever\s+yours|Best|All\s+the\s+best|(?:Bien\s+)?[Cc]ordialement|Atentamente|Saludos(?:\s+cordiales)?"
    r"|(?:Cordiali|Distinti)\s+saluti|Met\s+vriendelijke\s+groet(?:en)?|Med\s+v(?:ä|ae)nlig\s+h(?:ä|ae)lsning"
    r"|Med\s+venlig\s+hilsen|Z\s+powa(?:ż|z)aniem|(?:For\s+and\s+)?[Oo]n\s+behalf\s+of\s+[^\n]{3,60}"
    r"|FOR\s+THE\s+[A-Z ]{3,40}|BY\s+(?:ORDER|DIRECTION)\s+OF\s+[^\n]{3,60})\s*[,:.]?\s*$",
    re.IGNORECASE,
)
CONFORMED = compiled(
    r"(?:^|\s)/s/\s*\S|//\s*(?:ORIGINAL\s+)?SIGNED\s*//|\bSIGNED\s+ORIGINAL\s+ON\s+FILE\b", re.IGNORECASE
)
TRAILER = compiled(
    r"^\s*(?:Enclosures?|Encl\b|Attachments?|Atch\b|cc\s*:|CF\s*:|DISTRIBUTION|Copy\s+to|Copies\s+to)", re.IGNORECASE
)
_ABBREVIATED_END = compiled(r"\b[A-Z]\.[A-Z]\.$|\b(?:Inc|Ltd|Co|Jr|Sr)\.$")  #: "U.S.", "Acme Ltd." end no sentence
_SMALL = {"of", "the", "and", "for", "to", "in", "on", "at", "de", "la", "du", "des", "von", "van", "&", "-", "a", "an"}


def is_heading_like(text: str, words: list[str] | None = None) -> bool:
    """A short line mostly in capitals or Title Case, not a sentence: a letterhead or name line
    (`words`: `text.split()` when the caller has it)."""
    words = text.split() if words is None else words
    if not words or len(words) > 12 or len(text) > 90:
        return False
    if text.rstrip().endswith((".", "?", "!", ";")) and not _ABBREVIATED_END.search(text.strip()):
        return False
    caps = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit() or w.lower() in _SMALL or not w[:1].isalpha())
    return caps / len(words) >= 0.7


def is_sentence(text: str) -> bool:
    """A line that reads as running prose: long, or a short sentence with its final stop."""
    split = text.split()
    if is_heading_like(text, split):
        return False
    words = len(split)
    return words >= 9 or (words >= 3 and text.rstrip().endswith((".", "!", "?")))


_PARTICLES = {
    "von",
    "van",
    "der",
    "den",
    "de",
    "la",
    "le",
    "du",
    "da",
    "di",
    "del",
    "dos",
    "das",
    "bin",
    "bint",
    "ibn",
    "al",
    "el",
    "ben",
    "ter",
    "te",
    "y",
    "zu",
}
_DEGREES = compiled(r",\s*(?:Ph\.?\s?D|M\.?D|Esq|MBA|MSc|BSc|JD|LLM|QC|KC|OBE|MBE|CBE)\.?\s*$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def looks_like_name(text: str) -> bool:
    """A typed personal name: 2-6 capitalised words (any script's letters), initials, particles, a suffix.

    Read folded (look-alike letters of other scripts as Latin), so a name typed with them is still a name.
    """
    words = _DEGREES.sub("", matching_text(text)).replace(",", " ").split()
    if not 2 <= len(words) <= 6 or not is_heading_like(text):
        return False
    if any(MARKING.fullmatch(w) for w in words) or words[0].lower() in _PARTICLES or words[-1].lower() in _PARTICLES:
        return False
    return all(w.lower() in _PARTICLES or _name_word(w) for w in words)


DIGIT = compiled(r"\d")  #: any decimal digit (re's \d: a Unicode decimal, as str.isdecimal)
_SUFFIX_OR_INITIALS = compiled(r"[IVX]+|Jr\.?|Sr\.?|(?:[A-Z]\.){1,3}")  #: "III", "Jr.", "J.R."
_NAME_JOINERS = compiled(r"['\-\u2019]")  #: O'Brien, Smith-Jones


def _name_word(word: str) -> bool:
    """A capitalised name word, an initial, a Roman-numeral or Jr/Sr suffix."""
    if _SUFFIX_OR_INITIALS.fullmatch(word):
        return True
    core = word[:-1] if word.endswith(".") else word
    pieces = _NAME_JOINERS.split(core)
    return (
        bool(core)
        and core[0].isupper()
        and all(p.isalpha() for p in pieces if p)
        and (len(core) > 1 or word.endswith("."))
    )


TITLE_WORDS = compiled(
    r"\b(?:General|Admiral|Colonel|Major|Captain|Lieutenant|Commander|Commanding|Director|Secretary|Minister|"
    r"President|Chairman|Chair|Chief|Head|Officer|Manager|Ambassador|Governor|Mayor|Deputy|Assistant|Attach[eé]|"
    r"Counsel|Advisor|Adviser|Principal|Dean|Registrar|Treasurer|Clerk|Prime|Premier|Chancellor|King|Queen|"
    r"Corps|USMC|USA|USN|USAF|Army|Navy|Air\s+Force|Marine|Executive|Coordinator|Lead|Supervisor|Representative)\b",
    re.I,
)


ORG_WORDS = compiled(
    r"\b(?:Department|Ministry|Office|Headquarters|HQ|Command|Task\s+Force|Force|Forces|Agency|Bureau|Council|"
    r"Embassy|Government|Republic|Kingdom|State|University|Company|Corporation|Inc|Ltd|LLC|Bank|Trust|Authority|"
    r"Commission|Committee|Parliament|Senate|Court|Division|Brigade|Battalion|Regiment|Squadron|Group|Service|"
    r"Services|Administration|Institute|Association|Foundation|Organi[sz]ation|Combined|Joint|Coalition|Operation)\b",
    re.I,
)


NOT_A_PARTY = compiled(
    r"^(?:table\s+of\s+contents?|contents?|index|chapter|section|part|introduction|abstract|preface|foreword|summary|"
    r"overview|appendix|annex|references|bibliography|glossary|figure|fig|table|page|version|release|draft|"
    r"copyright|license|licence|notes?|example|step|usage|description|synopsis|options?|heading|paragraph|title|"
    r"subtitle|caption|header|footer|document|sample|test|lorem|hello|welcome|untitled|continue|submit)\b",
    re.I,
)


def split_person(value: str) -> tuple[str | None, str | None]:
    """Split "Brigadier General William H. Seely III, Commanding General" into (name, title)."""
    head, _, tail = value.partition(",")
    words = head.split()
    for k in range(len(words)):
        candidate = " ".join(words[k:])
        if looks_like_name(candidate) and not TITLE_WORDS.search(candidate) and not ORG_WORDS.search(candidate):
            title = " ".join(words[:k]) + (", " + tail.strip() if tail.strip() else "")
            return candidate, title.strip(" ,") or None
    return None, value.strip() or None


ANNEX = compiled(
    r"^\s*(?:ANNEX|Annex|APPENDIX|Appendix|ENCLOSURE|Enclosure|ATTACHMENT|Attachment|TAB|Tab)"
    r"\s+(?:[A-Z]|\d{1,3}|[IVX]{1,5})\b(?:\s*(?:[:.\-\u2013\u2014]|to\b)[^\n]*)?$"
)


POSTSCRIPT = compiled(r"^\s*(?:P\.?\s?P\.?\s?S|P\.?\s?S)\b\.?\s*[:.\-\u2013\u2014]?\s*\S", re.IGNORECASE)


FOOTER = compiled(
    r"^\s*(?:Page\s+\d+(?:\s+of\s+\d+)?|-?\s*\d{1,3}\s*-?|\S+@\S+\.\w+|(?:https?://|www\.)\S+"
    r"|(?:Tel|Phone|Fax|Telephone)\.?\s*[:.]?\s*[+\d(][\d ()+\-.]{5,})\s*$",
    re.IGNORECASE,
)


def is_annex_heading(text: str) -> bool:
    """ "ANNEX A", "Enclosure 2: Timeline", "Appendix III" on a line of its own."""
    return bool(ANNEX.match(text)) and not is_sentence(text)


def only_marking(text: str) -> bool:
    """A classification or handling line ("UNCLASSIFIED", "OFFICIAL - SENSITIVE")."""
    return (
        bool(text)
        and MARKING.search(text) is not None
        and not re.search(
            r"[A-Za-z]{3,}", re.sub(r"\b(?:AND|ONLY|FOR|NOT|USE|TO)\b", "", MARKING.sub("", text), flags=re.I)
        )
    )
