"""Lay out positioned PDF text fragments into lines (pure geometry, no pypdf import).

pypdf's text visitor reports fragments with their text and current matrices; `Collector`
turns those into page-space `Fragment`s (following Form XObjects, whose matrices pypdf
does not apply).  `layout_page` groups fragments of the page's main orientation by
baseline, reads top to bottom and left to right, joins pieces with a space, nothing, or a
tab for a wide column gap, and inserts a blank line where the vertical gap says a new
paragraph starts.  Text at other angles (a 45-degree "DRAFT") becomes watermark lines; small
print at the bottom of a page that opens with a note marker ("1 See ...") becomes footnote lines.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable
from typing import Any

from authcheck.util.patterns import compiled
from authcheck.util.records import frozen

IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
Matrix = tuple  # (a, b, c, d, e, f), row-vector convention as in the PDF spec


def mult(m: Any, n: Any) -> Matrix:
    """The product m x n of two PDF matrices (apply m first, then n)."""
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )


@frozen
class Fragment:
    """A piece of text at baseline start (x, y) in page units, with its size, width and angle."""

    text: str
    x: float
    y: float
    size: float
    width: float
    angle: int
    order: int = 0


class Collector:
    """Receives pypdf's visitor calls for one page: text fragments and image placements.

    `xobject(resources, name)` returns ("form", matrix, resources), ("image", None, None)
    or None; `width_of(font, text)` returns the advance of `text` in em units.  Images
    are kept as (name, matrix) with the matrix mapping the unit square onto the page.
    """

    MAX_IMAGES = 500

    def __init__(self, resources: Any, xobject: Callable, width_of: Callable) -> None:
        self.fragments: list[Fragment] = []
        self.images: list[tuple[str, Matrix]] = []
        self._space = False  # pypdf reported a bare space: the next fragment starts with one
        self._forms: list[list] = []  # [operands id, transform, resources, active]
        self._resources, self._xobject, self._width_of = resources, xobject, width_of

    def before(self, operator: bytes, operands: Any, cm: Any, tm: Any) -> None:
        """Record images; track the Form XObjects pypdf descends into (their matrices start afresh)."""
        for entry in self._forms:
            entry[3] = True
        if operator == b"INLINE IMAGE":
            self.place_image("inline", cm)
        elif operator == b"Do" and operands:
            outer, resources = self._current()
            kind, matrix, inner = self._xobject(resources, operands[0]) or (None, None, None)
            if kind == "image":
                self.place_image(str(operands[0]).lstrip("/"), cm)
            matrix = matrix if kind == "form" else IDENTITY
            self._forms.append([id(operands), mult(mult(matrix, cm), outer), inner or resources, False])

    def place_image(self, name: str, cm: Any) -> None:
        """Keep one image placement in page space (`cm`: the matrix at its Do, in the content being read)."""
        if len(self.images) < self.MAX_IMAGES:
            self.images.append((name, mult(cm, self._current()[0])))

    def after(self, operator: bytes, operands: Any, cm: Any, tm: Any) -> None:
        """Leave a form once its Do is done."""
        if operator == b"Do":
            while self._forms:
                if self._forms.pop()[0] == id(operands):
                    break

    def _current(self) -> tuple[Matrix, Any]:
        """The transform and resources of the content being read now."""
        for entry in reversed(self._forms):
            if entry[3]:
                return entry[1], entry[2]
        return IDENTITY, self._resources

    def text(self, text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        """Record one fragment (split on embedded newlines) in page coordinates."""
        if not text or text.isspace():
            self._space = self._space or " " in (text or "")
            return
        if self._space:
            text, self._space = " " + text, False
        m = mult(mult(tm, cm), self._current()[0])
        font_size = float(size or 0)
        height = font_size * math.hypot(m[2], m[3]) or 1.0
        advance = font_size * math.hypot(m[0], m[1])
        angle = round(math.degrees(math.atan2(m[1], m[0])))
        for k, piece in enumerate(text.split("\n")):
            if piece.strip():
                width = self._width_of(font, piece) * advance
                order = len(self.fragments)
                self.fragments.append(Fragment(piece, m[4], m[5] - k * 1.2 * height, height, width, angle, order))


def box(matrix: Matrix) -> tuple[float, float, float, float]:
    """(top, bottom, width, height) of the unit square under `matrix`, in page units."""
    a, b, c, d, e, f = matrix
    xs, ys = (e, a + e, c + e, a + c + e), (f, b + f, d + f, b + d + f)
    top, bottom = max(ys), min(ys)
    return round(top, 2), round(bottom, 2), round(max(xs) - min(xs), 2), round(top - bottom, 2)


FOOTNOTE_MARK = compiled(  # "1 See ...", "1. See", "* See", "[2] See", "(3) See"; not "3rd Battalion"
    r"^\s*(?:\d{1,3}(?:[.)]\s*|\s+)|[*\u2020\u2021\u00a7\u00b9\u00b2\u00b3\u2070-\u2079]+\s*|\[\d{1,3}\]\s*|\(\d{1,3}\)\s*)"
    r"[A-Za-z\u00c0-\u024f\"'(\u201c]"
)


def layout_page(fragments: list[Fragment]) -> list[tuple[str, str, float | None]]:
    """(text, source, y) for the page's lines: body lines with blank paragraph lines, then watermarks."""
    return [line[:3] for line in layout_lines(fragments)]


def layout_lines(fragments: list[Fragment]) -> list[tuple[str, str, float | None, tuple | None]]:
    """Like `layout_page`, each line with its (left x, right x) on an upright page (else None)."""
    if not fragments:
        return []
    main = _main_angle(fragments)
    body = [f for f in fragments if abs(f.angle - main) <= 2]
    out: list[tuple[str, str, float | None, tuple | None]] = []
    lines = _lines(body, main)
    leading = _leading(lines) if lines else 0.0
    notes_at = _footnotes_from(lines)
    for k, (text, y, _, frame_y, extent) in enumerate(lines):
        if k and lines[k - 1][3] - frame_y > 1.45 * leading:
            out.append(("", "page", None, None))
        out.append((text, "page" if k < notes_at else "footnote", y, extent if main == 0 else None))
    others = sorted({f.angle for f in fragments if abs(f.angle - main) > 2})
    for angle in others:
        group = [f for f in fragments if f.angle == angle]
        out.extend((line[0], "watermark", line[1], None) for line in _lines(group, angle))
    return out


def _footnotes_from(lines: list[tuple]) -> int:
    """Index of the first footnote line: small print at the page bottom opening with a note marker."""
    sizes = sorted(line[2] for line in lines)
    usual = sizes[len(sizes) // 2]
    k = len(lines)
    while k > 1 and lines[k - 1][2] <= 0.85 * usual:
        k -= 1
    if k == len(lines) or lines[k - 1][2] <= 0.85 * usual:
        return len(lines)
    return next((j for j in range(k, len(lines)) if FOOTNOTE_MARK.match(lines[j][0])), len(lines))


def _main_angle(fragments: list[Fragment]) -> int:
    """Upright (0) unless most of the page's characters run at one other angle."""
    chars: dict[int, int] = {}
    for f in fragments:
        chars[f.angle] = chars.get(f.angle, 0) + len(f.text)
    upright = sum(n for angle, n in chars.items() if abs(angle) <= 2)
    if upright * 5 >= sum(chars.values()):
        return 0
    return max(chars, key=chars.__getitem__)


def _lines(fragments: list[Fragment], angle: int) -> list[tuple[str, float, float, float, tuple]]:
    """Group fragments into lines in the frame of `angle`: (text, page y, size, frame y, (x0, x1)), top first."""
    rad = math.radians(angle)
    cos, sin = math.cos(rad), math.sin(rad)
    placed = sorted(
        ((f.x * cos + f.y * sin, -f.x * sin + f.y * cos, f) for f in fragments), key=lambda item: (-item[1], item[0])
    )
    groups: list[list[tuple[float, float, Fragment]]] = []
    group: list[tuple[float, float, Fragment]] = []
    top_y = top_size = 0.0  # the current group's first fragment's frame y and size
    for item in placed:
        fy, size = item[1], item[2].size
        if group and top_y - fy <= 0.5 * max(top_size, size):
            group.append(item)
        else:
            group = [item]
            groups.append(group)
            top_y, top_size = fy, size
    lines = []
    for group in groups:
        if len(group) > 1:
            group.sort(key=lambda item: item[0])
            _, frame_y, main = max(group, key=lambda item: len(item[2].text))
            left, text, right = group[0][0], _join(group), max(fx + f.width for fx, _, f in group)
        else:  # most lines are one fragment: nothing to sort or join
            left, frame_y, main = group[0]
            text, right = main.text, left + main.width
        lines.append((text.strip(), round(main.y, 2), main.size, frame_y, (round(left, 2), round(right, 2))))
    return lines


def _join(group: list[tuple[float, float, Fragment]]) -> str:
    """Join one line's fragments (sorted left to right) with the spacing their gaps call for.

    Fragments that follow each other in the content stream keep pypdf's own spacing (it
    measured the glyphs); others are spaced by the gap between them, from estimated widths.
    """
    text, end, last, last_x = "", None, None, 0.0
    for fx, _, frag in group:
        if last is not None and frag.text == last.text and abs(fx - last_x) < 0.2 * frag.size:
            continue  # the same text drawn twice (fake bold): keep one copy
        if end is None or last is None:  # set together: the first fragment
            text = frag.text
        else:
            gap, size = fx - end, max(frag.size, last.size)
            follows = frag.order == last.order + 1
            if gap > 2.5 * size:
                text = text.rstrip() + "\t" + frag.text.lstrip()
            elif text[-1:].isspace() or frag.text[:1].isspace() or (not follows and gap > 0.12 * size):
                text = text.rstrip() + " " + frag.text.lstrip()
            else:
                text += frag.text
        end = fx + frag.width if end is None else max(end, fx + frag.width)
        last, last_x = frag, fx
    return text


def _leading(lines: list[tuple]) -> float:
    """The page's line spacing: the smallest gap that recurs, else 1.2 x the usual font size."""
    sizes = sorted(line[2] for line in lines)
    usual = sizes[len(sizes) // 2]
    gaps = sorted(a[3] - b[3] for a, b in itertools.pairwise(lines))
    value = 1.2 * usual
    for k, gap in enumerate(gaps):
        if 0.8 * usual <= gap <= 2.2 * usual and bisect.bisect_right(gaps, 1.1 * gap) - k >= 2:
            value = gap
            break
    return value
