"""Perceptual hashes of signature images: DCT pHash and dHash (64 bits each), robust to scaling and
JPEG re-compression, so a signature pasted from another letter is found even when re-encoded.

The image is flattened onto white, cropped to its ink, and reduced to 32x32 grey for the pHash
(the low 8x8 DCT frequencies against their median) and 9x8 for the dHash (neighbour gradients).
Pure Python over Pillow: no numpy.
"""

from __future__ import annotations

import math

_N = 32
_COS = [[math.cos((2 * x + 1) * u * math.pi / (2 * _N)) for x in range(_N)] for u in range(8)]
PHASH_MATCH = 12  #: at most this many of 64 pHash bits differ for the same image
DHASH_MATCH = 16  #: and at most this many dHash bits


def image_hash(image) -> str | None:
    """ "<phash>:<dhash>" as two 16-digit hex numbers, or None for a blank image."""
    grey = _ink(image)
    if grey is None:
        return None
    return f"{_phash(grey):016x}:{_dhash(grey):016x}"


def _ink(image):
    """The image in grey on white, cropped to the bounding box of its dark pixels (None if blank)."""
    from PIL import Image, ImageOps

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    grey = image.convert("L")
    box = ImageOps.invert(grey).point(lambda v: 255 if v > 48 else 0).getbbox()
    if box is None:
        return None
    return grey.crop(box)


def _phash(grey) -> int:
    """DCT hash: 8x8 lowest frequencies of the 32x32 image, each bit above the median (DC left out)."""
    from PIL import Image

    small = _pixels(grey.resize((_N, _N), Image.Resampling.LANCZOS))
    rows = [small[y * _N : (y + 1) * _N] for y in range(_N)]
    half = [[sum(c * v for c, v in zip(_COS[u], row)) for u in range(8)] for row in rows]  # 32 x 8
    coeffs = [sum(_COS[v][y] * half[y][u] for y in range(_N)) for v in range(8) for u in range(8)]
    median = sorted(coeffs[1:])[31]
    return _bits(c > median for c in coeffs)


def _dhash(grey) -> int:
    """Difference hash: is each pixel brighter than its right neighbour (9x8 image)."""
    from PIL import Image

    small = _pixels(grey.resize((9, 8), Image.Resampling.LANCZOS))
    return _bits(small[y * 9 + x] > small[y * 9 + x + 1] for y in range(8) for x in range(8))


def _pixels(image) -> list[int]:
    """Grey values row by row (Pillow's flattened data; getdata before Pillow 12)."""
    flat = getattr(image, "get_flattened_data", None)
    return list(flat() if flat else image.getdata())


def _bits(flags) -> int:
    value = 0
    for flag in flags:
        value = (value << 1) | int(bool(flag))
    return value


def distance(a: str, b: str) -> tuple[int, int]:
    """(pHash, dHash) Hamming distances; a registry hash with only a pHash compares the pHash alone."""
    pa, _, da = a.partition(":")
    pb, _, db = b.partition(":")
    dp = bin(int(pa, 16) ^ int(pb, 16)).count("1")
    dd = bin(int(da, 16) ^ int(db, 16)).count("1") if da and db else 0
    return dp, dd


def same_image(a: str, b: str) -> bool:
    """True when two hashes are of the same picture (after scaling or re-compression)."""
    dp, dd = distance(a, b)
    return dp <= PHASH_MATCH and dd <= DHASH_MATCH


def main(argv=None) -> int:
    """`python -m authcheck.registry.phash IMAGE...`: the pHash to put under a person's `signatures:`."""
    import sys

    from authcheck.loaders.placedimages import decode

    status = 0
    for path in sys.argv[1:] if argv is None else argv:
        try:
            with open(path, "rb") as fh:
                image = decode(fh.read())
        except (OSError, ValueError) as exc:
            image, status = None, 2
            sys.stderr.write(f"{path}: cannot read image: {exc}\n")
            continue
        digest = image_hash(image) if image is not None else None
        sys.stdout.write(f"{digest.split(':')[0] if digest else 'none'}  {path}\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
