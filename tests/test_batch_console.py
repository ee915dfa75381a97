"""The batch console report (issue 8, item 15): every file, a line per finding, --quiet/--verbose,
skipped and suppressed counts, and a progress line on stderr only when stderr is a terminal."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from authcheck.model import Evidence, Finding, Location
from authcheck.reporters.consolebatch import finding_line, shorten

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
HEAD = re.compile(r"^(PASS|REVIEW|FAIL|ERROR) ")


def heads(text: str) -> list[str]:
    return [line for line in text.splitlines() if HEAD.match(line)]


def test_shorten_keeps_the_file_name():
    path = "letters/2020/january/task-force-iraq/withdrawal-letter-2020.pdf"
    assert len(shorten(path, 30)) == 30 and shorten(path, 30).startswith("…")
    assert shorten(path, 30).endswith("/withdrawal-letter-2020.pdf")
    assert shorten("short.pdf", 30) == "short.pdf"


def test_finding_line_is_path_page_line_rule_message():
    ev = Evidence("x", Location("body", 2, 14))
    finding = Finding("marking.draft", "Marked draft", "high", "authority", 30, 'Marked "DRAFT".', evidence=(ev,))
    assert finding_line("a/b.pdf", finding, 100, True).plain == '  a/b.pdf:2:14 marking.draft Marked "DRAFT".'
    bare = Finding("file.encrypted", "Encrypted", "low", "origin", 5, "Encrypted\nwith a\tpassword.")
    assert finding_line("a/b.pdf", bare, 100, True).plain == "  a/b.pdf:-:- file.encrypted Encrypted with a password."


def test_default_lists_every_file_and_the_findings_of_those_that_did_not_pass(cli):
    result = cli(str(SAMPLES), "--no-color", "--no-cache", "--width", "100")
    lines = result.stdout.splitlines()
    assert len(heads(result.stdout)) == 12
    passing = [i for i, line in enumerate(lines) if line.startswith("PASS ")]
    assert all(not lines[i + 1].startswith("  ") for i in passing)  # no findings under a pass by default
    assert sum(1 for line in lines if line.startswith("  ") and "wording.policy-change" in line) == 4


def test_verbose_also_lists_findings_of_passing_files(cli):
    result = cli(str(SAMPLES), "--no-color", "--no-cache", "--verbose")
    assert (
        sum(1 for line in result.stdout.splitlines() if line.startswith("  ") and "wording.policy-change" in line) == 7
    )


def test_quiet_lists_only_files_that_trip_the_gate(cli):
    result = cli(str(SAMPLES), "--no-color", "--no-cache", "--quiet")
    assert result.exit_code == 1
    assert {line.split()[0] for line in heads(result.stdout)} == {"FAIL"} and len(heads(result.stdout)) == 6
    assert "6 more file(s) did not trip the gate (--quiet)" in result.stdout
    review = cli(str(SAMPLES), "--no-color", "--no-cache", "--quiet", "--fail-on", "never")
    assert heads(review.stdout) == [] and review.stdout.splitlines()[-1].startswith("12 file(s): 6 pass")


def test_errors_come_first_with_their_reason(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "coordination-letter.txt", folder / "a.txt")
    (folder / "empty.txt").write_bytes(b"")
    result = cli(str(folder), "--no-color", "--no-cache")
    assert result.exit_code == 3
    first = heads(result.stdout)[0]
    assert first.startswith("ERROR ") and first.endswith("empty.txt: corrupt at sniff: empty file")
    assert result.stdout.splitlines()[-1] == "2 file(s): 1 pass, 0 review, 0 fail, 1 not checked"


def test_summary_counts_skipped_types_and_suppressed_findings(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "withdrawal-letter-2020.txt", folder / "letter.txt")
    (folder / "notes.md").write_text("not a letter\n")
    (folder / "icon.gif").write_bytes(b"GIF89a")
    baseline = tmp_path / "baseline.json"
    made = cli("baseline", "create", str(folder), "-o", str(baseline), "--no-cache")
    assert made.exit_code == 0, made.stderr
    result = cli(str(folder), "--no-color", "--no-cache", "--baseline", str(baseline))
    assert result.stdout.splitlines()[-1] == (
        "1 file(s): 1 pass, 0 review, 0 fail, 0 not checked; "
        "2 file(s) skipped in folders (not .pdf, .docx, .txt or an image); "
        "3 finding(s) suppressed (baseline or ignore file)"
    )


def test_no_progress_when_stderr_is_not_a_terminal(cli):
    for fmt in ("console", "json", "jsonl", "sarif"):
        result = cli(str(SAMPLES), "-f", fmt, "--no-cache")
        assert result.stderr == "", fmt


def run_with_pty(args: list[str], tmp_path: Path, pty_for: str) -> tuple[int, bytes, bytes]:
    """Run `python -m authcheck ARGS` with stdout or stderr (`pty_for`) on a pseudo-terminal.

    Returns (exit status, what reached the terminal, what reached the other stream's file); both
    are drained while the child runs, so neither can fill up and block it."""
    import pty
    import threading

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    env["AUTHCHECK_CACHE_DIR"] = str(tmp_path / "cache")
    other = open(tmp_path / "other-stream", "w+b")  # noqa: SIM115 - handed to the child, closed at the end
    streams = {"stdout": other, "stderr": other, pty_for: slave}
    seen: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            seen.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.Popen([sys.executable, "-m", "authcheck", *args], env=env, cwd=REPO, **streams)
    os.close(slave)
    code = proc.wait(timeout=180)
    reader.join(10)
    os.close(master)
    other.seek(0)
    return code, b"".join(seen), other.read()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a pty")
@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_progress_on_a_terminal_stderr_for_every_format(fmt, tmp_path):
    code, terminal, out = run_with_pty([str(SAMPLES), "-f", fmt, "--no-cache", "-j", "1"], tmp_path, "stderr")
    assert code == 1
    assert b"checking" in terminal and b"/12" in terminal
    assert out.lstrip().startswith(b"{") and b"checking" not in out
