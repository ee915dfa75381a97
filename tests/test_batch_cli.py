"""Batch scans through the CLI: one record per file, SARIF, baselines, ignore file and the cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from authcheck.cli.main import main
from tests.pipes import first_line

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"  # shipped with the tests


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    """Samples, a nested folder, a hidden folder and broken files."""
    docs = tmp_path / "docs"
    shutil.copytree(SAMPLES, docs, ignore=shutil.ignore_patterns("*.py", "*.md"))
    (docs / "nested").mkdir()
    shutil.copy(SAMPLES / "withdrawal-letter-2020.txt", docs / "nested" / "copy.txt")
    (docs / ".hidden").mkdir()
    shutil.copy(SAMPLES / "forged-letter.pdf", docs / ".hidden" / "skipped.pdf")
    (docs / "empty.pdf").write_bytes(b"")
    (docs / "truncated.pdf").write_bytes((SAMPLES / "coordination-letter.pdf").read_bytes()[:400])
    (docs / "notes.bin").write_bytes(b"\x00\x01binary")  # not a letter extension: not collected
    return docs


def run(args, tmp_path: Path, **kw):
    runner = CliRunner()
    env = {"AUTHCHECK_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    return runner.invoke(main, [str(a) for a in args], env=env, catch_exceptions=False, **kw)


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def expected_files(folder: Path) -> set[str]:
    return {
        str(p)
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in (".pdf", ".docx", ".txt") and ".hidden" not in p.parts
    }


def test_jsonl_has_exactly_one_record_per_file(folder, tmp_path):
    result = run([folder, "--format", "jsonl", "--jobs", "2"], tmp_path)
    recs = records(result.stdout)
    assert sorted(r["path"] for r in recs) == sorted(expected_files(folder))
    errors = {Path(r["path"]).name: r["error"]["type"] for r in recs if r["error"]}
    assert errors["empty.pdf"] == "corrupt"
    assert "truncated.pdf" in errors or any(Path(r["path"]).name == "truncated.pdf" for r in recs)
    assert result.exit_code == 3  # a file could not be checked: 3 outranks the failing letters' 1


def test_json_batch_summary_counts(folder, tmp_path):
    result = run([folder, "--format", "json"], tmp_path)
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == "1.1"
    assert doc["summary"]["documents"] == len(expected_files(folder)) == len(doc["documents"])
    verdicts = doc["summary"]["by_verdict"]
    assert sum(verdicts.values()) + doc["summary"]["errors"] == doc["summary"]["documents"]
    assert [d["path"] for d in doc["documents"]] == sorted(d["path"] for d in doc["documents"])


def test_sarif_validates_and_lists_rules_once(folder, tmp_path):
    import jsonschema  # the `test` extra

    out = tmp_path / "out.sarif"
    result = run([folder, "--sarif-output", out, "--format", "jsonl"], tmp_path)
    assert result.exit_code == 3
    log = json.loads(out.read_text())
    jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    rules = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    assert len(rules) == len(set(rules)) and "wording.policy-change" in rules
    results = log["runs"][0]["results"]
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)
    assert all("authcheck/v1" in r["partialFingerprints"] for r in results)


@pytest.mark.parametrize(
    "gate,code",
    [
        ([], 1),
        (["--fail-on", "never"], 0),
        (["--fail-on", "review"], 1),
        (["--fail-on", "never", "--fail-score", "70"], 1),
        (["--fail-on", "never", "--fail-score", "80"], 0),
    ],
)
def test_gate_settings_on_good_files(tmp_path, gate, code):
    files = [SAMPLES / "withdrawal-letter-2020.pdf", SAMPLES / "coordination-letter.pdf"]
    assert run([*files, "--format", "jsonl", *gate], tmp_path).exit_code == code


def test_baseline_suppresses_known_findings_and_a_new_finding_still_fails(tmp_path):
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(SAMPLES / "withdrawal-letter-2020.pdf", letters)
    baseline = tmp_path / "base.json"
    created = run(["baseline", "create", letters, "--output", baseline], tmp_path)
    assert created.exit_code == 0, created.output
    entries = json.loads(baseline.read_text())["entries"]
    assert {e["rule"] for e in entries} == {
        "signature.unsigned",
        "signature.attributed-unsigned",
        "wording.policy-change",
    }
    again = run(["baseline", "create", letters, "--output", tmp_path / "again.json"], tmp_path)
    assert again.exit_code == 0 and (tmp_path / "again.json").read_bytes() == baseline.read_bytes()

    quiet = run([letters, "--baseline", baseline, "--format", "json"], tmp_path)
    assert quiet.exit_code == 0
    doc = json.loads(quiet.stdout)["documents"][0]
    assert doc["verdict"] == "pass" and doc["score"] == 0
    assert all(f["suppressed"] == {"kind": "baseline"} for f in doc["findings"])

    shutil.copy(SAMPLES / "draft-memo.pdf", letters)  # new findings in a new file
    loud = run([letters, "--baseline", baseline, "--format", "jsonl"], tmp_path)
    assert loud.exit_code == 1
    by_name = {Path(r["path"]).name: r for r in records(loud.stdout)}
    assert by_name["draft-memo.pdf"]["verdict"] == "fail"
    assert by_name["withdrawal-letter-2020.pdf"]["verdict"] == "pass"


def test_ignore_file_needs_reasons_and_suppresses(tmp_path):
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("- rule: wording.policy-change\n")
    bad = run([SAMPLES / "withdrawal-letter-2020.pdf", "--ignore-file", ignore], tmp_path)
    assert bad.exit_code == 2 and "reason" in bad.stderr
    ignore.write_text("- rule: 'signature.*'\n  reason: drafts are reviewed by hand\n")
    ok = run([SAMPLES / "withdrawal-letter-2020.pdf", "--ignore-file", ignore, "--format", "json"], tmp_path)
    doc = json.loads(ok.stdout)
    kinds = {f["rule"]: (f["suppressed"] or {}).get("kind") for f in doc["findings"]}
    assert kinds == {
        "wording.policy-change": None,
        "signature.unsigned": "ignore",
        "signature.attributed-unsigned": "ignore",
    }
    assert doc["score"] == 45 and doc["verdict"] == "review"


def test_rescan_is_served_from_the_cache(tmp_path, monkeypatch):
    letters = tmp_path / "letters"
    shutil.copytree(SAMPLES, letters, ignore=shutil.ignore_patterns("*.py", "*.md"))
    first = run([letters, "--format", "jsonl"], tmp_path)
    import authcheck.batch.run as runner

    def no_scan(self, todo, on_start):
        assert not todo, f"re-scan checked {len(todo)} file(s) again"
        return iter(())

    monkeypatch.setattr(runner.Run, "_scan", no_scan)
    second = run([letters, "--format", "jsonl"], tmp_path)
    assert second.exit_code == first.exit_code == 1
    assert sorted(records(second.stdout), key=lambda r: r["path"]) == sorted(
        records(first.stdout), key=lambda r: r["path"]
    )


def test_config_show_reports_origins(tmp_path, monkeypatch):
    (tmp_path / "authcheck.toml").write_text('fail_on = "review"\nexclude = ["drafts/**"]\n')
    monkeypatch.chdir(tmp_path)
    result = run(["config", "show"], tmp_path)
    assert result.exit_code == 0
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("fail_on"))
    assert "review" in line and "authcheck.toml" in line
    timeout = next(ln for ln in result.stdout.splitlines() if ln.startswith("limits.timeout"))
    assert "[default]" in timeout


def test_ctrl_c_stops_cleanly_and_says_what_was_not_reached(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    letters = tmp_path / "many"
    letters.mkdir()
    for i in range(80):
        shutil.copy(SAMPLES / "signed-deployment-notification.pdf", letters / f"letter-{i:03}.pdf")
    env = {**os.environ, "AUTHCHECK_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "authcheck", str(letters), "--format", "jsonl", "--jobs", "1", "--no-cache"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    first = first_line(proc)  # a whole record has been written: the scan is under way
    if not first:  # the run ended before its first record: show why
        proc.wait(timeout=60)
        pytest.fail(f"exit {proc.returncode} before any record: {proc.stderr.read().decode()[-2000:]}")
    assert json.loads(first)["path"].endswith(".pdf")
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    lines = [first.decode(), *rest.decode().splitlines(keepends=True)]
    assert all(line.endswith("\n") and json.loads(line) for line in lines)  # only whole lines
    message = err.decode().strip().splitlines()[-1]
    assert message.startswith("authcheck: interrupted: ") and message.endswith("file(s) not reached")
    not_reached = int(message.split(": ")[2].split()[0])
    assert not_reached == 80 - len(lines)
