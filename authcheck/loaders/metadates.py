"""Our own parsing of the date strings found in metadata, into ISO 8601 text.

PDF dates look like ``D:YYYYMMDDHHmmSSOHH'mm'`` with any tail left off; XMP and OOXML
core properties use W3C-DTF (``2024-03-12T10:15:00Z``).  Real files carry junk here
(``D:00000000000000``, month 13, free text), and a malformed date is itself a signal,
so these parsers never raise: they return None and the caller keeps the raw string.
Output is ``YYYY-MM-DD`` for a date alone, ``YYYY-MM-DDTHH:MM:SS`` with a time, plus
``+HH:MM`` when the file gave an offset (``Z`` becomes ``+00:00``).
"""

from __future__ import annotations

import re

from authcheck.util.dates import datetime, timezone
from authcheck.util.patterns import compiled

_PDF = compiled(
    r"(?:D:)?(?P<Y>\d{4})(?P<m>\d{2})?(?P<d>\d{2})?(?P<H>\d{2})?(?P<M>\d{2})?(?P<S>\d{2})?"
    r"(?:(?P<z>Z)(?:00'?(?:00'?)?)?|(?P<sign>[+-])(?P<oh>\d{2})(?:'?(?P<om>\d{2}))?'?)?"
)
_W3C = compiled(
    r"(?P<Y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?"
    r"(?:(?P<z>Z)|(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2})?)?)?)?)?"
)


def parse_pdf_date(raw: str | None) -> str | None:
    """ISO text for a PDF date string (``D:`` optional, partial forms allowed), or None for junk."""
    if raw is None:
        return None
    match = _PDF.fullmatch(raw.strip().rstrip("'").strip())
    return _iso(match) if match else None


def parse_iso_date(raw: str | None) -> str | None:
    """ISO text for a W3C-DTF / ISO 8601 date (XMP, core.xml), or None for junk."""
    if raw is None:
        return None
    match = _W3C.fullmatch(raw.strip())
    return _iso(match) if match else None


def _iso(match: re.Match) -> str | None:
    """Validate the matched parts and format them; None when any part is out of range."""
    part = match.groupdict()
    try:
        when = datetime(
            int(part["Y"]),
            int(part["m"] or 1),
            int(part["d"] or 1),
            int(part["H"] or 0),
            int(part["M"] or 0),
            int(part["S"] or 0),
        )
    except ValueError:
        return None
    if when.year < 1000:
        return None
    if part["H"] is None:
        return when.strftime("%Y-%m-%d")
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (_offset(part) or "")


def _offset(part: dict) -> str | None:
    """The ``+HH:MM`` offset of a matched date, or None when it gave none (or an impossible one)."""
    if part["z"]:
        return "+00:00"
    if not part["sign"]:
        return None
    hours, minutes = int(part["oh"]), int(part["om"] or 0)
    if hours > 23 or minutes > 59:
        return None
    return f"{part['sign']}{hours:02d}:{minutes:02d}"


def parse_when(value) -> datetime | None:
    """An ISO date or datetime string as an aware datetime (naive values are taken as UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
