"""One check path: the library, the command line and the workers all end in `pipeline.check_bytes`.

The function is replaced by one that marks its result; every way of checking a file must then
report the mark.  (Workers are forked, so they inherit the replacement.)
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import authcheck
from authcheck.batch import pipeline

MARK = "checked by the one path"


@pytest.fixture
def marked(monkeypatch):
    real = pipeline.check_bytes

    def check_bytes(data, path, settings, ruleset):
        return replace(real(data, path, settings, ruleset), reason=MARK)

    monkeypatch.setattr(pipeline, "check_bytes", check_bytes)


@pytest.fixture
def letter(tmp_path):
    path = tmp_path / "letter.txt"
    path.write_text("Dear Minister,\n\nWe will withdraw all forces.\n\nSincerely,\n\nJohn Smith\n")
    return path


def test_the_library_checks_bytes_and_paths_through_it(marked, letter):
    assert authcheck.check(letter.read_bytes(), name="letter.txt").reason == MARK
    assert authcheck.check(letter).reason == MARK
    assert authcheck.check(str(letter), isolate=True).reason == MARK
    assert [r.reason for r in authcheck.scan([str(letter.parent)], jobs=1)] == [MARK]
    assert [r.reason for r in authcheck.scan([str(letter)], isolate=False)] == [MARK]


def test_the_command_line_checks_through_it(marked, letter, cli):
    result = cli("check", str(letter), "--format", "json", "--no-cache")
    assert json.loads(result.stdout)["reason"] == MARK


def test_a_path_checked_in_process_keeps_its_letter_and_an_isolated_one_does_not(letter):
    assert authcheck.check(letter).letter is not None
    assert authcheck.check(letter, isolate=True).letter is None


def test_a_missing_path_is_a_typed_error_on_every_path(tmp_path):
    for isolate in (False, True):
        result = authcheck.check(tmp_path / "nope.pdf", isolate=isolate)
        assert result.error is not None and result.error.type == "not-found"
