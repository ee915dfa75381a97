"""Text nobody sees, found by replaying each page's drawing operators.

pypdf's text extraction calls back for every operator; we track the graphics state ourselves
and flag text drawn in rendering mode 3 or 7 (invisible), white text where nothing non-white
was painted under it, text smaller than 1 point, and text placed outside the page.  Only pages
whose content sets such a mode, colour or size are replayed (`suspect`).  Invisible text over a page image is how OCR layers are made, so such
pages are counted as OCR and not as hidden text.  pypdf objects are duck-typed here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import field
from functools import cache
from typing import Any

from authcheck.forensics.pdfsigs import resolve
from authcheck.loaders.pdflayout import mult
from authcheck.util.records import mutable

MAX_PAGES = 50
MAX_SNIPPET = 160
_FILL_OPS = {b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}
_PAINT_OPS = _FILL_OPS | {b"S", b"s", b"n"}
_PATH_POINTS = {b"m": 1, b"l": 1, b"c": 3, b"v": 2, b"y": 2}
_SHOW_OPS = {b"Tj", b"TJ", b"'", b'"'}
_N1, _N0 = rb"(?<![\d.])1(?:\.0*)?\s+", rb"(?<![\d.])0?(?:\.0*)?\s+"
SUSPECT = (  #: what makes a page suspect, as one pattern (searched as `suspect_parts`)
    rb"(?<![\d.])[37]\s+Tr\b|"
    + _N1
    + rb"(?:g|G|sc|scn|SC|SCN)\b|"
    + _N1 * 3
    + rb"(?:rg|RG|sc|scn|SC|SCN)\b|"
    + _N0 * 4
    + rb"(?:k|K|sc|scn|SC|SCN)\b|"
    + rb"(?<![\d.])(?:0?\.\d+|0)\s+Tf\b"
)
# The same language as SUSPECT, cut into searches that each start with a character (re then skips
# ahead to it instead of trying five lookbehinds at every byte: 4x faster on letters).  Each lookbehind
# moves behind the character it guards, (?<![\d.])1 == 1(?<![\d.]1); an optional 0 or "." or the
# spaces of _N0 (it can match spaces alone) each get their own search.
_N1_AT = rb"1(?<![\d.]1)(?:\.0*)?\s+"


_SUSPECT_PARTS = (
    rb"[37](?<![\d.][37])\s+Tr\b",
    _N1_AT + rb"(?:g|G|sc|scn|SC|SCN)\b",
    _N1_AT + _N1 * 2 + rb"(?:rg|RG|sc|scn|SC|SCN)\b",
    *(
        first + _N0 * 3 + rb"(?:k|K|sc|scn|SC|SCN)\b"
        for first in (rb"0(?<![\d.]0)(?:\.0*)?\s+", rb"\.(?<![\d.]\.)0*\s+", rb"\s(?<![\d.]\s)\s*")
    ),
    rb"0(?<![\d.]0)(?:\.\d+)?\s+Tf\b",
    rb"\.(?<![\d.]\.)\d+\s+Tf\b",
)
# The same language again for RE2, which searches a page's content in one linear pass (about 20x
# faster than the searches above on letters' pages).  RE2 has no lookbehind: the one before the
# first number consumes the byte before it instead ((?<![\d.])X is (?:^|[^\d.])X when only whether
# it occurs matters), and the later numbers follow white space, where theirs always hold.  \s is
# spelled out: RE2's has no vertical tab.
_WS = rb"[ \t\n\r\f\v]+"
_N1_RE2, _N0_RE2 = rb"1(?:\.0*)?" + _WS, rb"0?(?:\.0*)?" + _WS
SUSPECT_RE2 = (
    rb"(?:^|[^\d.])(?:[37]"
    + _WS
    + rb"Tr\b|"
    + _N1_RE2
    + rb"(?:g|G|sc|scn|SC|SCN)\b|"
    + _N1_RE2 * 3
    + rb"(?:rg|RG|sc|scn|SC|SCN)\b|"
    + _N0_RE2 * 4
    + rb"(?:k|K|sc|scn|SC|SCN)\b|(?:0?\.\d+|0)"
    + _WS
    + rb"Tf\b)"
)
MAX_REPLAY_BYTES = 512 * 1024  #: page content larger than this is not replayed (heavy drawings)
_DEVICE = {"/DeviceGray": 1, "/DeviceRGB": 3, "/DeviceCMYK": 4, "/G": 1, "/RGB": 3, "/CMYK": 4}


@mutable
class PageText:
    """What one page hides: snippets by kind, and whether it looks like a scan with an OCR layer."""

    page: int
    hidden: dict[str, list[str]] = field(default_factory=dict)
    visible_chars: int = 0
    invisible_chars: int = 0
    images: int = 0

    @property
    def ocr(self) -> bool:
        """Invisible text over a page image, with (almost) nothing visible: an OCR layer."""
        return self.images > 0 and self.invisible_chars > 0 and self.visible_chars <= self.invisible_chars // 10


class _State:
    """The graphics state bits that decide whether text can be seen."""

    def __init__(self) -> None:
        self.fill: tuple | None = (0.0,)
        self.stroke: tuple | None = (0.0,)
        self.fill_space, self.stroke_space = "/DeviceGray", "/DeviceGray"
        self.mode = 0
        self.size = 12.0
        self.font: Any = None

    def copy(self) -> _State:
        """A copy for q."""
        new = _State()
        new.__dict__.update(self.__dict__)
        return new


class PageScan:
    """pypdf visitor for one page: tracks the state and sorts shown text into visible and hidden."""

    def __init__(self, number: int, resources: Any, box: tuple[float, ...], decoder) -> None:
        self.result = PageText(number)
        self.state = _State()
        self.stack: list[_State] = []
        self.resources, self.box, self.decode = resources, box, decoder
        self.regions: list[tuple[float, ...]] = []  # non-white paint white text may sit on
        self.path: list[tuple[float, float]] = []

    def before(self, op: bytes, args: Any, cm: Any, tm: Any) -> None:
        """pypdf's visitor_operand_before."""
        s = self.state
        if op == b"q":
            self.stack.append(s.copy())
        elif op == b"Q" and self.stack:
            self.state = self.stack.pop()
        elif op == b"Tr" and args:
            s.mode = int(_num(args[0]) or 0)
        elif op == b"Tf" and len(args) >= 2:
            s.font, s.size = self._font(args[0]), _num(args[1]) or 0.0
        elif op in (b"g", b"rg", b"k", b"G", b"RG", b"K"):
            self._colour(op, args)
        elif op in (b"cs", b"CS") and args:
            setattr(s, "fill_space" if op == b"cs" else "stroke_space", str(args[0]))
            setattr(s, "fill" if op == b"cs" else "stroke", (0.0,) if str(args[0]) in _DEVICE else None)
        elif op in (b"sc", b"scn", b"SC", b"SCN"):
            self._space_colour(op, args)
        elif op in _PATH_POINTS or op == b"re":
            self._path(op, args, cm)
        elif op in _PAINT_OPS:
            if op in _FILL_OPS and not _white(s.fill) and self.path:
                self.regions.append(_bbox(self.path))
            self.path = []
        elif op == b"sh":
            self.regions.append(self.box)
        elif op == b"Do" and args:
            self._xobject(args[0], cm)
        elif op in _SHOW_OPS and args:
            self._show(args, cm, tm)

    def _colour(self, op: bytes, args: Any) -> None:
        """Device colour operators."""
        values = tuple(_num(a) for a in args)
        stroke = op.isupper()
        setattr(self.state, "stroke" if stroke else "fill", values if None not in values else None)

    def _space_colour(self, op: bytes, args: Any) -> None:
        """sc/scn: a colour in the current space; only device spaces can be judged."""
        stroke = op in (b"SC", b"SCN")
        space = self.state.stroke_space if stroke else self.state.fill_space
        values = tuple(_num(a) for a in args)
        known = space in _DEVICE and len(values) == _DEVICE[space] and None not in values
        setattr(self.state, "stroke" if stroke else "fill", values if known else None)

    def _path(self, op: bytes, args: Any, cm: Any) -> None:
        """Collect path points in page space (for the area a fill covers)."""
        found = [_num(a) for a in args]
        nums = [n for n in found if n is not None]
        if len(nums) < len(found):
            return
        if op == b"re" and len(nums) == 4:
            x, y, w, h = nums
            nums = [x, y, x + w, y, x + w, y + h, x, y + h]
        matrix = _matrix(cm)
        for i in range(0, len(nums) - 1, 2):
            self.path.append(_apply(matrix, nums[i], nums[i + 1]))

    def _xobject(self, name: Any, cm: Any) -> None:
        """An image painted (a background for white text, and a scan page for OCR)."""
        try:
            found = resolve(resolve(resolve(self.resources).get("/XObject"))[name])
            if found.get("/Subtype") != "/Image":
                return
        except Exception:
            return
        self.result.images += 1
        matrix = _matrix(cm)
        self.regions.append(_bbox([_apply(matrix, x, y) for x, y in ((0, 0), (1, 0), (0, 1), (1, 1))]))

    def _font(self, name: Any) -> Any:
        """The font dictionary named by Tf in the page resources (None if not found)."""
        try:
            return resolve(resolve(resolve(self.resources).get("/Font")).get(name))
        except Exception:
            return None

    def _show(self, args: Any, cm: Any, tm: Any) -> None:
        """Classify one text-showing operator's text."""
        shown_text = args[-1]
        if isinstance(shown_text, list):  # TJ: strings between kerning numbers
            raw = b"".join(_string_bytes(a) for a in shown_text)
        else:
            raw = _string_bytes(shown_text)
        shown = self.decode(self.state.font, raw)
        chars = len(shown.strip())
        if not chars:
            return
        kind = self._hidden_kind(cm, tm)
        if kind == "invisible":
            self.result.invisible_chars += chars
        elif kind is None:
            self.result.visible_chars += chars
        if kind is not None:
            self.result.hidden.setdefault(kind, []).append(shown)

    def _hidden_kind(self, cm: Any, tm: Any) -> str | None:
        """Why text drawn now cannot be seen, or None when it can."""
        s = self.state
        if s.mode in (3, 7):
            return "invisible"
        try:
            matrix = mult(tuple(float(v) for v in tm), _matrix(cm))
        except (TypeError, ValueError):
            return None
        fills, strokes = s.mode in (0, 2, 4, 6), s.mode in (1, 2, 5, 6)
        if (not fills or _white(s.fill)) and (not strokes or _white(s.stroke)) and not self._on_paint(matrix):
            return "white"
        scale = math.sqrt(abs(matrix[0] * matrix[3] - matrix[1] * matrix[2]))
        if 0 < abs(s.size) * scale < 1.0:
            return "tiny"
        x0, y0, x1, y1 = self.box
        if not (x0 - 36 <= matrix[4] <= x1 + 36 and y0 - 36 <= matrix[5] <= y1 + 36):
            return "off-page"
        return None

    def _on_paint(self, matrix: tuple) -> bool:
        """True when the text's start lies on something non-white painted before it."""
        x, y = matrix[4], matrix[5]
        return any(x0 - 2 <= x <= x1 + 2 and y0 - 2 <= y <= y1 + 2 for x0, y0, x1, y1 in self.regions)


def _matrix(cm: Any) -> tuple:
    """A 6-number matrix as floats (identity when malformed)."""
    try:
        values = tuple(float(v) for v in cm)
        return values if len(values) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    except (TypeError, ValueError):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _apply(m: tuple, x: float, y: float) -> tuple[float, float]:
    """Point (x, y) through matrix m."""
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _bbox(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """The bounding box of points."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _num(value: Any) -> float | None:
    """A numeric operand as float (None for names, strings and junk)."""
    try:
        return float(value) if not isinstance(value, (bytes, str)) else None
    except (TypeError, ValueError):
        return None


def _white(colour: tuple | None) -> bool:
    """True for white in DeviceGray, DeviceRGB or DeviceCMYK."""
    if not colour:
        return False
    if len(colour) == 4:
        return all(v is not None and v <= 0.01 for v in colour)
    return len(colour) in (1, 3) and all(v is not None and v >= 0.99 for v in colour)


@cache
def suspect_parts() -> tuple[re.Pattern, ...]:
    """The searches, compiled on first use."""
    return tuple(re.compile(p) for p in _SUSPECT_PARTS)


@cache
def suspect_search() -> Callable[[bytes], bool]:
    """Whether content bytes hold a SUSPECT part: SUSPECT_RE2 through RE2 (bytes read as Latin-1),
    or `suspect_parts` where RE2 cannot be imported."""
    try:
        import re2

        options = re2.Options()
        options.encoding = re2.Options.Encoding.LATIN1
        options.log_errors = False
        search = re2.compile(SUSPECT_RE2, options).search
        return lambda data: search(data) is not None
    except Exception:  # no RE2 here: the same language through re
        parts = suspect_parts()
        return lambda data: any(part.search(data) is not None for part in parts)


def suspect(page: Any) -> bool | None:
    """True when the page's content (or a form it draws) sets render mode 3/7, white or a tiny font;
    None when its content is too large to replay (heavy drawings, not letters).

    Only suspect pages get the (costly) operator replay; text made tiny or placed off the page
    by its matrix alone is missed on the others.
    """
    streams = [page.get_contents()]
    try:
        forms = resolve(resolve(page.get("/Resources") or {}).get("/XObject")) or {}
        streams += [resolve(x) for x in list(forms.values())[:30] if resolve(x).get("/Subtype") == "/Form"]
    except Exception:
        pass
    found, size = False, 0
    search = suspect_search()
    for stream in streams:
        try:
            data = stream.get_data() if stream is not None else b""
        except Exception:
            continue
        size += len(data)
        if size > MAX_REPLAY_BYTES:
            return None
        found = found or search(data)
    return found


def scan_pages(reader: Any, decoder, budget, max_pages: int = MAX_PAGES) -> tuple[list[PageText], list[int]]:
    """(hidden text per replayed page, pages skipped as too large), first `max_pages` pages, while time lasts."""
    results, skipped = [], []
    for index in range(min(len(reader.pages), max_pages)):
        if not budget.left():
            break
        page = reader.pages[index]
        try:
            verdict = suspect(page)
        except Exception:
            continue
        if verdict is None:
            skipped.append(index + 1)
        if not verdict:
            continue
        try:
            box = tuple(float(v) for v in page.mediabox)
        except Exception:
            box = (0.0, 0.0, 612.0, 792.0)
        scan = PageScan(index + 1, page.get("/Resources"), box, decoder)
        try:
            page.extract_text(visitor_operand_before=scan.before)
        except MemoryError:
            raise
        except Exception:
            pass
        results.append(scan.result)
    return results, skipped


def snippet(parts: list[str]) -> str:
    """Hidden text pieces joined and shortened for a report."""
    joined = " ".join(" ".join(p.split()) for p in parts if p.strip())
    return joined if len(joined) <= MAX_SNIPPET else joined[: MAX_SNIPPET - 1] + "…"


def _string_bytes(value: Any) -> bytes:
    """The bytes of a PDF string operand: pypdf gives bytes, or a str (TextStringObject) that keeps
    the file's own bytes in `original_bytes`; anything else (a kerning number) gives none."""
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, str):
        original = getattr(value, "original_bytes", None)
        return bytes(original) if isinstance(original, bytes) else value.encode("latin-1", "replace")
    return b""
