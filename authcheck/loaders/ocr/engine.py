"""OCR: a page image in, lines of text with boxes and confidence out (the only rapidocr import).

The default engine is rapidocr-onnxruntime (the `ocr` extra), whose models ship inside its wheel,
so nothing is downloaded at run time.  Its recogniser drops many spaces between Latin words, so
spacing is rebuilt here from the geometry of each character it placed (`spaced`).  A system
Tesseract can be chosen instead (``ocr_engine = "tesseract"``, the ``tesseract`` program).

Before reading, the page is turned to grey and scaled to about 150 dpi for a letter page, a page
photographed on a table is cut out and its perspective undone (`flatten`), and uneven light is
divided out against a blurred copy of itself.  A page on its side or upside down
is read the right way up, and read once: rapidocr's stages run one by one (`_rapid_staged`), so
the turn is settled from the detected line shapes and the direction classifier before any line is
recognised.  Tesseract (no stages to call) is read again at the other quarter turns when the
detected lines stand upright or a first reading of several lines is poor.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from authcheck.errors import CheckError
from authcheck.loaders.ocr.spacing import spaced

ENGINES = ("rapidocr", "tesseract", "none")
TARGET_LONG_SIDE = 1650  #: pixels on the long side (a letter page at about 150 dpi)
_RETRY_BELOW = 0.80  #: mean confidence under which other rotations are tried


@dataclass(frozen=True)
class OcrWord:
    """A word and its box in page pixels (x0, y0, x1, y1)."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float


@dataclass(frozen=True)
class OcrLine:
    """A line of words in reading order, with its box in page pixels and mean confidence."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float
    words: tuple[OcrWord, ...]


@dataclass(frozen=True)
class PageReading:
    """What the engine read on one page: lines top to bottom, page size in pixels, rotation applied."""

    lines: tuple[OcrLine, ...]
    width: int
    height: int
    rotation: int
    confidence: float
    seconds: float
    gray: Any = None  #: the prepared page as a numpy array (for ink detection), not for output


def available(engine: str = "rapidocr") -> str | None:
    """None when the engine can run here, else the reason it cannot (for skips and errors)."""
    if engine == "tesseract":
        return None if shutil.which("tesseract") else "the tesseract program is not installed"
    if engine == "none":
        return 'OCR is turned off (ocr_engine = "none")'
    from importlib.util import find_spec

    if any(find_spec(name) is None for name in ("numpy", "PIL", "rapidocr_onnxruntime")):
        return "the OCR extra is not installed (pip install 'authcheck[ocr]')"
    return None


@functools.lru_cache(maxsize=4)
def engine_version(engine: str = "rapidocr") -> str:
    """The engine's name and version, e.g. "rapidocr-onnxruntime 1.4.4" (part of the cache key)."""
    if engine == "tesseract":
        try:
            out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return "tesseract unknown"
        first = (out.stdout or out.stderr).splitlines()
        return first[0].strip() if first else "tesseract unknown"
    from importlib import metadata

    try:
        return f"rapidocr-onnxruntime {metadata.version('rapidocr-onnxruntime')}"
    except metadata.PackageNotFoundError:
        return "rapidocr-onnxruntime unknown"


def read_page(image: Any, engine: str = "rapidocr") -> PageReading:
    """OCR one page given as a Pillow image; raises CheckError("unsupported") when the engine is missing."""
    why = available(engine)
    if why:
        raise CheckError("unsupported", f"this file needs OCR, but {why}", "load")
    started = time.monotonic()
    gray = prepare(image)
    staged = _rapid_staged(gray) if engine == "rapidocr" else None
    best = staged or _read_rotated(gray, 0, engine)
    if staged is None and (_upright_lines(best) or (best.confidence < _RETRY_BELOW and len(best.lines) >= 3)):
        for turn in (90, 270, 180):
            other = _read_rotated(gray, turn, engine)
            if _score(other) > _score(best):
                best = other
            if best.confidence >= 0.9 and not _upright_lines(best):
                break
    return PageReading(
        best.lines,
        best.width,
        best.height,
        best.rotation,
        best.confidence,
        round(time.monotonic() - started, 3),
        best.gray,
    )


def prepare(image: Any) -> Any:
    """Grey, evened-out light and about 150 dpi: a numpy uint8 array (0 ink, 255 paper)."""
    import numpy as np
    from PIL import Image, ImageFilter

    gray = shrink(image)
    scale = TARGET_LONG_SIDE / max(gray.size)
    if scale > 1.6:
        gray = gray.resize(
            (max(1, round(gray.width * scale)), max(1, round(gray.height * scale))), Image.Resampling.LANCZOS
        )
    gray = flatten(gray)
    background = gray.filter(ImageFilter.GaussianBlur(radius=max(gray.size) / 40))
    arr = np.asarray(gray, dtype=np.float32)
    bg = np.maximum(np.asarray(background, dtype=np.float32), 1.0)
    even = np.clip(arr / bg * 255.0, 0, 255)
    low, high = np.percentile(even, 1), np.percentile(even, 99.5)
    if high - low > 10:
        even = np.clip((even - low) / (high - low) * 255.0, 0, 255)
    page = Image.fromarray(even.astype(np.uint8))
    angle = skew(page)
    if abs(angle) >= 0.3:
        page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return np.asarray(page, dtype=np.uint8)


def shrink(image: Any) -> Any:
    """The page in grey, brought down to about `TARGET_LONG_SIDE` pixels when it is larger (never up)."""
    from PIL import Image

    gray = image.convert("L")
    scale = TARGET_LONG_SIDE / max(gray.size)
    if scale < 0.95:
        gray = gray.resize(
            (max(1, round(gray.width * scale)), max(1, round(gray.height * scale))), Image.Resampling.LANCZOS
        )
    return gray


PAGE_SHARE = (0.30, 0.95)  #: share of the photo the page must fill to be cut out (else: a scan, or no page)
PAGE_CONTRAST = 40  #: grey levels the paper must be brighter than what lies around it
KEYSTONE = 3.0  #: degrees a page corner must be off square before the perspective is undone


def flatten(gray: Any) -> Any:
    """A photographed page cut out of its surroundings and its perspective undone.

    The paper is found as the largest bright region of a small copy (Otsu's threshold, text holes
    closed); when it is a clear four-cornered shape filling part of the picture, well brighter than
    the table or hand around it, and a corner is more than `KEYSTONE` degrees off square, the page
    is warped to a rectangle of its own size in the picture.  Anything else (a scan filling the
    frame, a screenshot, no clear edge, a page photographed square on: resampling it would only
    blur it) is left as it is.
    """
    import cv2
    import numpy as np
    from PIL import Image

    arr = np.asarray(gray)
    factor = 600.0 / max(arr.shape)
    small = cv2.GaussianBlur(cv2.resize(arr, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA), (5, 5), 0)
    _, mask = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    corners = _page_corners(small, mask)
    if corners is None or _squareness(corners) < KEYSTONE:
        return gray  # no page edge, or one so nearly square that deskewing alone does better
    tl, tr, br, bl = corners / factor
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    w, h = max(1, round(width)), max(1, round(height))  # the page's own size in the picture: no scaling up
    warp = cv2.getPerspectiveTransform(
        np.array([tl, tr, br, bl], dtype=np.float32), np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    )
    return Image.fromarray(cv2.warpPerspective(arr, warp, (w, h), flags=cv2.INTER_CUBIC, borderValue=255))


def _squareness(corners: Any) -> float:
    """How far (degrees) the page's most skewed corner is from a right angle."""
    import numpy as np

    worst = 0.0
    for k in range(4):
        a, b, c = corners[k - 1], corners[k], corners[(k + 1) % 4]
        u, v = a - b, c - b
        cos = float(np.dot(u, v) / max(np.linalg.norm(u) * np.linalg.norm(v), 1e-6))
        worst = max(worst, abs(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))) - 90.0))
    return worst


def _page_corners(small: Any, mask: Any) -> Any | None:
    """The page's corners (top-left, top-right, bottom-right, bottom-left) in the small copy, or None."""
    import cv2
    import numpy as np

    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = cv2.convexHull(max(contours, key=cv2.contourArea))
    share = cv2.contourArea(outline) / float(small.shape[0] * small.shape[1])
    quad = cv2.approxPolyDP(outline, 0.02 * cv2.arcLength(outline, True), True).reshape(-1, 2).astype(np.float32)
    if len(quad) != 4 or not PAGE_SHARE[0] <= share <= PAGE_SHARE[1]:
        return None
    inside = np.zeros_like(mask)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 255)
    if float(small[inside > 0].mean()) - float(small[inside == 0].mean()) < PAGE_CONTRAST:
        return None
    by_sum, by_diff = quad.sum(axis=1), np.diff(quad, axis=1).ravel()
    return np.array(
        [quad[by_sum.argmin()], quad[by_diff.argmin()], quad[by_sum.argmax()], quad[by_diff.argmax()]], dtype=np.float32
    )


def skew(gray: Any) -> float:
    """The small rotation (degrees, within +-6) that makes text rows horizontal: sharpest row profile."""
    import numpy as np
    from PIL import Image

    small = gray.resize((max(1, gray.width // 3), max(1, gray.height // 3)), Image.Resampling.BILINEAR)
    ink = Image.fromarray(((np.asarray(small) < 140) * 255).astype(np.uint8))

    def sharpness(angle: float) -> float:
        rows = np.asarray(ink.rotate(angle, resample=Image.Resampling.NEAREST), dtype=np.float32).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-6.0, 6.01, 0.5), key=sharpness)
    fine = max(np.arange(best - 0.4, best + 0.41, 0.1), key=sharpness)
    return round(float(fine), 2)


def _read_rotated(gray: Any, turn: int, engine: str) -> PageReading:
    import numpy as np

    arr = np.ascontiguousarray(np.rot90(gray, k=turn // 90)) if turn else gray
    lines = _tesseract(arr) if engine == "tesseract" else _rapidocr(arr)
    conf = _mean_confidence(lines)
    return PageReading(tuple(lines), arr.shape[1], arr.shape[0], turn, conf, 0.0, arr)


def _score(reading: PageReading) -> float:
    """Confidence weighted by how much was read, so one confident word does not beat a page."""
    chars = sum(len(line.text) for line in reading.lines)
    return reading.confidence * min(chars, 400) - (200 if _upright_lines(reading) else 0)


def _upright_lines(reading: PageReading) -> bool:
    """True when most detected lines are taller than wide (the page lies on its side)."""
    if len(reading.lines) < 3:
        return False
    tall = sum(1 for ln in reading.lines if (ln.box[3] - ln.box[1]) > 1.5 * (ln.box[2] - ln.box[0]))
    return tall > len(reading.lines) / 2


def _mean_confidence(lines: list[OcrLine]) -> float:
    total = sum(len(ln.text) for ln in lines)
    return round(sum(ln.confidence * len(ln.text) for ln in lines) / total, 4) if total else 0.0


@functools.lru_cache(maxsize=1)
def _rapid_engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    # one line per recogniser call: a batch pads its lines to the widest, which costs time and,
    # through the model's attention over the whole strip, changes what is read
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, print_verbose=False, rec_batch_num=1)


def _rapid_staged(gray: Any) -> PageReading | None:
    """Detect, settle the quarter turn, then recognise once (None when rapidocr lacks the stages).

    Lines standing upright mean the page lies on its side: it is turned a quarter and detected
    again.  The direction classifier then says, line by line, whether the text is upside down; when
    most of the line width says so, the page is turned half round.  Only then is each line read, so
    a page costs one recognition pass whatever way up it came.
    """
    import numpy as np

    eng = _rapid_engine()
    if not all(hasattr(eng, name) for name in _STAGES):
        return None
    turn, arr = 0, gray
    boxes = _detect(eng, arr)
    if _tall(boxes):
        turn, arr = 90, np.ascontiguousarray(np.rot90(gray, k=1))
        boxes = _detect(eng, arr)
    crops = eng.get_crop_img_list(_rgb(arr), boxes) if boxes else []
    if _upside_down(eng, crops):
        turn, arr = (turn + 180) % 360, np.ascontiguousarray(np.rot90(arr, k=2))
        boxes = _detect(eng, arr)
        crops = eng.get_crop_img_list(_rgb(arr), boxes) if boxes else []
    lines = _recognise(eng, crops, boxes)
    return PageReading(tuple(lines), arr.shape[1], arr.shape[0], turn, _mean_confidence(lines), 0.0, arr)


_STAGES = ("text_det", "text_cls", "text_rec", "cal_rec_boxes", "get_crop_img_list", "sorted_boxes")
DET_LONG_SIDE = 1100  #: pixels on the long side the text detector looks at (lines are cut from the full page)
_FLIPPED = 0.6  #: share of the line width the classifier must call upside down to turn the page


def _rgb(arr: Any) -> Any:
    import numpy as np

    return np.ascontiguousarray(np.stack([arr] * 3, axis=-1))


def _detect(eng: Any, arr: Any) -> list:
    """Line quadrilaterals (float32, page pixels) found on a smaller copy of the page, top to bottom."""
    import cv2
    import numpy as np

    h, w = arr.shape[:2]
    scale = min(1.0, DET_LONG_SIDE / max(h, w))
    small = (
        cv2.resize(arr, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        if scale < 1.0
        else arr
    )
    pad = (
        max(0, (small.shape[1] // 8 - small.shape[0]) // 2 + 1, (32 - small.shape[0]) // 2 + 1)
        if small.shape[0] <= 30 or small.shape[1] > 8 * small.shape[0]
        else 0
    )
    if pad:  # a strip of one line: the detector wants some height around it
        small = cv2.copyMakeBorder(small, pad, pad, 0, 0, cv2.BORDER_CONSTANT, value=255)
    found, _ = eng.text_det(_rgb(small))
    if found is None or len(found) == 0:
        return []
    quads = np.array(found, dtype=np.float32)
    quads[:, :, 1] -= pad
    quads /= scale
    quads[:, :, 0] = np.clip(quads[:, :, 0], 0, w - 1)
    quads[:, :, 1] = np.clip(quads[:, :, 1], 0, h - 1)
    return [np.asarray(q, dtype=np.float32) for q in eng.sorted_boxes(quads)]


def _tall(boxes: list) -> bool:
    """True when most of at least three detected lines are taller than wide (the page lies on its side)."""
    if len(boxes) < 3:
        return False
    tall = sum(1 for q in boxes if (q[:, 1].max() - q[:, 1].min()) > 1.5 * (q[:, 0].max() - q[:, 0].min()))
    return tall > len(boxes) / 2


def _upside_down(eng: Any, crops: list) -> bool:
    """True when the direction classifier calls most of the line width (three lines or more) upside down."""
    if len(crops) < 3:
        return False
    _, labels, _ = eng.text_cls(crops)
    widths = [c.shape[1] for c in crops]
    flipped = sum(w for w, (label, score) in zip(widths, labels) if "180" in str(label) and float(score) > 0.9)
    return flipped > _FLIPPED * sum(widths)


def _recognise(eng: Any, crops: list, boxes: list) -> list[OcrLine]:
    """Each cut-out line read, with character boxes mapped back to the page, as `rows`."""
    if not crops:
        return []
    read, _ = eng.text_rec(crops, True)
    items = eng.cal_rec_boxes(crops, boxes, read)
    return _lines(
        [
            [quad.tolist(), *item]
            for quad, item in zip(boxes, items)
            if float(item[1]) >= getattr(eng, "text_score", 0.5)
        ]
    )


def _rapidocr(arr: Any) -> list[OcrLine]:
    """rapidocr's line boxes with per-character boxes, spaced from geometry and joined into rows."""
    result, _ = _rapid_engine()(_rgb(arr), return_word_box=True, use_cls=True)
    return _lines(result or ())


def _lines(result: Any) -> list[OcrLine]:
    """rapidocr's items (quad, text, confidence, character boxes, characters) as spaced rows."""
    pieces = []
    for item in result:
        quad, text, conf = item[0], latin(str(item[1])), float(item[2])
        chars = [latin(ch) for ch in item[4]] if len(item) > 4 else list(text)
        char_boxes = [_bounds(b) for b in item[3]] if len(item) > 3 else []
        if len(char_boxes) == len(chars) and chars:
            words = [OcrWord(numeral(w), box, conf) for w, box in spaced(chars, char_boxes)]
        else:
            words = [OcrWord(w, _bounds(quad), conf) for w in text.split()]
        if words:
            pieces.append(OcrLine(" ".join(w.text for w in words), _bounds(quad), conf, tuple(words)))
    return rows(pieces)


_FULL_WIDTH = {**{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}, 0x3000: 0x20, 0x3001: 0x2C, 0x3002: 0x2E}


def latin(text: str) -> str:
    """Full-width forms (the recogniser also reads Chinese, and takes a comma for "，") as plain ASCII."""
    return text.translate(_FULL_WIDTH)


def numeral(word: str) -> str:
    """A generational numeral the recogniser read with an H for two touching I's ("IHI," for "III,")."""
    core = word.rstrip(",.;")
    if 3 <= len(core) <= 4 and set(core) == {"I", "H"} and core.count("I") >= 2:
        return "I" * len(core) + word[len(core) :]
    return word


def _bounds(quad: Any) -> tuple[float, float, float, float]:
    xs = [float(p[0]) for p in quad]
    ys = [float(p[1]) for p in quad]
    return (min(xs), min(ys), max(xs), max(ys))


def rows(pieces: list[OcrLine]) -> list[OcrLine]:
    """Pieces on the same text row (their vertical centres inside each other) joined left to right."""
    out: list[list[OcrLine]] = []
    for piece in sorted(pieces, key=lambda p: (p.box[1] + p.box[3]) / 2):
        mid = (piece.box[1] + piece.box[3]) / 2
        row = out[-1] if out else None
        if (
            row
            and all(p.box[1] <= mid <= p.box[3] for p in row)
            and all(piece.box[1] <= (p.box[1] + p.box[3]) / 2 <= piece.box[3] for p in row)
        ):
            row.append(piece)
        else:
            out.append([piece])
    return [_join(sorted(row, key=lambda p: p.box[0])) for row in out]


def _join(row: list[OcrLine]) -> OcrLine:
    if len(row) == 1:
        return row[0]
    words = tuple(w for p in row for w in p.words)
    box = (
        min(p.box[0] for p in row),
        min(p.box[1] for p in row),
        max(p.box[2] for p in row),
        max(p.box[3] for p in row),
    )
    size = sum(len(p.text) for p in row) or 1
    conf = sum(p.confidence * len(p.text) for p in row) / size
    return OcrLine(" ".join(p.text for p in row), box, conf, words)


def _tesseract(arr: Any) -> list[OcrLine]:
    """The tesseract program's TSV output (words with boxes and confidence) grouped into its lines."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    try:
        out = subprocess.run(
            ["tesseract", "stdin", "stdout", "--psm", "3", "-l", "eng", "tsv"],
            input=buf.getvalue(),
            capture_output=True,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise CheckError("internal", f"tesseract failed: {type(exc).__name__}", "load") from None
    groups: dict[tuple, list[OcrWord]] = {}
    for row in out.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or not cols[11].strip() or float(cols[10]) < 0:
            continue
        x, y, w, h = (float(c) for c in cols[6:10])
        word = OcrWord(cols[11].strip(), (x, y, x + w, y + h), float(cols[10]) / 100.0)
        groups.setdefault(tuple(cols[1:5]), []).append(word)
    pieces = []
    for words in groups.values():
        box = (
            min(w.box[0] for w in words),
            min(w.box[1] for w in words),
            max(w.box[2] for w in words),
            max(w.box[3] for w in words),
        )
        conf = sum(w.confidence for w in words) / len(words)
        pieces.append(OcrLine(" ".join(w.text for w in words), box, conf, tuple(words)))
    return rows(pieces)
