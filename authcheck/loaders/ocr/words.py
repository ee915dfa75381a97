"""Where spaces go when the geometry alone cannot tell: the most likely words, by word frequency.

`ocrspace` sees a gap between two characters; some gaps are clearly a space or clearly not, and
some lie in between (the recogniser places characters only to about a fifth of an em).  For each
run of characters between sure spaces, this picks the split into words that is most likely under
both the gaps (a soft vote per uncertain gap) and an English word-frequency list, by dynamic
programming over the uncertain gaps: "deferen ce" becomes "deference", "toprepare" "to prepare".
The list is pyspellchecker's English frequencies (MIT), read from its package data and never from
a network; without it the gaps alone decide.
"""

from __future__ import annotations

import functools
import gzip
import json
import math

UNKNOWN = math.log(1e-4)  #: log-probability of a word not in the list (a name, a code, a typo) ...
PER_CHAR = math.log(0.05)  #: ... times this for each of its letters, so a run of words is not one long "name"
NUMBER = math.log(1e-5)  #: numbers and other tokens without letters count as ordinary words
_EDGE = "\"'([{<.,;:!?)]}>-/"


@functools.lru_cache(maxsize=1)
def vocabulary() -> tuple[dict, float] | None:
    """Word -> log-probability, or None when the word list is not installed."""
    try:
        from importlib.resources import files

        raw = files("spellchecker").joinpath("resources/en.json.gz").read_bytes()
    except (ImportError, ModuleNotFoundError, FileNotFoundError, OSError):
        return None
    counts = json.loads(gzip.decompress(raw))
    total = float(sum(counts.values()))
    return {word: math.log(n / total) for word, n in counts.items() if n > 0}, total


def word_score(token: str, vocab: dict) -> float:
    """How likely `token` is as one word (its letters case-folded, edge punctuation ignored)."""
    core = token.strip(_EDGE).lower()
    if not core:
        return 0.0
    if not any(ch.isalpha() for ch in core):
        return NUMBER
    known = vocab.get(core, vocab.get(core.replace("'", "")))
    return known if known is not None else UNKNOWN + PER_CHAR * len(core)


def best_splits(text: str, gaps: dict[int, float]) -> set[int]:
    """Indexes in `text` before which a space goes; `gaps` maps uncertain positions to P(space)."""
    found = vocabulary()
    if found is None:
        return {i for i, p in gaps.items() if p >= 0.5}
    vocab = found[0]
    cuts = [0, *sorted(gaps), len(text)]
    keep = {i: math.log(max(1 - p, 1e-6)) for i, p in gaps.items()}
    split = {i: math.log(max(p, 1e-6)) for i, p in gaps.items()}
    best: list[float] = [0.0] + [-math.inf] * (len(cuts) - 1)
    back = [0] * len(cuts)
    for j in range(1, len(cuts)):
        for i in range(j):
            joined = sum(keep[cuts[k]] for k in range(i + 1, j))
            score = best[i] + word_score(text[cuts[i] : cuts[j]], vocab) + joined
            score += split[cuts[i]] if i > 0 else 0.0
            if score > best[j]:
                best[j], back[j] = score, i
    out, j = set(), len(cuts) - 1
    while j > 0:
        j = back[j]
        if j > 0:
            out.add(cuts[j])
    return out
