"""Ink on a page that is not text: handwritten signatures, initials, stamps and seals, from pixels.

After OCR, the page's confident text boxes are blanked; what dark ink is left is grouped into
regions on a coarse grid.  Regions that touch the image edge (a table or hand around a photo),
thin rules and specks are dropped.  Each region left becomes an `Image` named "ink" placed in the
page units the signature code already uses for pictures in PDFs (bottom-up, 612 wide), so
`extract.signature` finds a handwritten signature between the closing and the typed name the same
way it finds a pasted signature image.
"""

from __future__ import annotations

from typing import Any

from authcheck.model import Image

CELL = 6  #: grid cell in pixels (the page is read at about 150 dpi)
INK_BELOW = 110  #: grey level under which a pixel is ink (paper is evened out to 255)
MIN_WIDTH = 0.04  #: of the page width
MIN_HEIGHT = 0.012  #: of the page height
MIN_CELLS = 12  #: inked grid cells in one region
MAX_WIDTH = 0.55  #: wider regions are page edges, tables or rules, not a signature or stamp
MAX_HEIGHT = 0.20
TEXT_CONFIDENCE = 0.75  #: OCR lines at least this sure are text, not a scribble the engine guessed at


def regions(reading: Any, page: int) -> list[Image]:
    """Ink regions on one OCR'd page, largest first."""
    gray = getattr(reading, "gray", None)
    if gray is None:
        return []
    grid = _ink_grid(gray, reading.lines)
    h, w = gray.shape
    units = 612.0 / w
    out = []
    for r0, c0, r1, c1, cells in _components(grid):
        x0, y0, x1, y1 = c0 * CELL, r0 * CELL, (c1 + 1) * CELL, (r1 + 1) * CELL
        if r0 <= 1 or c0 <= 1 or r1 >= grid.shape[0] - 2 or c1 >= grid.shape[1] - 2:
            continue
        if not _sized(x1 - x0, y1 - y0, w, h) or cells < MIN_CELLS:
            continue
        out.append(
            (
                cells,
                Image(
                    page,
                    name="ink",
                    top=round(float(h - y0) * units, 2),
                    bottom=round(float(h - y1) * units, 2),
                    width=round(float(x1 - x0) * units, 2),
                    height=round(float(y1 - y0) * units, 2),
                ),
            )
        )
    return [img for _, img in sorted(out, key=lambda item: -item[0])]


def _sized(width: float, height: float, page_w: float, page_h: float) -> bool:
    """Big enough to be a hand's mark, small enough not to be the page edge or a table."""
    return MIN_WIDTH * page_w <= width <= MAX_WIDTH * page_w and MIN_HEIGHT * page_h <= height <= MAX_HEIGHT * page_h


def _ink_grid(gray: Any, lines: Any) -> Any:
    """A boolean grid: True where a cell holds ink outside confident text boxes."""

    ink = gray < INK_BELOW
    for line in lines:
        if line.confidence >= TEXT_CONFIDENCE and sum(ch.isalnum() for ch in line.text) >= 2:
            x0, y0, x1, y1 = (int(v) for v in line.box)
            ink[max(y0 - 2, 0) : y1 + 3, max(x0 - 2, 0) : x1 + 3] = False
    h, w = ink.shape
    rows, cols = h // CELL, w // CELL
    cells = ink[: rows * CELL, : cols * CELL].reshape(rows, CELL, cols, CELL).sum(axis=(1, 3))
    return cells >= 3


def _components(grid: Any) -> list[tuple[int, int, int, int, int]]:
    """Bounding boxes (r0, c0, r1, c1) and sizes of 8-connected groups, bridging one-cell gaps."""
    import numpy as np

    rows, cols = grid.shape
    seen = np.zeros_like(grid)
    found = []
    for r, c in zip(*np.nonzero(grid)):
        if seen[r, c]:
            continue
        stack, box, size = [(r, c)], [r, c, r, c], 0
        seen[r, c] = True
        while stack:
            y, x = stack.pop()
            size += 1
            box = [min(box[0], y), min(box[1], x), max(box[2], y), max(box[3], x)]
            for ny in range(max(y - 2, 0), min(y + 3, rows)):
                for nx in range(max(x - 2, 0), min(x + 3, cols)):
                    if grid[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        found.append((box[0], box[1], box[2], box[3], size))
    return found
