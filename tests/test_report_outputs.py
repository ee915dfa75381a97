"""Every output flag crossed with every format, for one file and for a folder, through the real CLI.

The formats and the ``--<format>-output`` flags are read from the reporters' output table
(`authcheck/reporters/formats.py`), so a new line there is tested here with no other change.
Each report file must exist, parse as its format says (JSON, JSON lines, SARIF valid against the
official schema shipped in tests/data; a format with no check of its own here must at least name
every input), hold one record per input, and leave nothing else behind in its folder (no
temporary file).  One run goes through the installed console script.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from authcheck.reporters.formats import OUTPUTS

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
FORMATS = tuple(row.name for row in OUTPUTS)
ALSO = tuple(row.name for row in OUTPUTS if row.also)  #: formats with an ``--<format>-output`` flag
FLAGS = {"-o": None, **{f"--{name}-output": name for name in ALSO}}
LETTERS = ("withdrawal-letter-2020.txt", "coordination-letter.txt", "draft-memo.docx")


@pytest.fixture(scope="module")
def sarif_validator():
    import jsonschema  # the `test` extra

    return jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


@pytest.fixture
def inputs(tmp_path) -> dict[str, Path]:
    folder = tmp_path / "letters"
    folder.mkdir()
    for name in LETTERS:
        shutil.copy(SAMPLES / name, folder / name)
    return {"file": folder / LETTERS[0], "folder": folder}


def check_report(path: Path, fmt: str, expected: int, single: bool, validator) -> None:
    """The report at `path` parses as `fmt` and holds `expected` records."""
    text = path.read_text(encoding="utf-8")
    if fmt == "console":
        assert text.strip() and "\x1b[" not in text
        assert ("risk" in text) if single else (f"{expected} file(s)" in text)
    elif fmt == "json":
        data = json.loads(text)
        if single:
            assert data["path"].endswith(LETTERS[0]) and data["verdict"] in ("pass", "review", "fail")
        else:
            assert data["summary"]["documents"] == expected == len(data["documents"])
    elif fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
        assert "Content-Security-Policy" in text and text.count("withdrawal-letter-2020.txt") >= 1
        assert all(name in text for name in LETTERS[:expected])
    elif fmt == "jsonl":
        records = [json.loads(line) for line in text.splitlines()]
        assert len(records) == expected and all(r["schema_version"] for r in records)
    elif fmt == "sarif":
        log = json.loads(text)
        validator.validate(log)
        assert len(log["runs"]) == 1 and len(log["runs"][0]["artifacts"]) == expected
    else:  # a format this test does not know yet: a report that names every input
        assert text.strip() and all(name in text for name in LETTERS[:expected])


def test_the_format_choices_and_extra_output_flags_are_the_table():
    from authcheck.cli.main import main

    params = {p.name: p for p in main.commands["check"].params}
    assert tuple(params["fmt"].type.choices) == FORMATS == ("console", "json", "jsonl", "sarif", "html")
    flags = {
        opt for p in main.commands["check"].params for opt in p.opts if opt.endswith("-output") and opt != "--output"
    }
    assert flags == set(FLAGS) - {"-o"} == {"--json-output", "--jsonl-output", "--sarif-output", "--html-output"}


@pytest.mark.parametrize("target", ["file", "folder"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_each_output_flag_with_each_format(cli, inputs, tmp_path, fmt, target, sarif_validator):
    source = inputs[target]
    expected = 1 if target == "file" else len(LETTERS)
    for flag, flag_fmt in FLAGS.items():
        out_dir = tmp_path / f"out-{flag.strip('-')}"
        out_dir.mkdir()
        report = out_dir / f"report.{flag_fmt or fmt}"
        result = cli(str(source), "--format", fmt, flag, str(report), "--jobs", "1")
        assert result.exit_code in (0, 1), (flag, result.stderr)
        assert "error" not in result.stderr, result.stderr
        assert os.listdir(out_dir) == [report.name], f"{flag}: left behind {os.listdir(out_dir)}"
        check_report(report, flag_fmt or fmt, expected, target == "file" and flag_fmt is None, sarif_validator)
        shutil.rmtree(out_dir)


@pytest.mark.parametrize("fmt", FORMATS)
def test_all_outputs_at_once_from_one_scan(cli, inputs, tmp_path, fmt, sarif_validator):
    out = tmp_path / "out"
    out.mkdir()
    extras = [arg for name in ALSO for arg in (f"--{name}-output", str(out / f"all.{name}"))]
    result = cli(str(inputs["folder"]), "--format", fmt, "-o", str(out / f"main.{fmt}"), *extras, "--jobs", "1")
    assert result.exit_code == 1, result.stderr  # the 2020 letter fails
    assert sorted(os.listdir(out)) == sorted([f"main.{fmt}", *(f"all.{name}" for name in ALSO)])
    for name, kind in ((f"main.{fmt}", fmt), *((f"all.{name}", name) for name in ALSO)):
        check_report(out / name, kind, len(LETTERS), False, sarif_validator)


def test_console_script_writes_every_output_and_leaves_nothing_behind(inputs, tmp_path, sarif_validator):
    script = Path(sys.executable).parent / "authcheck"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "authcheck"]
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHCHECK_")}
    env["AUTHCHECK_CACHE_DIR"] = str(tmp_path / "cache")
    env["AUTHCHECK_SERVER"] = "off"  # the command under test is the process started here
    done = subprocess.run(
        [
            *command,
            str(inputs["folder"]),
            "-f",
            "jsonl",
            "-o",
            str(out / "main.jsonl"),
            "--json-output",
            str(out / "r.json"),
            "--sarif-output",
            str(out / "r.sarif"),
            "--html-output",
            str(out / "r.html"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == "" and done.stderr == ""
    assert sorted(os.listdir(out)) == ["main.jsonl", "r.html", "r.json", "r.sarif"]
    check_report(out / "r.html", "html", len(LETTERS), False, sarif_validator)
    check_report(out / "main.jsonl", "jsonl", len(LETTERS), False, sarif_validator)
    check_report(out / "r.json", "json", len(LETTERS), False, sarif_validator)
    check_report(out / "r.sarif", "sarif", len(LETTERS), False, sarif_validator)


def render_toy(report) -> str:
    return "".join(f"TOY {os.path.basename(r.path)} {r.verdict}\n" for r in report.results)


def write_toy(result, file, *, color=None, width=None) -> None:
    file.write(f"TOY {os.path.basename(result.path)} {result.verdict}\n")


@pytest.fixture
def toy_output(monkeypatch):
    """A toy output format added to a copy of the table, and the command line rebuilt from it."""
    import importlib

    import authcheck.cli.main
    from authcheck.reporters import formats

    toy = formats.Output("toy", ".toy", one=f"{__name__}:write_toy", run=f"{__name__}:render_toy", also="Toy.")
    monkeypatch.setattr(formats, "OUTPUTS", (*formats.OUTPUTS, toy))
    importlib.reload(authcheck.cli.main)
    yield
    monkeypatch.undo()
    importlib.reload(authcheck.cli.main)


def test_one_line_in_the_table_is_a_new_output_format(toy_output, cli, inputs, tmp_path):
    import io

    from authcheck.reporters import REPORTERS

    result = cli(str(inputs["folder"]), "-f", "toy", "--toy-output", str(tmp_path / "r.toy"), "--jobs", "1")
    assert result.exit_code == 1, result.stderr
    records = [json.loads(line) for line in cli(str(inputs["folder"]), "-f", "jsonl").stdout.splitlines()]
    expected = sorted(f"TOY {os.path.basename(r['path'])} {r['verdict']}" for r in records)
    assert sorted(result.stdout.splitlines()) == expected and len(expected) == len(LETTERS)
    assert (tmp_path / "r.toy").read_text(encoding="utf-8") == result.stdout
    single = cli(str(inputs["file"]), "-f", "toy")
    assert single.stdout == f"TOY {LETTERS[0]} fail\n"
    buf = io.StringIO()
    REPORTERS["toy"](__import__("authcheck").check(str(inputs["file"])), buf)
    assert buf.getvalue() == single.stdout
