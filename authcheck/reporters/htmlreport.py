"""HTML reports: one letter, a batch in one file, or a folder of reports with an index.

`render_html` gives the text of one self-contained file: one letter's report, or (for several
files) an index (sortable, filterable table, counts per verdict and per rule, a chart of scores)
followed by each letter's report in its own section.  `write_html_folder` writes `index.html` and
one report per document (safe file names, relative links) into a folder.  Page pictures are drawn
here for checked PDFs (pagepictures.py: a limited child process) via the `pictures` callable.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Sequence

from authcheck.model import Result
from authcheck.reporters.formats import RunReport
from authcheck.reporters.htmlkit import esc, page, verdict_badge
from authcheck.reporters.htmlletter import findings_of, letter_html, letter_parts

VERDICT_ORDER = ("fail", "review", "pass", "error")
Pictures = Callable[[Result], object]


def default_pictures(settings) -> Pictures:
    """A callable drawing the pages of a checked PDF (None for anything else)."""

    def draw(result: Result):
        if result.error is not None or result.format != "pdf":
            return None
        from authcheck.reporters.pagepictures import changed_pages, pictures_for

        return pictures_for(result.path, result.sha256, settings, changed_pages(result.letter))

    return draw


def render_html(results: Sequence[Result], pictures: Pictures | None = None, *, single: bool = False) -> str:
    """One self-contained HTML file for the results (one letter's report when `single`)."""
    draw = pictures or (lambda r: None)
    if single or len(results) == 1:
        result = results[0]
        head, nav, body = letter_parts(result, draw(result), level=1)
        return page(f"authcheck: {os.path.basename(result.path) or result.path}", body, header=head, nav=nav)
    sections = [index_html(results, [f"#d{i}" for i in range(1, len(results) + 1)])]
    for i, result in enumerate(results, 1):
        sections.append(
            f'<section class="letter" id="d{i}" aria-label="Report {i}">'
            f'<p><a href="#index">Back to the index</a></p>'
            f"{letter_html(result, draw(result), prefix=f'd{i}-', level=2)}</section>"
        )
    return page(f"authcheck: {len(results)} files", "".join(sections), header=_title(results))


def write_html_folder(folder: str, results: Sequence[Result], pictures: Pictures | None = None) -> list[str]:
    """index.html and one report per document in `folder` (created if needed); the paths written."""
    from authcheck.util.atomic import write_atomic

    os.makedirs(folder, exist_ok=True)
    draw = pictures or (lambda r: None)
    names = report_names(results)
    written = []
    for result, name in zip(results, names):
        head, nav, body = letter_parts(result, draw(result), level=1)
        head = '<p><a href="index.html">Back to the index</a></p>' + head
        path = os.path.join(folder, name)
        write_atomic(
            path,
            page(f"authcheck: {os.path.basename(result.path) or result.path}", body, header=head, nav=nav),
            follow_links=False,
        )  # a link planted in the folder is replaced, never followed
        written.append(path)
    index = os.path.join(folder, "index.html")
    write_atomic(
        index,
        page(f"authcheck: {len(results)} files", index_html(results, names), header=_title(results)),
        follow_links=False,
    )
    return [index, *written]


def _title(results: Sequence[Result]) -> str:
    return f'<h1 id="index">authcheck: {len(results)} files</h1>'


def report_names(results: Sequence[Result]) -> list[str]:
    """A safe, unique file name per result: number, then the file's name in [A-Za-z0-9._-]."""
    names = []
    for i, result in enumerate(results, 1):
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", os.path.basename(result.path) or "stdin").strip(".-")[:60]
        names.append(f"{i:04d}-{stem or 'document'}.html")
    return names


def index_html(results: Sequence[Result], links: Sequence[str]) -> str:
    """The batch index: counts, chart, then the table of files (each linking to its report)."""
    verdicts = Counter(r.verdict if r.error is None else "error" for r in results)
    rules = Counter(f.rule for r in results for f in {f.rule: f for f in r.findings}.values())
    counts = "".join(f"<li>{verdict_badge(v)} {verdicts[v]}</li>" for v in VERDICT_ORDER if verdicts.get(v))
    rule_rows = "".join(f"<tr><td>{esc(rule)}</td><td>{n}</td></tr>" for rule, n in rules.most_common())
    return (
        f'<section aria-labelledby="h-counts"><h2 id="h-counts">Counts</h2><ul class="counts">{counts}</ul>'
        f'<div class="chart">{score_chart(results)}</div>'
        f'<details open><summary>Files per rule ({len(rules)} rules fired)</summary><table><thead><tr><th scope="col">Rule'
        f'</th><th scope="col">Files</th></tr></thead><tbody>{rule_rows}</tbody></table></details></section>'
        f'<section aria-labelledby="h-files"><h2 id="h-files">Files</h2>{_controls()}{files_table(results, links)}</section>'
    )


def _controls() -> str:
    """Filter controls, hidden until the script shows them (nothing to do without it)."""
    options = "".join(f'<option value="{v}">{v}</option>' for v in VERDICT_ORDER)
    return (
        '<div class="controls" data-filter="files" hidden><label>Filter <input type="search" '
        'aria-label="Filter files"></label><label>Verdict <select aria-label="Verdict">'
        f'<option value="">any</option>{options}</select></label></div>'
    )


def files_table(results: Sequence[Result], links: Sequence[str]) -> str:
    """One row per file: name (a link to its report), verdict, score, axes, top finding."""
    rows = []
    for result, link in zip(results, links):
        verdict = result.verdict if result.error is None else "error"
        findings = findings_of(result)
        top = esc(findings[0].title) if findings else (esc(result.error.message) if result.error else "")
        score = "" if result.score is None else str(result.score)
        axes = [result.axes.get(a) for a in ("origin", "authority")]
        cells = [
            f'<td data-key="{esc(result.path)}"><a href="{esc(link)}">{esc(result.path)}</a></td>',
            f'<td data-key="{VERDICT_ORDER.index(verdict) if verdict in VERDICT_ORDER else 9}">'
            f"{verdict_badge(result.verdict)}</td>",
            f'<td data-key="{score or -1}">{score}</td>',
            *(f'<td data-key="{-1 if a is None else a}">{"" if a is None else a}</td>' for a in axes),
            f"<td>{top}</td>",
        ]
        rows.append(f'<tr data-verdict="{esc(verdict)}">{"".join(cells)}</tr>')
    heads = ["File", "Verdict", "Score", "Origin", "Authority", "Top finding"]
    numeric = {1, 2, 3, 4}
    ths = "".join(
        f'<th scope="col" data-col="{i}"{" data-num" if i in numeric else ""}>{h}</th>' for i, h in enumerate(heads)
    )
    return f'<table id="files" class="sortable"><thead><tr>{ths}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def score_chart(results: Sequence[Result]) -> str:
    """An inline SVG histogram of risk scores in ten bands, each bar labelled with its count."""
    bins = [0] * 10
    for r in results:
        if r.score is not None:
            bins[min(9, max(0, int(r.score) // 10))] += 1
    top = max(bins) or 1
    bars = []
    for i, count in enumerate(bins):
        height = round(120 * count / top)
        band = "fail" if i >= 6 else "review" if i >= 3 else "pass"  # display only, from the default bands
        x = 40 + i * 50
        bars.append(
            f'<rect class="bar-{band}" x="{x}" y="{140 - height}" width="40" height="{height}">'
            f"<title>{i * 10}-{i * 10 + 9 if i < 9 else 100}: {count} file(s)</title></rect>"
            f'<text x="{x + 20}" y="{135 - height}" text-anchor="middle">{count or ""}</text>'
            f'<text x="{x + 20}" y="158" text-anchor="middle">{i * 10}</text>'
        )
    return (
        '<svg role="img" viewBox="0 0 560 175" width="560" height="175" aria-labelledby="chart-title">'
        '<title id="chart-title">Risk scores of the checked files, in bands of ten</title>'
        f'{"".join(bars)}<text x="300" y="174" text-anchor="middle">risk score</text></svg>'
    )


def render_run(report: RunReport) -> str:
    """The HTML report of a run (output table): one letter's report for a single file, with page pictures."""
    return render_html(report.results, default_pictures(report.settings), single=report.single)


def write_run_folder(folder: str, report: RunReport) -> list[str]:
    """``--html-output DIR/`` (output table): index.html and one report per document."""
    return write_html_folder(folder, report.results, default_pictures(report.settings))
