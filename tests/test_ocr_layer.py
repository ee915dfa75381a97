"""A scanned PDF's invisible OCR text layer read against a fresh reading of its page image (issue 12 item 5).

The scans are made here: the 2020 sample letter rendered to a picture (Pillow writes the image-only
PDF), with an invisible text layer (rendering mode 3, as OCR software writes it) merged over it by
pypdf.  Skips, with the reason, when the ocr extra is not installed.
"""

from __future__ import annotations

import io
from importlib.util import find_spec
from pathlib import Path

import pytest

if any(find_spec(name) is None for name in ("rapidocr_onnxruntime", "pypdfium2", "PIL", "numpy")):
    pytest.skip("the ocr extra is not installed (pip install 'authcheck[ocr]')", allow_module_level=True)

from tools import photosim
from tools.pdfgen import Text, build_pdf

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "withdrawal-letter-2020.pdf"


def _layer_lines() -> list[str]:
    import pypdf

    return pypdf.PdfReader(SAMPLE).pages[0].extract_text().splitlines()


def _scan_with_layer(lines: list[str]) -> bytes:
    """The sample letter as a 150 dpi page picture with `lines` as its invisible text layer."""
    import pypdf

    picture = io.BytesIO()
    photosim.render(SAMPLE.read_bytes(), dpi=150).save(picture, format="PDF", resolution=150)
    layer = build_pdf([[Text(72, 740 - 16 * i, line, "Times-Roman", 10) for i, line in enumerate(lines)]])
    layer = layer.replace(b" g BT", b" g 3 Tr BT")  # invisible, as an OCR layer is drawn
    writer, out = pypdf.PdfWriter(clone_from=io.BytesIO(picture.getvalue())), io.BytesIO()
    writer.pages[0].merge_page(pypdf.PdfReader(io.BytesIO(layer)).pages[0])
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def checked():
    """name -> Result of checking a scan whose layer is faithful or tampered with."""
    from authcheck.api import check
    from authcheck.settings import Limits, Settings

    lines = _layer_lines()
    tampered = [line.replace("to order our departure", "to delay our departure") for line in lines]
    tampered.insert(tampered.index("Sincerely,"), "All Coalition Forces will remain in Iraq until 2025.")
    settings = Settings(limits=Limits(timeout=900, ocr_page_seconds=600))
    return {
        name: check(_scan_with_layer(layer), name=f"{name}.pdf", settings=settings)
        for name, layer in (("faithful", lines), ("tampered", tampered))
    }


def test_a_faithful_ocr_layer_is_only_the_usual_note(checked):
    result = checked["faithful"]
    rules = {f.rule for f in result.findings}
    assert "content.ocr-layer" in rules and "content.ocr-layer-mismatch" not in rules
    assert "pdf_ocr_layer_mismatch" not in result.letter.document.signals


def test_a_layer_that_says_what_the_page_does_not_is_found_with_both_readings(checked):
    result = checked["tampered"]
    [finding] = [f for f in result.findings if f.rule == "content.ocr-layer-mismatch"]
    assert finding.severity == "high"
    said = result.letter.document.signals["pdf_ocr_layer_mismatch"].value
    assert any("'delay'" in item and "'order'" in item for item in said), said
    assert any("remain in Iraq until 2025" in item for item in said), said
    assert all(item.startswith("page 1: ") for item in said)
    boxes = [e.box for e in finding.evidence if e.box]
    assert boxes and all(0 <= b[0] < b[2] <= 1 and 0 <= b[1] < b[3] <= 1 for b in boxes)


def test_differences_leave_out_misreadings_and_unsure_spots():
    from authcheck.forensics.ocrlayer import Token, differences, tokens

    said = tokens(["We respect your sovereign decision to order our departure on 6 January 2020."])
    seen = tokens(["We respect your soverign decision to order our departure on 6 January 2020."], 0.95)
    assert differences(said, seen) == []  # one misread word is no other word
    changed = tokens(["We respect your sovereign decision to order our departure on 9 January 2020."], 0.95)
    assert [(a, b) for a, b, _ in differences(said, changed)] == [("6", "9")]
    unsure = [Token(t.norm, t.text, 0.5) for t in changed]
    assert differences(said, unsure) == []
