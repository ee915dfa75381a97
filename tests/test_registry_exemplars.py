"""Issue 14: exemplar comparison, signature-image hashes, template reuse and the order-independent batch pass."""

from __future__ import annotations

import io
import random
import shutil

import pytest

from authcheck.batch.letterpairs import batch_pass
from authcheck.batch.pipeline import check_bytes, check_path
from authcheck.engine.rulepack import load_ruleset
from authcheck.registry import prepare
from authcheck.registry.features import shape_of_date, shape_of_reference
from authcheck.registry.load import RegistryError
from authcheck.registry.phash import image_hash, same_image
from authcheck.settings import Settings
from tests.conftest import SAMPLES

RULESET = load_ruleset()
BODY = (
    "The quarterly inspection of the northern depot is confirmed for the week of the tenth. "
    "Staff from the logistics division will attend and report on stock levels, storage conditions "
    "and the maintenance backlog. The total approved for repairs this quarter is 48,500 euros, to be "
    "drawn from the standing maintenance account. Please confirm the names of the officers who will "
    "accompany the inspection team and any access restrictions at the site."
)


def text_letter(
    day: str = "6 January 2020", closing: str = "Yours faithfully,", body: str = BODY, ref: str = "HB/2020/001"
) -> bytes:
    lines = [
        "HARBOUR BOARD OF NORDHAVN",
        "Quay Road 4, Nordhavn",
        "",
        f"Our ref: {ref}",
        "",
        day,
        "",
        "Dear Colleague,",
        "",
        body,
        "",
        closing,
        "",
        "ERIK SOLBERG",
        "Harbour Master",
    ]
    return ("\n".join(lines) + "\n").encode()


def run(data: bytes, **settings) -> dict:
    result = check_bytes(data, "suspect.txt", prepare(Settings(**settings)), RULESET)
    assert result.error is None, result.error
    return {f.rule: f for f in result.findings}


@pytest.fixture
def exemplars(tmp_path):
    folder = tmp_path / "exemplars"
    folder.mkdir()
    bodies = [
        "The harbour dues for the coming season are unchanged and invoices will follow in March as usual. "
        "Berth allocations remain as agreed at the last meeting of the board.",
        "Dredging of the inner basin begins next month; vessels over eight metres should use the outer quay "
        "while the work continues. The harbour office will publish daily notices.",
        "The board thanks all operators for their cooperation during the winter storms and reminds them "
        "that damage reports are due by the end of the month.",
    ]
    for i, (day, body) in enumerate(zip(("3 March 2019", "14 June 2019", "2 December 2019"), bodies)):
        (folder / f"ex{i}.txt").write_bytes(text_letter(day=day, body=body, ref=f"HB/2019/00{i}"))
    return folder


def test_date_and_reference_shapes():
    assert shape_of_date("6 January 2020") == shape_of_date("14 March 2021") == "D Month YYYY"
    assert shape_of_date("January 6, 2020") == "Month D, YYYY"
    assert shape_of_reference("MF/2020/0012") == "AA/9999/9999"


def test_exemplar_mismatch_reports_both_values(exemplars):
    found = run(text_letter(day="January 6, 2020"), exemplars=str(exemplars))
    assert "exemplar.mismatch" in found
    message = found["exemplar.mismatch"].message
    assert "'Month D, YYYY'" in message and "'D Month YYYY' (3 of 3)" in message


def test_a_letter_in_the_offices_usual_form_matches(exemplars):
    assert "exemplar.mismatch" not in run(text_letter(), exemplars=str(exemplars))


def test_a_feature_that_varies_among_exemplars_weighs_nothing(exemplars):
    (exemplars / "ex1.txt").write_bytes((exemplars / "ex1.txt").read_bytes().replace(b"Yours faithfully", b"Regards"))
    (exemplars / "ex2.txt").write_bytes((exemplars / "ex2.txt").read_bytes().replace(b"Yours faithfully", b"Sincerely"))
    assert "exemplar.mismatch" not in run(text_letter(closing="Best wishes,"), exemplars=str(exemplars))


def test_template_reuse_against_an_exemplar_shows_the_changed_spans(tmp_path):
    folder = tmp_path / "ex"
    folder.mkdir()
    (folder / "a.txt").write_bytes(text_letter())
    (folder / "b.txt").write_bytes(
        text_letter(
            body="An unrelated letter about berth fees and the spring timetable "
            "for ferries, with nothing else in common. " * 3
        )
    )
    found = run(text_letter(body=BODY.replace("48,500", "485,000"), day="9 May 2020"), exemplars=str(folder))
    assert "letter.template-reuse" in found
    assert "'48,500' -> '485,000'" in found["letter.template-reuse"].message
    reworded = BODY.replace(
        "Staff from the logistics division will attend", "Nobody from any division shall come along"
    )
    assert "letter.template-reuse" not in run(text_letter(body=reworded), exemplars=str(folder))


def test_bad_exemplar_manifest_is_a_registry_error(tmp_path):
    (tmp_path / "exemplars.yaml").write_text("exemplars: [{file: a.pdf, published: maybe}]")
    with pytest.raises(RegistryError, match="key 'published'"):
        prepare(Settings(exemplars=str(tmp_path)))
    with pytest.raises(RegistryError, match="does not exist"):
        prepare(Settings(exemplars=str(tmp_path / "missing")))


# --- signature images ----------------------------------------------------------------------------------


def drawn(seed: int):
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("L", (220, 64), 255)
    draw = ImageDraw.Draw(img)
    points = [(8 + i * 11, rng.randint(8, 56)) for i in range(19)]
    draw.line(points, fill=20, width=3)
    return img


@pytest.mark.parametrize("scale", [0.5, 0.8, 1.5, 2.0])
@pytest.mark.parametrize("quality", [None, 50, 85])
def test_hash_survives_scaling_and_jpeg(scale, quality):
    from PIL import Image

    img = drawn(1)
    out = img.resize((int(220 * scale), int(64 * scale)), Image.Resampling.BILINEAR)
    if quality:
        buf = io.BytesIO()
        out.convert("RGB").save(buf, "JPEG", quality=quality)
        out = Image.open(io.BytesIO(buf.getvalue()))
    assert same_image(image_hash(img), image_hash(out))


def test_different_signatures_do_not_match():
    hashes = [image_hash(drawn(seed)) for seed in range(12)]
    assert not any(same_image(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :])


def test_transparent_signature_is_hashed_on_white_and_blank_is_none():
    from PIL import Image

    rgba = Image.new("RGBA", (220, 64), (0, 0, 0, 0))
    rgba.paste(drawn(3).convert("RGBA"), mask=drawn(3).point(lambda v: 255 - v))
    assert same_image(image_hash(rgba), image_hash(drawn(3)))
    assert image_hash(Image.new("L", (50, 20), 255)) is None


def test_published_exemplar_makes_a_lifted_signature_fire(tmp_path):
    shutil.copy(SAMPLES / "coordination-letter.pdf", tmp_path / "press.pdf")
    (tmp_path / "exemplars.yaml").write_text("exemplars:\n  - {file: press.pdf, published: true, source: example}\n")
    settings = prepare(Settings(exemplars=str(tmp_path)))
    result = check_path(str(SAMPLES / "forged-letter.pdf"), settings, RULESET)
    found = {f.rule: f for f in result.findings}
    assert "signature.reused-image" in found and "published letter" in found["signature.reused-image"].message


def test_same_signatory_reusing_an_image_is_information_only(tmp_path):
    shutil.copy(SAMPLES / "signed-deployment-notification.pdf", tmp_path / "earlier.pdf")
    settings = prepare(Settings(exemplars=str(tmp_path)))
    result = check_path(str(SAMPLES / "signed-deployment-notification.docx"), settings, RULESET)
    found = {f.rule: f for f in result.findings}
    assert "signature.reused-image" not in found
    assert found["signature.same-image"].weight == 0 and found["signature.same-image"].contribution == 0


# --- the batch pass ------------------------------------------------------------------------------------


def _batch(paths, settings):
    results = [check_path(str(p), settings, RULESET) for p in paths]
    return {
        r.path: (r.score, sorted((f.rule, f.message) for f in r.findings), r.fields.get("registry"))
        for r in batch_pass(results, RULESET, settings)
    }


def test_batch_pass_is_symmetric_and_independent_of_order(tmp_path):
    registry = tmp_path / "reg.yaml"
    registry.write_text("people: [{id: lind, names: [Anna Lindqvist]}, {id: whit, names: [James T. Whitfield]}]\n")
    (tmp_path / "a.txt").write_bytes(text_letter())
    (tmp_path / "b.txt").write_bytes(text_letter(body=BODY.replace("48,500", "95,000")))
    settings = prepare(Settings(registry=(str(registry),)))
    paths = [
        SAMPLES / "signed-deployment-notification.pdf",
        SAMPLES / "coordination-letter.pdf",
        SAMPLES / "signed-deployment-notification.docx",
        tmp_path / "a.txt",
        tmp_path / "b.txt",
    ]
    forward = _batch(paths, settings)
    backward = _batch(list(reversed(paths)), settings)
    assert forward == backward
    rules = {path: {rule for rule, _ in found} for path, (_, found, _) in forward.items()}
    coordination = str(SAMPLES / "coordination-letter.pdf")
    assert "signature.reused-image" in rules[coordination]  # Whitfield's letter carries Lindqvist's image
    assert "signature.reused-image" in rules[str(SAMPLES / "signed-deployment-notification.pdf")]
    assert {"letter.template-reuse"} <= rules[str(tmp_path / "a.txt")] & rules[str(tmp_path / "b.txt")]
    assert all("fingerprint" not in (section or {}) for _, _, section in forward.values())


def test_batch_pass_without_registry_changes_nothing(tmp_path):
    (tmp_path / "a.txt").write_bytes(text_letter())
    (tmp_path / "b.txt").write_bytes(text_letter(body=BODY.replace("48,500", "95,000")))
    results = [check_path(str(tmp_path / n), Settings(), RULESET) for n in ("a.txt", "b.txt")]
    assert batch_pass(results, RULESET, Settings()) == results


def test_a_wet_ink_claim_turns_the_same_signatorys_identical_image_into_a_finding():
    from authcheck.registry.compare import signature_relation

    image = image_hash(drawn(5))
    a = {"path": "a.pdf", "signatory": "id:berg", "wet_ink": False, "images": [image]}
    b = {"path": "b.pdf", "signatory": "id:berg", "wet_ink": False, "images": [image]}
    assert signature_relation(a, b)[0] == "same"
    assert signature_relation(a, {**b, "wet_ink": True})[0] == "reused"
    assert signature_relation({**a, "wet_ink": True}, b)[0] == "reused"
    assert signature_relation(a, {**b, "images": [image_hash(drawn(6))]}) is None


def test_a_statement_naming_nobody_is_not_an_unknown_issuer(tmp_path):
    registry = tmp_path / "reg.yaml"
    registry.write_text("people: [{id: x, names: [Karin Berg]}]\n")
    found = run((SAMPLES / "pentagon-statement.txt").read_bytes(), registry=(str(registry),))
    assert "issuer.unknown" not in found


def test_registered_signature_of_another_person_fires_and_of_the_signatory_does_not(tmp_path):
    from authcheck.registry.phash import main

    pdf_image = image_of_sample("coordination-letter.pdf")
    pdf_image.save(tmp_path / "sig.png")
    import contextlib

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([str(tmp_path / "sig.png")]) == 0
    digest = out.getvalue().split()[0]
    for owner, fires in (("Anna Lindqvist", True), ("James T. Whitfield", False)):
        registry = tmp_path / "reg.yaml"
        registry.write_text(
            f"people: [{{id: owner, names: ['{owner}'], signatures: ['{digest}']}},"
            "{id: whit, names: ['James T. Whitfield']}]\n"
        )
        settings = prepare(Settings(registry=(str(registry),)))
        result = check_path(str(SAMPLES / "coordination-letter.pdf"), settings, RULESET)
        assert ("signature.reused-image" in {f.rule for f in result.findings}) is fires, owner


def image_of_sample(name: str):
    from authcheck.loaders.placedimages import image_pixels

    return image_pixels((SAMPLES / name).read_bytes(), "pdf", 1, "Im1")


# --- page size, margins and fonts -----------------------------------------------------------------------

A4, LETTER = (595.28, 841.89), (612, 792)
SANS = {"Times-Roman": "Helvetica", "Times-Bold": "Helvetica-Bold"}
EX_BODIES = [
    "The harbour dues for the coming season are unchanged and invoices will follow in March as usual.",
    "Dredging of the inner basin begins next month; vessels over eight metres should use the outer quay.",
    "The board thanks all operators for their cooperation during the winter storms this year.",
]


def pdf_letter(body: str = BODY, day: str = "6 January 2020", size=A4, shift_mm: float = 0.0, fonts=None) -> bytes:
    """A harbour-board letter laid out by tools/docgen, on `size` paper, moved right and in other fonts."""
    from dataclasses import replace

    from tools.docgen import LetterSpec, Text, build_pdf, layout_pages

    spec = LetterSpec(
        letterhead=["HARBOUR BOARD OF NORDHAVN", "Quay Road 4, Nordhavn"],
        date=day,
        blocks=["Our ref: HB/2020/001", "Dear Colleague,", body],
        closing="Yours faithfully,",
        signature_name="ERIK SOLBERG",
        signature_titles=["Harbour Master"],
    )
    dx = shift_mm * 72 / 25.4
    pages = [
        [
            replace(item, x=item.x + dx, font=(fonts or {}).get(item.font, item.font))
            if isinstance(item, Text)
            else item
            for item in page
        ]
        for page in layout_pages(spec)
    ]
    return build_pdf(pages, page_size=size)


@pytest.fixture
def pdf_exemplars(tmp_path):
    folder = tmp_path / "pdf-exemplars"
    folder.mkdir()
    for i, (day, body) in enumerate(zip(("3 March 2019", "14 June 2019", "2 December 2019"), EX_BODIES)):
        (folder / f"ex{i}.pdf").write_bytes(pdf_letter(body, day))
    return folder


def run_pdf(data: bytes, folder) -> dict:
    result = check_bytes(data, "suspect.pdf", prepare(Settings(exemplars=str(folder))), RULESET)
    assert result.error is None, result.error
    return {f.rule: f for f in result.findings}


def test_the_loader_records_page_size_line_extents_and_fonts():
    from authcheck.loaders import load
    from authcheck.settings import Limits

    data = pdf_letter(size=LETTER, shift_mm=10, fonts={"Times-Roman": "ABCDEF+Arial-BoldMT"})
    doc = load(data, path="x.pdf", sha256="0", password=None, limits=Limits())
    assert (doc.page_sizes[0].width, doc.page_sizes[0].height) == LETTER
    assert set(doc.fonts) == {"Arial-BoldMT", "Times-Bold"}
    body = next(ln for ln in doc.lines if ln.text.startswith("Dear Colleague"))
    assert body.x == pytest.approx(72 + 10 * 72 / 25.4, abs=0.01) and body.x_end > body.x


def test_font_family_and_paper_names():
    from authcheck.registry.features import font_families, paper_name

    assert font_families(
        ["TimesNewRomanPS-BoldMT", "Times New Roman", "Times-Roman", "Arial,Italic", "Calibri-Light"]
    ) == ["calibri", "helvetica", "times"]
    assert paper_name(*A4) == "A4" and paper_name(612, 792, rotation=90) == "Letter landscape"
    assert paper_name(500, 700) == "176 x 247 mm"


def test_a_letter_on_letter_paper_against_a4_exemplars(pdf_exemplars):
    found = run_pdf(pdf_letter(size=LETTER), pdf_exemplars)
    assert "page size: this letter 'Letter', exemplars 'A4' (3 of 3)" in found["exemplar.mismatch"].message


def test_a_shifted_margin_is_reported_and_a_small_shift_is_not(pdf_exemplars):
    found = run_pdf(pdf_letter(shift_mm=10), pdf_exemplars)
    assert "left margin: this letter '35 mm', exemplars '25 mm' (3 of 3)" in found["exemplar.mismatch"].message
    assert "exemplar.mismatch" not in run_pdf(pdf_letter(shift_mm=2), pdf_exemplars)


def test_a_different_font_is_reported(pdf_exemplars):
    found = run_pdf(pdf_letter(fonts=SANS), pdf_exemplars)
    assert "font families: this letter 'helvetica', exemplars 'times' (3 of 3)" in found["exemplar.mismatch"].message


def test_a_genuine_letter_in_the_offices_form_is_not_reported(pdf_exemplars):
    assert "exemplar.mismatch" not in run_pdf(pdf_letter(), pdf_exemplars)


def test_fonts_that_vary_among_the_exemplars_are_no_reason_to_flag(pdf_exemplars):
    suspect = pdf_letter(fonts={"Times-Roman": "Courier", "Times-Bold": "Courier-Bold"})
    assert "font families" in run_pdf(suspect, pdf_exemplars)["exemplar.mismatch"].message
    for i, fonts in ((1, SANS), (2, {"Times-Roman": "Palatino-Roman", "Times-Bold": "Palatino-Bold"})):
        (pdf_exemplars / f"ex{i}.pdf").write_bytes(pdf_letter(EX_BODIES[i], fonts=fonts))
    found = run_pdf(suspect, pdf_exemplars)
    assert "exemplar.mismatch" not in found, found["exemplar.mismatch"].message


def test_docx_page_size_margin_and_fonts_come_from_the_section_and_styles():
    from authcheck.loaders import load
    from authcheck.registry.features import page_form
    from authcheck.settings import Limits
    from tools.docgen import LetterSpec, letter_docx

    spec = LetterSpec(letterhead=["HARBOUR BOARD OF NORDHAVN"], date="6 January 2020", blocks=["Dear Colleague,", BODY])
    doc = load(letter_docx(spec), path="x.docx", sha256="0", password=None, limits=Limits())
    size = doc.page_sizes[0]
    assert (size.width, size.height, size.margin_left) == (612, 792, 72)
    assert doc.fonts == ("Times New Roman",)
    from authcheck.extract import extract

    assert page_form(extract(doc)) == {"page size": "Letter", "left margin": "25 mm", "font families": "times"}


def test_damaged_page_boxes_and_fonts_are_left_out_never_raised():
    from authcheck.loaders.pagesetup import pdf_setup
    from authcheck.loaders.pdfobjects import resolve

    class Reader:
        pages = [
            {"/MediaBox": [0, 0, "x", None]},
            {"/MediaBox": [0, 0, 1, 1]},
            {"/MediaBox": [0, 0, float("nan"), 792]},
            {
                "/CropBox": [10, 10, 605.28, 851.89],
                "/Rotate": "ninety",
                "/Resources": {"/Font": {"/F1": {"/BaseFont": "/ABCDEF+Garamond-Bold"}, "/F2": {}, "/F3": 7}},
            },
            {"/MediaBox": [0, 0, 612, 792], "/Rotate": 90, "/Resources": {"/Font": "junk"}},
        ]

    setup = pdf_setup(Reader(), 6, resolve)  # one page more than there are
    assert setup["fonts"] == ("Garamond-Bold",)
    assert [(s.width, s.height, s.rotation, s.left) for s in setup["page_sizes"]] == [
        (595.28, 841.89, 0, 10),
        (612, 792, 90, 0),
    ]


def test_a_pdf_with_a_garbage_media_box_still_loads(tmp_path):
    data = pdf_letter().replace(b"/MediaBox [0 0 595.28 841.89]", b"/MediaBox [0 0 (abc) /Nope  ]")
    result = check_bytes(data, "odd.pdf", Settings(), RULESET)
    assert result.error is None and result.letter.document.page_sizes == ()
