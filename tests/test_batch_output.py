"""Batch JSON, JSON Lines and atomic report writing."""

from __future__ import annotations

import json
import os

import pytest

from authcheck.model import ErrorInfo, Evidence, Finding, Location, Result
from authcheck.reporters.jsonbatch import jsonl_line, render_batch_json, summary
from authcheck.reporters.jsonout import result_record
from authcheck.util import atomic
from authcheck.util.atomic import AtomicWriter, write_atomic


def finding(rule: str, suppressed=None) -> Finding:
    return Finding(
        rule=rule,
        title=rule,
        severity="high",
        axis="authority",
        weight=10.0,
        message=rule,
        evidence=(Evidence("text", Location("body", line=1)),),
        suppressed=suppressed,
    )


def result(path, verdict=None, score=None, findings=(), error=None) -> Result:
    return Result(
        path=path,
        sha256=None if error else "e" * 64,
        format=None if error else "pdf",
        verdict=verdict,
        score=score,
        axes={},
        reason="",
        findings=tuple(findings),
        fields={},
        error=error,
    )


def batch() -> list[Result]:
    ignored = {"kind": "ignore", "reason": "known template"}
    return [
        result("z/fail.pdf", "fail", 90, [finding("a"), finding("b"), finding("c", suppressed=ignored)]),
        result("a/pass.pdf", "pass", 0),
        result("m/review.pdf", "review", 45, [finding("a")]),
        result("b/fail2.pdf", "fail", 90, [finding("d")]),
        result("c/pass2.pdf", "pass", 12),
        result("d/pass3.pdf", "pass", 3),
        result("x/gone.pdf", error=ErrorInfo("not-found", "no such file", "read")),
        result("y/bad.pdf", error=ErrorInfo("corrupt", "bad xref", "load")),
        result("w/bad2.pdf", error=ErrorInfo("corrupt", "truncated", "load")),
    ]


def test_summary_counts_exact():
    assert summary(batch()) == {
        "documents": 9,
        "by_verdict": {"pass": 3, "review": 1, "fail": 2},
        "errors": 3,
        "errors_by_type": {"corrupt": 2, "not-found": 1},
        "findings": 4,
        "suppressed": 1,
        "worst": [
            {"path": "b/fail2.pdf", "score": 90, "verdict": "fail"},
            {"path": "z/fail.pdf", "score": 90, "verdict": "fail"},
            {"path": "m/review.pdf", "score": 45, "verdict": "review"},
            {"path": "c/pass2.pdf", "score": 12, "verdict": "pass"},
            {"path": "d/pass3.pdf", "score": 3, "verdict": "pass"},
        ],
    }


def test_summary_of_nothing():
    assert summary([]) == {
        "documents": 0,
        "by_verdict": {"pass": 0, "review": 0, "fail": 0},
        "errors": 0,
        "errors_by_type": {},
        "findings": 0,
        "suppressed": 0,
        "worst": [],
    }


def test_batch_json_documents_sorted_by_path():
    report = json.loads(render_batch_json(batch()))
    assert list(report) == ["schema_version", "summary", "documents"]
    assert report["schema_version"] == "1.1"
    assert report["summary"] == {**summary(batch()), "cache_failed_verification": 0}
    paths = sorted(r.path for r in batch())
    assert [d["path"] for d in report["documents"]] == paths
    by_path = {r.path: r for r in batch()}
    assert report["documents"] == [json.loads(json.dumps(result_record(by_path[p]))) for p in paths]


def test_jsonl_one_compact_line_per_result():
    lines = [jsonl_line(r) for r in batch()]
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert [json.loads(line)["path"] for line in lines] == [r.path for r in batch()]
    assert lines[6] == json.dumps(result_record(batch()[6]), ensure_ascii=False, separators=(",", ":")) + "\n"
    assert ": " not in lines[1] and ", " not in lines[1]


def test_jsonl_keeps_non_ascii():
    assert "é" in jsonl_line(result("lettré.pdf", "pass", 0))


# --- atomic writes ----------------------------------------------------------------------


def test_write_atomic_replaces_whole_file(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    write_atomic(str(target), "new ü\n")
    assert target.read_bytes() == "new ü\n".encode()
    assert os.listdir(tmp_path) == ["report.json"]


def test_write_atomic_keeps_mode_of_replaced_file(tmp_path):
    target = tmp_path / "report.sarif"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(str(target), "new")
    assert target.stat().st_mode & 0o777 == 0o640


def test_failure_during_replace_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(str(target), "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["report.json"]


def test_streaming_failure_mid_write_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), AtomicWriter(str(target)) as out:
        out.write('{"path":"a"}\n')
        out.flush()
        raise RuntimeError("worker crashed")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]


def test_streaming_writes_appear_only_on_clean_exit(tmp_path):
    target = tmp_path / "out.jsonl"
    with AtomicWriter(str(target)) as out:
        for r in batch()[:2]:
            out.write(jsonl_line(r))
        out.flush()
        assert not target.exists()
    assert target.read_text(encoding="utf-8").splitlines() == [jsonl_line(r).rstrip("\n") for r in batch()[:2]]
    assert os.listdir(tmp_path) == ["out.jsonl"]


def test_dash_means_stdout(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_atomic("-", "one\n")
    with AtomicWriter("-") as out:
        out.write("two\n")
    assert capsys.readouterr().out == "one\ntwo\n"
    assert os.listdir(tmp_path) == []
