"""Character widths of the base-14 fonts the generator uses, and a word wrap built on them.

Widths are the Adobe AFM advance widths (1/1000 em) for ASCII 32-126; other characters
get a generous fallback so wrapped lines never overflow the margin.  Courier is fixed.
"""

from __future__ import annotations

_FALLBACK = 667
_AFM = {
    "Times-Roman": (
        "250 333 408 500 500 833 778 180 333 333 500 564 250 333 250 278 500 500 500 500 500 500 "
        "500 500 500 500 278 278 564 564 564 444 921 722 667 667 722 611 556 722 722 333 389 722 "
        "611 889 722 722 556 722 667 556 611 722 722 944 722 722 611 333 278 333 469 500 333 444 "
        "500 444 500 444 333 500 500 278 278 500 278 778 500 500 500 500 333 389 278 500 500 722 "
        "500 500 444 480 200 480 541"
    ),
    "Times-Bold": (
        "250 333 555 500 500 1000 833 278 333 333 500 570 250 333 250 278 500 500 500 500 500 500 "
        "500 500 500 500 333 333 570 570 570 500 930 722 667 722 722 667 611 778 778 389 500 778 "
        "667 944 722 778 611 778 722 556 667 722 722 1000 722 722 667 333 278 333 581 500 333 500 "
        "556 444 556 444 333 500 556 278 333 556 278 833 556 500 556 556 444 389 333 556 500 722 "
        "500 500 444 394 220 394 520"
    ),
    "Helvetica": (
        "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
        "556 556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 "
        "556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 "
        "556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 "
        "500 500 500 334 260 334 584"
    ),
    "Helvetica-Bold": (
        "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
        "556 556 556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 "
        "611 833 722 778 667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 333 556 "
        "611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 "
        "556 556 500 389 280 389 584"
    ),
}
_WIDTHS = {name: [int(v) for v in table.split()] for name, table in _AFM.items()}


def char_width(char: str, font: str = "Times-Roman") -> int:
    """Advance width of one character in 1/1000 em."""
    if font.startswith("Courier"):
        return 600
    table = _WIDTHS.get(font, _WIDTHS["Helvetica-Bold"])
    code = ord(char)
    return table[code - 32] if 32 <= code < 127 else _FALLBACK


def text_width(text: str, font: str = "Times-Roman", size: float = 12) -> float:
    """Width of `text` in points when set in `font` at `size`."""
    return sum(char_width(c, font) for c in text) * size / 1000


def wrap(text: str, width: float, font: str = "Times-Roman", size: float = 12) -> list[str]:
    """Greedy word wrap of one paragraph to lines no wider than `width` points.

    A single word wider than the line is kept whole on its own line.
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, font, size) > width:
            lines.append(current)
            candidate = word
        current = candidate
    return [*lines, current] if current else lines or [""]
