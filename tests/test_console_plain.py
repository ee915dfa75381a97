"""A plain console's report (pipes, files, NO_COLOR) is laid out by `console.PlainText` without rich's
grids: it must be exactly the text rich writes for the same report, trailing spaces aside, at every
width, for real letters and for hostile text (wide, combining, right-to-left, unbreakable)."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from authcheck import api
from authcheck.model import Evidence, Finding, Location, Note, Result
from authcheck.reporters import console as con

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
WIDTHS = (8, 12, 20, 29, 30, 31, 40, 57, 80, 100, 160)

#: Text an analyst's report may have to show: wide and combining characters, right-to-left and
#: unbreakable runs, markup-looking brackets, blank and lone characters.
HOSTILE = (
    "通知書第一号：部隊の再配置について、関係各位へ通知する。",
    "Re\u0301positionnement des forces\u0301\u0301 — cafe\u0301 ﬁnal",
    "قوات التحالف ستعيد التمركز استعدادا للتحرك",
    "x" * 150,
    "[bold]not markup[/bold] and :smile: not an emoji",
    "🇺🇸 👩‍👩‍👧 flags and families 🚀🚀🚀",
    " ",
    "-",
    "a\nb\n\nc",
)


def reference(result: Result, width: int, **options) -> str:
    """What rich itself writes on a plain console (the report before `PlainText`)."""
    console = con.make_console(io.StringIO(), color=False, width=width)
    with con.trimmed(console):
        con.print_report(result, console, **options)
    return console.file.getvalue()


def plain(result: Result, width: int, **options) -> str:
    console = con.make_console(io.StringIO(), color=False, width=width)
    con.render_report(result, console, **options)
    return console.file.getvalue()


@pytest.fixture(scope="module")
def sample_results() -> list[Result]:
    names = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".pdf", ".docx", ".txt"))
    return [api.check(str(path)) for path in names]


def hostile_result(base: Result, text: str) -> Result:
    """`base` with `text` in every string the report shows from the letter, its rules and its path."""
    fields = dict(base.fields)
    fields["issuer"] = {"name": text, "title": text, "organization": text, "source": "signature_block"}
    fields["recipient"] = {"name": text, "source": text}
    fields["subject"] = text
    fields["letterhead"] = {"organization": [text, text], "markings": [text]}
    fields["date"] = {"text": text, "value": text, "source": text}
    fields["metadata"] = {"author": text, "producer": text}
    finding = Finding(
        rule=text,
        title=text,
        severity="critical",
        axis="authority",
        weight=1,
        message=text,
        evidence=(Evidence(text, Location("body", 1, 2, 0, len(text)), context=f"{text} {text}"),),
        contribution=100.0,
    )
    return dataclasses.replace(
        base,
        path=text,
        reason=text,
        fields=fields,
        findings=(
            finding,
            dataclasses.replace(finding, suppressed={"kind": "baseline", "reason": text}),
            *base.findings,
        ),
        notes=(Note(text, text), *base.notes),
        next_steps=(text, f"{text} {text}"),
    )


@pytest.mark.parametrize("options", [{}, {"explain": True}, {"min_severity": "high"}])
def test_sample_reports_are_rich_text_at_every_width(sample_results, options):
    assert len(sample_results) >= 10
    assert any(e.reason for r in sample_results for f in r.findings for e in f.evidence)  # --explain has lines
    for result in sample_results:
        for width in WIDTHS:
            assert plain(result, width, **options) == reference(result, width, **options), (result.path, width)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_reports_are_rich_text_at_every_width(sample_results, text):
    base = next(r for r in sample_results if r.findings and r.next_steps)
    result = hostile_result(base, text)
    for width in WIDTHS:
        assert plain(result, width) == reference(result, width), width


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=120), width=st.integers(min_value=5, max_value=140))
def test_any_text_is_laid_out_as_rich_lays_it_out(sample_results, text, width):
    base = next(r for r in sample_results if r.findings and r.next_steps)
    result = hostile_result(base, text)
    assert plain(result, width) == reference(result, width)


def rich_lines(item, width: int) -> list[str]:
    console = con.make_console(io.StringIO(), color=False, width=width)
    with console.capture() as capture:
        console.print(item)
    return [line.rstrip(" ") for line in capture.get().split("\n")[:-1]]


def grids(text: str, axis: str = "origin") -> list:
    finding = Finding(rule="wording.policy-change", title=text, severity="high", axis=axis, weight=1, message="")
    fields = {"issuer": {"name": text, "source": "letterhead"}, "subject": text, "date": {"text": text}}
    return [
        con.bullet(text),
        con.finding_head(dataclasses.replace(finding, contribution=-3.25)),
        con.letter_table(fields),
        Padding(Text(text), (0, 0, 0, con.INDENT)),
        Text(text),
        Rule(Text(text), align="left", characters="-"),
    ]


def natural_grid(text: str) -> Table:
    """Three columns of several lines each, as the axes are laid out, with `text` in the middle one."""
    grid = Table.grid(padding=(0, 4))
    for _ in range(3):
        grid.add_column()
    grid.add_row(Text("one\ntwo"), Text(f"{text[:12]}\nthree lines\n{text[-10:]}"), "4\n")
    return grid


@pytest.mark.parametrize("text", HOSTILE)
def test_grids_and_paragraphs_are_laid_out_without_rich_where_they_fit(text):
    """The grids a report prints are laid out here, not handed back to rich, at ordinary widths,
    and give rich's lines."""
    console = con.make_console(io.StringIO(), color=False, width=80)
    items = [*grids(text), *grids(f"{text} {text}", axis="起源"), con.axes_grid({"origin": 7}, True)]
    if "\n" not in text:  # a cell rich measures by `splitlines`, where it has no "\n", lays out as it divides
        items.append(natural_grid(text))
    for item in items:  # a wide character in a fixed column
        lines = con._plain_lines(console, item, 80)
        assert lines is not None, type(item).__name__
        assert [line.rstrip(" ") for line in lines] == rich_lines(item, 80)


def test_a_grid_too_narrow_to_lay_out_is_left_to_rich():
    console = con.make_console(io.StringIO(), color=False, width=30)
    head = con.finding_head(
        Finding(rule="r", title="t", severity="high", axis="origin", weight=1, message="", contribution=1.0)
    )
    assert con._plain_lines(console, head, 30) is None  # 29 columns of fixed cells leave too little
    axes = con.axes_grid({"origin": 3}, True)  # two columns as wide as their meanings, and a gap of 4
    need = len(con.AXIS_MEANING["origin"]) + 4 + len(con.AXIS_MEANING["authority"])
    assert con._plain_lines(console, axes, need - 1) is None  # rich narrows and wraps them
    assert [line.rstrip(" ") for line in con._plain_lines(console, axes, need)] == rich_lines(axes, need)
    assert con._plain_lines(console, Rule(Text("t"), align="center"), 80) is None  # only left-aligned rules


def test_an_empty_column_is_one_cell_wide_as_in_rich():
    grid = Table.grid()  # no padding: the empty column is what stands between the others
    for _ in range(3):
        grid.add_column()
    grid.add_row("a", "", "b")
    lines = con._natural_grid_lines(grid, 10)
    assert lines is not None
    assert [line.rstrip(" ") for line in lines] == rich_lines(grid, 10) == ["a b"]


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=90),
    width=st.integers(min_value=1, max_value=60),
    justify=st.sampled_from(["default", "left"]),
    overflow=st.sampled_from(["fold", "crop", "ellipsis"]),
    no_wrap=st.booleans(),
)
def test_text_is_wrapped_as_rich_wraps_it(text, width, justify, overflow, no_wrap):
    console = con.make_console(io.StringIO(), color=False, width=80)
    item = Text(text)
    expected = [line.plain for line in item.wrap(console, width, justify=justify, overflow=overflow, no_wrap=no_wrap)]
    lines = con._wrap_plain(item.plain, width, justify, overflow, no_wrap)
    assert lines == (None if "\t" in item.plain else expected)  # rich expands tabs: its wrap does it
