"""The console view of a batch scan: a live progress bar on stderr and a summary table at the end."""

from __future__ import annotations

import sys
from typing import Optional, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..model import VERDICTS, Result
from .console import VERDICT_STYLE, is_plain, table_box
from .snippets import clean

WORST = 10


class Progress:
    """Call with each result as it arrives, and with None at the end; draws on stderr."""

    def __init__(self, total: int) -> None:
        self._bar = RichProgress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("{task.fields[last]}"), console=Console(file=sys.stderr),
                                 transient=True)
        self._task = self._bar.add_task("scan", total=total, last="")
        self._bar.start()

    def __call__(self, result: Optional[Result]) -> None:
        if result is None:
            self._bar.stop()
            return
        self._bar.update(self._task, advance=1, last=clean(result.path)[-50:])


def render_summary(results: Sequence[Result], console: Console) -> None:
    """Counts per verdict, the riskiest files, and the files that could not be checked."""
    plain = is_plain(console)
    counts = {v: sum(1 for r in results if r.verdict == v) for v in VERDICTS}
    errors = [r for r in results if r.error is not None]
    line = Text(f"{len(results)} file(s): ")
    for verdict in VERDICTS:
        line.append(f"{counts[verdict]} {verdict}", style=None if plain else VERDICT_STYLE[verdict])
        line.append(", ")
    line.append(f"{len(errors)} not checked", style=None if plain or not errors else "bold red")
    console.print(line)
    _worst_table(results, console)
    if errors:
        _error_table(errors, console)


def _worst_table(results: Sequence[Result], console: Console) -> None:
    """The files with the highest risk scores."""
    ranked = sorted((r for r in results if r.error is None), key=lambda r: (-(r.score or 0), r.path))[:WORST]
    if not ranked:
        return
    table = Table("verdict", "score", "origin", "authority", "file", "strongest finding", box=table_box(console),
                  title="Highest risk", title_justify="left")
    for r in ranked:
        top = next((f.rule for f in r.findings if f.suppressed is None), "")
        table.add_row(r.verdict or "", str(r.score), str(r.axes.get("origin", "")), str(r.axes.get("authority", "")),
                      clean(r.path), top)
    console.print(table)


def _error_table(errors: Sequence[Result], console: Console) -> None:
    """The files that could not be checked, with the typed error."""
    table = Table("file", "error", "stage", "message", box=table_box(console), title="Not checked",
                  title_justify="left")
    for r in errors:
        table.add_row(clean(r.path), r.error.type, r.error.stage, clean(r.error.message))
    console.print(table)
