"""HEIC/HEIF photos through the system libheif (`loaders/heif.py`), and without it.

The HEIC files are made here, from PNG pages, by Debian's `heif-enc` (package libheif-examples);
no binary fixture is committed.  Tests that need it skip, saying why, when `heif-enc` or the
system libheif is missing.  The refusal without libheif is tested everywhere (find_library is
made to find nothing).
"""

from __future__ import annotations

import ctypes.util
import io
import shutil
import subprocess
from importlib.util import find_spec
from pathlib import Path

import pytest

from authcheck.batch.pipeline import check_bytes
from authcheck.errors import CheckError
from authcheck.loaders import heif, load
from authcheck.loaders.sniff import sniff
from authcheck.settings import Limits, Settings

pytest.importorskip("PIL", reason="the ocr extra (Pillow) is not installed")

REPO = Path(__file__).resolve().parents[1]
HEIC_HEADER = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 16


@pytest.fixture(autouse=True)
def _fresh_library():
    """Each test looks for libheif afresh (a test may hide it), and leaves no cached answer."""
    heif.library.cache_clear()
    yield
    heif.library.cache_clear()


@pytest.fixture
def encode(tmp_path):
    """image (or an image file's path), *options -> the bytes of a HEIC file written by heif-enc."""
    if shutil.which("heif-enc") is None:
        pytest.skip("heif-enc is not installed (Debian package libheif-examples)")
    if not heif.available():
        pytest.skip("the system libheif is not installed (Debian package libheif1)")

    def make(image, *options: str) -> bytes:
        source, out = tmp_path / "page.png", tmp_path / "page.heic"
        if isinstance(image, Path):
            source = image
        else:
            image.save(source)
        subprocess.run(["heif-enc", *options, "-o", str(out), str(source)], check=True, capture_output=True)
        return out.read_bytes()

    return make


def _page(size=(400, 300)):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle((20, 30, 180, 90), fill=(200, 30, 40))
    draw.text((30, 150), "HEIC page", fill="black")
    return img


def _error(data: bytes, limits: Limits = Limits()) -> CheckError:
    with pytest.raises(CheckError) as err:
        load(data, path="photo.heic", sha256="0", password=None, limits=limits)
    return err.value


def test_without_libheif_a_heic_photo_is_refused_saying_what_it_needs(monkeypatch):
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert not heif.available()
    with pytest.raises(CheckError) as err:
        sniff(HEIC_HEADER)
    assert err.value.type == "unsupported" and "HEIC" in err.value.message and "libheif" in err.value.message
    result = check_bytes(HEIC_HEADER, "photo.heic", Settings(), ruleset=None)
    assert result.error is not None and result.error.type == "unsupported" and result.verdict is None


def test_a_lossless_heic_decodes_to_the_pixels_of_its_png(encode):
    from PIL import ImageChops

    from authcheck.loaders.image import frames, open_checked

    page = _page((401, 301))  # odd sizes: rows padded past width*3 are cut at the stride
    data = encode(page, "-L", "-p", "chroma=444", "--matrix_coefficients=0")
    assert sniff(data) == "image"
    pages = frames(open_checked(data, Limits()), data, Limits(), [])
    assert len(pages) == 1 and pages[0].mode == "RGB" and pages[0].size == page.size
    assert all(high <= 1 for _, high in ImageChops.difference(pages[0], page).getextrema())  # rounding only
    red = pages[0].getpixel((50, 50))
    assert abs(red[0] - 200) <= 1 and abs(red[1] - 30) <= 1 and abs(red[2] - 40) <= 1  # channels in RGB order


def test_a_truncated_heic_is_corrupt(encode):
    data = encode(_page(), "-q", "90")
    err = _error(data[: len(data) // 2])
    assert err.type == "corrupt" and "HEIC" in err.message


def test_garbage_after_a_heic_header_is_corrupt(encode):
    assert _error(HEIC_HEADER + b"\xff" * 64).type == "corrupt"


def test_a_heic_over_the_pixel_limit_is_too_large_before_decoding(encode, monkeypatch):
    data = encode(_page(), "-q", "90")
    lib = heif.library()
    monkeypatch.setattr(lib, "heif_decode_image", lambda *a: pytest.fail("decoded a refused image"))
    err = _error(data, Limits(max_image_pixels=100_000))
    assert err.type == "too-large" and "400x300 pixels is over the 100000-pixel limit" in err.message


def test_the_camera_in_a_heic_exif_becomes_image_facts_and_the_page_is_not_turned_twice(encode, tmp_path):
    from PIL import Image

    from authcheck.forensics.imagefacts import examine
    from authcheck.loaders.image import frames, open_checked

    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131], exif[0x0112] = "Apple", "iPhone 13", "Adobe Photoshop 25", 6
    jpeg = tmp_path / "in.jpg"
    _page().save(jpeg, exif=exif.tobytes())
    data = encode(jpeg)
    with Image.open(jpeg) as original:
        assert original.getexif()[0x0112] == 6
    facts = {key: signal.value for key, signal in examine(data, None, Settings()).items()}
    assert facts["image_format"] == "HEIF" and facts["image_camera"] == "Apple iPhone 13"
    assert facts["image_editor"] is True and facts["image_source"] == "photo"
    pages = frames(open_checked(data, Limits()), data, Limits(), [])
    assert pages[0].size == (400, 300)  # libheif has turned it; EXIF's orientation is not applied again


@pytest.mark.skipif(
    any(find_spec(name) is None for name in ("rapidocr_onnxruntime", "pypdfium2", "numpy")),
    reason="the ocr extra is not installed (pip install 'authcheck[ocr]')",
)
def test_a_letter_photographed_as_heic_reads_the_same_words_as_its_png(encode):
    from tools import photosim

    page = photosim.render((REPO / "samples" / "withdrawal-letter-2020.pdf").read_bytes(), dpi=150).convert("RGB")
    head = page.crop((0, 0, page.width, page.height // 3))
    png = io.BytesIO()
    head.save(png, format="PNG")
    limits = Limits(timeout=600, ocr_page_seconds=600)

    def words(data: bytes, name: str) -> list[str]:
        doc = load(data, path=name, sha256="0", password=None, limits=limits)
        assert doc.format == "image" and doc.lines and all(line.source == "ocr" for line in doc.lines)
        return " ".join(line.text for line in doc.lines).split()

    from_heic = words(encode(head, "-q", "90"), "letter.heic")
    assert from_heic == words(png.getvalue(), "letter.png")
    assert "HEADQUARTERS" in from_heic and "2020" in " ".join(from_heic)
