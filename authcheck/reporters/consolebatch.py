"""The console view of a batch scan: a progress line on stderr while it runs, then every file and finding.

Each file gets a line with its verdict and score; under it, one line per finding in the form
``path:page:line rule message`` (like ruff's concise output; "-" for an unknown page or line),
with the path shortened from the left so the file name always shows.  Lines are never cut or
broken by the report (a narrow terminal wraps them), so each one can be searched as a whole.  Findings are listed for
files that did not pass (and for every file with `verbose`); `quiet` lists only the files that
trip the gate or could not be checked.  A summary line ends the report: counts per verdict,
files skipped because of their type, and findings a baseline or ignore file suppressed.
Every string from a file or a rule is passed through `safetext.for_terminal`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.text import Text

from authcheck.errors import error_detail
from authcheck.model import VERDICTS, Finding, Result
from authcheck.reporters.console import SEVERITY_STYLE, VERDICT_STYLE, is_plain
from authcheck.reporters.formats import RunReport
from authcheck.scoring.record import sorted_findings
from authcheck.util.records import frozen
from authcheck.util.safetext import for_terminal

ELLIPSIS = "…"
MIN_PATH = 24  #: a shortened path keeps at least this many characters
TAG_WIDTH = 9  #: "FAIL  75 " and "ERROR    " line up


class Progress:
    """Call with each result as it arrives, and with None at the end; draws one line on stderr."""

    def __init__(self, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress  # ≈ 10 ms: only when a progress line is drawn

        self._bar = RichProgress(
            TextColumn("checking", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[last]}", markup=False),
            console=Console(file=sys.stderr, markup=False, highlight=False, emoji=False),
            transient=True,
        )
        self._task = self._bar.add_task("scan", total=total, last="")
        self._bar.start()

    def __call__(self, result: Result | None) -> None:
        if result is None:
            self._bar.stop()
            return
        self._bar.update(self._task, advance=1, last=shorten(for_terminal(result.path), 50))


@frozen
class BatchView:
    """What the batch report shows: `quiet` only failing files, `verbose` passing files' findings too.

    `failing(result)` says whether a result trips the gate; `skipped` counts files left out of
    folders because of their type."""

    quiet: bool = False
    verbose: bool = False
    failing: Callable[[Result], bool] = lambda r: r.error is not None or r.verdict == "fail"
    skipped: int = 0


def render_summary(results: Sequence[Result], console: Console, view: BatchView | None = None) -> None:
    """Every file (or only failing ones with `view.quiet`), its findings, then the summary line."""
    view = view or BatchView()
    plain = is_plain(console)
    ordered = sorted(results, key=_rank)
    shown = [r for r in ordered if not view.quiet or view.failing(r)]
    for result in shown:
        console.print(file_line(result, console.width, plain), soft_wrap=True)
        if result.error is None and (view.verbose or result.verdict != "pass"):
            for finding in sorted_findings(f for f in result.findings if f.suppressed is None):
                console.print(finding_line(result.path, finding, console.width, plain), soft_wrap=True)
    if view.quiet and len(shown) < len(ordered):
        console.print(
            Text(
                f"{len(ordered) - len(shown)} more file(s) did not trip the gate (--quiet)",
                style="" if plain else "dim",
            )
        )
    console.print(summary_line(results, view, plain), soft_wrap=True)


def _rank(result: Result) -> tuple:
    """Errors first, then the highest scores, then by path."""
    return (result.error is None, -(result.score or 0), result.path)


def file_line(result: Result, width: int, plain: bool) -> Text:
    """``FAIL  75  path`` or ``ERROR     path: type at stage: message``."""
    if result.error is not None:
        err = result.error
        tag = Text("ERROR".ljust(TAG_WIDTH), style="" if plain else "bold red")
        detail = for_terminal(f": {error_detail(err)}")
        return Text.assemble(tag, shorten(for_terminal(result.path), max(MIN_PATH, width - TAG_WIDTH - 30)), detail)
    verdict = (result.verdict or "none").upper()
    tag = Text(
        f"{verdict:<6}{result.score if result.score is not None else '?':>3}",
        style="" if plain else VERDICT_STYLE.get(result.verdict or "", ""),
    )
    axes = f"  (origin {result.axes.get('origin', '?')}, authority {result.axes.get('authority', '?')})"
    path = for_terminal(result.path)
    if len(path) > width - TAG_WIDTH - 2 - len(axes):
        axes = ""  # the file name matters more than the axes, which the JSON and the single report give
    path = shorten(path, max(MIN_PATH, width - TAG_WIDTH - 2 - len(axes)))
    return Text.assemble(tag, "  ", path, (axes, "" if plain else "dim"))


def finding_line(path: str, finding: Finding, width: int, plain: bool) -> Text:
    """``  path:page:line rule message`` for one finding, the path shortened from the left."""
    page, line = _where(finding)
    tail = f":{page}:{line}"
    path_room = max(MIN_PATH, min(width // 2, width - 40)) - len(tail)
    return Text.assemble(
        "  ",
        shorten(for_terminal(path), path_room),
        tail,
        " ",
        (for_terminal(finding.rule), "" if plain else SEVERITY_STYLE.get(finding.severity, "")),
        " ",
        for_terminal(" ".join(finding.message.split())),
    )


def _where(finding: Finding) -> tuple[str, str]:
    """Page and line of the first evidence that has them ("-" when unknown)."""
    for ev in finding.evidence:
        if ev.loc.page is not None or ev.loc.line is not None:
            return ("-" if ev.loc.page is None else str(ev.loc.page)), (
                "-" if ev.loc.line is None else str(ev.loc.line)
            )
    return "-", "-"


def shorten(path: str, room: int) -> str:
    """`path` cut from the left to `room` characters, keeping the end (the file name)."""
    if len(path) <= room:
        return path
    return ELLIPSIS + path[-(max(room, 2) - 1) :]


def summary_line(results: Sequence[Result], view: BatchView, plain: bool) -> Text:
    """``12 file(s): 6 pass, 0 review, 6 fail, 0 not checked; 3 skipped ...; 2 findings suppressed``."""
    counts = {v: sum(1 for r in results if r.error is None and r.verdict == v) for v in VERDICTS}
    errors = sum(1 for r in results if r.error is not None)
    line = Text(f"{len(results)} file(s): ")
    for verdict in VERDICTS:
        line.append(f"{counts[verdict]} {verdict}", style=None if plain else VERDICT_STYLE[verdict])
        line.append(", ")
    line.append(f"{errors} not checked", style=None if plain or not errors else "bold red")
    if view.skipped:
        line.append(f"; {view.skipped} file(s) skipped in folders (not .pdf, .docx, .txt or an image)")
    suppressed = sum(1 for r in results for f in r.findings if f.suppressed is not None)
    if suppressed:
        line.append(f"; {suppressed} finding(s) suppressed (baseline or ignore file)")
    return line


def render_run(report: RunReport) -> str:
    """The console report of a run (output table) as text: the rich report of a single file, or
    the summary of several; the config file's name first when one was read."""
    import io

    from authcheck.reporters.console import make_console, render_report

    buffer = io.StringIO()
    console = make_console(buffer, color=report.color, width=report.width)
    results, settings = report.results, report.settings
    if report.config_path and (not report.single or results[0].error is None):
        console.print(f"config: {for_terminal(report.config_path)}", markup=False, highlight=False)
    if report.single:
        if results[0].error is None:
            render_report(results[0], console, settings.min_severity, explain=settings.explain)
        return buffer.getvalue()

    def failing(r: Result) -> bool:
        return r.error is not None or settings.gate_trips(r.verdict, r.score)

    render_summary(results, console, BatchView(report.quiet, report.verbose, failing, report.skipped))
    if report.cache_failures:
        console.print(cache_failed_line(report.cache_failures), markup=False, highlight=False)
    return buffer.getvalue()


def cache_failed_line(count: int) -> str:
    """How many cache entries failed verification (said on stderr and at the end of the summary)."""
    return f"{count} cache {'entry' if count == 1 else 'entries'} failed verification"
