"""Reporters: renderings of results, one module per output format, declared in `formats.OUTPUTS`.

`REPORTERS` maps each format's name to its one-result writer,
``write(result, file, *, color=None, width=None)``, which writes one file's report to the text
stream `file`; `color` and `width` only matter to the console reporter.  The command line reads
the same table (`formats.py`) for whole runs.  Names are exported lazily (PEP 562) and every
renderer is imported on first use, so importing this package (or the table) imports no renderer
and not rich.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TextIO

from authcheck.model import Result

__all__ = ["REPORTERS", "SCHEMA_VERSION", "Reporter", "render_json", "render_jsonl", "result_record"]

Reporter = Callable[..., None]
_FROM_JSONOUT = ("SCHEMA_VERSION", "render_json", "render_jsonl", "result_record")


def __getattr__(name: str) -> Any:
    if name in _FROM_JSONOUT:
        return getattr(importlib.import_module("authcheck.reporters.jsonout"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Writers(Mapping[str, Reporter]):
    """Name -> one-result writer, read from the output table at each lookup."""

    def __getitem__(self, name: str) -> Reporter:
        from authcheck.reporters import formats

        return formats.resolve(formats.by_name(name).one)

    def __iter__(self) -> Iterator[str]:
        from authcheck.reporters import formats

        return iter(formats.names())

    def __len__(self) -> int:
        from authcheck.reporters import formats

        return len(formats.names())


REPORTERS: Mapping[str, Reporter] = _Writers()


def write_console(result: Result, file: TextIO, *, color: bool | None = None, width: int | None = None) -> None:
    """The analyst's report (rich), coloured only on a terminal unless `color` says otherwise."""
    from authcheck.reporters.console import make_console, render_report

    render_report(result, make_console(file, color=color, width=width))


def write_json(result: Result, file: TextIO, *, color: bool | None = None, width: int | None = None) -> None:
    """One record as indented JSON."""
    from authcheck.reporters.jsonout import render_json

    file.write(render_json(result))


def write_jsonl(result: Result, file: TextIO, *, color: bool | None = None, width: int | None = None) -> None:
    """One record on one line."""
    from authcheck.reporters.jsonout import render_jsonl

    file.write(render_jsonl(result))


def write_sarif(result: Result, file: TextIO, *, color: bool | None = None, width: int | None = None) -> None:
    """A SARIF log of one result (its rules rebuilt from its findings: no rule set is at hand)."""
    from authcheck.reporters.sarif import render_sarif
    from authcheck.version import __version__

    file.write(render_sarif([result], (), tool_version=__version__))


def write_html(result: Result, file: TextIO, *, color: bool | None = None, width: int | None = None) -> None:
    """One self-contained HTML report (text only here: no page pictures without the run's settings)."""
    from authcheck.reporters.htmlreport import render_html

    file.write(render_html([result], single=True))
