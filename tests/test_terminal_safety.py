"""Untrusted text never reaches the terminal raw, names that are not UTF-8 never lose a report,
and the console report has a sane width (issue 8, items 4, 5 and 12)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import unicodedata
from pathlib import Path

import pytest

from authcheck.util.safetext import for_terminal, path_b64, path_text, scrub_surrogates

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
LETTER_TXT = SAMPLES / "withdrawal-letter-2020.txt"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
HOSTILE = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202eevil\nauthcheck: forged line\x7f\u200b"


def unsafe_chars(text: str) -> list[str]:
    """Characters in `text` a terminal would act on or hide (a newline between lines is allowed)."""
    return [
        ch
        for ch in text
        if ch != "\n"
        and ((unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\u200c\u200d") or ch in BIDI)
    ]


def assert_terminal_safe(text: str) -> None:
    assert unsafe_chars(text) == [], repr(text)


# --- the one function -------------------------------------------------------------------


@pytest.mark.parametrize(
    "char, shown",
    [
        ("\x1b", "\\x1b"),
        ("\x07", "\\x07"),
        ("\x00", "\\x00"),
        ("\x7f", "\\x7f"),
        ("\x9b", "\\x9b"),
        ("\x85", "\\x85"),
        ("\n", "\\n"),
        ("\t", "\\t"),
        ("\r", "\\r"),
        ("\u202e", "\\u202e"),
        ("\u2066", "\\u2066"),
        ("\u200e", "\\u200e"),
        ("\u061c", "\\u061c"),
        ("\u200b", "\\u200b"),
        ("\ufeff", "\\ufeff"),
        ("\u2028", "\\u2028"),
        ("\udcff", "\\xff"),
        ("\U000e0041", "\\U000e0041"),
    ],
)
def test_for_terminal_shows_each_control_as_an_escape(char, shown):
    assert for_terminal(f"a{char}b") == f"a{shown}b"


def test_for_terminal_keeps_ordinary_text_and_multiline_keeps_only_newline_and_tab():
    text = "Café – «ok» 日本語 x\u00a0y [bold]z[/]"
    assert for_terminal(text) == text
    assert for_terminal("a\nb\tc\x1bd", multiline=True) == "a\nb\tc\\x1bd"
    assert for_terminal(None) == ""


def test_names_that_are_not_utf8_keep_their_bytes():
    name = os.fsdecode(b"dir/bad\xff\xfe.txt")
    assert path_text(name) == "dir/bad\\xff\\xfe.txt"
    assert base64.b64decode(path_b64(name)) == b"dir/bad\xff\xfe.txt"
    assert path_b64("dir/good é.txt") is None and path_text("dir/good é.txt") == "dir/good é.txt"
    assert json.loads(scrub_surrogates(json.dumps({"p": name}, ensure_ascii=False))) == {"p": "dir/bad\\xff\\xfe.txt"}


# --- every output that is not JSON ------------------------------------------------------------


def hostile_folder(tmp_path: Path) -> Path:
    """A folder with a good letter and an empty (corrupt) file whose name carries controls."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(LETTER_TXT, folder / "good.txt")
    (folder / f"x{HOSTILE}.txt").write_bytes(b"")
    return folder


def test_stderr_error_lines_cannot_forge_lines_or_send_escapes(cli, tmp_path):
    folder = hostile_folder(tmp_path)
    result = cli(str(folder), "--no-color", "--no-cache")
    assert result.exit_code == 3
    assert_terminal_safe(result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("authcheck: ") and "corrupt" in lines[0]
    assert "\\x1b]0;owned\\x07" in lines[0] and "\\u202eevil\\nauthcheck: forged line" in lines[0]
    assert_terminal_safe(result.stdout)
    assert "\\u202eevil\\nauthcheck: forged line\\x7f\\u200b.txt: corrupt" in result.stdout  # batch report, escaped


def test_not_found_message_is_escaped(cli, tmp_path):
    result = cli(str(tmp_path / f"gone{HOSTILE}.pdf"), "--no-color")
    assert result.exit_code == 3
    assert_terminal_safe(result.stderr + result.stdout)
    assert len(result.stderr.splitlines()) == 1 and "\\u202e" in result.stderr


def test_single_report_header_is_escaped(cli, tmp_path):
    path = tmp_path / f"l{HOSTILE}.txt"
    shutil.copy(LETTER_TXT, path)
    result = cli(str(path), "--no-color", "--no-cache")
    assert result.exit_code == 1
    assert_terminal_safe(result.stdout + result.stderr)
    assert result.stdout.startswith("[FAIL]  risk 61/100") and "\\x1b]0;owned\\x07" in result.stdout


def test_extract_view_is_escaped(cli, tmp_path):
    path = tmp_path / f"l{HOSTILE}.txt"
    shutil.copy(LETTER_TXT, path)
    result = cli("extract", str(path), "--no-color")
    assert result.exit_code == 0
    assert_terminal_safe(result.stdout)
    assert "\\u202eevil" in result.stdout


TITLE_RULE = """\
id: custom.codeword
title: "Code word\\e]8;;https://evil.example\\aclick\\e]8;;\\a\\u202eled\\nFAIL forged\\r!"
description: The letter mentions a code word.
severity: medium
axis: authority
weight: 20
patterns:
  codeword:
    phrases: ["repositioning forces"]
when:
  any:
    - match: codeword
message: "Mentions ${matches}."
remediation: "Ask who wrote ${match}."
references: ["tests"]
tests:
  - {name: mentioned, expect: match, text: "Sir,\\n\\nWe are repositioning forces.\\n"}
  - {name: absent, expect: no_match, text: "Sir,\\n\\nThe meeting is on Tuesday.\\n"}
"""


@pytest.fixture
def title_pack(tmp_path) -> Path:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "codeword.yaml").write_text(TITLE_RULE, encoding="utf-8")
    return pack


def test_rules_list_escapes_titles(cli, title_pack):
    result = cli("rules", "list", "--rules", str(title_pack))
    assert result.exit_code == 0
    assert_terminal_safe(result.stdout)
    [line] = [line for line in result.stdout.splitlines() if line.startswith("custom.codeword")]
    assert "\\x1b]8;;https://evil.example\\x07click" in line and "\\u202eled\\nFAIL forged\\r!" in line
    listed = json.loads(cli("rules", "list", "--rules", str(title_pack), "--format", "json").stdout)
    assert "\x1b]8;;https://evil.example\x07click" in next(r["title"] for r in listed if r["id"] == "custom.codeword")


def test_report_escapes_rule_titles_and_renders_remediation(cli, title_pack):
    result = cli(str(LETTER_TXT), "--rules", str(title_pack), "--no-color", "--no-cache", "--width", "200")
    assert_terminal_safe(result.stdout)
    assert "custom.codeword  Code word\\x1b]8;;" in result.stdout
    assert "Ask who wrote repositioning forces." in result.stdout and "${" not in result.stdout


def test_unknown_placeholder_in_remediation_is_a_rule_error(cli, tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "r.yaml").write_text(TITLE_RULE.replace("${match}.", "${nope}."), encoding="utf-8")
    result = cli("rules", "list", "--rules", str(pack))
    assert result.exit_code == 2 and "unknown placeholder ${nope} in remediation" in result.stderr


def test_file_names_with_rich_markup_print_literally(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("[bold]a.txt", "[link=https:x]b[red].txt"):
        shutil.copy(LETTER_TXT, folder / name)
    batch = cli("in", "--no-cache", cwd=str(tmp_path))
    assert "in/[bold]a.txt" in batch.stdout and "in/[link=https:x]b[red].txt" in batch.stdout
    single = cli("in/[bold]a.txt", "--no-cache", cwd=str(tmp_path))
    assert "in/[bold]a.txt (text)" in single.stdout.splitlines()[0]


def test_progress_line_shows_markup_literally(monkeypatch):
    import io

    from authcheck.model import Result
    from authcheck.reporters.consolebatch import Progress

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    progress = Progress(2)
    progress(Result(f"[bold]x{HOSTILE}", None, "text", "pass", 0, {}, "", (), {}))
    bar = progress._bar
    shown = bar.columns[-1].render(bar.tasks[0]).plain
    progress(None)
    assert shown.startswith("…") and shown.endswith("forged line\\x7f\\u200b")
    assert_terminal_safe(shown)
    progress = Progress(1)
    progress(Result("[bold]x[link=y]z.txt", None, "text", "pass", 0, {}, "", (), {}))
    assert progress._bar.columns[-1].render(progress._bar.tasks[0]).plain == "[bold]x[link=y]z.txt"
    progress(None)


def test_console_report_written_with_o_has_no_colour(cli, tmp_path):
    out = tmp_path / "report.txt"
    result = cli(str(LETTER_TXT), "-o", str(out), "--no-cache", env={"FORCE_COLOR": "1"})
    assert result.exit_code == 1
    text = out.read_text(encoding="utf-8")
    assert text.startswith("[FAIL]  risk") and "\x1b[" not in text


# --- names that are not valid UTF-8 --------------------------------------------------------------


@pytest.fixture
def bad_name_folder(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    try:
        with open(os.path.join(os.fsencode(folder), b"bad\xff\xfe.txt"), "wb") as fh:
            fh.write(LETTER_TXT.read_bytes())
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    shutil.copy(SAMPLES / "coordination-letter.txt", folder / "good.txt")
    return folder


EXACT = b"bad\xff\xfe.txt"


def test_json_report_keeps_a_name_that_is_not_utf8(cli, bad_name_folder, tmp_path):
    out = tmp_path / "out.json"
    result = cli(str(bad_name_folder), "-f", "json", "-o", str(out), "--no-cache")
    assert result.exit_code == 1, result.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    [bad] = [d for d in doc["documents"] if "path_b64" in d]
    assert bad["path"].endswith("bad\\xff\\xfe.txt") and bad["verdict"] == "fail"
    assert base64.b64decode(bad["path_b64"]) == os.path.join(os.fsencode(bad_name_folder), EXACT)
    assert next(d for d in doc["documents"] if d is not bad)["path"].endswith("good.txt")


def test_jsonl_and_sarif_keep_a_name_that_is_not_utf8(cli, bad_name_folder, tmp_path):
    result = cli(str(bad_name_folder), "-f", "jsonl", "--no-cache")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r.get("path_b64") is not None for r in records} == {True, False}
    out = tmp_path / "out.sarif"
    result = cli(str(bad_name_folder), "-f", "sarif", "-o", str(out), "--no-cache", cwd=str(tmp_path))
    assert result.exit_code == 1, result.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    uris = {a["location"]["uri"] for a in log["runs"][0]["artifacts"]}
    assert uris == {"in/bad%FF%FE.txt", "in/good.txt"}


def test_console_and_extract_show_the_bad_bytes(cli, bad_name_folder):
    result = cli(str(bad_name_folder), "--no-color", "--no-cache")
    assert "bad\\xff\\xfe.txt" in result.stdout
    assert_terminal_safe(result.stdout)
    path = os.path.join(os.fsdecode(bad_name_folder), os.fsdecode(EXACT))
    extract = cli("extract", path, "--no-color", "--width", "300")
    assert extract.exit_code == 0 and "bad\\xff\\xfe.txt" in extract.stdout


# --- width ---------------------------------------------------------------------------------------


def test_piped_report_follows_columns(cli):
    result = cli(str(SAMPLES), "--no-cache", "--no-color", env={"COLUMNS": "60"})
    heads = [line for line in result.stdout.splitlines() if line.startswith(("FAIL ", "PASS "))]
    assert len(heads) == 12 and max(len(line) for line in heads) <= 60
    assert any(
        line.endswith("…hdrawal-letter-2020.docx") or line.endswith("withdrawal-letter-2020.docx") for line in heads
    )


def test_terminal_of_zero_columns_gets_a_full_report(monkeypatch):
    from authcheck.cli import commands as app

    class Tty:
        def isatty(self):
            return True

        def fileno(self):
            return 1

    monkeypatch.setattr(app.sys, "stdout", Tty())
    monkeypatch.setattr(app.os, "get_terminal_size", lambda fd: os.terminal_size((0, 0)))
    monkeypatch.delenv("COLUMNS", raising=False)
    assert app._width() == app.FALLBACK_WIDTH
    monkeypatch.setattr(app.os, "get_terminal_size", lambda fd: os.terminal_size((10**6, 50)))
    assert app._width() == app.FALLBACK_WIDTH
    monkeypatch.setenv("COLUMNS", "120")
    assert app._width() == 120


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty window size ioctl")
def test_zero_column_pty_prints_the_report(tmp_path, monkeypatch):
    import fcntl
    import pty
    import struct
    import termios

    from test_batch_console import run_with_pty

    real_openpty = pty.openpty

    def zero_columns():
        master, slave = real_openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 0, 0, 0))
        return master, slave

    monkeypatch.setattr(pty, "openpty", zero_columns)
    monkeypatch.setenv("NO_COLOR", "1")
    code, terminal, _ = run_with_pty([str(LETTER_TXT), "--no-cache"], tmp_path, "stdout")
    text = terminal.decode("utf-8", "replace")
    assert code == 1
    assert "[FAIL]  risk 61/100" in text and "wording.policy-change" in text


# --- config show, rules test, baseline messages ------------------------------------------------------


def test_config_show_escapes_values_and_paths(cli, tmp_path):
    folder = tmp_path / f"c{HOSTILE}"
    folder.mkdir()
    config = folder / "authcheck.toml"
    config.write_text('exclude = ["\\u001b]0;owned\\u0007*.md", "\\u202eevil"]\n', encoding="utf-8")
    result = cli("config", "show", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    assert_terminal_safe(result.stdout)
    assert "\\x1b]0;owned\\x07*.md" in result.stdout and "\\u202eevil" in result.stdout
    assert result.stdout.splitlines()[0].startswith("config file: ") and "\\x1b[2J" in result.stdout.splitlines()[0]


def test_rules_test_failure_lines_are_escaped(cli, tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    broken = TITLE_RULE.replace("{name: absent,", '{name: "abs\\e[2Jent\\nFAIL x",').replace(
        "The meeting is on Tuesday.", "We are repositioning forces."
    )
    (pack / "r.yaml").write_text(broken, encoding="utf-8")
    result = cli("rules", "test", "--rules", str(pack))
    assert result.exit_code == 1, result.stdout + result.stderr
    assert_terminal_safe(result.stdout)
    [line] = [line for line in result.stdout.splitlines() if "abs" in line]
    assert line.startswith("FAIL custom.codeword: ") and "\\x1b[2Jent\\nFAIL x" in line


def test_baseline_message_escapes_the_output_path(cli, tmp_path):
    out = tmp_path / f"base{HOSTILE}.json"
    result = cli("baseline", "create", str(LETTER_TXT), "-o", str(out), "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert_terminal_safe(result.stderr)
    assert len(result.stderr.splitlines()) == 1 and "\\u202eevil\\nauthcheck: forged line" in result.stderr
