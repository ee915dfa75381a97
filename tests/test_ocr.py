"""OCR end to end: photos and scans of rendered sample letters through `authcheck check`.

The images are made here from the sample PDFs (tools/photosim.py: tilt, perspective, uneven
light, paper texture, blur, noise, JPEG), so the expected text is known.  Each image is checked
once per module.  Skips, with the reason, when the ocr extra is not installed.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
from click.testing import CliRunner

if any(find_spec(name) is None for name in ("rapidocr_onnxruntime", "pypdfium2", "PIL", "numpy")):
    # find_spec, not import: loading onnxruntime here would swell this process, and the workers it forks
    pytest.skip("the ocr extra is not installed (pip install 'authcheck[ocr]')", allow_module_level=True)

from tools import photosim

REPO = Path(__file__).resolve().parents[1]
MISSION_RULES = {"signature.unsigned", "signature.attributed-unsigned", "wording.policy-change"}


def _render(name: str, dpi: int = 200):
    return photosim.render((REPO / "samples" / f"{name}.pdf").read_bytes(), dpi=dpi)


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """file name -> (exit code, JSON record) of `authcheck check FILE --format json --no-cache`."""
    from authcheck.cli.main import main

    folder = tmp_path_factory.mktemp("ocr")
    config = folder / "authcheck.toml"  # a loaded test machine may need far more than 20 s a page
    config.write_text("[limits]\nocr_page_seconds = 600\ntimeout = 900\n")
    makers = {
        "letter-2020-photo.jpg": lambda: photosim.photo(_render("withdrawal-letter-2020"), seed=3),
        "signed-photo.jpg": lambda: photosim.photo(_render("signed-deployment-notification"), seed=4),
        "letter-2020-scan.pdf": lambda: _image_pdf(_render("withdrawal-letter-2020", 150)),
        "letter-2020-pasted.docx": lambda: _picture_docx(_render("withdrawal-letter-2020", 150)),
    }
    done: dict[str, tuple[int, dict]] = {}

    def get(name: str) -> tuple[int, dict]:
        if name not in done:
            path = folder / name
            path.write_bytes(makers[name]())
            with pytest.MonkeyPatch.context() as mp:
                for var in [n for n in os.environ if n.startswith("AUTHCHECK_")]:
                    mp.delenv(var)
                result = CliRunner().invoke(
                    main,
                    ["check", str(path), "--format", "json", "--no-cache", "--config", str(config)],
                    catch_exceptions=False,
                )
            done[name] = (result.exit_code, json.loads(result.stdout))
        return done[name]

    return get


def _image_pdf(image) -> bytes:
    """A PDF whose only page is a picture (what a scanner without OCR writes)."""
    buf = io.BytesIO()
    image.save(buf, format="PDF", resolution=150)
    return buf.getvalue()


def _picture_docx(image) -> bytes:
    """A Word file whose body is one pasted picture of the page."""
    import docx
    from docx.shared import Inches

    png, out = io.BytesIO(), io.BytesIO()
    image.save(png, format="PNG")
    document = docx.Document()
    document.add_picture(io.BytesIO(png.getvalue()), width=Inches(6))
    document.save(out)
    return out.getvalue()


def rules_of(record: dict) -> set[str]:
    return {f["rule"] for f in record["findings"]}


def test_the_2020_letter_as_a_phone_photo_fails_with_the_three_mission_rules(checked):
    code, record = checked("letter-2020-photo.jpg")
    assert record["format"] == "image" and record["verdict"] == "fail" and code != 0
    assert rules_of(record) >= MISSION_RULES
    assert "file.no-text-layer" not in rules_of(record)


def test_ocr_evidence_points_at_a_region_of_the_page(checked):
    _, record = checked("letter-2020-photo.jpg")
    [wording] = [f for f in record["findings"] if f["rule"] == "wording.policy-change"]
    boxes = [e["box"] for e in wording["evidence"] if e["box"]]
    assert boxes, wording["evidence"]
    for box in boxes:
        x0, y0, x1, y1 = box["x0"], box["y0"], box["x1"], box["y1"]
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
        assert 0.3 < y0 < 0.9  # the body, not the letterhead or the margin


def test_the_key_sentences_are_read_from_the_photo(checked):
    _, record = checked("letter-2020-photo.jpg")
    quoted = " ".join(e["context"] or "" for f in record["findings"] for e in f["evidence"])
    assert "sovereign decision" in quoted and "departure" in quoted
    assert record["fields"]["signature_block"]["name"].replace(" ", "").startswith("WILLIAMH.SEELY")


def test_the_record_says_which_engine_read_the_page_and_how_confidently(checked):
    _, record = checked("letter-2020-photo.jpg")
    ocr = record["fields"]["document"]["ocr"]
    assert ocr["version"].startswith("rapidocr-onnxruntime ")
    [page] = ocr["pages"]
    assert page["page"] == 1 and 0.8 < page["confidence"] <= 1


def test_ink_between_the_closing_and_the_typed_name_signs_the_photo(checked):
    _, record = checked("signed-photo.jpg")
    signature = record["fields"]["signature"]
    assert signature["signed"] is True and signature["kinds"] == ["image"]
    assert "handwritten ink" in signature["evidence"][0]["text"]
    assert not {"signature.unsigned", "signature.attributed-unsigned"} & rules_of(record)


def test_a_scanned_pdf_is_read_by_ocr_and_judged_on_its_words(checked):
    _, record = checked("letter-2020-scan.pdf")
    assert record["format"] == "pdf"
    assert rules_of(record) >= MISSION_RULES
    assert "no-text-layer" in [n["code"] for n in record["notes"]]


def test_a_word_file_that_is_only_a_picture_is_read_by_ocr(checked):
    _, record = checked("letter-2020-pasted.docx")
    assert record["format"] == "docx" and rules_of(record) >= MISSION_RULES
    assert record["fields"]["document"]["ocr"]["pages"][0]["page"] == 1


def test_a_page_on_its_side_is_read_upright():
    from authcheck.loaders.ocr.pages import read_pages
    from authcheck.settings import Limits

    page = _render("withdrawal-letter-2020", 150)
    head = page.crop((0, 0, page.width, page.height // 3)).rotate(90, expand=True)
    notes: list = []
    reading = read_pages([head], Limits(timeout=600, ocr_page_seconds=600), "rapidocr", notes)
    text = " ".join(line.text for line in reading.lines)
    assert notes == [] and reading.ocr["pages"][0]["rotation"] in (90, 270)
    assert "HEADQUARTERS" in text and "January 2020" in text


def test_a_page_upside_down_is_read_the_right_way_up_and_in_order():
    from authcheck.loaders.ocr.engine import read_page

    page = _render("withdrawal-letter-2020", 150)
    head = page.crop((0, 0, page.width, page.height // 3)).rotate(180)
    reading = read_page(head)
    texts = [line.text.replace(" ", "") for line in reading.lines]
    assert reading.rotation == 180
    assert texts[0] == "HEADQUARTERS" and any("January2020" in t for t in texts)
    top = [line.box[1] for line in reading.lines]
    assert top == sorted(top)  # boxes are in the turned page's pixels, top to bottom


def test_a_page_photographed_on_a_table_is_cut_out_and_squared():
    import numpy as np
    from PIL import Image

    from authcheck.loaders.ocr.engine import flatten, shrink

    page = _render("withdrawal-letter-2020", 150)
    photo = shrink(Image.open(io.BytesIO(photosim.photo(page, seed=2, margin=0.25, perspective=0.12))))
    flat = np.asarray(flatten(photo))
    assert flat.shape[1] < 0.9 * photo.width and flat.shape[0] < 0.9 * photo.height  # the page, not the table
    assert abs(flat.shape[0] / flat.shape[1] - page.height / page.width) < 0.1  # near the page's own shape
    edges = np.concatenate([flat[:4].ravel(), flat[-4:].ravel(), flat[:, :4].ravel(), flat[:, -4:].ravel()])
    assert edges.mean() > 150  # paper all round, no dark table left
    assert np.asarray(photo)[:4].mean() < 150  # (the photo itself had the table along its top)
    scan = shrink(Image.open(io.BytesIO(photosim.scan(page, seed=2))))
    assert flatten(scan).size == scan.size  # a page filling the frame is left alone
    square = shrink(Image.open(io.BytesIO(photosim.photo(page, seed=2))))
    assert flatten(square).size == square.size  # and so is one photographed nearly square on


def test_a_page_over_its_time_is_stopped_with_a_note():
    from authcheck.loaders.ocr.pages import read_pages
    from authcheck.settings import Limits

    notes: list = []
    reading = read_pages([_render("withdrawal-letter-2020", 150)], Limits(ocr_page_seconds=0.2), "rapidocr", notes)
    assert reading.lines == () and [n.code for n in notes] == ["truncated"]
    assert "OCR stopped at page 1" in notes[0].detail


def test_no_model_is_downloaded_at_run_time(tmp_path):
    """An empty HOME and XDG folders and no network: the models come from the wheel."""
    script = (
        "import socket\n"
        "def refuse(*a, **k):\n    raise OSError('network blocked by the test')\n"
        "socket.socket.connect = refuse\nsocket.create_connection = refuse\n"
        "from PIL import Image, ImageDraw\n"
        "img = Image.new('L', (900, 200), 255)\n"
        "ImageDraw.Draw(img).text((40, 60), 'SUBJECT COALITION FORCE MOVEMENT', fill=0, font_size=40)\n"
        "from authcheck.loaders.ocr.engine import read_page\n"
        "print(' '.join(line.text for line in read_page(img).lines))\n"
    )
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "c"),
        "XDG_DATA_HOME": str(tmp_path / "d"),
        "XDG_CONFIG_HOME": str(tmp_path / "e"),
    }
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-500:]
    assert "COALITION" in out.stdout.replace(" ", "")
    written = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()]
    # onnxruntime records a device id under XDG_CACHE_HOME; no model is fetched or stored
    assert [p for p in written if "onnxruntime" not in p or p.endswith(".onnx")] == []


def test_the_engine_and_its_version_are_part_of_the_cache_key(monkeypatch):
    from authcheck.batch import cache
    from authcheck.loaders.ocr import engine as ocr
    from authcheck.settings import Settings
    from authcheck.util import cachekey

    assert "rapidocr-onnxruntime=" in cachekey.library_versions()
    monkeypatch.setattr(ocr, "engine_version", lambda name: f"{name} 5.3.0")
    tess = cache.settings_digest(Settings(ocr_engine="tesseract"))
    monkeypatch.setattr(ocr, "engine_version", lambda name: f"{name} 5.4.1")
    assert cache.settings_digest(Settings(ocr_engine="tesseract")) != tess
    assert cache.settings_digest(Settings()) != tess


def test_spacing_is_rebuilt_from_character_positions():
    from authcheck.loaders.ocr.spacing import spaced, width

    text, boxes, x = "ForceMovementin Iraq", [], 0.0
    for i, ch in enumerate(text):
        gap = 0.25 if i in (5, 13) else 0.0  # a dropped space before "Movement" and before "in"
        x += gap * 40
        boxes.append((x, 0.0, x + width(ch) * 40, 40.0))
        x += width(ch) * 40
    assert [w for w, _ in spaced(list(text), boxes)] == ["Force", "Movement", "in", "Iraq"]


def _placed(text: str, gaps: dict[int, float]) -> list[str]:
    """The words `spaced` makes of `text` set in Times at 40 px an em, with `gaps` (em) added before some
    characters (a space in `text` is one the engine wrote itself)."""
    from authcheck.loaders.ocr.spacing import spaced, width

    boxes, x = [], 0.0
    for i, ch in enumerate(text):
        x += gaps.get(i, 0.0) * 40
        boxes.append((x, 0.0, x + width(ch) * 40, 40.0))
        x += width(ch) * 40
    return [w for w, _ in spaced(list(text), boxes)]


def test_punctuation_the_engine_placed_late_stays_on_its_word():
    assert _placed("January2020,to", {11: 0.5}) == ["January", "2020,", "to"]
    assert _placed("(see Annex)", {1: 0.5, 10: 0.5}) == ["(see", "Annex)"]


def test_a_doubled_letter_needs_a_wider_gap_to_be_two_words():
    # the recogniser must leave an empty step between two equal letters, so they sit further apart
    assert _placed("battalion", {3: 0.4}) == ["battalion"]
    assert _placed("batnalion", {3: 0.4}) == ["bat", "nalion"]


def test_a_hyphen_is_spaced_on_both_sides_or_neither():
    assert _placed("fixed-wing aircraft", {5: 0.3}) == ["fixed-wing", "aircraft"]
    assert _placed("DRAFT-NOTFORRELEASE", {5: 0.3, 6: 0.3, 9: 0.3, 12: 0.3}) == ["DRAFT", "-", "NOT", "FOR", "RELEASE"]


def test_loose_letters_on_a_line_the_engine_spaced_itself_do_not_split_words():
    spaced_line = "The Minister of Defence will brief the committee on the decision"
    assert "Defence" in _placed(spaced_line, {18: 0.2})
    assert "Defence" not in _placed(spaced_line.replace(" ", ""), {15: 0.2})  # nothing spaced: the gap counts


def test_full_width_punctuation_is_read_as_ascii():
    from authcheck.loaders.ocr.engine import latin

    assert latin("Ashford\uff0c OH \uff08USA\uff09\u3002") == "Ashford, OH (USA)."


def test_a_numeral_read_with_an_h_for_two_touching_is_mended():
    from authcheck.loaders.ocr.engine import numeral

    assert [numeral(w) for w in ("IHI,", "IIH", "HI", "HIGH", "HIH")] == ["III,", "III", "HI", "HIGH", "HIH"]


def test_uncertain_gaps_are_settled_by_the_word_list():
    from authcheck.loaders.ocr.words import best_splits, vocabulary

    if vocabulary() is None:
        pytest.skip("pyspellchecker (the ocr extra's word list) is not installed")
    assert best_splits("toprepare", {2: 0.4}) == {2}  # "to prepare", though the gap was narrow
    assert best_splits("deference", {7: 0.6}) == set()  # not "deferen ce", though the gap was wide
    assert best_splits("Lindqvist", {4: 0.3}) == set()  # an unknown name stays whole


@pytest.mark.skipif(__import__("shutil").which("tesseract") is None, reason="the tesseract program is not installed")
def test_a_system_tesseract_can_read_instead():
    from authcheck.loaders.ocr.pages import read_pages
    from authcheck.settings import Limits

    page = _render("withdrawal-letter-2020", 150)
    notes: list = []
    reading = read_pages(
        [page.crop((0, 0, page.width, page.height // 3))], Limits(timeout=600, ocr_page_seconds=600), "tesseract", notes
    )
    assert notes == [] and reading.ocr["version"].startswith("tesseract ")
    assert "HEADQUARTERS" in " ".join(line.text for line in reading.lines)
    assert all(line.words and line.box for line in reading.lines)
