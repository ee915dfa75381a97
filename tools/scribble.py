"""A small drawn handwritten-looking signature image, as raw grayscale rows or as a PNG.

Integer-only drawing (fixed control points joined by thick Bresenham lines), so the
pixels, and therefore every file that embeds them, are identical on every platform.
"""

from __future__ import annotations

import itertools
import struct
import zlib
from functools import lru_cache

WIDTH, HEIGHT = 96, 32
_INK, _PAPER = 24, 255
# A looping cursive stroke, a separate flourish and an underline, in pixel coordinates.
_STROKES = (
    (
        (4, 24),
        (9, 6),
        (13, 22),
        (17, 8),
        (21, 23),
        (26, 12),
        (30, 20),
        (27, 24),
        (33, 15),
        (38, 21),
        (42, 9),
        (45, 22),
        (50, 14),
        (55, 21),
        (59, 8),
        (62, 23),
        (67, 13),
        (72, 20),
        (77, 10),
        (80, 21),
        (86, 16),
        (91, 12),
    ),
    ((46, 4), (50, 3), (54, 5)),
    ((8, 28), (30, 27), (56, 28), (84, 26)),
)


def _plot(canvas: list[bytearray], x: int, y: int) -> None:
    """Ink a 2x2 dot, clipped to the canvas."""
    for dy in (0, 1):
        for dx in (0, 1):
            if 0 <= x + dx < WIDTH and 0 <= y + dy < HEIGHT:
                canvas[y + dy][x + dx] = _INK


def _line(canvas: list[bytearray], start: tuple, end: tuple) -> None:
    """Draw a thick line from start to end (Bresenham)."""
    (x0, y0), (x1, y1) = start, end
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    err = dx + dy
    while True:
        _plot(canvas, x0, y0)
        if (x0, y0) == (x1, y1):
            return
        doubled = 2 * err
        if doubled >= dy:
            err, x0 = err + dy, x0 + sx
        if doubled <= dx:
            err, y0 = err + dx, y0 + sy


@lru_cache(maxsize=1)
def signature_pixels() -> tuple[int, int, tuple[bytes, ...]]:
    """Return (width, height, rows) of the 8-bit grayscale signature, top row first."""
    canvas = [bytearray([_PAPER] * WIDTH) for _ in range(HEIGHT)]
    for stroke in _STROKES:
        for start, end in itertools.pairwise(stroke):
            _line(canvas, start, end)
    return WIDTH, HEIGHT, tuple(bytes(row) for row in canvas)


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk with its length and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def signature_png() -> bytes:
    """The signature as a grayscale PNG file (no Pillow needed)."""
    width, height, rows = signature_pixels()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    )
