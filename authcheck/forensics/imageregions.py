"""Regions and pages of a picture whose noise differs sharply from the rest: a pasted-in region.

A scanner or a phone leaves its grain on all the paper it sees, evenly.  Text or a signature pasted
into the picture afterwards comes from elsewhere: a clean digital render (no grain at all), a
smaller picture scaled up (its grain smoothed away), or a noisier photo.  So the page is cut into
square blocks, and in each block the grain of the paper is measured: how far, on average, each
paper pixel lies from the mean of its four neighbours (the top fifth left out).  Ink, and a pixel
around it, says nothing and is left out; where the scanner blew most of the paper out to pure
white, blown-out blocks are left out too, while on paper that kept its grain a pure white patch is
itself the odd one.  Blocks on the page's paper whose grain is under a third of the page's median,
in groups of at least MIN_BLOCKS touching blocks, are reported with their box (far noisier blocks
are not: printed shading, a watermark or a halftone seal is noisier paper too).  The same measure
per page finds a page of a multi-page TIFF whose grain is under a third or over three times the
other pages'.  Weak evidence: a sticker, a stamp pad or a re-scanned patch can do the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_PIXELS = 16_000_000  #: bigger pictures are averaged down by a whole factor (grain shrinks evenly)
BLOCKS_ACROSS = 32  #: blocks along the short side of the page
PAPER_BAND = 12  #: grey levels under a block's 90th percentile still paper (more on textured paper)
CLEAN, NOISY = 1 / 3, 3.0  #: grain ratios (block / page median) that stand out
MIN_GRAIN = 0.3  #: a page with less median grain (a digital render) has none to compare
MIN_BLOCKS = 2  #: touching odd blocks needed for a region
MAX_SHARE = 0.25  #: a "region" over this share of the paper blocks is the page's own variation
MIN_PAPER_BLOCKS = 40  #: paper blocks needed before a page is judged
OFF_PAPER = 0.7  #: blocks darker than this share of the page's bright blocks lie off the paper
INK_MARGIN = 1  #: pixels around ink left out too (anti-aliasing and JPEG ringing are not grain)


@dataclass(frozen=True)
class Region:
    """An odd region: its box (page fractions x0, y0, x1, y1), grain relative to the page, blocks."""

    box: tuple[float, float, float, float]
    ratio: float
    blocks: int

    @property
    def kind(self) -> str:
        return "cleaner" if self.ratio < 1 else "noisier"


def grain_map(image: Any) -> tuple[Any, tuple[int, int]]:
    """The paper grain of each block (NaN where a block has too little paper, or lies off the page's
    paper), and the grid's (rows, columns).  Worked out one row of blocks at a time, so a large
    picture never needs more than a band of it in floating point."""
    import numpy as np

    g = np.asarray(image.convert("L"))
    k = max(1, int(np.ceil((g.shape[0] * g.shape[1] / MAX_PIXELS) ** 0.5)))  # averaged k x k, in float
    size = max(16, min(g.shape) // k // BLOCKS_ACROSS)
    rows, cols = g.shape[0] // k // size, g.shape[1] // k // size
    grain = np.full((rows, cols), np.nan, dtype=np.float32)
    bright = np.zeros((rows, cols), dtype=np.float32)
    clipped = np.zeros((rows, cols), dtype=np.float32)
    for r in range(rows):
        band = g[r * size * k : (r + 1) * size * k, : cols * size * k].astype(np.float32)
        if k > 1:
            band = band.reshape(size, k, cols * size, k).mean(axis=(1, 3))
        grain[r], bright[r], clipped[r] = _band(band, size, cols)
    grain[bright < OFF_PAPER * np.percentile(bright, 75)] = np.nan  # the table or hand around a photographed page
    judged = ~np.isnan(grain)
    if judged.any() and np.median(clipped[judged]) >= 0.5:
        grain[clipped >= 0.5] = np.nan  # the scanner blew the paper out to white: its grain is lost
    return grain, (rows, cols)


def _band(band: Any, size: int, cols: int) -> tuple[Any, Any, Any]:
    """Grain, median brightness and clipped share of each block in one row of blocks (its edge pixels left out)."""
    import numpy as np

    res = np.abs(band[1:-1, 1:-1] - (band[:-2, 1:-1] + band[2:, 1:-1] + band[1:-1, :-2] + band[1:-1, 2:]) / 4)
    res = np.pad(res, 1, constant_values=np.nan)
    blocks = band.reshape(size, cols, size).swapaxes(0, 1).reshape(cols, -1)
    level, middle = np.percentile(blocks, [90, 50], axis=1)
    spread = np.maximum(PAPER_BAND, 3.5 * (level - middle) / 1.28)  # 3.5 sigma of the paper's own texture
    ink = _grown(band < np.repeat(level - spread, size)[None, :], INK_MARGIN)  # and the ringing around it
    res[ink] = np.nan
    resid = res.reshape(size, cols, size).swapaxes(0, 1).reshape(cols, -1)
    paper = ~np.isnan(resid)
    enough = paper.sum(axis=1) > size * size // 3
    grain = np.full(cols, np.nan, dtype=np.float32)
    if enough.any():
        kept = resid[enough]
        top = np.nanpercentile(kept, 80, axis=1)[:, None]  # what ink and ringing left is in the top fifth
        grain[enough] = np.nanmean(np.where(kept <= top, kept, np.nan), axis=1)  # a mean: medians of whole steps are 0
    clipped = (((blocks >= 254.5) | (blocks <= 0.5)) & paper).sum(axis=1) / np.maximum(paper.sum(axis=1), 1)
    return grain, np.median(blocks, axis=1), clipped


def _grown(mask: Any, by: int) -> Any:
    """`mask` grown by `by` pixels in every direction (a square neighbourhood)."""
    tall = mask.copy()
    for step in range(1, by + 1):
        tall[step:] |= mask[:-step]
        tall[:-step] |= mask[step:]
    out = tall.copy()
    for step in range(1, by + 1):
        out[:, step:] |= tall[:, :-step]
        out[:, :-step] |= tall[:, step:]
    return out


def page_grain(grain: Any) -> float | None:
    """The page's median grain, or None when it has too little paper to tell."""
    import numpy as np

    values = grain[~np.isnan(grain)]
    return float(np.median(values)) if values.size >= MIN_PAPER_BLOCKS else None


def survey(image: Any) -> tuple[list[Region], float | None]:
    """A page's odd regions (largest first) and its median grain (None when it cannot be judged)."""
    grain, shape = grain_map(image)
    median = page_grain(grain)
    return (odd_regions(grain, median, shape) if median and median >= MIN_GRAIN else []), median


def odd_regions(grain: Any, median: float, shape: tuple[int, int]) -> list[Region]:
    """Groups of touching blocks far cleaner than the page's median grain.  (Noisier blocks are not
    reported: printed shading, a watermark or a halftone seal is noisier paper too.)"""
    import numpy as np

    rows, cols = shape
    ratio = grain / median
    odd = ~np.isnan(ratio) & (ratio < CLEAN)
    paper = int((~np.isnan(grain)).sum())
    out = []
    for cells in _groups(odd):
        if len(cells) < MIN_BLOCKS or len(cells) > MAX_SHARE * paper:
            continue
        rs, cs = [r for r, _ in cells], [c for _, c in cells]
        box = (
            round(min(cs) / cols, 4),
            round(min(rs) / rows, 4),
            round((max(cs) + 1) / cols, 4),
            round((max(rs) + 1) / rows, 4),
        )
        out.append(Region(box, round(float(np.median([ratio[r, c] for r, c in cells])), 2), len(cells)))
    return sorted(out, key=lambda region: -region.blocks)


def odd_pages(grains: list[float | None]) -> list[tuple[int, float]]:
    """(page number, grain relative to the other pages' median) for pages far from the rest (3+ judged)."""
    from statistics import median

    judged = [g for g in grains if g is not None]
    if len(judged) < 3 or median(judged) < MIN_GRAIN:
        return []
    middle = median(judged)
    return [
        (n, round(g / middle, 2))
        for n, g in enumerate(grains, start=1)
        if g is not None and not CLEAN <= g / middle <= NOISY
    ]


def _groups(mask: Any) -> list[list[tuple[int, int]]]:
    """8-connected groups of True cells."""
    rows, cols = mask.shape
    seen: set[tuple[int, int]] = set()
    groups = []
    for start in zip(*mask.nonzero()):
        start = (int(start[0]), int(start[1]))
        if start in seen:
            continue
        seen.add(start)
        stack, group = [start], []
        while stack:
            r, c = stack.pop()
            group.append((r, c))
            for nr in range(max(r - 1, 0), min(r + 2, rows)):
                for nc in range(max(c - 1, 0), min(c + 2, cols)):
                    if mask[nr, nc] and (nr, nc) not in seen:
                        seen.add((nr, nc))
                        stack.append((nr, nc))
        groups.append(group)
    return groups
