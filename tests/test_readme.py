"""The README stays true to the code: its picture is the real report, its commands are the CI's."""

from __future__ import annotations

import os
import re
from pathlib import Path

import authcheck
from authcheck.reporters.console import export_svg

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_picture_is_the_current_report(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = authcheck.check("samples/withdrawal-letter-2020.pdf")
    fresh = tmp_path / "report.svg"
    export_svg(result, str(fresh), width=100)
    assert fresh.read_text() == (ROOT / "docs" / "withdrawal-letter-2020.svg").read_text(), (
        "the README picture is stale: run python docs/make_report_svg.py"
    )


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_readme_sample_table_matches_the_verdicts(monkeypatch):
    monkeypatch.chdir(ROOT)
    rows = re.findall(
        r"^\| `([\w-]+)\.(pdf|docx|txt)`[^|]*\| (pass|review|fail) (\d+) \| (\d+) \| (\d+) \|", README, re.M
    )
    assert len(rows) >= 6
    for stem, ext, verdict, score, origin, authority in rows:
        result = authcheck.check(os.path.join("samples", f"{stem}.{ext}"))
        assert (result.verdict, result.score, result.axes["origin"], result.axes["authority"]) == (
            verdict,
            int(score),
            int(origin),
            int(authority),
        ), stem
