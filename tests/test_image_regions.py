"""Regions and pages of a picture whose paper grain differs from the rest (issue 12 item 4).

The pictures are made here from a sample letter (tools/photosim.py gives scans and photos an
even grain), then a grain-free patch of text is pasted in, as a forger pastes a digital line or
signature into a scan.  No OCR runs.  Skips when Pillow or numpy (the ocr extra) is missing.
"""

from __future__ import annotations

import io
from importlib.util import find_spec
from pathlib import Path

import pytest

if any(find_spec(name) is None for name in ("pypdfium2", "PIL", "numpy")):
    pytest.skip("the ocr extra is not installed (pip install 'authcheck[ocr]')", allow_module_level=True)

from PIL import Image, ImageDraw

from tools import photosim

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def page():
    return photosim.render((REPO / "samples" / "withdrawal-letter-2020.pdf").read_bytes(), dpi=200)


def _pasted(data: bytes, box: tuple[float, float, float, float], paper: int = 235) -> bytes:
    """The picture with a grain-free patch of typed text over `box` (page fractions), saved as JPEG."""
    img = Image.open(io.BytesIO(data)).convert("L")
    x0, y0, x1, y1 = (round(v * s) for v, s in zip(box, img.size * 2))
    patch = Image.new("L", (x1 - x0, y1 - y0), paper)
    ImageDraw.Draw(patch).text((8, 4), "All forces will remain until 2025.", fill=20, font_size=(y1 - y0) // 3)
    img.paste(patch, (x0, y0))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=88)
    return out.getvalue()


def _regions(data: bytes):
    from authcheck.forensics.imagefacts import grain_facts

    return grain_facts(data).get("image_odd_regions")


@pytest.mark.parametrize("kind", ["scan", "photo"])
def test_an_even_picture_has_no_odd_region(page, kind):
    data = photosim.scan(page, seed=5) if kind == "scan" else photosim.photo(page, seed=5)
    assert _regions(data) is None


@pytest.mark.parametrize("kind", ["scan", "photo"])
def test_a_clean_patch_pasted_into_the_picture_is_found_where_it_is(page, kind):
    data = photosim.scan(page, seed=5) if kind == "scan" else photosim.photo(page, seed=5)
    where = (0.30, 0.45, 0.70, 0.50)
    found = _regions(_pasted(data, where, paper=250 if kind == "scan" else 200))
    assert found is not None and len(found.value) == 1 and "cleaner" in found.value[0]
    x0, y0, x1, y1 = found.evidence[0].box
    assert x0 < 0.70 and x1 > 0.30 and y0 < 0.50 and y1 > 0.45  # the reported box is on the patch
    assert (x1 - x0) * (y1 - y0) < 0.1  # and the box is the patch, not the page


def test_a_page_of_a_tiff_from_another_source_is_named(page):
    from authcheck.forensics.imagefacts import grain_facts

    scanned = [Image.open(io.BytesIO(photosim.scan(page, seed=s))).convert("L") for s in (1, 2, 3)]
    frames = [*scanned[:2], page.convert("L").point(lambda v: min(v, 240)), *scanned[2:]]  # page 3 never scanned
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
    found = grain_facts(out.getvalue())["image_odd_regions"]
    assert [v for v in found.value if "whole page" in v] == [found.value[-1]]
    assert found.value[-1].startswith("page 3: the whole page is cleaner")
    assert found.evidence[-1].box == (0.0, 0.0, 1.0, 1.0) and found.evidence[-1].loc.page == 3


def test_the_pasted_region_is_weak_origin_evidence_with_its_box(page):
    if find_spec("rapidocr_onnxruntime") is None:
        pytest.skip("an image is read by OCR before its facts are judged")
    from authcheck.api import check
    from authcheck.settings import Limits, Settings

    data = _pasted(photosim.scan(page, seed=5), (0.30, 0.45, 0.70, 0.50), paper=250)
    result = check(data, name="pasted.jpg", settings=Settings(limits=Limits(timeout=600, ocr_page_seconds=600)))
    [finding] = [f for f in result.findings if f.rule == "image.odd-region"]
    assert finding.severity == "low" and finding.axis == "origin"
    assert finding.evidence[0].box is not None and finding.evidence[0].loc.page == 1
