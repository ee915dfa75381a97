"""The HTML report as text: self-contained (CSP, no network), escaped, boxes where the JSON says,
links that resolve both ways, forensics shown, batch index and folder, and its size."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from html import escape
from pathlib import Path

import pytest
from html_support import (
    CROP,
    HOSTILE_NAME,
    PAYLOAD,
    boxes,
    ids,
    json_boxes,
    load_json,
    local_links,
    unbalanced,
    write_letters,
)

from authcheck.model import Location

REPO = Path(__file__).resolve().parents[1]
HOSTILE = REPO.parent / "shared" / "corpus" / "hostile"


@pytest.fixture(scope="module")
def letters(tmp_path_factory) -> dict[str, Path]:
    return write_letters(tmp_path_factory.mktemp("letters"))


def render(cli, tmp_path: Path, *paths, extra=()) -> str:
    out = tmp_path / "report.html"
    res = cli("check", "--no-cache", "-f", "html", "-o", str(out), *map(str, paths), *extra)
    assert res.exit_code in (0, 1), res.stderr
    return out.read_text(encoding="utf-8")


def assert_self_contained(html: str) -> None:
    """CSP forbids the network and names our one script by hash; nothing refers outside the file."""
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html).group(1)
    assert "default-src 'none'" in csp and "img-src data:" in csp and "unsafe-eval" not in csp
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1 and len(re.findall(r"<script", html)) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    assert not re.search(
        r'\s(?:src|href|action|srcset)="(?!#|data:image/jpeg;base64,)[^"]*"', html.replace('href="index.html"', "")
    ), "a reference leaves the file"
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert not unbalanced(html), unbalanced(html)[:5]


def test_single_pdf_report_is_self_contained_and_boxes_match_the_json(cli, tmp_path):
    out, js = tmp_path / "r.html", tmp_path / "r.json"
    res = cli(
        "check", "--no-cache", "samples/forged-letter.pdf", "-f", "html", "-o", str(out), "--json-output", str(js)
    )
    assert res.exit_code == 1, res.stderr
    html = out.read_text(encoding="utf-8")
    assert_self_contained(html)
    expected, drawn = json_boxes(load_json(js)), boxes(html)
    assert expected and set(drawn) == set(expected)
    for ident, box in expected.items():
        for key in ("x0", "y0", "x1", "y1"):
            assert drawn[ident][key] == pytest.approx(box[key], abs=2e-5), (ident, key)
    assert 'alt="Page 1 of the letter"' in html and 'id="p1"' in html
    # landmarks, headings, print and dark-mode styles; the verdict is a word, not only a colour
    assert [html.count(tag) for tag in ("<main", "<header", "<nav", "<footer", "<h1")] == [1, 1, 1, 1, 1]
    assert "@media print" in html and "prefers-color-scheme:dark" in html
    assert re.search(r'<span class="verdict v-fail"><span aria-hidden="true">.</span> FAIL</span>', html)


def test_every_link_resolves_and_boxes_and_findings_link_both_ways(cli, tmp_path):
    html = render(cli, tmp_path, "samples/forged-letter.pdf")
    present = ids(html)
    assert len(present) == len(re.findall(r'\sid="', html)), "duplicate ids"
    missing = [link for link in local_links(html) if link not in present]
    assert not missing
    drawn = boxes(html)
    for ident, box in drawn.items():
        n = ident[1:].split("-")[0]
        assert box["href"] == f"f{n}"
        finding = re.search(rf'<li id="f{n}" .*?</li></ul>', html, re.S).group(0)
        assert f'href="#{ident}"' in finding


def test_text_letter_marks_evidence_in_paragraphs_and_links_both_ways(cli, tmp_path):
    html = render(cli, tmp_path, "samples/withdrawal-letter-2020.txt")
    marks = re.findall(r'<sup class="evn" id="(t(\d+)-\d+)"><a href="#f(\d+)"', html)
    assert marks and all(n == m for _, n, m in marks)
    for ident, _, _ in marks:
        assert f'href="#{ident}"' in html
    assert '<div class="textview"><p>' in html and '<mark class="ev">' in html
    assert 'class="box"' not in html and "No page pictures" not in html


def test_document_text_names_and_metadata_cannot_inject_markup(cli, tmp_path, letters):
    for key in ("evil_txt", "evil_pdf"):
        html = render(cli, tmp_path, letters[key])
        assert_self_contained(html)
        assert "window.__pwned" in html, "the payload should be shown as text"
        assert "<script>window" not in html and "<img src=x" not in html and "</div> <a" not in html
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
        assert not re.search(r"href=\"\s*javascript:", html, re.I)
    html = render(cli, tmp_path, letters["evil_txt"])
    assert escape(PAYLOAD, quote=True) in html  # the whole line, shown as text in the text view
    assert html.count(HOSTILE_NAME) == 0 and "evil&quot;&#x27;&lt;b&gt;name&amp;.txt" in html


def test_invisible_and_bidi_characters_are_shown_not_obeyed():
    from authcheck.reporters.htmlkit import esc

    assert esc("Gen.\u202e<b>x\u200b'") == "Gen.&lt;U+202E&gt;&lt;b&gt;x&lt;U+200B&gt;&#x27;"


def test_a_file_that_could_not_be_checked_is_a_row_and_a_section(cli, tmp_path):
    out = tmp_path / "r.html"
    res = cli(
        "check", "--no-cache", "samples/forged-letter.pdf", str(tmp_path / "missing.pdf"), "--html-output", str(out)
    )
    assert res.exit_code == 3
    html = out.read_text(encoding="utf-8")
    assert re.search(r'<tr data-verdict="error">.*?missing\.pdf', html)
    assert "<strong>Could not be checked</strong>: not-found at read" in html


def test_three_page_letter_report_has_every_page_and_stays_small(cli, tmp_path, letters):
    html = render(cli, tmp_path, letters["three"])
    assert [f'id="p{n}"' in html for n in (1, 2, 3)] == [True, True, True]
    size = len(html.encode("utf-8"))
    assert size < 2 * 1024 * 1024, size
    pictures = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', html)
    assert len(pictures) == 3 and all(base64.b64decode(p)[:2] == b"\xff\xd8" for p in pictures)
    drawn = boxes(html)
    assert drawn, "the withdrawal and metadata findings have page evidence"


def test_docx_tracked_changes_and_comments_are_shown_where_they_sit(cli, tmp_path):
    from tools.docx_forensic_fixtures import tracked_changes_docx

    path = tmp_path / "tracked.docx"
    path.write_bytes(tracked_changes_docx())
    html = render(cli, tmp_path, path)
    text_view = html[html.index('<div class="textview">') :]
    joined = re.sub(r'<sup class="evn".*?</sup>|</?mark[^>]*>', "", text_view)
    joined = re.sub(r'</ins><ins title="[^"]*">', "", joined)
    assert re.search(r'<ins title="inserted by J\. Doe[^"]*">All coalition forces will depart\.</ins>', joined)
    assert '<aside class="comment" role="note"><strong>Comment</strong>: comment by R. Analyst' in text_view
    assert "<del>once the Government of Iraq has been consulted</del>" in html


def test_pdf_revision_text_is_shown_side_by_side(cli, tmp_path):
    from tools.pdf_forensic_fixtures import add_text, genuine

    path = tmp_path / "rev.pdf"
    path.write_bytes(add_text(genuine(), "Forces will withdraw immediately."))
    html = render(cli, tmp_path, path)
    assert '<div class="head">Revision 2 (added)</div>' in html
    assert '<div class="new">+ Forces will withdraw immediately.</div>' in html
    drawn = boxes(html)  # the added line is boxed where it stands now (drawn at y = 96 pt from the bottom), once
    # for pdf.revised and once for wording.policy-change, which reads text after the signature block too
    assert len(drawn) == 2 and all(b["y1"] == pytest.approx(1 - 96 / 792, abs=0.01) for b in drawn.values())
    compare = re.search(r'<div class="compare">.*?</figure></div>', html, re.S).group(0)
    pictures = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', compare)
    assert len(pictures) == 2 and pictures[0] != pictures[1]  # page 1 before and after revision 2
    assert "Page 1 before revision 2" in compare and compare.count('class="box added"') == 1


def test_metadata_conflicts_are_flagged_with_their_finding(cli, tmp_path):
    html = render(cli, tmp_path, "samples/forged-letter.pdf")
    row = re.search(r'<tr class="conflict"><td>/Author</td><td>d\.kovalenko</td>.*?</tr>', html).group(0)
    n = re.search(r'href="#f(\d+)"', row).group(1)
    assert "metadata.author-mismatch" in re.search(rf'<li id="f{n}" .*?</li></ul>', html, re.S).group(0)
    assert "<tr><td>/Producer</td>" in html  # unflagged rows are plain


def test_batch_in_one_file_has_an_index_sections_and_counts(cli, tmp_path):
    out = tmp_path / "batch.html"
    res = cli("check", "--no-cache", "samples", "--html-output", str(out))
    assert res.exit_code == 1
    html = out.read_text(encoding="utf-8")
    assert_self_contained(html)
    files = sorted(p for p in os.listdir(REPO / "samples") if p.endswith((".pdf", ".docx", ".txt")))
    rows = re.findall(r'<tr data-verdict="(\w+)"><td data-key="[^"]*"><a href="#(d\d+)">', html)
    assert len(rows) == len(files)
    present = ids(html)
    assert all(anchor in present for _, anchor in rows)
    assert all(link in present for link in local_links(html))
    for verdict in ("pass", "review", "fail"):
        count = sum(1 for v, _ in rows if v == verdict)
        if count:
            assert (
                re.search(rf'v-{verdict}"><span aria-hidden="true">.</span> {verdict.upper()}</span></li>', html)
                or f"{verdict.upper()}</span> {count}</li>" in html
            )
    assert "<svg" in html and "</svg>" in html and 'class="sortable"' in html


def test_batch_folder_has_an_index_and_one_report_per_file_with_safe_names(cli, tmp_path, letters):
    folder = tmp_path / "out"
    res = cli(
        "check",
        "--no-cache",
        "samples/forged-letter.pdf",
        str(letters["evil_txt"]),
        "--html-output",
        str(folder) + "/",
        "-f",
        "json",
    )
    assert res.exit_code == 1
    names = sorted(os.listdir(folder))
    assert "index.html" in names and len(names) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", n) for n in names)
    index = (folder / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"#]+)">', index)
    assert sorted(links) == sorted(n for n in names if n != "index.html")
    for name in links:
        report = (folder / name).read_text(encoding="utf-8")
        assert_self_contained(report)
        assert 'href="index.html"' in report


def test_json_box_is_in_the_schema(cli, tmp_path):
    import json

    import jsonschema

    schema = json.loads((REPO / "authcheck" / "schemas" / "result-v1.json").read_text())
    res = cli("check", "--no-cache", "samples/forged-letter.pdf", "-f", "json")
    record = json.loads(res.stdout)
    jsonschema.validate(record, schema)
    boxed = [ev["box"] for f in record["findings"] for ev in f["evidence"] if ev["box"]]
    assert boxed and all(0 <= b["x0"] < b["x1"] <= 1 and 0 <= b["y0"] < b["y1"] <= 1 for b in boxed)
    unboxed = [ev for f in record["findings"] for ev in f["evidence"] if ev["part"] == "metadata"]
    assert unboxed and all(ev["box"] is None for ev in unboxed)


def test_a_repeated_phrase_gets_the_box_of_its_own_occurrence(tmp_path):
    """The same words twice on a page: each evidence is boxed at its own line."""
    from authcheck.loaders import load
    from authcheck.model import Evidence, Finding, Result
    from authcheck.scoring.evidencebox import with_boxes
    from authcheck.settings import Limits
    from tools.pdfgen import Text, build_pdf

    data = build_pdf([[Text(72, 700, "forces will withdraw now"), Text(72, 400, "forces will withdraw later")]])
    doc = load(data, path="x.pdf", sha256="0" * 64, password=None, limits=Limits())
    text = doc.text
    second = text.index("forces will withdraw", text.index("later") - 30)
    evs = (
        Evidence(
            "forces will withdraw", Location("body", 1, start=text.index("forces"), end=text.index("forces") + 20)
        ),
        Evidence("forces will withdraw", Location("body", 1, start=second, end=second + 20)),
    )
    result = Result(
        "x.pdf", "0" * 64, "pdf", "review", 30, {}, "", (Finding("r", "t", "low", "origin", 1, "m", evs),), {}
    )
    first, other = with_boxes(result, doc, data).findings[0].evidence
    assert first.box[1] == pytest.approx(1 - 712 / 792, abs=0.02)  # top of the line at y=700 (12 pt text)
    assert other.box[1] == pytest.approx(1 - 412 / 792, abs=0.02)
    assert first.box[0] == pytest.approx(72 / 612, abs=0.01)


def test_boxes_follow_the_crop_box_and_page_rotation(cli, letters):
    """A page shown turned 90 degrees clockwise and cropped: each box is the turned, cropped box."""
    import json

    def record(path):
        res = cli("check", "--no-cache", str(path), "-f", "json")
        return {
            (ev["start"], ev["end"]): ev["box"]
            for f in json.loads(res.stdout)["findings"]
            for ev in f["evidence"]
            if ev["box"]
        }

    upright, turned = record(REPO / "samples" / "forged-letter.pdf"), record(letters["rotated"])
    assert len(upright) >= 5 and set(turned) == set(upright)
    cx0, cy0, cx1, cy1 = CROP
    for key, box in upright.items():
        xs = (box["x0"] * 612, box["x1"] * 612)  # PDF x of the text (the sample is 612 x 792)
        ys = (792 - box["y1"] * 792, 792 - box["y0"] * 792)  # PDF y, from the bottom
        expected = (
            (ys[0] - cy0) / (cy1 - cy0),
            (xs[0] - cx0) / (cx1 - cx0),
            (ys[1] - cy0) / (cy1 - cy0),
            (xs[1] - cx0) / (cx1 - cx0),
        )
        got = tuple(turned[key][k] for k in ("x0", "y0", "x1", "y1"))
        assert got == pytest.approx(expected, abs=0.005), key


def test_page_pictures_are_refused_for_a_changed_file_and_for_stdin(tmp_path):
    from authcheck.reporters.pagepictures import pictures_for
    from authcheck.settings import Settings

    path = tmp_path / "a.pdf"
    path.write_bytes((REPO / "samples" / "forged-letter.pdf").read_bytes())
    assert "changed" in pictures_for(str(path), "0" * 64, Settings()).problem
    assert "standard input" in pictures_for("-", "0" * 64, Settings()).problem
    good = hashlib.sha256(path.read_bytes()).hexdigest()
    pictures = pictures_for(str(path), good, Settings())
    assert pictures.problem is None and pictures.total == 1 and pictures.pages[0].jpeg[:2] == b"\xff\xd8"


def test_reports_for_every_sample(cli, tmp_path):
    for name in sorted(os.listdir(REPO / "samples")):
        if name.endswith((".pdf", ".docx", ".txt")):
            html = render(cli, tmp_path, f"samples/{name}")
            assert_self_contained(html)
            assert all(link in ids(html) for link in local_links(html)), name


HOSTILE_PICKS = ("pdfium__bug_1324189.pdf", "pdfium__bad_page_type.pdf", "pdfium__bookmarks_circular.pdf")


@pytest.mark.skipif(not HOSTILE.is_dir(), reason="shared hostile corpus not present")
def test_reports_for_hostile_files_are_reports(cli, tmp_path):
    picks = [HOSTILE / n for n in HOSTILE_PICKS if (HOSTILE / n).exists()]
    picks += sorted(p for p in HOSTILE.iterdir() if p.suffix in (".docx", ".txt"))[:3]
    if not picks:
        pytest.skip("none of the chosen hostile files are present")
    out = tmp_path / "hostile.html"
    res = cli("check", "--no-cache", "--timeout", "20", *map(str, picks), "--html-output", str(out), "-f", "json")
    assert res.exit_code in (0, 1, 3)
    html = out.read_text(encoding="utf-8")
    assert_self_contained(html)
    assert len(re.findall(r"<tr data-verdict=", html)) == len(picks)
    assert all(link in ids(html) for link in local_links(html))
