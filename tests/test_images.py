"""Image inputs: sniffing by content, pre-flight limits against image bombs, damaged images.

No OCR runs here (see test_ocr.py): every file is refused before any page is read, or the
pre-flight functions are called directly.  Tests that need Pillow skip when the ocr extra is
missing.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest

from authcheck.batch.pipeline import check_bytes
from authcheck.errors import CheckError
from authcheck.loaders import load
from authcheck.loaders.sniff import sniff
from authcheck.settings import Limits, Settings


def png_header(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG whose header claims width x height (8-bit grey), with the given IDAT payload."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\0" * 20,
        b"\xff\xd8\xff\xe0" + b"\0" * 20,
        b"II*\x00" + b"\0" * 20,
        b"MM\x00*" + b"\0" * 20,
        b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\0" * 20,
    ],
)
def test_images_are_sniffed_by_content(data):
    assert sniff(data) == "image"


@pytest.mark.parametrize(
    "data, words",
    [
        (b"GIF89a" + b"\0" * 20, "GIF"),  # (HEIC without a system libheif: test_heic.py)
    ],
)
def test_images_not_read_are_refused_with_a_reason(data, words):
    with pytest.raises(CheckError) as err:
        sniff(data)
    assert err.value.type == "unsupported" and words in err.value.message


def test_a_png_named_pdf_is_still_an_image():
    assert sniff(png_header(10, 10)) == "image"


pil = pytest.importorskip("PIL", reason="the ocr extra (Pillow) is not installed")


def _error(data: bytes, limits: Limits = Limits()) -> CheckError:
    with pytest.raises(CheckError) as err:
        load(data, path="x.png", sha256="0", password=None, limits=limits)
    return err.value


def test_a_header_claiming_100000_by_100000_pixels_is_too_large_before_decoding():
    err = _error(png_header(100_000, 100_000, zlib.compress(b"\0" * 1000)))
    assert err.type == "too-large" and "pixel limit" in err.message


def test_a_decompression_bomb_is_too_large():
    """4000x4000 grey pixels (16 MB decoded) from a few kB: over a 100x ratio limit."""
    rows = zlib.compress(b"\0" * (4001 * 4000), 9)
    err = _error(png_header(4000, 4000, rows), Limits(max_image_ratio=100))
    assert err.type == "too-large" and "decompression bomb" in err.message


def test_a_bomb_through_the_pipeline_is_a_typed_error_not_a_crash():
    result = check_bytes(png_header(100_000, 100_000), "bomb.png", Settings(), ruleset=None)
    assert result.error is not None and result.error.type == "too-large" and result.verdict is None


def _png(size=(40, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", size, 255).save(buf, format="PNG")
    return buf.getvalue()


def test_a_truncated_image_is_corrupt():
    from authcheck.loaders.image import frames, open_checked

    data = _png((400, 300))[:-40]
    with pytest.raises(CheckError) as err:
        frames(open_checked(data, Limits()), data, Limits(), [])
    assert err.value.type == "corrupt"


def test_garbage_after_the_magic_is_corrupt():
    err = _error(b"\x89PNG\r\n\x1a\n" + b"\xff" * 64)
    assert err.type == "corrupt"


def test_the_reason_for_an_unreadable_image_is_the_same_every_run():
    """Pillow names the stream it could not identify by its repr, memory address and all."""
    data = b"\xff\xd8\xff\xe0" + b"\x00" * 64  # a JPEG's magic, nothing after it
    err = check_bytes(data, "photo.jpg", Settings(), None).error
    assert err.type == "corrupt" and err.message.startswith("not a readable JPEG")
    assert "0x" not in err.message and " object at " not in err.message


def test_a_tiff_with_many_pages_is_read_only_up_to_the_frame_limit():
    from PIL import Image

    from authcheck.loaders.image import frames, open_checked

    buf = io.BytesIO()
    pages = [Image.new("L", (20, 20), 255) for _ in range(30)]
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])
    data, limits, notes = buf.getvalue(), Limits(max_image_frames=4), []
    read = frames(open_checked(data, limits), data, limits, notes)
    assert len(read) == 4
    assert [n.code for n in notes] == ["truncated"] and notes[0].data["pages_read"] == 4


def test_exif_orientation_turns_the_page_upright():
    from PIL import Image

    from authcheck.loaders.image import frames, open_checked

    img = Image.new("L", (60, 20), 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes())
    data = buf.getvalue()
    (page,) = frames(open_checked(data, Limits()), data, Limits(), [])
    assert page.size == (20, 60)


def _jpeg_with_exif(tags: dict, sub: dict | None = None, size=(64, 48)) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    for tag, value in tags.items():
        exif[tag] = value
    if sub:
        exif.get_ifd(0x8769).update(sub)
    buf = io.BytesIO()
    Image.new("L", size, 255).save(buf, format="JPEG", exif=exif.tobytes())
    return buf.getvalue()


def _facts(data: bytes) -> dict:
    from authcheck.forensics.imagefacts import examine

    return {key: signal.value for key, signal in examine(data, None, None).items()}


def test_exif_names_the_phone_and_the_editor_that_last_wrote_the_photo():
    data = _jpeg_with_exif(
        {
            0x010F: "Apple",
            0x0110: "iPhone 12",
            0x0131: "Adobe Photoshop 25.0 (Macintosh)",
            0x0132: "2020:01:07 09:00:00",
        },
        {0x9003: "2020:01:06 10:00:00"},
    )
    facts = _facts(data)
    assert facts["image_camera"] == "Apple iPhone 12" and facts["image_editor"] is True
    assert facts["image_modified_after_taken"] is True and facts["image_source"] == "photo"
    assert facts["image_format"] == "JPEG"


def test_a_phone_photo_saved_once_is_not_edited():
    data = _jpeg_with_exif(
        {0x010F: "samsung", 0x0110: "SM-G991B", 0x0131: "G991BXXU5CVF1", 0x0132: "2020:01:06 10:00:00"},
        {0x9003: "2020:01:06 10:00:00"},
    )
    facts = _facts(data)
    assert facts["image_editor"] is False and facts["image_modified_after_taken"] is False


def test_scanner_and_screenshot_are_told_apart_from_photos():
    assert _facts(_jpeg_with_exif({0x0131: "EPSON Scan 2"}))["image_source"] == "scanner"
    assert _facts(_jpeg_with_exif({}, size=(1920, 1080)))["image_source"] == "screenshot"
    assert _facts(_jpeg_with_exif({}, size=(1000, 1300)))["image_source"] == "unknown"


def test_hostile_exif_text_is_cut_and_cleaned():
    facts = _facts(_jpeg_with_exif({0x0131: "GIMP\x00" + "x" * 5000}))
    assert (
        facts["image_editor"] is True and len(facts["image_software"]) <= 200 and "\x00" not in facts["image_software"]
    )
