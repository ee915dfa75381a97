"""The command line: exit codes, bad inputs, the gate, command shape and custom rule packs.

Most tests run `authcheck.cli.main.main` in-process with Click's CliRunner (the `cli` fixture in
conftest.py: repository root as cwd, cache in tmp).  A few run the installed console script
and `python -m authcheck` in a subprocess, from tmp_path, to prove what users actually run.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from importlib.metadata import version as dist_version
from pathlib import Path

import pytest

import authcheck

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
LETTER_2020 = "samples/withdrawal-letter-2020.txt"
SIGNED = "samples/signed-deployment-notification.pdf"

REQUIRED_RULES = {
    "signature.unsigned",
    "signature.attributed-unsigned",
    "wording.policy-change",
    "marking.draft",
    "metadata.author-mismatch",
    "metadata.date-conflict",
    "file.type-mismatch",
}

# Unsigned but otherwise plain: a typed name, nothing announced.  Verdict `review` (see the test).
PLAIN_UNSIGNED = """TASK FORCE IRAQ

6 January 2020

FROM: Commanding General, Task Force Iraq
TO: Ministry of Defense

SUBJECT: Weekly coordination meeting

Sir,

The weekly coordination meeting will be held on Tuesday at 1000.

Sincerely,

JOHN A. SMITH
Colonel, US Army
"""

CODEWORD_RULE = """\
id: custom.codeword
title: Mentions a code word
description: The letter mentions the code word Operation Bluebird.
severity: medium
axis: authority
weight: 20
confidence: high
patterns:
  codeword:
    phrases: ["operation bluebird"]
when:
  any:
    - match: codeword
message: "Mentions ${matches}."
remediation: Ask who uses this code word.
references: ["tests/test_cli.py"]
tests:
  - {name: mentioned, expect: match, text: "Sir,\\n\\nOperation Bluebird begins tomorrow.\\n"}
  - {name: absent, expect: no_match, text: "Sir,\\n\\nThe meeting is on Tuesday.\\n"}
"""


def record_of(result) -> dict:
    return json.loads(result.stdout)


def rules_of(record: dict) -> list[str]:
    return [f["rule"] for f in record["findings"]]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- bad inputs ----------------------------------------------------------------------------


def test_missing_file_is_one_line_and_exit_3(cli, tmp_path):
    result = cli("nope.pdf", cwd=tmp_path)
    assert result.exit_code == 3
    assert result.stderr.splitlines() == ["authcheck: nope.pdf: not-found at read: no such file or directory"]
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_missing_file_json_record(cli, tmp_path):
    result = cli("nope.pdf", "--format", "json", cwd=tmp_path)
    record = record_of(result)
    assert result.exit_code == 3
    assert record["error"] == {"type": "not-found", "message": "no such file or directory", "stage": "read"}
    assert (record["verdict"], record["score"], record["sha256"], record["findings"], record["fields"]) == (
        None,
        None,
        None,
        [],
        {},
    )


def test_empty_file_is_corrupt(cli, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = cli("empty.txt", "--format", "json", cwd=tmp_path)
    assert result.exit_code == 3
    assert record_of(result)["error"] == {"type": "corrupt", "message": "empty file", "stage": "sniff"}
    assert result.stderr.splitlines() == ["authcheck: empty.txt: corrupt at sniff: empty file"]


def test_random_bytes_are_unsupported(cli, tmp_path):
    (tmp_path / "noise.bin").write_bytes(bytes([0, 255]) + random.Random(7).randbytes(4096))
    result = cli("noise.bin", "--format", "json", cwd=tmp_path)
    assert result.exit_code == 3
    record = record_of(result)
    assert record["error"]["type"] == "unsupported"
    assert record["error"]["stage"] == "sniff"
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output


def test_empty_stdin_is_corrupt(cli):
    result = cli("-", "--format", "json", input="")
    assert result.exit_code == 3
    record = record_of(result)
    assert record["path"] == "-"
    assert record["error"]["type"] == "corrupt"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--bogus", LETTER_2020], "No such option '--bogus'"),
        (["check", LETTER_2020, "--format", "xml"], "Invalid value for '--format'"),
        (["check", LETTER_2020, "--fail-score", "101"], "Invalid value for '--fail-score'"),
        (["check"], "Missing argument 'PATHS...'"),
    ],
)
def test_bad_usage_exits_2(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_invalid_rule_pack_exits_2_naming_the_file(cli, tmp_path):
    write(tmp_path / "badpack" / "broken.yaml", "id: Bad Rule\ntitle: no axis, no severity\n")
    result = cli("check", "--rules", str(tmp_path / "badpack"), LETTER_2020, "--format", "json")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("authcheck: error: ")
    assert "broken.yaml" in line
    assert result.stdout == ""  # nothing was checked


def test_missing_file_among_good_ones_still_reports_them(cli, tmp_path):
    shutil.copy(SAMPLES / "coordination-letter.txt", tmp_path / "a.txt")
    shutil.copy(SAMPLES / "pentagon-statement.txt", tmp_path / "c.txt")
    result = cli("a.txt", "missing.txt", "c.txt", "--format", "jsonl", cwd=tmp_path)
    assert result.exit_code == 3
    records = {r["path"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert sorted(records) == ["a.txt", "c.txt", "missing.txt"]
    assert (records["a.txt"]["verdict"], records["c.txt"]["verdict"]) == ("pass", "pass")
    assert records["missing.txt"]["error"]["type"] == "not-found"
    assert result.stderr.splitlines() == ["authcheck: missing.txt: not-found at read: no such file or directory"]


def test_missing_file_in_batch_json_is_counted(cli, tmp_path):
    shutil.copy(SAMPLES / "coordination-letter.txt", tmp_path / "a.txt")
    batch = record_of(cli("a.txt", "missing.txt", "--format", "json", cwd=tmp_path))
    assert [d["path"] for d in batch["documents"]] == ["a.txt", "missing.txt"]
    assert batch["summary"]["errors"] == 1
    assert batch["summary"]["errors_by_type"] == {"not-found": 1}
    assert batch["summary"]["by_verdict"] == {"pass": 1, "review": 0, "fail": 0}


# --- the gate ------------------------------------------------------------------------------


def test_fail_on_never_exits_0_on_the_2020_letter(cli):
    result = cli(LETTER_2020, "--format", "json", "--fail-on", "never")
    assert record_of(result)["verdict"] == "fail"
    assert result.exit_code == 0


def test_fail_on_review_trips_on_a_review_letter(cli, tmp_path):
    write(tmp_path / "plain.txt", PLAIN_UNSIGNED)
    default = cli("plain.txt", "--format", "json", cwd=tmp_path)
    record = record_of(default)
    assert (record["verdict"], record["score"]) == ("review", 30)
    assert sorted(rules_of(record)) == ["signature.attributed-unsigned", "signature.unsigned"]
    assert default.exit_code == 0
    assert cli("plain.txt", "--fail-on", "review", cwd=tmp_path).exit_code == 1


def test_fail_score_trips_on_a_passing_letter(cli):
    assert cli(SIGNED, "--format", "json").exit_code == 0
    result = cli(SIGNED, "--format", "json", "--fail-score", "5")
    assert (record_of(result)["verdict"], record_of(result)["score"]) == ("pass", 10)
    assert result.exit_code == 1


@pytest.mark.parametrize("score, code", [(90, 0), (76, 0), (75, 1)])
def test_fail_score_is_at_or_above(cli, score, code):
    """The 2020 PDF scores 75: --fail-score trips at 75, not at 76."""
    result = cli("samples/withdrawal-letter-2020.pdf", "--fail-on", "never", "--fail-score", str(score))
    assert result.exit_code == code


def test_unchecked_outranks_the_gate(cli):
    result = cli(LETTER_2020, "missing-letter.pdf", "--format", "jsonl")
    assert result.exit_code == 3
    verdicts = {r["path"]: r["verdict"] for r in map(json.loads, result.stdout.splitlines())}
    assert verdicts == {LETTER_2020: "fail", "missing-letter.pdf": None}


# --- command shape -------------------------------------------------------------------------


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"authcheck, version {authcheck.__version__}\n"
    assert authcheck.__version__ == dist_version("authcheck")


def test_bare_file_means_check(cli):
    short = cli(LETTER_2020, "--format", "json", "--no-cache")
    long = cli("check", LETTER_2020, "--format", "json", "--no-cache")
    assert short.exit_code == long.exit_code == 1
    assert record_of(short) == record_of(long)
    assert record_of(short)["path"] == LETTER_2020


def test_file_named_like_a_command(cli, tmp_path):
    shutil.copy(SAMPLES / "withdrawal-letter-2020.txt", tmp_path / "extract")
    result = cli("check", "extract", "--format", "json", cwd=tmp_path)
    record = record_of(result)
    assert (record["path"], record["verdict"], record["score"]) == ("extract", "fail", 61)
    assert result.exit_code == 1
    # without `check`, `extract` is the command, which then needs its own PATH argument
    assert cli("extract", cwd=tmp_path).exit_code == 2


@pytest.mark.parametrize(
    "sample", ["withdrawal-letter-2020.pdf", "signed-deployment-notification-digital.pdf", "coordination-letter.txt"]
)
def test_extract_agrees_with_check(cli, sample):
    extracted = record_of(cli("extract", f"samples/{sample}", "--format", "json"))
    fields = record_of(cli("check", f"samples/{sample}", "--format", "json", "--no-cache"))["fields"]
    issuer = extracted["issuer"]
    assert {k: (issuer[k] or {}).get("text") for k in ("name", "title", "organization")} == {
        k: fields["issuer"][k] for k in ("name", "title", "organization")
    }
    assert issuer["source"] == fields["issuer"]["source"]
    assert (extracted["date"]["text"], extracted["date"]["value"]) == (fields["date"]["text"], fields["date"]["value"])
    keys = ("signed", "kinds", "strength", "reason")
    assert {k: extracted["signature"][k] for k in keys} == {k: fields["signature"][k] for k in keys}
    assert extracted["document"]["path"] == f"samples/{sample}"


def test_extract_missing_file_exits_3(cli, tmp_path):
    result = cli("extract", "nope.pdf", cwd=tmp_path)
    assert result.exit_code == 3
    assert result.stderr.splitlines() == ["authcheck: nope.pdf: not-found at read: no such file or directory"]


def test_rules_list_shows_the_required_rules(cli):
    result = cli("rules", "list")
    assert result.exit_code == 0
    rows = {line.split()[0]: line.split()[1:4] for line in result.stdout.splitlines()}
    assert set(rows) >= REQUIRED_RULES
    assert rows["wording.policy-change"] == ["authority", "high", "45"]
    assert rows["signature.unsigned"] == ["authority", "high", "30"]
    assert rows["file.type-mismatch"] == ["origin", "low", "15"]
    listed = json.loads(cli("rules", "list", "--format", "json").stdout)
    assert sorted(r["id"] for r in listed) == sorted(rows)


def test_rules_test_passes_every_inline_example(cli):
    result = cli("rules", "test")
    assert result.exit_code == 0
    match = re.fullmatch(r"(\d+) passed, 0 failed\n", result.stdout)
    assert match, result.stdout
    rule_count = len(cli("rules", "list").stdout.splitlines())
    assert int(match.group(1)) >= 2 * rule_count  # every rule has a match and a no_match example


def test_rules_test_reports_a_wrong_example(cli, tmp_path):
    wrong = CODEWORD_RULE + '  - {name: wrong, expect: match, text: "Sir,\\n\\nThe birds sing.\\n"}\n'
    write(tmp_path / "pack" / "codeword.yaml", wrong)
    good = int(cli("rules", "test").stdout.split()[0])
    result = cli("rules", "test", "--rules", str(tmp_path / "pack"))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{good + 2} passed, 1 failed"
    assert [line.split(":")[0] for line in lines[:-1]] == ["FAIL custom.codeword"]
    assert "'wrong' expected match" in lines[0]


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"]])
def test_help_shows_the_exit_codes(cli, args):
    result = cli(*args)
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for line in (
        "Exit codes:",
        "0 ran, and nothing reached the gate",
        "2 usage, configuration, rule-pack or output-path error",
        "3 a file could not be checked, or a report could not be written (outranks 1)",
        "130 interrupted (Ctrl-C)",
    ):
        assert line in text


def test_output_file_gets_the_report_and_stdout_stays_empty(cli, tmp_path):
    out = tmp_path / "report.json"
    result = cli(LETTER_2020, "--format", "json", "-o", str(out))
    assert result.stdout == ""
    assert result.exit_code == 1
    assert json.loads(out.read_text(encoding="utf-8"))["score"] == 61


# --- a custom rule pack ------------------------------------------------------------------


def test_custom_rule_pack_fires_on_its_phrase_only(cli, tmp_path):
    pack = tmp_path / "pack"
    write(pack / "codeword.yaml", CODEWORD_RULE)
    write(tmp_path / "bluebird.txt", "Sir,\n\nOperation Bluebird begins on Tuesday at 1000.\n")
    write(tmp_path / "other.txt", "Sir,\n\nThe weekly meeting begins on Tuesday at 1000.\n")

    hit = record_of(cli("--rules", str(pack), "bluebird.txt", "--format", "json", cwd=tmp_path))
    [found] = [f for f in hit["findings"] if f["rule"] == "custom.codeword"]
    assert (found["weight"], found["severity"], found["axis"]) == (20.0, "medium", "authority")
    assert found["message"] == 'Mentions "Operation Bluebird".'
    assert [(e["text"], e["part"]) for e in found["evidence"]] == [("Operation Bluebird", "body")]

    miss = record_of(cli("--rules", str(pack), "other.txt", "--format", "json", cwd=tmp_path))
    assert "custom.codeword" not in rules_of(miss)
    without_pack = record_of(cli("bluebird.txt", "--format", "json", cwd=tmp_path))
    assert "custom.codeword" not in rules_of(without_pack)
    disabled = record_of(
        cli("--rules", str(pack), "--disable", "custom.codeword", "bluebird.txt", "--format", "json", cwd=tmp_path)
    )
    assert "custom.codeword" not in rules_of(disabled)


def test_custom_rule_pack_is_listed_and_tested(cli, tmp_path):
    write(tmp_path / "pack" / "codeword.yaml", CODEWORD_RULE)
    listed = cli("rules", "list", "--rules", str(tmp_path / "pack")).stdout.splitlines()
    assert [line.split()[:4] for line in listed if line.startswith("custom.")] == [
        ["custom.codeword", "authority", "medium", "20"]
    ]
    good = int(cli("rules", "test").stdout.split()[0])
    result = cli("rules", "test", "--rules", str(tmp_path / "pack"))
    assert (result.exit_code, result.stdout) == (0, f"{good + 2} passed, 0 failed\n")


# --- the installed entry points, in a subprocess --------------------------------------------


def console_script() -> Path:
    found = shutil.which("authcheck") or Path(sys.executable).parent / "authcheck"
    if not Path(found).exists():
        pytest.skip("the authcheck console script is not installed")
    return Path(found)


def subprocess_env(tmp_path: Path) -> dict:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("AUTHCHECK_") and k not in ("NO_COLOR", "FORCE_COLOR")
    }
    env["AUTHCHECK_CACHE_DIR"] = str(tmp_path / "cache")
    env["AUTHCHECK_SERVER"] = "off"  # the process under test is the one started here
    return env


def run(args: list, tmp_path: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=tmp_path, env=subprocess_env(tmp_path), input=stdin, capture_output=True, text=True, timeout=60
    )


def test_python_dash_m_version(tmp_path):
    proc = run([sys.executable, "-m", "authcheck", "--version"], tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"authcheck, version {authcheck.__version__}\n", "")


def test_console_script_reads_stdin(tmp_path):
    denial = (
        "There has been no change in US policy with regard to our force presence in Iraq. ... "
        "But there's been no decision made to leave Iraq. Period.\n"
    )
    proc = run([str(console_script()), "-", "--format", "json"], tmp_path, stdin=denial)
    record = json.loads(proc.stdout)
    assert (proc.returncode, record["path"], record["verdict"], record["findings"]) == (0, "-", "pass", [])
    assert proc.stderr == ""


def test_console_script_flushes_records_and_errors_before_exit_3(tmp_path):
    shutil.copy(SAMPLES / "withdrawal-letter-2020.txt", tmp_path / "letter.txt")
    proc = run([str(console_script()), "letter.txt", "gone.pdf", "--format", "jsonl"], tmp_path)
    assert proc.returncode == 3
    records = sorted(map(json.loads, proc.stdout.splitlines()), key=lambda r: r["path"])
    assert [(r["path"], r["verdict"], r["score"]) for r in records] == [
        ("gone.pdf", None, None),
        ("letter.txt", "fail", 61),
    ]
    assert proc.stderr.splitlines() == ["authcheck: gone.pdf: not-found at read: no such file or directory"]


# --- display filters and stdin naming ----------------------------------------------------------


def test_min_severity_hides_in_the_console_only(cli):
    console = cli(LETTER_2020, "--min-severity", "critical", "--no-color", "--width", "100")
    assert console.exit_code == 1  # the gate still counts the hidden findings
    assert "wording.policy-change" not in console.stdout
    assert console.stdout.startswith("[FAIL]  risk 61/100")
    shown = cli(LETTER_2020, "--min-severity", "high", "--no-color", "--width", "100")
    assert "Findings (3)" in shown.stdout
    record = record_of(cli(LETTER_2020, "--min-severity", "critical", "--format", "json"))
    assert rules_of(record) == ["wording.policy-change", "signature.attributed-unsigned", "signature.unsigned"]


def test_min_severity_does_not_claim_nothing_fired(cli):
    result = cli(LETTER_2020, "--min-severity", "critical", "--no-color", "--width", "100")
    assert "No rule fired" not in result.stdout
    assert "3 finding(s) below critical not shown" in result.stdout


def test_extract_stdin_is_reported_as_dash(cli):
    result = cli("extract", "-", "--format", "json", input="We will withdraw.\n")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["document"]["path"] == "-"
