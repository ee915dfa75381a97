"""Turn a letter PDF into the images people forward: a flatbed scan or a phone photo of the printout.

Deterministic for a given seed (Pillow and numpy only, both in the ocr extra).  `render` draws a
PDF page with pypdfium2; `scan` adds a slight tilt, sensor noise and JPEG; `photo` adds what a
hand-held phone does: a tilt of up to 5 degrees, a perspective pull, a table around the page,
light falling off across it, paper texture, blur, noise and JPEG at quality 60-90.
"""

from __future__ import annotations

import io
import random
from typing import Any


def render(pdf: bytes, page: int = 0, dpi: int = 300) -> Any:
    """One PDF page as a grey Pillow image."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return doc[page].render(scale=dpi / 72.0, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()


def scan(image: Any, seed: int = 0, quality: int = 85) -> bytes:
    """A flatbed scan: tilt under 1 degree, a little noise, JPEG."""
    from PIL import Image

    rng = random.Random(seed)
    img = image.rotate(rng.uniform(-0.8, 0.8), resample=Image.BICUBIC, expand=False, fillcolor=255)
    img = _noise(img, rng, 6)
    return _jpeg(img, quality)


def photo(
    image: Any,
    seed: int = 0,
    *,
    max_tilt: float = 5.0,
    blur: float = 1.0,
    poor: bool = False,
    margin: float = 0.06,
    perspective: float = 0.03,
) -> bytes:
    """A phone photo of the printed page (JPEG bytes).  `poor` makes one too bad to read well; `margin`
    is the table around the page (share of its width), `perspective` how far the corners are pulled."""
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    page = _texture(image, rng)
    w, h = page.size
    pad = int(margin * w)
    canvas = Image.new("L", (w + 2 * pad, h + 2 * pad), 70 + rng.randint(0, 40))
    canvas.paste(page, (pad, pad))
    canvas = canvas.rotate(rng.uniform(-max_tilt, max_tilt), resample=Image.BICUBIC, fillcolor=80)
    canvas = _perspective(canvas, rng, perspective)
    canvas = _light(canvas, rng)
    canvas = canvas.filter(ImageFilter.GaussianBlur(blur * (4 if poor else 1)))
    if poor:
        canvas = canvas.resize((canvas.width // 4, canvas.height // 4)).resize(canvas.size)
    canvas = _noise(canvas, rng, 25 if poor else 8)
    return _jpeg(canvas, 35 if poor else rng.randint(60, 90))


def _texture(image: Any, rng: random.Random) -> Any:
    """Paper grain and a greyish print: ink is not black, paper is not white."""
    import numpy as np
    from PIL import Image

    arr = np.asarray(image, dtype=np.float32)
    arr = 30 + arr * (215 / 255.0)
    grain = np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, 4, arr.shape)
    return Image.fromarray(np.clip(arr + grain, 0, 255).astype(np.uint8))


def _perspective(img: Any, rng: random.Random, amount: float) -> Any:
    """Pull the corners in a little, as a camera not square to the page does."""
    from PIL import Image

    w, h = img.size
    d = [rng.uniform(0, amount) for _ in range(8)]
    quad = (d[0] * w, d[1] * h, d[2] * w, h - d[3] * h, w - d[4] * w, h - d[5] * h, w - d[6] * w, d[7] * h)
    return img.transform((w, h), Image.QUAD, quad, resample=Image.BICUBIC, fillcolor=80)


def _light(img: Any, rng: random.Random) -> Any:
    """Light falling off from one corner (a lamp to one side)."""
    import numpy as np
    from PIL import Image

    w, h = img.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    dist = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / max(w, h)
    gain = 1.0 - rng.uniform(0.25, 0.45) * dist
    arr = np.asarray(img, dtype=np.float32) * gain
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _noise(img: Any, rng: random.Random, sigma: float) -> Any:
    import numpy as np
    from PIL import Image

    arr = np.asarray(img, dtype=np.float32)
    arr = arr + np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, sigma, arr.shape)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _jpeg(img: Any, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
