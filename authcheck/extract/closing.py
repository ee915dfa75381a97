"""The end of a letter part: where its closing block is, what follows it, and a signature drawn there.

Real letters rarely follow the textbook: no complimentary close, a typed name followed by a
footer or a classification line, a drawn signature with no typed name under it, title above
the name, "FOR THE COMMANDER" blocks, two signatories side by side.  A closing block is only
ever the end of a letter part, so it is looked for before any back matter (references,
bibliography, member lists, contents, annexes) and never inside a list of names or a table.
"""

from __future__ import annotations

import re
from dataclasses import field
from functools import lru_cache

from authcheck.extract.lines import (
    ANNEX,
    CLOSING,
    CONFORMED,
    FOOTER,
    POSTSCRIPT,
    TRAILER,
    is_sentence,
    looks_like_name,
    only_marking,
)
from authcheck.model import Image, Line
from authcheck.util.patterns import compiled
from authcheck.util.records import mutable

BACK_MATTER = compiled(
    r"^\s*(?:\d+(?:\.\d+)*\.?\s+)?(?:References|Bibliography|Works\s+Cited|Literature\s+Cited"
    r"|Endnotes|Further\s+Reading|Members(?:hip)?|List\s+of\s+(?:Members|Participants|Attendees)"
    r"|Participants|Attendees|Table\s+of\s+Contents|Contents|Index|Glossary|Acknowledg(?:e)?ments)\s*:?\s*$",
    re.IGNORECASE,
)
WEAK_CLOSE = compiled(
    r"^\s*(?:Thank\s+you|Thanks|Regards|Best(?:\s+wishes)?|All\s+the\s+best|Yours|"
    r"With\s+(?:gratitude|appreciation))\s*[,:.!]?\s*$",
    re.I,
)
TABLE_CELLS = 3  # a row with this many tab-separated cells is a table row, not side-by-side signatories
MAX_BLOCK = 9  # non-blank lines a closing block may hold
_TAIL = 80  # lines before the end of the part in which the closing is looked for (long distribution lists)
_OVERLAP = 14.0  # page units a drawn signature may reach up over the last line of text above it
_NEAR_PDF = 230.0  # page units below the last paragraph in which a signature image may sit without a block


@mutable
class Closing:
    """Line indexes of the closing block [start, end), the end of the letter part, and images in the block."""

    start: int
    end: int
    part_end: int
    images: list[Image] = field(default_factory=list)


_CELL_GAP = compiled(r"\t|\u2003+|\s{4,}")


def cells(text: str) -> list[str]:
    """The cells of a line (side-by-side blocks and tables are joined with tabs or wide gaps)."""
    if not _CELL_GAP.search(text):
        return [text.strip()] if text.strip() else []
    return [c.strip() for c in _CELL_GAP.split(text) if c.strip()]


@lru_cache(maxsize=4096)
def person_name(text: str) -> str | None:
    """The personal name a line (or its first cell) gives, else None; a title line gives none."""
    from authcheck.extract.lines import NOT_A_PARTY, ORG_WORDS, TITLE_WORDS, split_person

    for cell in cells(text)[:2]:
        if _citation(cell) or NOT_A_PARTY.match(cell):
            return None
        if looks_like_name(cell) and not TITLE_WORDS.search(cell) and not ORG_WORDS.search(cell):
            return cell
        name, _ = split_person(cell)
        if name and len(name.split()) >= 2:
            return name
    return None


def _citation(text: str) -> bool:
    """A bibliography entry or cross-reference, not a name: years, pages, volumes, quotes, et al."""
    return bool(_CITATION.search(text))


_CITATION = compiled(
    r"\(\s*(?:1[6-9]|20)\d\d[a-z]?\s*\)|\bet\s+al\b|\bpp?\.\s*\d|\bVol\.|\bISBN\b|\bdoi\b|[\"\u201c]"
    r"|\bEd(?:s|ited)?\.|\b(?:19|20)\d\d[a-z]?[.,]\s*$",
    re.IGNORECASE,
)


def find_closing(lines: list[Line], body_start: int, images: tuple[Image, ...]) -> Closing:
    """Where the closing block of the letter part starting at `body_start` is (start == end when none)."""
    part_end = _part_end(lines, body_start)
    tail_from = max(body_start, _trailer_start(lines, body_start, part_end) - _TAIL)
    start = _closing_phrase(lines, tail_from, part_end)
    if start is None:
        start = _name_block(lines, tail_from, part_end)
    last_prose = _last_prose(lines, body_start, start if start is not None else part_end)
    if start is None:
        found = _images_after(lines, last_prose, None, part_end, images)
        if not found:
            return Closing(part_end, part_end, part_end)
        start, opens = _first_text_after(lines, found[0], last_prose, part_end)
        return Closing(start, _block_end(lines, start, part_end) if opens else start, part_end, found)
    end = _block_end(lines, start, part_end)
    found = _images_after(lines, last_prose, (start, end), part_end, images)
    if (
        last_prose < body_start
        or _is_list_or_table(lines, start, end)
        or (not found and _bare_courtesy(lines, start, end))
    ):
        return Closing(part_end, part_end, part_end)
    return Closing(start, end, part_end, found)


def _trailer_start(lines: list[Line], body_start: int, part_end: int) -> int:
    """Where a distribution, cc or enclosure list after the last paragraph begins (part_end if none)."""
    last = _last_prose(lines, body_start, part_end)
    return next((k for k in range(last + 1, part_end) if TRAILER.match(lines[k].text.strip())), part_end)


def _bare_courtesy(lines: list[Line], start: int, end: int) -> bool:
    """A lone "Thank you" or "Regards" with no name or signature under it: the end of slides, not a closing."""
    texts = [ln.text.strip() for ln in lines[start:end] if ln.text.strip()]
    return bool(WEAK_CLOSE.match(texts[0])) and not any(person_name(t) or CONFORMED.search(t) for t in texts[1:])


def _part_end(lines: list[Line], body_start: int) -> int:
    """The first back-matter or annex heading after the body starts (len(lines) if none)."""
    for k in range(body_start + 1, len(lines)):
        text = lines[k].text.strip()
        back = BACK_MATTER.match(text) is not None  # the patterns before `is_sentence`: they are cheaper
        if (back or ANNEX.match(text)) and not is_sentence(text) and (back or _starts_annex(lines, k)):
            return k
    return len(lines)


def _starts_annex(lines: list[Line], k: int) -> bool:
    """An annex heading opens a page or is followed by prose (an enclosure list line is neither)."""
    before = next((ln for ln in reversed(lines[max(0, k - 50) : k]) if ln.text.strip()), None)
    if before is None or before.page != lines[k].page:
        return True
    following = [ln.text.strip() for ln in lines[k + 1 : k + 6] if ln.text.strip()][:3]
    return any(is_sentence(t) for t in following)


def _closing_phrase(lines: list[Line], tail_from: int, part_end: int) -> int | None:
    """The complimentary close ("Sincerely,", "FOR THE COMMANDER:") that ends the part.

    Signatories one after another (a Word table of two blocks) each have a close; the block
    starts at the first of them that no prose separates from the last.
    """
    for k in range(part_end - 1, tail_from - 1, -1):
        if _is_close(lines[k].text) and _ends_part(lines, k + 1, part_end):
            start = k
            for j in range(k - 1, max(tail_from, k - 14) - 1, -1):
                if is_sentence(lines[j].text.strip()):
                    break
                if _is_close(lines[j].text):
                    start = j
            return start
    return None


def _is_close(text: str) -> bool:
    """A complimentary close line (its first cell, for side-by-side blocks)."""
    first = (cells(text) or [""])[0]
    return bool(CLOSING.match(first)) and len(first.split()) <= 8


def _ends_part(lines: list[Line], k: int, part_end: int) -> bool:
    """True when a name, signature marker or trailer comes before any running prose, or no prose follows."""
    for line in lines[k:part_end]:
        text = line.text.strip()
        if TRAILER.match(text) or POSTSCRIPT.match(text) or CONFORMED.search(text) or person_name(text):
            return True
        if is_sentence(text) and not CONFORMED.search(text):
            return False
    return True


def _name_block(lines: list[Line], tail_from: int, part_end: int) -> int | None:
    """Without a closing phrase: a conformed marker, or a typed name with a title beside it, after the last prose."""
    last_prose = _last_prose(lines, tail_from, part_end)
    for k in range(last_prose + 1, part_end):
        text = lines[k].text.strip()
        if TRAILER.match(text) or POSTSCRIPT.match(text):
            return None
        if CONFORMED.search(text):
            return k
        if person_name(text) and _has_title_near(lines, k, part_end):
            return k - 1 if k - 1 > last_prose and is_title(lines[k - 1].text) else k
    return None


def _has_title_near(lines: list[Line], k: int, part_end: int) -> bool:
    """A title or office line right after the name (or right before it)."""
    after = lines[k + 1].text.strip() if k + 1 < part_end else ""
    before = lines[k - 1].text.strip() if k > 0 else ""
    return is_title(after) or is_title(before)


def is_title(text: str) -> bool:
    """A rank, title or office line of a signature block."""
    from authcheck.extract.lines import ORG_WORDS, TITLE_WORDS

    cell = (cells(text) or [""])[0]
    return (
        bool(cell)
        and not is_sentence(cell)
        and bool(TITLE_WORDS.search(cell) or ORG_WORDS.search(cell))
        and len(cell.split()) <= 12
        and not _citation(cell)
    )


def _last_prose(lines: list[Line], lo: int, hi: int) -> int:
    """Index of the last running-prose line in [lo, hi), else lo - 1."""
    return next((k for k in range(hi - 1, lo - 1, -1) if is_sentence(lines[k].text.strip())), lo - 1)


def _block_end(lines: list[Line], start: int, part_end: int) -> int:
    """Where the block stops: a trailer, P.S., footer, classification line or prose, or MAX_BLOCK lines."""
    filled = 0
    for k in range(start, part_end):
        text = lines[k].text.strip()
        if k > start and (
            TRAILER.match(text)
            or POSTSCRIPT.match(text)
            or FOOTER.match(text)
            or only_marking(text)
            or is_sentence(text)
        ):
            return k
        if filled >= MAX_BLOCK:
            return k
        filled += bool(text)
    return part_end


def _is_list_or_table(lines: list[Line], start: int, end: int) -> bool:
    """A member list (three or more names, not each under its own close) or a table (rows of three or more cells)."""
    filled = [ln.text for ln in lines[start:end] if ln.text.strip()]
    if any(len(cells(t)) >= TABLE_CELLS for t in filled):
        return True
    names = sum(1 for text in filled if person_name(text) and not _is_close(text))
    closes = sum(1 for text in filled if _is_close(text))
    return names >= 3 and names > closes + 1


def _images_after(
    lines: list[Line], last_prose: int, block: tuple[int, int] | None, part_end: int, images: tuple[Image, ...]
) -> list[Image]:
    """Images placed after the last paragraph and in (or just around) the closing block."""
    if last_prose < 0 or not images:
        return []
    anchor = lines[last_prose]
    inside = lines[block[0] : block[1]] if block else []
    return [im for im in images if _in_closing_area(im, anchor, inside, lines[last_prose + 1 : part_end])]


def _in_closing_area(image: Image, anchor: Line, block: list[Line], after: list[Line]) -> bool:
    """True when the image sits below the last paragraph and above the end of the block."""
    if image.line is not None:  # DOCX: the line the picture is anchored to
        if not block and image.height is not None and not _signature_shaped(image):
            return False
        if block:  # a floating picture may be anchored to the last paragraph and drawn below it
            return anchor.number <= image.line <= block[-1].number + 1
        return anchor.number < image.line <= anchor.number + 4
    if image.top is None or anchor.y is None or (image.height or 0) > 300:
        return False
    page = block[0].page if block else anchor.page
    if not block and not _signature_shaped(image):
        return False
    if not block and image.page == anchor.page + 1:  # the drawn signature alone at the top of the next page
        return not any(
            ln.page == image.page and ln.y is not None and image.bottom is not None and ln.y > image.bottom
            for ln in after
        )
    if image.page != page:
        return False
    upper = anchor.y if anchor.page == page else 10_000.0
    ys = [ln.y for ln in block if ln.y is not None and ln.page == page]
    if not ys:
        return upper - _NEAR_PDF <= image.top <= upper + _OVERLAP
    lowest = min(ys)
    below = [ln.y for ln in after if ln.y is not None and ln.page == page and ln.y < lowest - 1 and ln not in block]
    floor = max(below) - 6 if below else lowest - _NEAR_PDF
    return lowest - 120 <= image.top <= upper + _OVERLAP and image.bottom is not None and image.bottom >= floor


def _signature_shaped(image: Image) -> bool:
    """Wide and short, as a drawn signature is (not a photo, figure or icon)."""
    width, height = image.width or 0.0, image.height or 0.0
    return 0 < height <= 160 and width <= 320 and width >= 1.2 * height


def _first_text_after(lines: list[Line], image: Image, last_prose: int, part_end: int) -> tuple[int, bool]:
    """(index of the first text line under the image, True when it can start a block: not a trailer or footer)."""
    for k in range(last_prose + 1, part_end):
        line = lines[k]
        text = line.text.strip()
        if not text:
            continue
        below = image.line is not None and line.number > image.line
        below = below or (image.bottom is not None and line.y is not None and line.y < image.bottom + 4)
        if below:
            ends = TRAILER.match(text) or POSTSCRIPT.match(text) or FOOTER.match(text) or only_marking(text)
            return k, not (ends or is_sentence(text))
    return part_end, False
