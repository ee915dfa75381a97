"""Golden console reports from the command line, and when the console uses colour.

The golden files in tests/golden/ are compared byte for byte and are rewritten only when
AUTHCHECK_UPDATE_GOLDEN=1 is set; read the diff before committing a regenerated file.
Reports are produced with cwd = the repository root and relative paths, so the path printed
in them is stable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
# Read at import: the `cli` fixture clears AUTHCHECK_* from the environment while a test runs.
UPDATE = os.environ.get("AUTHCHECK_UPDATE_GOLDEN") == "1"
ESC = "\x1b["
LETTER = "samples/withdrawal-letter-2020.pdf"
PENTAGON_DENIAL = (
    "There has been no change in US policy with regard to our force presence in Iraq. ... "
    "But there's been no decision made to leave Iraq. Period.\n"
)


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; rewrite it only when AUTHCHECK_UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"{path} is missing; run with AUTHCHECK_UPDATE_GOLDEN=1 to create it"
    assert text == golden(name)


def golden(name: str) -> str:
    """The golden file's text, byte for byte (no newline translation)."""
    return (GOLDEN / name).read_bytes().decode("utf-8")


# --- golden reports ------------------------------------------------------------------------


def test_2020_letter_report(cli):
    result = cli("check", LETTER, "--no-color", "--width", "100", "--no-cache")
    assert result.exit_code == 1
    assert result.stderr == ""
    check_golden("withdrawal-letter-2020.txt", result.stdout)


def test_2020_letter_report_says_what_matters():
    """The golden file itself holds the facts an analyst reads first (guards a careless regeneration)."""
    lines = golden("withdrawal-letter-2020.txt").splitlines()
    assert lines[0] == f"[FAIL]  risk 75/100  {LETTER} (pdf)"
    text = "\n".join(lines)
    for fact in (
        "origin 0/100",
        "authority 75/100",
        "Issuer      WILLIAM H. SEELY III",
        "Date        6 January 2020 -> 2020-01-06",
        "Signature   NOT SIGNED",
        "Findings (3)",
        "wording.policy-change",
        "signature.attributed-unsigned",
        "signature.unsigned",
        "«repositioning forces»",
        "«our departure»",
    ):
        assert fact in text
    assert ESC not in text
    assert all(line == line.rstrip() for line in lines)


def test_stdin_statement_report(cli):
    result = cli("-", "--no-color", "--width", "100", input=PENTAGON_DENIAL)
    assert result.exit_code == 0
    check_golden("cli-pentagon-statement-stdin.txt", result.stdout)
    assert result.stdout.startswith("[PASS]  risk 0/100  - (text)\n")


def test_batch_summary_report(cli):
    result = cli("samples", "--no-color", "--width", "100", "--no-cache")
    assert result.exit_code == 1
    check_golden("cli-samples-summary.txt", result.stdout)
    lines = result.stdout.splitlines()
    assert lines[-1] == (
        "12 file(s): 6 pass, 0 review, 6 fail, 0 not checked; "
        "4 file(s) skipped in folders (not .pdf, .docx, .txt or an image)"
    )
    assert sum(1 for line in lines if line.startswith(("FAIL ", "PASS "))) == 12  # every file, not the 10 worst
    assert "  samples/forged-letter.pdf:1:10 issuer.name-mismatch 'Wiliam H. Seelly III'" in result.stdout


def test_installed_script_prints_the_golden_report_when_piped(tmp_path):
    """The console script, stdout a pipe: no colour, width 100, the same bytes as the golden file."""
    script = shutil.which("authcheck") or str(Path(sys.executable).parent / "authcheck")
    if not Path(script).exists():
        pytest.skip("the authcheck console script is not installed")
    (tmp_path / "samples").mkdir()
    shutil.copy(REPO / LETTER, tmp_path / LETTER)
    proc = subprocess.run(
        [script, LETTER], cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert (proc.returncode, proc.stderr) == (1, "")
    assert proc.stdout == golden("withdrawal-letter-2020.txt")


# --- colour --------------------------------------------------------------------------------


def _env(tmp_path: Path, **extra: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AUTHCHECK_") and k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")
    }
    return {**env, "AUTHCHECK_CACHE_DIR": str(tmp_path / "cache"), "AUTHCHECK_SERVER": "off", **extra}


def _run_on_terminal(args: list[str], cwd: Path, env: dict) -> tuple[int, str]:
    """Run the command with stdout on a pseudo-terminal; return its status and output."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=slave, stderr=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize(
    "flag, extra, coloured",
    [
        (None, {}, True),
        (None, {"NO_COLOR": "1"}, False),
        ("--no-color", {}, False),
    ],
)
def test_colour_on_a_terminal(tmp_path, flag, extra, coloured):
    (tmp_path / "samples").mkdir()
    shutil.copy(REPO / LETTER, tmp_path / LETTER)
    args = [sys.executable, "-m", "authcheck", "check", LETTER, "--width", "100", "--no-cache"]
    code, out = _run_on_terminal(args + ([flag] if flag else []), tmp_path, _env(tmp_path, **extra))
    assert code == 1
    assert (ESC in out) is coloured
    if coloured:
        assert "\x1b[1;37;41m FAIL \x1b[0m" in out  # the verdict badge: bold white on red
    else:
        assert out == golden("withdrawal-letter-2020.txt")


def test_no_color_env_beats_force_color(cli):
    result = cli("extract", LETTER, env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert result.exit_code == 0
    assert ESC not in result.stdout


def test_force_color_colours_extract(cli):
    result = cli("extract", LETTER, env={"FORCE_COLOR": "1"}, color=True)
    assert result.exit_code == 0
    assert ESC in result.stdout


def test_force_color_colours_check(cli):
    result = cli("check", LETTER, "--width", "100", "--no-cache", env={"FORCE_COLOR": "1"}, color=True)
    assert result.exit_code == 1
    assert ESC in result.stdout
