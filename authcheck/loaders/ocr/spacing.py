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
#: or a letter meets a digit ("Review2", "3by24")
SOFTNESS = 0.05  #: em: how quickly a gap turns from "no space" to "space" around the threshold
SURE = 0.97  #: chance above which a gap is a space without asking the word list
UNSURE = 0.10  #: chance below which a gap is no space without asking (letters sit +-0.1 em off)
_AFTER = ",;:"  #: punctuation that a letter follows only after a space ("Sir,Dear" never occurs)
_CLOSING = ",.;:!?)]}%"  #: punctuation never written after a space (the engine places it late: "2020 ,")
_OPENING = "([{"  #: ... and never written before one
SPACED_LINE = 0.15  #: em added to the gap a space needs on a line where the engine wrote its own spaces
DOUBLED = 0.15  #: em added for a doubled letter: the recogniser needs an empty step between the two
ENGINE_RATE = 10  #: a line is spaced by the engine when it wrote a space at least every this many characters
_JOINERS = "-/'\u2019"  #: inside a word ("fixed-wing", "and/or", "O'Sullivan"): spaced on both sides or neither

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
    line = _Line(chars, centres, _em(chars, centres), SPACE_GAP + (SPACED_LINE if _engine_spaced(chars) else 0.0))
    words: list[tuple[str, Box]] = []
    run: list[int] = []
    gaps: dict[int, float] = {}
    for i, char in enumerate(chars):
        if char.isspace():
            _flush_run(words, run, gaps, chars, boxes, best_splits)
            continue
        if run:
            p = _joined_chance(line, run[-1], i)
            if p >= SURE:
                _flush_run(words, run, gaps, chars, boxes, best_splits)
            elif p > UNSURE:
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


def _engine_spaced(chars: list[str]) -> bool:
    """True when the engine wrote spaces on this line at about the rate of words (then it seldom misses one,
    and the gaps it left are mostly letters the recogniser placed loosely)."""
    spaces = sum(1 for ch in chars if ch.isspace())
    return spaces >= 2 and spaces * ENGINE_RATE >= len(chars) - spaces


class _Line:
    """One recognised line: its characters, their centres, pixels per em and the gap (em) a space needs."""

    def __init__(self, chars: list[str], centres: list[float], scale: float, limit: float) -> None:
        self.chars, self.centres, self.scale, self.limit = chars, centres, scale, limit

    def chance(self, i: int, j: int) -> float:
        return _space_chance(self.chars, self.centres, i, j, self.scale, self.limit)


def _joined_chance(line: _Line, i: int, j: int) -> float:
    """`_space_chance`, except that a joiner ("-", "/", an apostrophe) gets spaces on both sides or none:
    "fixed -wing" and "O' Sullivan" are never written, "DRAFT - NOT" is."""
    chars = line.chars
    if chars[j] in _JOINERS:
        far = (j, j + 1)  # the gap after the joiner
    elif chars[i] in _JOINERS:
        far = (i - 1, i)  # the gap before it
    else:
        return line.chance(i, j)
    if not (far[0] >= 0 and far[1] < len(chars)):
        return 0.0  # a hyphen that ends or starts the line belongs to its word
    if any(chars[k].isspace() for k in far):
        return line.chance(i, j)  # the engine spaced the other side: this gap alone decides
    both = _logit(line.chance(i, j)) + _logit(line.chance(*far))  # two looks at one question
    return 1.0 if both >= 0.0 else 0.0


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _space_chance(chars: list[str], centres: list[float], i: int, j: int, scale: float, limit: float) -> float:
    """How likely a space is between characters i and j, from their gap (a logistic around `limit`)."""
    a, b = chars[i], chars[j]
    if a in _AFTER and b.isalpha():
        return 1.0
    if b in _CLOSING or a in _OPENING:
        return 0.0
    if a == b:
        limit += DOUBLED
    if a == "." and b.isupper() and j + 1 < len(chars) and chars[j + 1].isalpha() and i > 0 and chars[i - 1].isupper():
        return 1.0  # "H.SEELY": after an initial comes a word (but "U.S." keeps its dots together)
    if scale <= 0:
        return 0.0
    centre = min(CASE_GAP, limit) if (a.islower() and b.isupper()) or _kind(a) * _kind(b) == 2 else limit
    z = (_extra(chars, centres, i, j, scale) - centre) / SOFTNESS
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def _kind(char: str) -> int:
    """1 for a letter, 2 for a digit, 0 otherwise (a letter next to a digit is a word boundary more often than not)."""
    return 1 if char.isalpha() else 2 if char.isdigit() else 0


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
