"""Dates written in a letter ("6 January 2020", "January 6, 2020", "2020-01-06", "06.01.2020")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from authcheck.util.dates import date
from authcheck.util.patterns import compiled

MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MON = r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_PATTERNS = [
    compiled(r"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?:\s+of)?\s+" + _MON + r",?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    compiled(r"\b" + _MON + r"\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    compiled(r"\b(?P<year>(?:19|20)\d\d)-(?P<m>[01]?\d)-(?P<day>[0-3]?\d)\b"),
    compiled(r"\b(?P<day>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<year>(?:19|20)\d\d)\b"),
    compiled(r"\b(?P<a>[01]?\d)/(?P<b>[0-3]?\d)/(?P<year>(?:19|20)\d\d)\b"),
    compiled(
        r"\b(?P<day>[0-3]?\d)\s?(?P<mon>JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\s?(?P<year>(?:19|20)?\d\d)\b"
    ),
]

_DATE_LABEL = compiled(r"^(?:Date|Dated|Datum|Le)\b[:\s]*", re.I)
_PLACE = compiled(r"^[A-Z][A-Za-z .'-]{0,30},?$")
_TWO_DIGITS = compiled(r"\d\d")  #: the same \d as the patterns (any Unicode decimal digit)


def find_dates(text: str) -> Iterable[tuple[int, int, str, str]]:
    """(start, end, text, ISO date) for every valid date written in `text`."""
    if _TWO_DIGITS.search(text) is None:
        return  # every pattern's year holds two digits in a row: most lines of a letter have none
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            value = _to_iso(m.groupdict())
            if value:
                taken.append((m.start(), m.end()))
                yield m.start(), m.end(), m.group(0), value


def _to_iso(g: dict) -> str | None:
    """The ISO date for a match's groups, or None when it is not a real date."""
    year = int(g["year"])
    if year < 100:
        year += 2000
    if g.get("mon"):
        month = MONTHS[g["mon"].lower().rstrip(".")]
        day = int(g["day"])
    elif g.get("m"):
        month, day = int(g["m"]), int(g["day"])
    else:  # a/b/year: US month/day unless the first number cannot be a month
        a, b = int(g["a"]), int(g["b"])
        month, day = (b, a) if a > 12 else (a, b)
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def is_date_line(text: str) -> bool:
    """True when a short line is mostly a date (the letter's date line)."""
    for start, end, _, _ in find_dates(text):
        rest = (text[:start] + text[end:]).strip(" ,.:")
        rest = _DATE_LABEL.sub("", rest)
        rest = _PLACE.sub("", rest)  # "Baghdad, 6 January 2020"
        if len(rest.split()) <= 2:
            return True
    return False
