"""Reporters: pure renderings of a `Result`, chosen by name from `REPORTERS`.

Every reporter has the same signature, ``write(result, file, *, color=None, width=None)``,
and writes one file's report to the text stream `file`.  `color` and `width` only matter
to the console reporter.  Nothing here imports rich: the console module (rich, like the other
terminal views) is loaded the first time a console report is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from authcheck.model import Result
from authcheck.reporters.jsonout import SCHEMA_VERSION, render_json, render_jsonl, result_record

__all__ = ["REPORTERS", "SCHEMA_VERSION", "Reporter", "render_json", "render_jsonl", "result_record"]

Reporter = Callable[..., None]


def write_console(result: Result, file: TextIO, *, color: bool | None = None, width: int | None = None) -> None:
    """The analyst's report (rich), coloured only on a terminal unless `color` says otherwise."""
    from authcheck.reporters.console import make_console, render_report

    render_report(result, make_console(file, color=color, width=width))


def write_json(result: Result, file: TextIO, *, color: bool | None = None, width: int | None = None) -> None:
    """One record as indented JSON."""
    file.write(render_json(result))


def write_jsonl(result: Result, file: TextIO, *, color: bool | None = None, width: int | None = None) -> None:
    """One record on one line."""
    file.write(render_jsonl(result))


def write_html(result: Result, file: TextIO, *, color: bool | None = None, width: int | None = None) -> None:
    """One self-contained HTML report (text only here: no page pictures without the run's settings)."""
    from authcheck.reporters.htmlreport import render_html

    file.write(render_html([result], single=True))


REPORTERS: dict[str, Reporter] = {
    "console": write_console,
    "json": write_json,
    "jsonl": write_jsonl,
    "html": write_html,
}
