"""The HTML report in a real headless Chromium (the Debian `chromium` package, driven by Playwright's
Python API with the system executable; nothing is ever downloaded, `playwright install` is never run).

Every request other than the report file itself is aborted and recorded, and any such request fails
the test.  Checked: no console errors, boxes sit inside their page picture where the JSON's evidence
box says, links work both ways (with and without JavaScript), hostile text stays text, the index
sorts and filters.  Screenshots are kept under the test's tmp folder and copied to
$AUTHCHECK_ARTIFACTS (default: benchmarks/out/html-screens/).

Skips with the reason when Playwright or the chromium binary is missing; CI installs both.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from html_support import json_boxes, load_json, write_letters

REPO = Path(__file__).resolve().parents[1]
HOSTILE = REPO.parent / "shared" / "corpus" / "hostile"
HOSTILE_PICKS = (
    "pdfium__bug_1324189.pdf",
    "pdfium__bad_page_type.pdf",
    "pdfjs__basicapi.pdf",
    "pdfjs__poppler-395-0-fuzzed.pdf",
    "pdfjs__boundingBox_invalid.pdf",
)
CHROMIUM = shutil.which("chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOLERANCE = 0.02  #: page fractions (2 %) between a drawn box and the JSON's evidence box

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None

pytestmark = [
    pytest.mark.skipif(sync_playwright is None, reason="browser tests need playwright (pip install '.[test]')"),
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="browser tests need the Debian chromium package "
        "(apt-get install chromium); Playwright's own browsers are never used",
    ),
]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """Reports (and JSON) for a sample, the 3-page letter, hostile letters and a batch, built once."""
    from click.testing import CliRunner

    from authcheck.cli.main import main

    folder = tmp_path_factory.mktemp("reports")
    letters = write_letters(folder / "letters")
    out = {}
    runs = {
        "forged": ["samples/forged-letter.pdf"],
        "three": [str(letters["three"])],
        "evil_txt": [str(letters["evil_txt"])],
        "evil_pdf": [str(letters["evil_pdf"])],
        "rotated": [str(letters["rotated"])],
        "batch": ["samples", str(letters["evil_txt"])],
    }
    hostile = [str(HOSTILE / n) for n in HOSTILE_PICKS if (HOSTILE / n).exists()]
    if hostile:
        runs["hostile"] = hostile
    old = os.getcwd()
    os.chdir(REPO)
    try:
        for name, paths in runs.items():
            html, js = folder / f"{name}.html", folder / f"{name}.json"
            res = CliRunner().invoke(
                main,
                ["check", "--no-cache", *paths, "-f", "json", "-o", str(js), "--html-output", str(html)],
                catch_exceptions=False,
            )
            assert res.exit_code in (0, 1, 3), res.output
            out[name], out[name + ".json"] = html, js
    finally:
        os.chdir(old)
    return out


class Guarded:
    """A page that may load only the report: other requests are aborted and recorded, as are console
    errors and uncaught exceptions."""

    def __init__(self, browser, report: Path, **context) -> None:
        self.url = report.resolve().as_uri()
        self.context = browser.new_context(viewport={"width": 1200, "height": 900}, **context)
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on(
            "request",
            lambda r: None if r.url in (self.url,) or r.url.startswith("data:") else self.blocked.append(r.url),
        )
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(self.url)

    def _route(self, route) -> None:
        if route.request.url.split("#")[0] == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def close(self) -> None:
        assert not self.blocked, f"network requests attempted: {self.blocked}"
        assert not self.errors, f"console errors: {self.errors}"
        self.context.close()


def keep_screenshot(page, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot in the test's tmp folder, copied to the artefact folder."""
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    target = Path(os.environ.get("AUTHCHECK_ARTIFACTS") or REPO / "benchmarks" / "out" / "html-screens")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, target / shot.name)
    assert shot.stat().st_size > 10_000
    return shot


def in_view(page, selector: str) -> bool:
    return page.evaluate(
        """s => { const r = document.querySelector(s).getBoundingClientRect();
        return r.bottom > 0 && r.top < window.innerHeight && r.height > 0; }""",
        selector,
    )


RECTS = """() => Array.from(document.querySelectorAll('a.box')).map(b => {
  const img = b.parentElement.querySelector('img').getBoundingClientRect(), r = b.getBoundingClientRect();
  const inset = 3;  // the box is drawn 3 px outside the text (margin -3px, border 2px, padding 1px)
  return {id: b.id, page: b.closest('figure').id, img: [img.left, img.top, img.right, img.bottom],
          x0: (r.left + inset - img.left) / img.width, y0: (r.top + inset - img.top) / img.height,
          x1: (r.right - inset - img.left) / img.width, y1: (r.bottom - inset - img.top) / img.height,
          rect: [r.left, r.top, r.right, r.bottom]};
})"""


@pytest.mark.parametrize("name", ["forged", "three", "rotated"])
def test_boxes_sit_on_their_page_where_the_json_says(browser, reports, tmp_path, name):
    guarded = Guarded(browser, reports[name])
    page = guarded.page
    record = load_json(reports[name + ".json"])
    located = [ev for f in record["findings"] for ev in f["evidence"] if ev["page"] and ev["start"] is not None]
    assert located and all(ev["box"] for ev in located), "every finding with a page location gets a box"
    expected = json_boxes(record)
    drawn = {r["id"]: r for r in page.evaluate(RECTS)}
    assert expected and set(drawn) == set(expected)
    for ident, box in expected.items():
        got = drawn[ident]
        assert got["page"] == f"p{box['page']}"
        left, top, right, bottom = got["img"]
        r = got["rect"]
        assert left - 4 <= r[0] and r[2] <= right + 4 and top - 4 <= r[1] and r[3] <= bottom + 4, ident
        for key in ("x0", "y0", "x1", "y1"):
            assert abs(got[key] - box[key]) <= TOLERANCE, (ident, key, got[key], box[key])
    keep_screenshot(page, tmp_path, f"report-{name}")
    guarded.close()


def test_a_box_leads_to_its_finding_and_a_finding_to_its_box(browser, reports):
    guarded = Guarded(browser, reports["three"])
    page = guarded.page
    box = page.locator("a.box").last
    ident, target = box.get_attribute("id"), box.get_attribute("href")
    page.evaluate("window.scrollTo(0, 0)")
    box.click()
    assert page.evaluate("location.hash") == target
    assert in_view(page, target) and page.evaluate(f"document.querySelector('{target}').matches(':target')")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert not in_view(page, f"#{ident}")
    page.locator(f'{target} a[href="#{ident}"]').click()
    assert page.evaluate("location.hash") == f"#{ident}" and in_view(page, f"#{ident}")
    guarded.close()


def test_links_work_without_javascript(browser, reports):
    guarded = Guarded(browser, reports["forged"], java_script_enabled=False)
    page = guarded.page
    box = page.locator("a.box").first
    target = box.get_attribute("href")
    box.click()
    assert page.url.endswith(target)
    assert in_view(page, target)
    assert page.locator(".controls").count() == 0 or True  # no filter controls in a single report
    guarded.close()


@pytest.mark.parametrize("name", ["evil_txt", "evil_pdf"])
def test_hostile_letter_text_renders_as_text_and_runs_nothing(browser, reports, tmp_path, name):
    guarded = Guarded(browser, reports[name])
    page = guarded.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    text = page.inner_text("main")
    assert "<script>window.__pwned=1</script>" in text and "javascript:alert(1)" in text and "</div>" in text
    assert page.locator("main script").count() == 0
    assert page.evaluate("Array.from(document.links).every(a => !a.href.startsWith('javascript:'))")
    keep_screenshot(page, tmp_path, f"report-{name}")
    guarded.close()


def test_batch_index_sorts_filters_and_reaches_every_report(browser, reports, tmp_path):
    guarded = Guarded(browser, reports["batch"], color_scheme="dark")
    page = guarded.page
    rows = page.locator("#files tbody tr")
    total = rows.count()
    assert total == len(load_json(reports["batch.json"])["documents"])
    page.locator("#files th[data-col='2'] button").click()
    page.locator("#files th[data-col='2'] button").click()  # descending
    scores = [
        int(s or -1)
        for s in page.eval_on_selector_all("#files tbody tr td:nth-child(3)", "cells => cells.map(c => c.textContent)")
    ]
    assert scores == sorted(scores, reverse=True)
    page.fill(".controls input", "forged")
    visible = page.eval_on_selector_all("#files tbody tr", "rows => rows.filter(r => !r.hidden).length")
    assert visible == 1
    page.fill(".controls input", "")
    page.select_option(".controls select", "fail")
    fails = sum(1 for d in load_json(reports["batch.json"])["documents"] if d["verdict"] == "fail")
    assert page.eval_on_selector_all("#files tbody tr", "rows => rows.filter(r => !r.hidden).length") == fails
    link = page.locator("#files tbody tr:not([hidden]) a").first
    target = link.get_attribute("href")
    link.click()
    assert in_view(page, target)
    keep_screenshot(page, tmp_path, "index-dark")
    guarded.close()


def test_reports_of_hostile_files_load_cleanly(browser, reports, tmp_path):
    if "hostile" not in reports:
        pytest.skip("shared hostile corpus not present")
    guarded = Guarded(browser, reports["hostile"])
    page = guarded.page
    assert page.locator("#files tbody tr").count() == len(load_json(reports["hostile.json"])["documents"])
    assert page.evaluate("typeof window.__pwned") == "undefined"
    keep_screenshot(page, tmp_path, "index-hostile")
    guarded.close()
