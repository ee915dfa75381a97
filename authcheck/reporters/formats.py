"""The output formats authcheck writes: one immutable table, the one place a format is declared.

The command line reads `OUTPUTS` for its `--format` choices, for its `--<name>-output FILE`
options, for what a run must keep of each result until the end, and for how each report is
written (whole, streamed record by record, or as a folder); `authcheck.reporters.REPORTERS`
(one result to a text stream, for library users and tests) is drawn from it too.  Code is named
by "module:function" strings imported on first use (`resolve`), so importing the table imports
no renderer (and not rich).

How to add an output format (say Markdown)
------------------------------------------
1. Write one reporter module, ``authcheck/reporters/markdown.py``, with
   ``render_run(report: RunReport) -> str`` (the report of a whole run; one file's report when
   ``report.single``) and ``write_one(result, file, *, color=None, width=None)`` (one result to a
   text stream).
2. Add one line to `OUTPUTS`:
   ``Output("markdown", ".md", one="authcheck.reporters.markdown:write_one",
   run="authcheck.reporters.markdown:render_run", also="Also write Markdown to FILE.")``.
That is all: ``authcheck check -f markdown``, ``--markdown-output FILE`` and
``REPORTERS["markdown"]`` then work, and ``tests/test_report_outputs.py`` renders it through the
command line.  The optional fields: `line` for a format streamed one record per file as results
arrive (JSON lines), `folder` for an ``--<name>-output DIR/`` that writes a folder of reports,
`keeps` for what the run must hold of each result, `extra_single` and `terminal` below.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from authcheck.model import Result
from authcheck.util.lazyref import resolve
from authcheck.util.records import frozen

__all__ = ["OUTPUTS", "Output", "RunReport", "by_name", "names", "preload", "resolve"]

_TOP = "authcheck.reporters"


@frozen
class Output:
    """One output format.  Every reference is a "module:function" string, imported on first use.

    `one(result, file, *, color=None, width=None)`: one result written to a text stream.
    `run(report: RunReport) -> str`: the report of a run (None: the format is only streamed).
    `line(result) -> str`: one record, written to the report as each file is done.
    `folder(folder, report: RunReport)`: a folder of reports for ``--<name>-output DIR/``.
    `line_text(record, text, path) -> str | None`: the same line from a result's stored record text
    (the result cache's form), written through without rendering (None: render it after all).
    """

    name: str  #: the `--format` choice; ``--<name>-output`` when `also` is set
    suffix: str  #: the usual file suffix (a report rescued to a temporary file gets it)
    one: str
    run: str | None = None
    line: str | None = None
    line_text: str | None = None
    folder: str | None = None
    also: str | None = None  #: help of the ``--<name>-output FILE`` option (None: no such option)
    keeps: str = "full"  #: of each result until the end: "summary" (streamed), "full", "letter" (text too)
    extra_single: bool = False  #: ``--<name>-output`` of one file is its single-file report (else the run's)
    terminal: bool = False  #: text for a terminal: colour and width apply, a file gets neither
    boxes: bool = False  #: shows where evidence sits on its page (`evidence[].box`): the run computes boxes


@frozen
class RunReport:
    """What a run's report is made from: the results and how the run was asked to show them."""

    results: Sequence[Result]
    single: bool = False  #: one file was named: its own report rather than the batch's
    settings: Any = None  #: the run's Settings (min_severity, explain, the gate, page pictures)
    ruleset: Any = None  #: the rules that ran (SARIF describes each)
    color: bool | None = None
    width: int | None = None
    quiet: bool = False
    verbose: bool = False
    include_suppressed: bool = False  #: keep suppressed findings (SARIF)
    cache_failures: int = 0
    config_path: str | None = None
    skipped: int = 0  #: files a folder walk left out because of their type


OUTPUTS: tuple[Output, ...] = (
    Output("console", ".txt", one=f"{_TOP}:write_console", run=f"{_TOP}.consolebatch:render_run", terminal=True),
    Output(
        "json",
        ".json",
        one=f"{_TOP}:write_json",
        run=f"{_TOP}.jsonbatch:render_run",
        also="Also write JSON to FILE.",
        boxes=True,
    ),
    Output(
        "jsonl",
        ".jsonl",
        one=f"{_TOP}:write_jsonl",
        line=f"{_TOP}.jsonbatch:jsonl_line",
        line_text=f"{_TOP}.jsonout:jsonl_line_from_text",
        also="Also write JSON lines to FILE.",
        keeps="summary",
        boxes=True,
    ),
    Output(
        "sarif",
        ".sarif",
        one=f"{_TOP}:write_sarif",
        run=f"{_TOP}.sarif:render_run",
        also="Also write SARIF to FILE.",
    ),
    Output(
        "html",
        ".html",
        one=f"{_TOP}:write_html",
        run=f"{_TOP}.htmlreport:render_run",
        folder=f"{_TOP}.htmlreport:write_run_folder",
        also="Also write an HTML report to FILE, or a folder of reports with an index to DIR/.",
        keeps="letter",
        extra_single=True,
        boxes=True,
    ),
)


def table() -> tuple[Output, ...]:
    """The table as it is now (read at each call, so a test may swap in its own)."""
    return OUTPUTS


def names() -> tuple[str, ...]:
    """Every output format's name, in table order (the `--format` choices)."""
    return tuple(row.name for row in table())


def by_name(name: str) -> Output:
    """The output format called `name` (KeyError for none)."""
    for row in table():
        if row.name == name:
            return row
    raise KeyError(name)


#: The modules a writer's module imports, in an order where each takes a few milliseconds of its
#: own (rich's, under the console report): `preload_steps` imports them one at a time.  A name
#: this rich does not have is passed over; the writer's own import brings whatever is left.
_PIECES = {
    f"{_TOP}.consolebatch": (
        *("fractions", "pickle", "random", "rich", "rich.repr", "rich.color_triplet", "rich._palettes"),
        *("rich.terminal_theme", "rich.color", "rich.cells", "rich.style", "rich.segment", "rich.containers"),
        *("rich.markup", "rich.highlighter", "rich.text", "rich.box", "rich.padding", "rich.table"),
        *("rich.theme", "rich.console", f"{_TOP}.console"),
    ),
}


def preload_steps(names: Sequence[str]) -> Iterator[None]:
    """`preload`, a module at a time, yielding after each: a first command fills its wait for its
    standby's word with these steps (`standby.announced`), asking between two whether the word has
    come.  Stops at a writer that cannot be imported (it fails where its report is written)."""
    import importlib

    for reference in _writers(names):
        for piece in _PIECES.get(reference.partition(":")[0], ()):
            try:
                importlib.import_module(piece)
            except Exception:  # not in this rich (or broken: the writer's import says so later)
                continue
            yield
        try:
            resolve(reference)
        except Exception:
            return
        yield


def preload(names: Sequence[str]) -> None:
    """Import the writers these formats' reports are written with (`run`, and `line` for a streamed
    one) and what their modules import: rich for the console, about 30 ms.  A command does it while
    its workers check its files (`batch.pool.scan`'s `meanwhile`), so its report is not written
    after that wait and the imports as well."""
    for reference in _writers(names):
        resolve(reference)


def _writers(names: Sequence[str]) -> Iterator[str]:
    """The references of the writers these formats' reports are written with (`run`, and `line` for
    a streamed one), each format once."""
    for name in dict.fromkeys(names):
        row = by_name(name)
        yield from (reference for reference in (row.run, row.line) if reference)
