"""A re-scan served from the result cache: the same bytes as a fresh scan, written through from the
stored record text, and never a stale or forged answer."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from tests.conftest import SAMPLES

LETTERS = ("withdrawal-letter-2020.pdf", "draft-memo.docx", "coordination-letter.txt")


def _folder(root, names=LETTERS, rename=None):
    """A folder with copies of sample letters (`rename` maps a sample to another file name)."""
    root.mkdir()
    for name in names:
        target = os.fsencode((rename or {}).get(name, name))
        shutil.copy(SAMPLES / name, os.path.join(os.fsencode(root), target))
    return root


def _lines(out: str) -> list[str]:
    return sorted(out.splitlines(keepends=True))


def _no_rendering(monkeypatch):
    """Make rendering a JSON line from a Result fail: what is printed then came from the stored text."""
    from authcheck.reporters import jsonout

    def refuse(result):
        raise AssertionError(f"{result.path} was rendered, not written through")

    monkeypatch.setattr(jsonout, "result_record", refuse)


def test_a_cached_json_lines_report_is_written_through_byte_for_byte(cli, tmp_path, monkeypatch):
    folder = _folder(tmp_path / "letters", rename={"coordination-letter.txt": "lettre-été.txt"})
    fresh = cli("check", str(folder), "--format", "jsonl", "--no-cache")
    filled = cli("check", str(folder), "--format", "jsonl")
    _no_rendering(monkeypatch)
    cached = cli("check", str(folder), "--format", "jsonl")
    assert len(_lines(fresh.stdout)) == 3
    assert _lines(cached.stdout) == _lines(filled.stdout) == _lines(fresh.stdout)
    assert cached.exit_code == fresh.exit_code and cached.stderr == fresh.stderr


def test_a_file_of_the_same_name_elsewhere_is_written_through_under_its_own_path(cli, tmp_path, monkeypatch):
    first = _folder(tmp_path / "first")
    cli("check", str(first), "--format", "jsonl")
    second = _folder(tmp_path / "second-é")
    fresh = cli("check", str(second), "--format", "jsonl", "--no-cache")
    _no_rendering(monkeypatch)
    cached = cli("check", str(second), "--format", "jsonl")
    assert _lines(cached.stdout) == _lines(fresh.stdout)
    assert all(str(second) in line for line in cached.stdout.splitlines())


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="needs file names that are not UTF-8")
def test_a_name_that_is_not_utf8_gets_its_own_path_keys_on_a_cache_hit(cli, tmp_path, monkeypatch):
    odd = b"odd-\xff.txt"
    first = _folder(tmp_path / "first", names=("coordination-letter.txt",), rename={"coordination-letter.txt": odd})
    second = _folder(tmp_path / "second", names=("coordination-letter.txt",), rename={"coordination-letter.txt": odd})
    cli("check", str(first), "--format", "jsonl")
    fresh = cli("check", str(second), "--format", "jsonl", "--no-cache")
    _no_rendering(monkeypatch)
    cached = cli("check", str(second), "--format", "jsonl")
    assert '"path_b64":' in fresh.stdout and "second" in fresh.stdout
    assert cached.stdout == fresh.stdout


def test_a_suppressed_result_is_rendered_not_written_through(cli, tmp_path):
    """A baseline changes the result after the cache: its line must show the suppression."""
    folder = _folder(tmp_path / "letters", names=("withdrawal-letter-2020.pdf",))
    baseline = tmp_path / "baseline.json"
    cli("check", str(folder), "--format", "jsonl")
    cli("baseline", "create", str(folder), "-o", str(baseline))
    fresh = cli("check", str(folder), "--format", "jsonl", "--no-cache", "--baseline", str(baseline))
    cached = cli("check", str(folder), "--format", "jsonl", "--baseline", str(baseline))
    assert '"kind":"baseline"' in fresh.stdout
    assert cached.stdout == fresh.stdout
