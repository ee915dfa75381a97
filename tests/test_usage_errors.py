"""Small things users hit: baseline file mode, empty-folder SARIF, misspelt rules and commands,
-V, and bad config, baseline and ignore files that must be exit 2 with one line, never a hang."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from authcheck import __version__

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
LETTER = "coordination-letter.txt"
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture
def letter(tmp_path) -> Path:
    path = tmp_path / "in" / LETTER
    path.parent.mkdir()
    shutil.copy(SAMPLES / LETTER, path)
    return path


def usage_error(result, *needles: str) -> str:
    """Exit 2, one line on stderr that says `needles`, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_baseline_file_gets_the_usual_umask_mode(cli, letter, tmp_path):
    old = os.umask(0o022)
    try:
        result = cli("baseline", "create", str(letter), "-o", str(tmp_path / "base.json"))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "base.json").stat().st_mode) == 0o644


def test_empty_folder_still_writes_a_valid_empty_sarif_log(cli, tmp_path):
    import jsonschema

    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli(
        str(empty),
        "--format",
        "sarif",
        "--sarif-output",
        str(tmp_path / "x.sarif"),
        "--jsonl-output",
        str(tmp_path / "x.jsonl"),
    )
    assert result.exit_code == 3 and "no files to check" in result.stderr
    for text in (result.stdout, (tmp_path / "x.sarif").read_text()):
        log = json.loads(text)
        jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
        assert len(log["runs"]) == 1 and log["runs"][0]["results"] == []
    assert (tmp_path / "x.jsonl").read_text() == ""


def test_unknown_disabled_rule_is_an_error_with_a_suggestion(cli, letter):
    usage_error(
        cli(str(letter), "--disable", "signature.unsined"), "signature.unsined", "did you mean 'signature.unsigned'"
    )
    usage_error(cli(str(letter), "--disable", "no.such.rule"), "no.such.rule", "rules list")
    assert cli(str(letter), "--disable", "signature.unsigned").exit_code == 0


def test_unknown_disabled_rule_in_the_config_file_is_an_error(cli, letter, tmp_path):
    (tmp_path / "authcheck.toml").write_text('disable = ["marking.drafts"]\n')
    usage_error(cli(str(letter), cwd=tmp_path), "did you mean 'marking.draft'")


def test_include_help_says_it_adds(cli):
    text = " ".join(cli("check", "--help").stdout.split())
    assert "--include GLOB Also check files matching GLOB" in text and "Only check" not in text


def test_misspelt_command_suggests_the_command(cli, tmp_path):
    result = cli("chek", "samples")
    assert result.exit_code == 2 and "Did you mean 'check'?" in result.stderr
    (tmp_path / "chek").write_text("A letter whose file is named like a typo.\n")
    assert "Did you mean" not in cli("chek", cwd=tmp_path).stderr  # an existing path is checked


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_dash_capital_v_prints_the_version(cli, flag):
    result = cli(flag)
    assert (result.exit_code, result.stdout) == (0, f"authcheck, version {__version__}\n")


@pytest.mark.parametrize(
    "line, needle",
    [
        ("[limits]\ntimeout = inf", "limits.timeout"),
        ("[limits]\ntimeout = nan", "limits.timeout"),
        ("[limits]\ntimeout = -1", "limits.timeout"),
        ("[limits]\nmax_bytes = 100000000000000000000000", "limits.max_bytes"),
        ("[limits]\nmemory_mb = 99999999999999", "limits.memory_mb"),
        ("[limits]\nmax_pages = -5", "limits.max_pages"),
    ],
)
def test_out_of_range_limits_are_usage_errors(cli, letter, tmp_path, line, needle):
    (tmp_path / "authcheck.toml").write_text(line + "\n")
    usage_error(cli(str(letter), cwd=tmp_path), needle)


def test_non_utf8_config_file_is_a_usage_error(cli, letter, tmp_path):
    (tmp_path / "authcheck.toml").write_bytes(b"\xff\xfe[limits]\n")
    usage_error(cli(str(letter), cwd=tmp_path), "authcheck.toml", "not UTF-8")


def test_deeply_nested_baseline_is_a_usage_error(cli, letter, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    usage_error(cli(str(letter), "--baseline", str(deep)), "deep.json", "nested too deeply")


def test_deeply_nested_ignore_file_is_a_usage_error(cli, letter, tmp_path):
    deep = tmp_path / "ignore.yaml"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    usage_error(cli(str(letter), "--ignore-file", str(deep)), "ignore.yaml")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
@pytest.mark.parametrize("flag", ["--baseline", "--ignore-file", "--config"])
def test_device_as_a_settings_file_is_refused_at_once(cli, letter, flag):
    usage_error(cli(str(letter), flag, "/dev/zero"), "/dev/zero", "not a regular file")


def test_oversized_baseline_is_refused(cli, letter, tmp_path, monkeypatch):
    import authcheck.util.smallfile as smallfile

    monkeypatch.setattr(smallfile, "BASELINE_MAX_BYTES", 1 << 20)
    big = tmp_path / "big.json"
    big.write_text('{"entries": [' + ",".join(['{"rule": "a", "fingerprint": "b"}'] * 40_000) + "]}")
    usage_error(cli(str(letter), "--baseline", str(big)), "big.json", "larger than 1 MiB")
