"""The analyst's console report, and SVG export of it (rich, like `consolebatch` and `extractview`).

`render_report` prints one result: verdict badge, risk score and the two axes, the
reason, what the letter claims (issuer, recipient, date, subject, signature), the
findings with their evidence highlighted in its sentence, loader notes, and what to
verify next.  Without colour (NO_COLOR, not a terminal, or ``color=False``) the output
is plain text: ASCII rules, matches wrapped in «», no escape codes, so it can be
diffed, piped and kept as a golden file.  Document text is never interpreted as rich
markup and passes through `snippets.clean` first.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from rich import box
from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Column, Table
from rich.text import Text

from authcheck.errors import error_detail
from authcheck.model import Evidence, Finding, Result
from authcheck.reporters.snippets import clean, loc_label, split_context
from authcheck.scoring.record import sorted_findings
from authcheck.util.patterns import compiled
from authcheck.util.safetext import for_terminal

try:  # rich's own line breaking, which `Text.wrap` calls (`_wrap_plain`)
    from rich import _wrap

    divide_line: Any = _wrap.divide_line
except (ImportError, AttributeError):  # another rich: its `Text.wrap` wraps
    divide_line = None

AXIS_MEANING = {
    "origin": "is it from whom it claims, unaltered?",
    "authority": "is it a final, signed, authorised act?",
}
VERDICT_STYLE = {"pass": "bold black on green", "review": "bold black on yellow", "fail": "bold white on red"}
SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
SOURCE_NAMES = {
    "signature_block": "signature block",
    "letterhead": "letterhead",
    "from_line": "FROM line",
    "from": "FROM line",
    "metadata": "metadata",
    "header": "page header",
    "address_block": "address block",
}
SIGNATURE_KINDS = {"digital": "digital signature", "image": "signature image", "conformed": "conformed signature (/s/)"}
MATCH_STYLE = "bold reverse"
MAX_EVIDENCE = 5  #: evidence items shown per finding; the JSON keeps them all
INDENT = 8  #: where a finding's message and evidence start
_TRAILING = compiled(r"[ \t]+$", re.MULTILINE)


# --- consoles ------------------------------------------------------------------------


def wants_color(file: Any, color: bool | None = None) -> bool:
    """Whether to colour: `color` when given, else NO_COLOR, FORCE_COLOR, then "is it a TTY"."""
    if color is not None:
        return color
    if os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("FORCE_COLOR", ""):
        return True
    isatty = getattr(file if file is not None else sys.stdout, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


def make_console(file=None, *, color: bool | None = None, width: int | None = None, record: bool = False) -> Console:
    """A rich Console for reports: colour per `wants_color`, no markup, no auto-highlighting."""
    use_color = wants_color(file, color)
    return Console(
        file=file,
        width=width,
        record=record,
        force_terminal=use_color,
        no_color=not use_color,
        color_system="standard" if use_color else None,
        markup=False,
        highlight=False,
        emoji=False,
    )


def is_plain(console: Printer) -> bool:
    """True when the console writes no escape codes: use ASCII boxes and «» around matches."""
    return console.color_system is None or console.no_color


def table_box(console: Console) -> box.Box:
    """Box characters: ASCII when plain, rounded on a colour terminal."""
    return box.ASCII2 if is_plain(console) else box.ROUNDED


@contextmanager
def trimmed(console: Console) -> Iterator[None]:
    """On a plain console, strip the trailing spaces rich pads table cells with.

    Plain output ends up in files, pipes and golden tests, where trailing blanks are
    noise; a colour terminal (or a recording console) is written to directly.
    """
    if not is_plain(console) or console.record:
        yield
        return
    with console.capture() as capture:
        yield
    _write_trimmed(console, capture.get())


def _write_trimmed(console: Console, text: str) -> None:
    """Write `text` to the console's file without the trailing spaces of its lines."""
    console.file.write(_TRAILING.sub("", text))
    console.file.flush()


def section(console: Printer, title: str) -> None:
    """A left-aligned heading rule."""
    console.print()
    console.print(
        Rule(Text(title, style="bold"), align="left", style="dim", characters="-" if is_plain(console) else "─")
    )


# --- the report ------------------------------------------------------------------------


def render_report(result: Result, console: Console, min_severity: str = "info", explain: bool = False) -> None:
    """Print the report for one result: one ERROR line when the file could not be checked.

    Findings below `min_severity` are not shown (a line says how many); they still count.
    A plain console gets the same text laid out by `PlainText`.
    """
    if is_plain(console) and not console.record:
        sink = PlainText(console)
        print_report(result, sink, min_severity, explain)
        _write_trimmed(console, "".join(sink.parts))
        return
    print_report(result, console, min_severity, explain)


class PlainText:
    """What `print_report` prints on a plain console, as text: the console's own output, trailing
    spaces aside (`trimmed` strips them), in a fraction of the time.

    rich lays out a report's grids, hanging indents and paragraphs by measuring and padding every
    cell through several layers: about 6 ms for a 1-page letter's report, a tenth of a first
    command.  Here a paragraph is wrapped as `Text.wrap` wraps it (`_wrap_plain`, on strings, with
    rich's own `divide_line`), at the width rich would give it; a grid (`bullet`, `finding_head`,
    `letter_table`) is its fixed columns padded and its last column wrapped in the width left, and
    one whose columns all fit at their widest line (the axes) is laid out at those widths, as rich's
    grid lays them out; a left-aligned rule is its title, a space and its character to the width.
    Anything else (a grid too narrow for either, a tab, a control character) is printed by the
    console itself into the text.  `tests/test_console_plain.py` compares the two on letters,
    hostile text and widths."""

    color_system = None
    no_color = True
    record = False

    def __init__(self, console: Console) -> None:
        self._console = console
        self.width = console.width
        self.parts: list[str] = []

    def print(self, *renderables: Any) -> None:
        """Add a renderable's lines (a blank line without one)."""
        if not renderables:
            self.parts.append("\n")
            return
        lines = _plain_lines(self._console, renderables[0], self.width) if len(renderables) == 1 else None
        if lines is not None:
            self.parts.append("".join(line + "\n" for line in lines))
            return
        with self._console.capture() as capture:
            self._console.print(*renderables)
        self.parts.append(capture.get())


Printer = Console | PlainText  #: where the report is printed


def _plain_lines(console: Console, item: Any, width: int) -> list[str] | None:
    """The lines `console.print(item)` writes on a plain console (trailing spaces aside), or None when
    `item` is not one `PlainText` lays out."""
    if isinstance(item, Text):
        return _wrapped(console, item, width) if item.end == "\n" else None
    if isinstance(item, Padding):
        inner, left = item.renderable, item.left
        if item.top or item.right or item.bottom or not item.expand or not isinstance(inner, Text) or width - left < 1:
            return None
        return [" " * left + line for line in _wrapped(console, inner, width - left)]
    if isinstance(item, Table):
        lines = _grid_lines(console, item, width)
        return lines if lines is not None else _natural_grid_lines(item, width)
    if isinstance(item, Rule):
        return _rule_lines(item, width)
    return None


def _wrapped(console: Console, text: Text, width: int, justify: Any = None, overflow: Any = None) -> list[str]:
    """A Text's lines at `width`, as `Text.__rich_console__` wraps it."""
    justify = text.justify or justify or "default"
    overflow = text.overflow or overflow or "fold"
    lines = _wrap_plain(text.plain, width, justify, overflow, bool(text.no_wrap))
    if lines is not None:
        return lines
    wrapped = text.wrap(
        console,
        width,
        justify=justify,
        overflow=overflow,
        tab_size=(console.tab_size if text.tab_size is None else text.tab_size) or 8,
        no_wrap=bool(text.no_wrap),
    )
    return [line.plain for line in wrapped]


def _wrap_plain(plain: str, width: int, justify: str, overflow: str, no_wrap: bool) -> list[str] | None:
    """The lines `Text.wrap` makes of a text with this plain text, on strings rather than Text objects
    (a quarter of the time): each line (between "\\n"s) divided where rich's `divide_line` says, the
    white space a piece has beyond `width` cut, padded to `width` when left-justified, cut to it.
    None for what it leaves to `Text.wrap`: tabs, justification other than left or none, an
    overflow other than fold, crop or ellipsis, or a rich without `divide_line`."""
    if (
        divide_line is None
        or width < 1
        or "\t" in plain
        or justify not in ("default", "left")
        or overflow not in ("fold", "crop", "ellipsis")
    ):
        return None
    pad = justify == "left"
    out = []
    for line in plain.split("\n"):  # `Text.split("\n", allow_blank=True)`
        offsets = [] if no_wrap else divide_line(line, width, fold=overflow == "fold")
        pieces = [line[a:b] for a, b in zip([0, *offsets], [*offsets, len(line)])]  # `Text.divide`
        for piece in pieces:
            if not no_wrap and len(piece) > width:  # `Text.rstrip_end`: characters, not cells
                trailing = len(piece) - len(piece.rstrip())
                if trailing:
                    piece = piece[: len(piece) - min(trailing, len(piece) - width)]
            size = cell_len(piece)
            if size > width:  # `Text.truncate`
                piece = set_cell_size(piece, width - 1) + "…" if overflow == "ellipsis" else set_cell_size(piece, width)
            elif pad and size < width:
                piece += " " * (width - size)
            out.append(piece)
    return out


def _grid_lines(console: Console, grid: Table, width: int) -> list[str] | None:
    """A grid's lines when it is one rich lays out as fixed cells then a last column that wraps in the
    width left (no box, header or title; cells of one line in every column but the last); else None."""
    columns = grid.columns
    plain_grid, right = _bare_grid(grid)
    if not plain_grid or len(columns) < 2:
        return None
    by_column = _text_cells(grid)
    if by_column is None:
        return None
    rows = list(zip(*by_column))
    *leading, last = columns
    inners, widths = [], []  # each leading column's width, without and with its right padding
    for index, column in enumerate(leading):
        if column.ratio or column.min_width or column.max_width or (column.width is None and not column.no_wrap):
            return None
        if column.justify not in ("left", "default", "right"):
            return None
        cells = [text.plain for text in by_column[index]]
        if any("\n" in cell for cell in cells):  # tabs are `_text_cells`'s
            return None
        sizes = list(map(cell_len, cells))
        inner = column.width if column.width is not None else max(sizes, default=0)
        if any(size > inner for size in sizes):
            return None
        inners.append(inner)
        widths.append(inner + right)
    room = width - sum(widths)
    if last.width is not None or last.no_wrap or last.ratio or last.min_width or last.max_width or room < 10:
        return None
    if last.justify not in ("left", "default") or last.vertical != "top":
        return None
    # rich's width for the last column: its widest line (as `Text.__rich_measure__` measures it), or the room left
    widest = max((cell_len(line) for row in rows for line in row[-1].plain.splitlines()), default=0)
    wrap_width = min(widest or 1, room)
    indent = " " * sum(widths)  # a row's further lines: blank leading cells (columns, not characters)
    out = []
    for row in rows:
        head = "".join(
            _placed(cell.plain, column.justify, inner, size)
            for cell, column, inner, size in zip(row, leading, inners, widths)
        )
        tail = _wrapped(console, row[-1], wrap_width, last.justify, last.overflow) or [""]
        out.append(head + tail[0])
        out.extend(indent + line for line in tail[1:])
    return out


def _bare_grid(grid: Table) -> tuple[bool, int]:
    """Whether a grid is one `PlainText` may lay out (no box, header, title, expansion, row styles, top
    or bottom padding; padding collapsed and not at the edges), and its right padding: the gap
    after each column but the last."""
    top, right, bottom, left = grid.padding
    bare = (
        grid.box is None
        and not (grid.show_header or grid.show_footer or grid.title or grid.caption or grid.expand or grid.row_styles)
        and grid.width is None
        and grid.collapse_padding
        and not grid.pad_edge
        and not (top or bottom or grid.leading)
        and left <= right
    )
    return bare, right


def _natural_grid_lines(grid: Table, width: int) -> list[str] | None:
    """A grid's lines when every column has the width of its widest line and they fit in `width`
    together (rich then lays each cell out at that width, left-justified, shorter cells padded with
    blank lines: the axes); else None.  Only bare text cells, in columns with no width, ratio, wrapping
    or alignment of their own, and lines rich measures as it divides them."""
    columns = grid.columns
    plain_grid, right = _bare_grid(grid)
    if not plain_grid or not columns:
        return None
    for column in columns:
        if column.width is not None or column.ratio or column.min_width or column.max_width or column.no_wrap:
            return None
        if column.justify not in ("left", "default") or column.vertical != "top":  # overflow: nothing overflows
            return None
    cells = _text_cells(grid)
    if cells is None:
        return None
    texts = [[cell.plain for cell in column] for column in cells]
    split = [[text.split("\n") for text in column] for column in texts]
    pads = [right] * (len(columns) - 1) + [0]  # the gap after each column but the last
    # each column's width with its gap: its widest line's, and one cell for a column with neither
    sizes = [
        max((cell_len(line) for cell in column for line in cell), default=0) + pad or 1
        for column, pad in zip(split, pads)
    ]
    if sum(sizes) > width:
        return None
    laid = []  # each column's cells wrapped in its width, as its Padding has them wrapped
    for column, texts_of, size, pad in zip(columns, texts, sizes, pads):
        cells_of = [_wrap_plain(text, size - pad, column.justify, column.overflow, False) for text in texts_of]
        if None in cells_of:
            return None
        laid.append(cells_of)
    out = []
    for row in zip(*laid):
        for k in range(max(len(cell) for cell in row)):
            lines = [cell[k] if k < len(cell) else "" for cell in row]
            out.append("".join(line + " " * (size - cell_len(line)) for line, size in zip(lines, sizes)))
    return out


def _text_cells(grid: Table) -> list[list[Text]] | None:
    """A grid's cells column by column, as Texts (a string as rich makes it one), or None when one is
    not bare text (`_bare_text`) or has what `_LEFT_TO_RICH` leaves to rich."""
    columns: list[list[Text]] = []
    for column in grid.columns:
        texts = []
        for cell in column.cells:
            text = Text(cell) if isinstance(cell, str) else cell
            if not isinstance(text, Text) or not _bare_text(text) or _LEFT_TO_RICH(text.plain):
                return None
            texts.append(text)
        columns.append(texts)
    return columns


#: What a grid cell or a rule's title leaves to rich: control characters but the line break (rich's
#: grids drop or pad those of no width; a report's text has them escaped, `snippets.clean`), tabs, which
#: rich expands, and the line separators `str.splitlines` breaks at and `Text.wrap` does not (rich
#: measures a cell by the one and lays it out by the other).
_LEFT_TO_RICH = compiled("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]").search


def _rule_lines(rule: Rule, width: int) -> list[str] | None:
    """A left-aligned rule's line with its title, as rich draws it (the title cut with an ellipsis to
    leave room for a space and a character); None for any other rule."""
    title = rule.title
    characters = rule.characters
    if rule.align != "left" or not isinstance(title, Text) or not title or _LEFT_TO_RICH(title.plain) or width < 3:
        return None
    if not characters.isascii() or cell_len(characters) != 1:  # an ASCII-only console would swap others
        return None
    text = title.plain.replace("\n", " ")
    if cell_len(text) > width - 2:
        text = set_cell_size(text, width - 3) + "…"
    text += " "
    text = set_cell_size(text + characters * (width - cell_len(text)), width)
    return _wrap_plain(text, width, "default", "fold", False)


def _bare_text(cell: Any) -> bool:
    """A Text cell that its column alone lays out (no justify, overflow or wrapping of its own)."""
    return isinstance(cell, Text) and cell.justify is None and cell.overflow is None and cell.no_wrap is None


def _placed(text: str, justify: Any, inner: int, size: int) -> str:
    """One line in a fixed cell: justified in its `inner` width as its column says (right, or left:
    `_grid_lines` admits no other), then padded to `size`."""
    if justify == "right":
        text = " " * (inner - cell_len(text)) + text
    return text + " " * (size - cell_len(text))


def print_report(result: Result, console: Printer, min_severity: str = "info", explain: bool = False) -> None:
    """The body of `render_report`."""
    if result.error is not None:
        err = result.error
        console.print(Text.assemble(("ERROR", "bold red"), for_terminal(f" {error_detail(err)}")))
        return
    plain = is_plain(console)
    console.print(header(result, plain))
    kind = kind_line(result.fields, plain)
    if kind is not None:
        console.print(kind)
    console.print(axes_grid(result.axes, plain))
    console.print(Text(clean(result.reason), style="italic"))
    from authcheck.registry.report import corroboration_line

    if corroboration_line(result):
        console.print(Text(clean(corroboration_line(result)), style="green"))
    letter = ((result.fields.get("document") or {}).get("kind") or {}).get("letter_like", True)
    section(console, "Letter" if letter else "Document")  # a manual's "issuer" and "signature" mean nothing
    console.print(letter_table(result.fields, letter))
    render_findings(result, console, min_severity, explain)
    render_notes(result, console)
    render_next_steps(result, console)


def header(result: Result, plain: bool) -> Text:
    """Verdict badge, risk score, path and format."""
    verdict = (result.verdict or "none").upper()
    badge = (
        Text(f"[{verdict}]")
        if plain
        else Text(f" {verdict} ", style=VERDICT_STYLE.get(result.verdict or "", "reverse"))
    )
    score = "?" if result.score is None else str(result.score)
    fmt = f" ({for_terminal(result.format)})" if result.format else ""
    return Text.assemble(badge, "  risk ", (f"{score}/100", "bold"), "  ", for_terminal(result.path), fmt)


def kind_line(fields: Mapping[str, Any], plain: bool) -> Text | None:
    """One line: the document kind and why ("kind: letter (salutation, closing)"), or that letter rules were off."""
    kind = ((fields or {}).get("document") or {}).get("kind")
    if not isinstance(kind, Mapping):
        return None
    cues = [str(e.get("cue")) for e in kind.get("evidence") or [] if isinstance(e, Mapping)]
    if kind.get("forced"):
        where = next((str(e.get("text")) for e in kind["evidence"] if e.get("cue") == "forced"), "")
        why = f"forced by {where}" if where else "forced"
    else:
        why = ", ".join(dict.fromkeys(c for c in cues if c != "letter inside a longer document")) or "no evidence"
    pages = kind.get("letter_pages")
    where = f", letter on pages {pages[0]}-{pages[1]}" if isinstance(pages, list) and len(pages) == 2 else ""
    text = Text.assemble(("kind: ", "dim"), (clean(str(kind.get("kind"))), "bold"), f" ({clean(why)}{clean(where)})")
    if not kind.get("letter_like"):
        text.append(" - letter rules not applied" if plain else " — letter rules not applied", style="yellow")
    return text


def axes_grid(axes: Mapping[str, int], plain: bool) -> Table:
    """The two axes side by side, each with a bar and a one-line meaning."""
    grid = Table.grid(padding=(0, 4))
    cells = []
    for name in ("origin", "authority"):
        value = axes.get(name)
        grid.add_column()
        top = Text.assemble((name, "bold"), f" {'?' if value is None else value}/100  ", axis_bar(value, plain))
        cells.append(Text.assemble(top, "\n", (AXIS_MEANING[name], "dim")))
    grid.add_row(*cells)
    return grid


def axis_bar(value: int | None, plain: bool, size: int = 10) -> Text:
    """A ten-cell bar for a 0-100 axis; red from 60, yellow from 25 (display only)."""
    filled = 0 if value is None else max(0, min(size, round(value / (100 / size))))
    full, empty = ("#", "-") if plain else ("█", "░")
    style = "red" if (value or 0) >= 60 else "yellow" if (value or 0) >= 25 else "green"
    return Text.assemble((full * filled, style), (empty * (size - filled), "dim"))


# --- the letter table ------------------------------------------------------------------


def letter_table(fields: Mapping[str, Any], letter: bool = True) -> Table:
    """What the letter says about itself; missing issuer, date and signature say "not found".

    For a document that is not letter-like only its metadata is shown.
    """
    grid = Table.grid(Column(style="bold", no_wrap=True), Column(overflow="fold"), padding=(0, 2))
    rows = [
        ("Issuer", party_text(fields.get("issuer"), required=True)),
        ("Recipient", party_text(fields.get("recipient"), required=False)),
        ("Date", date_text(fields.get("date"))),
        ("Subject", value_text(fields.get("subject"))),
        ("Letterhead", value_text(" / ".join((fields.get("letterhead") or {}).get("organization") or []))),
        ("Markings", value_text(", ".join((fields.get("letterhead") or {}).get("markings") or []))),
        ("Signature", signature_text(fields.get("signature"), fields.get("signature_fields") or [])),
        ("Metadata", metadata_text(fields.get("metadata"))),
    ]
    for label, text in rows if letter else rows[-1:]:
        if text is not None:
            grid.add_row(label, text)
    return grid


def not_found() -> Text:
    """The marker for a value an analyst needs and the letter does not give."""
    return Text("not found", style="yellow")


def value_text(value: str | None) -> Text | None:
    """A plain value, or None (row omitted) when empty."""
    return Text(clean(value)) if value else None


def party_text(party: Mapping[str, Any] | None, *, required: bool) -> Text | None:
    """Name, title, organisation; then which part said so, and any "on behalf of" claims."""
    party = party or {}
    who = ", ".join(clean(party[k]) for k in ("name", "title", "organization") if party.get(k))
    if not who:
        return not_found() if required else None
    text = Text(who)
    if party.get("source"):
        text.append(f"\nfrom: {source_name(party['source'])}", style="dim")
    for claim in (party.get("claims") or [])[:3]:
        where = loc_label(claim.get("page"), claim.get("line"), claim.get("part"))
        text.append(f"\nclaim: {clean(claim.get('text'))}" + (f" ({where})" if where else ""), style="dim")
    return text


def source_name(source: str) -> str:
    """A part name as an analyst would say it."""
    return SOURCE_NAMES.get(source, clean(source).replace("_", " "))


def date_text(date: Mapping[str, Any] | None) -> Text:
    """The written date and the ISO date it means."""
    if not date or not date.get("text"):
        return not_found()
    text = Text(clean(date["text"]))
    if date.get("value") and date["value"] != date["text"]:
        text.append(f" -> {clean(date['value'])}")
    if date.get("source"):
        text.append(f"  (from: {source_name(date['source'])})", style="dim")
    return text


def signature_text(sig: Mapping[str, Any] | None, sig_fields: list) -> Text:
    """SIGNED by ..., NOT SIGNED or UNDETERMINED, with the reason and the evidence."""
    if not sig:
        return Text("UNDETERMINED: no signature evidence was recorded", style="yellow")
    signed, reason = sig.get("signed"), clean(sig.get("reason"))
    if signed:
        kinds = [SIGNATURE_KINDS.get(k, clean(k)) for k in sig.get("kinds") or []]
        text = Text("SIGNED by " + (", ".join(kinds) or "unknown means"), style="green")
    elif signed is False:
        text = Text("NOT SIGNED", style="bold red")
    else:
        text = Text("UNDETERMINED", style="yellow")
    if reason:
        text.append(f": {reason}")
    if signed is False and sig.get("strength") == "weak":
        text.append("\nplain text cannot carry a handwritten signature, so this absence is weak evidence", style="dim")
    for ev in (sig.get("evidence") or [])[:3]:
        text.append(
            f"\n{loc_label(ev.get('page'), ev.get('line'), ev.get('part'))}: {clean(ev.get('text'))}", style="dim"
        )
    for field in sig_fields:
        text.append("\n" + signature_field_line(field), style="dim")
    return text


def signature_field_line(field: Mapping[str, Any]) -> str:
    """One digital signature field: name, filled or empty, signer and time."""
    state = "signed" if field.get("filled") else "empty"
    line = f"{clean(field.get('kind') or 'signature')} field {clean(field.get('name'))!r}: {state}"
    if field.get("signer"):
        line += f" by {clean(field['signer'])}"
    if field.get("signed_at"):
        line += f" at {clean(field['signed_at'])}"
    return line


def metadata_text(meta: Mapping[str, Any] | None) -> Text | None:
    """The metadata an analyst compares with the letter: author, tool, dates."""
    keys = ("author", "last_modified_by", "company", "creator_tool", "producer", "created", "modified")
    shown = [f"{k}: {clean(str(meta[k]))}" for k in keys if meta and meta.get(k) not in (None, "")]
    return Text("\n".join(shown)) if shown else None


# --- findings, notes, next steps ---------------------------------------------------------


def render_findings(result: Result, console: Printer, min_severity: str = "info", explain: bool = False) -> None:
    """Counted findings by contribution, each with its message and highlighted evidence;
    then one line per suppressed finding (baseline or ignore file)."""
    from authcheck.model import SEVERITIES

    everything = [f for f in sorted_findings(result.findings) if f.suppressed is None]
    floor = SEVERITIES.index(min_severity)
    counted = [f for f in everything if SEVERITIES.index(f.severity) >= floor]
    hidden = len(everything) - len(counted)
    section(console, f"Findings ({len(counted)})")
    if hidden:
        console.print(
            Text(
                f"{hidden} finding(s) below {min_severity} not shown (--min-severity); "
                "they still count toward the score and the gate.",
                style="dim",
            )
        )
    elif not counted:
        console.print(Text("No rule fired. That is not proof the letter is authentic."))
    plain = is_plain(console)
    for i, finding in enumerate(counted):
        if i:
            console.print()
        render_finding(finding, console, plain, explain)
    render_suppressed([f for f in result.findings if f.suppressed is not None], console)


def render_finding(finding: Finding, console: Printer, plain: bool, explain: bool = False) -> None:
    """One finding: head line, message, and up to MAX_EVIDENCE evidence items (with why, under --explain)."""
    console.print(finding_head(finding))
    console.print(Padding(Text(clean(finding.message)), (0, 0, 0, INDENT)))
    for ev in finding.evidence[:MAX_EVIDENCE]:
        console.print(Padding(evidence_text(ev, plain), (0, 0, 0, INDENT)))
        if explain and ev.reason:
            console.print(Padding(Text("why: " + reason_text(ev.reason), style="dim"), (0, 0, 0, INDENT + 2)))
    if len(finding.evidence) > MAX_EVIDENCE:
        more = len(finding.evidence) - MAX_EVIDENCE
        console.print(Padding(Text(f"... and {more} more (see --format json)", style="dim"), (0, 0, 0, INDENT)))


def reason_text(reason: Any) -> str:
    """A reason as one line: "withdraw forces (future, will, actor writer, affirmed)"."""
    if not isinstance(reason, Mapping):
        return clean(str(reason))
    head = " ".join(str(reason[k]) for k in ("action", "object") if reason.get(k))
    rest = [
        f"{k} {reason[k]}"
        for k in ("words", "tense", "modality", "actor", "polarity", "score")
        if reason.get(k) not in (None, "")
    ]
    return clean(head + (" (" + ", ".join(rest) + ")" if rest else ""))


def render_suppressed(findings: list[Finding], console: Printer) -> None:
    """Suppressed findings, one line each with why: they do not count toward the score."""
    if not findings:
        return
    section(console, f"Suppressed ({len(findings)}, not scored)")
    for finding in sorted(findings, key=lambda f: f.rule):
        info = finding.suppressed or {}
        why = clean(str(info.get("kind") or "suppressed"))
        if info.get("reason"):
            why += f": {clean(str(info['reason']))}"
        if info.get("expires"):
            why += f", until {clean(str(info['expires']))}"
        console.print(bullet(f"{for_terminal(finding.rule)}: {for_terminal(finding.title)} ({why})"))


def finding_head(finding: Finding) -> Table:
    """``+31.0  HIGH  authority  rule.id  Title`` in fixed columns so findings line up."""
    grid = Table.grid(
        Column(width=6, justify="right"),
        Column(width=8),
        Column(width=9),
        Column(overflow="fold"),
        padding=(0, 2, 0, 0),
    )
    grid.add_row(
        Text(f"{finding.contribution:+.1f}", style="bold"),
        Text(finding.severity.upper(), style=SEVERITY_STYLE.get(finding.severity, "")),
        Text(for_terminal(finding.axis)),
        Text.assemble((for_terminal(finding.rule), "bold"), "  ", for_terminal(finding.title)),
    )
    return grid


def evidence_text(ev: Evidence, plain: bool) -> Text:
    """``p1 l12 body: …sentence with the «matched words»…``."""
    where = loc_label(ev.loc.page, ev.loc.line, ev.loc.part, ev.loc.key)
    text = Text()
    if where:
        text.append(f"{where}: ", style="dim")
    before, match, after = split_context(ev)
    text.append(clean(before))
    if match:
        text.append(f"«{clean(match)}»" if plain else clean(match), style="" if plain else MATCH_STYLE)
    text.append(clean(after))
    return text


def render_notes(result: Result, console: Printer) -> None:
    """Loader and extractor notes (encrypted, type mismatch, no text layer...), if any."""
    if not result.notes:
        return
    section(console, "Notes")
    for note in result.notes:
        console.print(Text.assemble("- ", (clean(note.code), "bold"), ": ", clean(note.detail)))


def render_next_steps(result: Result, console: Printer) -> None:
    """What an analyst should verify next, as a bulleted list."""
    if not result.next_steps:
        return
    section(console, "Verify next")
    for step in result.next_steps:
        console.print(bullet(step))


def bullet(step: str) -> Table:
    """One bullet with a hanging indent."""
    grid = Table.grid(Column(width=2), Column(overflow="fold"))
    grid.add_row("-", Text(clean(step)))
    return grid


# --- SVG ----------------------------------------------------------------


def export_svg(result: Result, path: str, width: int = 100) -> None:
    """Render the report in colour at `width` columns and save it as an SVG (for the README)."""
    console = Console(
        file=io.StringIO(),
        record=True,
        width=width,
        force_terminal=True,
        color_system="truecolor",
        markup=False,
        highlight=False,
        emoji=False,
    )
    render_report(result, console)
    console.save_svg(path, title=f"authcheck {os.path.basename(result.path)}")
