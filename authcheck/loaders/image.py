"""Image files (PNG, JPEG, TIFF, WebP; HEIC through the system libheif, `heif.py`) read by OCR into a `Document` (Pillow imported lazily).

Pre-flight first, before any pixel is decoded: the header's size against `max_image_pixels`
(Pillow's own bomb guard is set to the same number), decoded bytes per file byte against
`max_image_ratio` (a decompression bomb), and the frame count of a multi-page TIFF against
`max_image_frames`.  A bomb is `too-large`, a damaged or truncated file `corrupt`; neither ever
reaches the decoder's full size.  Each frame is turned upright by its EXIF orientation, then read
by `ocrpages.read_pages` under the OCR budget.
"""

from __future__ import annotations

import warnings
from io import BytesIO
from typing import Any

from authcheck.errors import CheckError
from authcheck.loaders.sniff import image_kind
from authcheck.model import Document, Metadata, Note
from authcheck.settings import Limits
from authcheck.util.patterns import compiled

_FORMATS = ["PNG", "JPEG", "TIFF", "WEBP"]
_BANDS = {"1": 0.125, "L": 1, "P": 1, "LA": 2, "RGB": 3, "YCbCr": 3, "RGBA": 4, "CMYK": 4, "I;16": 2, "I": 4, "F": 4}


def open_checked(data: bytes, limits: Limits) -> Any:
    """The opened (not decoded) Pillow image, after the size, ratio and frame checks (a HEIC photo
    comes back decoded, checked the same way by `heif.open_heif`)."""
    from PIL import Image

    if image_kind(data) == "HEIC":
        from authcheck.loaders.heif import open_heif

        return open_heif(data, limits, check_size)

    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(BytesIO(data), formats=_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise CheckError("too-large", f"the image is over the {limits.max_image_pixels}-pixel limit", "load") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CheckError("corrupt", f"not a readable {image_kind(data) or 'image'} ({_short(exc)})", "load") from None
    check_size(img.size, img.mode, len(data), limits)
    return img


def open_any(data: bytes, limits: Limits | None = None) -> Any:
    """The Pillow image of an input `load` has accepted, for the examiners (HEIC decoded by libheif)."""
    if image_kind(data) == "HEIC":
        from authcheck.loaders.heif import open_heif

        return open_heif(data, limits or Limits(), check_size)
    from PIL import Image

    return Image.open(BytesIO(data))


def check_size(size: tuple[int, int], mode: str, file_bytes: int, limits: Limits) -> None:
    """Refuse a header whose pixel count or decoded size per file byte is a bomb."""
    width, height = size
    if width <= 0 or height <= 0:
        raise CheckError("corrupt", f"the image header says {width}x{height} pixels", "load")
    if width * height > limits.max_image_pixels:
        raise CheckError(
            "too-large", f"{width}x{height} pixels is over the {limits.max_image_pixels}-pixel limit", "load"
        )
    decoded = width * height * _BANDS.get(mode, 4)
    if decoded > 1_000_000 and decoded / max(file_bytes, 1) > limits.max_image_ratio:
        raise CheckError(
            "too-large",
            f"{width}x{height} pixels from {file_bytes} bytes: a decompression bomb (over {limits.max_image_ratio}x)",
            "load",
        )


def frames(img: Any, data: bytes, limits: Limits, notes: list[Note]) -> list[Any]:
    """Each page of the image decoded, upright, as RGB or L; at most `max_image_frames`."""
    from PIL import ImageOps

    count = _frame_count(img, limits)
    if count > limits.max_image_frames:
        notes.append(
            Note(
                "truncated",
                f"read the first {limits.max_image_frames} of {count}+ image pages",
                {"pages_total": count, "pages_read": limits.max_image_frames},
            )
        )
    out: list = []
    for index in range(min(count, limits.max_image_frames)):
        try:
            img.seek(index)
            check_size(img.size, img.mode, len(data), limits)
            img.load()
            page = ImageOps.exif_transpose(img) if index == 0 else img.copy()
        except CheckError:
            raise
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            if not out:
                raise CheckError("corrupt", f"the image cannot be decoded ({_short(exc)})", "load") from None
            notes.append(Note("damaged", f"image page {index + 1} cannot be decoded ({_short(exc)})"))
            break
        out.append(page.convert("L") if page.mode not in ("L", "RGB") else page)
    return out


def _frame_count(img: Any, limits: Limits) -> int:
    """Frames, counted only up to one past the limit (counting a huge TIFF walks every IFD)."""
    if not getattr(img, "is_animated", False):
        return 1
    count = 1
    try:
        while count <= limits.max_image_frames:
            img.seek(count)
            count += 1
    except EOFError:
        pass
    except (OSError, ValueError, SyntaxError):
        pass
    img.seek(0)
    return count


def load_image(
    data: bytes, *, path: str, sha256: str, extension: str, limits: Limits, engine: str = "rapidocr"
) -> Document:
    """An image file read by OCR: one `Document` page per image page, lines marked source "ocr"."""
    from authcheck.loaders.ocr.pages import read_pages
    from authcheck.loaders.pdfscan import MIN_CHARS, readable_chars

    notes: list[Note] = []
    img = open_checked(data, limits)
    pages = frames(img, data, limits, notes)
    read = read_pages(pages, limits, engine, notes)
    read.ocr["image"] = {"format": image_kind(data), "width": img.width, "height": img.height}
    return Document(
        path=path,
        sha256=sha256,
        size=len(data),
        format="image",
        extension=extension,
        lines=read.lines,
        metadata=Metadata(page_count=len(pages)),
        pages=max(len(pages), 1),
        images=read.inks,
        notes=tuple(notes),
        has_text_layer=readable_chars(read.lines) >= MIN_CHARS,
        ocr=read.ocr,
    )


def _short(exc: BaseException) -> str:
    """The library's reason, first line, without the object reprs Pillow puts in it (a memory
    address would make the record differ from run to run)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return _REPR.sub("the data", text)[:120]


_REPR = compiled(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
