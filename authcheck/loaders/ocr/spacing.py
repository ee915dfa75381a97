"""Word spacing rebuilt from where the OCR engine placed each character.

rapidocr's recogniser often leaves out the space between Latin words ("SUBJECT:CoalitionForce").
It does place every character (the centre of its run in the recogniser's output), so a missing
space shows as a gap between two centres wider than the two characters' own half-widths.  Widths
come from a proportional serif font's advance widths (Adobe's Times-Roman metrics), scaled per
line to the spacing the line actually has, so the test holds for any type size.
"""

from __future__ import annotations

import math
from statistics import median

# Advance widths (1/1000 em) of Times-Roman for ASCII 32-126; other characters get 500.
_WIDTHS = [
    int(w)
    for w in [
        "250",
        "333",
        "408",
        "500",
        "500",
        "833",
        "778",
        "180",
        "333",
        "333",
        "500",
        "564",
        "250",
        "333",
        "250",
        "278",
        "500",
        "500",
        "500",
        "500",
        "500",
        "500",
        "500",
        "500",
        "500",
        "500",
        "278",
        "278",
        "564",
        "564",
        "564",
        "444",
        "921",
        "722",
        "667",
        "667",
        "722",
        "611",
        "556",
        "722",
        "722",
        "333",
        "389",
        "722",
        "611",
        "889",
        "722",
        "722",
        "556",
        "722",
        "667",
        "556",
        "611",
        "722",
        "722",
        "944",
        "722",
        "722",
        "611",
        "333",
        "278",
        "333",
        "469",
        "500",
        "333",
        "444",
        "500",
        "444",
        "500",
        "444",
        "333",
        "500",
        "500",
        "278",
        "278",
        "500",
        "278",
        "778",
        "500",
        "500",
        "500",
        "500",
        "333",
        "389",
        "278",
        "500",
        "500",
        "722",
        "500",
        "500",
        "444",
        "480",
        "200",
        "480",
        "541",
    ]
]
SPACE_GAP = 0.17  #: extra gap (em) between two character centres that means a space was dropped
CASE_GAP = 0.06  #: a smaller gap is enough where a lower-case letter meets a capital ("ForceMovement")
SOFTNESS = 0.05  #: em: how quickly a gap turns from "no space" to "space" around the threshold
SURE = 0.97  #: chance above which a gap is a space without asking the word list (below 1 - SURE: none)
_AFTER = ",;:"  #: punctuation that a letter follows only after a space ("Sir,Dear" never occurs)

Box = tuple[float, float, float, float]


def width(char: str) -> float:
    """The advance width of one character in em."""
    code = ord(char)
    return _WIDTHS[code - 32] / 1000.0 if 32 <= code < 127 else 0.5


def spaced(chars: list[str], boxes: list[Box]) -> list[tuple[str, Box]]:
    """Words with their boxes: spaces the engine saw, gaps the geometry is sure of, and in between
    the split that makes the most likely words (`ocrwords.best_splits`)."""
    from authcheck.loaders.ocr.words import best_splits

    centres = [(b[0] + b[2]) / 2 for b in boxes]
    scale = _em(chars, centres)
    limit = SPACE_GAP
    words: list[tuple[str, Box]] = []
    run: list[int] = []
    gaps: dict[int, float] = {}
    for i, char in enumerate(chars):
        if char.isspace():
            _flush_run(words, run, gaps, chars, boxes, best_splits)
            continue
        if run:
            p = _space_chance(chars, centres, run[-1], i, scale, limit)
            if p >= SURE:
                _flush_run(words, run, gaps, chars, boxes, best_splits)
            elif p > 1 - SURE:
                gaps[len(run)] = p
        run.append(i)
    _flush_run(words, run, gaps, chars, boxes, best_splits)
    return words


def _flush_run(
    words: list, run: list[int], gaps: dict[int, float], chars: list[str], boxes: list[Box], chooser
) -> None:
    """Split a run of characters (no sure space inside) into words and append them."""
    if not run:
        return
    text = "".join(chars[k] for k in run)
    cuts = sorted(chooser(text, dict(gaps))) if gaps else []
    for lo, hi in zip([0, *cuts], [*cuts, len(run)]):
        _flush(words, run[lo:hi], chars, boxes)
    run.clear()
    gaps.clear()


def _space_chance(chars: list[str], centres: list[float], i: int, j: int, scale: float, limit: float) -> float:
    """How likely a space is between characters i and j, from their gap (a logistic around `limit`)."""
    a, b = chars[i], chars[j]
    if a in _AFTER and b.isalpha():
        return 1.0
    if a == "." and b.isupper() and j + 1 < len(chars) and chars[j + 1].isalpha() and i > 0 and chars[i - 1].isupper():
        return 1.0  # "H.SEELY": after an initial comes a word (but "U.S." keeps its dots together)
    if scale <= 0:
        return 0.0
    centre = min(CASE_GAP, limit) if a.islower() and b.isupper() else limit
    z = (_extra(chars, centres, i, j, scale) - centre) / SOFTNESS
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def _em(chars: list[str], centres: list[float]) -> float:
    """Pixels per em on this line: the median of centre distance over expected distance."""
    ratios = []
    for i in range(len(chars) - 1):
        a, b = chars[i], chars[i + 1]
        if a.isspace() or b.isspace():
            continue
        expected = (width(a) + width(b)) / 2
        if centres[i + 1] > centres[i] and expected > 0:
            ratios.append((centres[i + 1] - centres[i]) / expected)
    return median(ratios) if ratios else 0.0


def _extra(chars: list[str], centres: list[float], i: int, j: int, scale: float) -> float:
    """How much wider (em) the gap from character i to j is than their half-widths."""
    return (centres[j] - centres[i]) / scale - (width(chars[i]) + width(chars[j])) / 2


def _flush(words: list, current: list[int], chars: list[str], boxes: list[Box]) -> None:
    if not current:
        return
    text = "".join(chars[k] for k in current)
    box = (
        min(boxes[k][0] for k in current),
        min(boxes[k][1] for k in current),
        max(boxes[k][2] for k in current),
        max(boxes[k][3] for k in current),
    )
    words.append((text, box))
    current.clear()
