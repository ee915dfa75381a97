"""A PDF's saved revisions: the cross-reference chain, walked with the standard library only.

A PDF edited by incremental update keeps every earlier version: each save appends objects,
a cross-reference section (a classic ``xref`` table or an ``/XRef`` stream) whose trailer
points back with ``/Prev``, and a new ``%%EOF``.  `walk` follows ``startxref`` -> ``/Prev``
from the end of the file (not counting ``%%EOF``s, which junk and linearization fake), cuts
the file into revisions, and records what is odd about the chain: loops, offsets outside the
file or pointing at no cross-reference section, junk after the last ``%%EOF``, ExifTool
update blocks.  A linearized file has two sections from one save and counts as one revision.
Every section is followed, however many there are, while the caller's time allows; when the walk
stops early (time, or the MAX_SECTIONS backstop) `Structure.truncated` says why, so the analysis
is reported as partial (padding a file with empty updates cannot hide its first edit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field

from authcheck.util.patterns import compiled
from authcheck.util.records import frozen, mutable

MAX_SECTIONS = 100_000  #: backstop only: the time budget normally ends a very long walk first
TIMED_AFTER = 50  #: sections always followed before the time budget is consulted (cheap)
_DICT_LIMIT = 256 * 1024  #: bytes scanned for one trailer or xref-stream dictionary
_SLACK = 64  #: how far a sloppy startxref may miss its section and still be found
_OBJ_HEAD = compiled(rb"\s*(\d+)\s+(\d+)\s+obj\b\s*")
_STARTXREF = compiled(rb"startxref\s+(\d+)")
_FIRST_OBJ = compiled(rb"\d+\s+\d+\s+obj\b")
_EXIFTOOL_UPDATE = compiled(rb"%EndExifToolUpdate\s+(\d+)")
_XREF_TYPE = compiled(rb"/Type\s*/XRef\b")
_DIRECT_NUMBER = compiled(rb"\s*(\d+)\b(?!\s+\d+\s+R)")
EXIFTOOL_BEGIN = b"%BeginExifToolUpdate"


@frozen
class Section:
    """One cross-reference section: where it starts, what kind, its /Prev, and where its save ends."""

    offset: int
    kind: str  #: "table" or "stream"
    prev: int | None
    end: int  #: just past the ``%%EOF`` line that closes this save


@frozen
class Revision:
    """One saved version of the file: bytes [start, end) were added by this save."""

    number: int  #: 1 = the original
    start: int
    end: int
    exiftool: bool = False  #: the added bytes are an ExifTool update block


@mutable
class Structure:
    """What the cross-reference chain says about the file's history."""

    revisions: list[Revision] = field(default_factory=list)
    linearized: bool = False
    problems: list[str] = field(default_factory=list)
    trailing: int = 0  #: non-blank bytes after the end of the newest revision
    exiftool_original_sizes: list[int] = field(default_factory=list)
    truncated: str | None = None  #: why the walk stopped before the oldest revision, if it did


def walk(data: bytes, max_sections: int = MAX_SECTIONS, time_left: Callable[[], bool] | None = None) -> Structure:
    """The revisions of a PDF by its ``/Prev`` chain; never raises on malformed input.
    `time_left()` is asked before each section; when it says no, the walk stops (truncated)."""
    out = Structure(linearized=is_linearized(data))
    sections = _chain(data, out, max_sections, time_left)
    if not sections:
        return out
    ends = _revision_ends(sections, out.linearized)
    start = 0
    for number, end in enumerate(ends, 1):
        added = data[start:end]
        out.revisions.append(Revision(number, start, end, EXIFTOOL_BEGIN in added))
        start = end
    out.trailing = len(data[ends[-1] :].strip(b"\x00\t\n\f\r "))
    out.exiftool_original_sizes = [int(m) for m in _EXIFTOOL_UPDATE.findall(data[: ends[-1]])]
    return out


def is_linearized(data: bytes) -> bool:
    """True when the file's first object is a linearization parameter dictionary."""
    first = _FIRST_OBJ.search(data, 0, 4096)
    if first is None:
        return False
    body = data[first.end() : first.end() + 1024]
    return b"/Linearized" in body.split(b"endobj", 1)[0]


def _chain(data: bytes, out: Structure, max_sections: int, time_left) -> list[Section]:
    """Sections from the last ``startxref`` back through ``/Prev``, newest first."""
    problems = out.problems
    found = list(_STARTXREF.finditer(data, max(0, len(data) - 4 * 1024 * 1024)))
    if not found:
        problems.append("no startxref: the file's cross-reference chain cannot be followed")
        return []
    offset: int | None = int(found[-1].group(1))
    sections: list[Section] = []
    seen: set[int] = set()
    while offset is not None:
        out_of_time = time_left is not None and len(sections) >= TIMED_AFTER and not time_left()
        if len(sections) >= max_sections or out_of_time:
            why = (
                f"more than {max_sections} cross-reference sections"
                if len(sections) >= max_sections
                else f"the time limit was reached after {len(sections)} cross-reference sections"
            )
            out.truncated = f"revision history not fully read: {why}; older revisions were not examined"
            problems.append(f"{why}; stopped following /Prev")
            break
        if offset in seen:
            problems.append(f"the /Prev chain loops back to offset {offset}")
            break
        seen.add(offset)
        section = _section(data, offset, problems)
        if section is None:
            break
        sections.append(section)
        offset = section.prev
    return sections


def _section(data: bytes, offset: int, problems: list[str]) -> Section | None:
    """The cross-reference section at `offset` (or within a few bytes of it), else a problem."""
    if not 0 <= offset < len(data):
        problems.append(f"a cross-reference offset ({offset}) lies outside the file ({len(data)} bytes)")
        return None
    for delta in sorted(range(-_SLACK, _SLACK + 1), key=abs):
        at = offset + delta
        if at < 0:
            continue
        section = _section_exact(data, at)
        if section is not None:
            if delta:
                problems.append(f"a cross-reference offset ({offset}) is {delta:+d} bytes off its section")
            return section
    problems.append(f"no cross-reference section at offset {offset}")
    return None


def _section_exact(data: bytes, at: int) -> Section | None:
    """A classic table or an xref stream starting exactly at `at`, else None."""
    if data.startswith(b"xref", at) and (at == 0 or data[at - 1 : at] in b"\r\n \t\f"):
        trailer = data.find(b"trailer", at)
        if trailer < 0:
            return None
        body = dict_at(data, data.find(b"<<", trailer))
        if body is None:
            return None
        return Section(at, "table", top_level_int(body, b"/Prev"), _save_end(data, trailer))
    if at and data[at - 1 : at] not in b"\r\n \t\f":
        return None
    head = _OBJ_HEAD.match(data, at)
    if head is None or not data.startswith(b"<<", head.end()):
        return None
    body = dict_at(data, head.end())
    if body is None or not _XREF_TYPE.search(body):
        return None
    return Section(at, "stream", top_level_int(body, b"/Prev"), _save_end(data, head.end() + len(body)))


def _save_end(data: bytes, after: int) -> int:
    """Just past the first ``%%EOF`` (and its end-of-line) after `after`; the file's end if none."""
    pos = data.find(b"%%EOF", after)
    if pos < 0:
        return len(data)
    pos += 5
    if data[pos : pos + 2] == b"\r\n":
        return pos + 2
    return pos + 1 if data[pos : pos + 1] in (b"\r", b"\n") else pos


def _revision_ends(sections: list[Section], linearized: bool) -> list[int]:
    """The end offset of each save, oldest first.

    A linearized file's first-page section (the one nearest the start) belongs to the same
    save as the main section its /Prev points to, so its own early ``%%EOF`` is no revision.
    """
    ends = {s.end for s in sections}
    if linearized and len(sections) >= 2:
        first = min(sections, key=lambda s: s.offset)
        main = next((s for s in sections if s.offset == first.prev), None)
        if main is not None and main.end > first.end:
            ends.discard(first.end)
    return sorted(ends)


def dict_at(data: bytes, start: int) -> bytes | None:
    """The bytes of the ``<< ... >>`` dictionary starting at `start`, balanced; None if unclosed."""
    if start < 0 or not data.startswith(b"<<", start):
        return None
    depth, pos, limit = 0, start, min(len(data), start + _DICT_LIMIT)
    while pos < limit:
        two = data[pos : pos + 2]
        if two == b"<<":
            depth, pos = depth + 1, pos + 2
            continue
        if two == b">>":
            depth, pos = depth - 1, pos + 2
            if depth == 0:
                return data[start:pos]
            continue
        char = data[pos : pos + 1]
        if char == b"(":
            pos = _skip_literal(data, pos, limit)
        elif char == b"<":
            end = data.find(b">", pos, limit)
            pos = end + 1 if end >= 0 else limit
        else:
            pos += 1
    return None


def _skip_literal(data: bytes, pos: int, limit: int) -> int:
    """Offset just past the literal string ``( ... )`` starting at `pos` (nested, escaped)."""
    depth, pos = 0, pos
    while pos < limit:
        char = data[pos : pos + 1]
        if char == b"\\":
            pos += 2
            continue
        if char == b"(":
            depth += 1
        elif char == b")":
            depth -= 1
            if depth == 0:
                return pos + 1
        pos += 1
    return limit


def top_level_int(body: bytes, key: bytes) -> int | None:
    """The integer value of `key` at the top level of dictionary bytes (None if absent or not a number)."""
    depth, pos = 0, 0
    while pos < len(body):
        if body.startswith(b"<<", pos):
            depth, pos = depth + 1, pos + 2
        elif body.startswith(b">>", pos):
            depth, pos = depth - 1, pos + 2
        elif body[pos : pos + 1] == b"(":
            pos = _skip_literal(body, pos, len(body))
        elif depth == 1 and body.startswith(key, pos) and not body[pos + len(key) : pos + len(key) + 1].isalnum():
            match = _DIRECT_NUMBER.match(body[pos + len(key) : pos + len(key) + 40])
            return int(match.group(1)) if match else None
        else:
            pos += 1
    return None
