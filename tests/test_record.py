"""The one record builder (scoring/record.py), the one location type and the one error-line format:
every output that shows a record, a location or an error reads it from the same place."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from authcheck.api import check
from authcheck.batch.cache import result_from_record, result_to_record
from authcheck.errors import CheckError, error_detail, error_line, not_checked
from authcheck.model import ErrorInfo, Evidence, Finding, Location
from authcheck.reporters.jsonbatch import jsonl_line, render_batch_json
from authcheck.reporters.jsonout import render_json, render_jsonl
from authcheck.scoring.record import (
    LOCATION_KEYS,
    batch_record,
    evidence_record,
    fields_record,
    jsonable,
    letter_record,
    location_record,
    result_record,
)

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "authcheck/schemas/result-v1.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def checked():
    """A real letter through the whole pipeline (the forged sample has findings with located evidence)."""
    return check(str(SAMPLES / "forged-letter.pdf"))


def test_the_json_reporters_print_the_record_builders_output(checked):
    assert json.loads(render_json(checked)) == result_record(checked)
    assert json.loads(render_jsonl(checked)) == result_record(checked)
    assert jsonl_line(checked) == render_jsonl(checked)
    other = replace(checked, path="other.pdf")
    assert json.loads(render_batch_json([other, checked], 2)) == batch_record([checked, other], 2)
    assert [d["path"] for d in batch_record([other, checked])["documents"]] == sorted([checked.path, "other.pdf"])


def test_fields_are_the_record_builders_short_form_of_the_letter(checked):
    letter = checked.letter
    assert checked.fields == fields_record(letter)
    long = letter_record(letter)
    short = checked.fields
    assert short["issuer"]["name"] == (long["issuer"]["name"] or {}).get("text")
    assert [c["text"] for c in short["issuer"]["claims"]] == [c["text"] for c in long["issuer"]["claims"]]
    assert "claims" not in short["recipient"] and "claims" in long["recipient"]
    if letter.date is not None:
        assert short["date"]["source"] == long["date"]["part"] == letter.date.loc.part
    assert short["letterhead"]["organization"] == [f["text"] for f in long["letterhead"]["organization"]]


def test_a_location_is_written_with_the_same_keys_everywhere(checked):
    loc = Location("body", 2, 14, 300, 320, "k")
    assert location_record(loc) == {"part": "body", "page": 2, "line": 14, "start": 300, "end": 320, "key": "k"}
    assert list(location_record(loc)) == list(LOCATION_KEYS)
    assert list(evidence_record(Evidence("t", loc)))[1:7] == list(LOCATION_KEYS)
    sentences = letter_record(checked.letter)["sentences"]
    assert sentences and all(list(s) == ["text", *LOCATION_KEYS[:-1]] for s in sentences)
    for sentence, row in zip(checked.letter.sentences, sentences, strict=True):
        assert row == {"text": sentence.text, **location_record(sentence.loc, LOCATION_KEYS[:-1])}


def test_evidence_keys_match_the_schema():
    props = SCHEMA["$defs"]["evidence"]["properties"]
    assert set(evidence_record(Evidence("t", Location("body")))) == set(props)


def test_a_location_round_trips_through_the_record_and_the_cache(checked):
    loc = Location("signature_block", 1, 30, 900, 915, "/Author")
    ev = Evidence(
        "Yours sincerely", loc, context="Yours sincerely, J. Smith", highlight=(0, 15), box=(0.1, 0.2, 0.3, 0.4)
    )
    finding = Finding("sig.x", "Title", "high", "authority", 40.0, "msg", evidence=(ev,))
    result = replace(checked, findings=(finding,), letter=None)
    back = result_from_record(json.loads(json.dumps(result_to_record(result))))
    assert back.findings[0].evidence[0].loc == loc
    assert back.findings[0].evidence == (ev,)
    assert result_to_record(back) == result_to_record(result)


def test_a_checked_result_comes_back_from_the_cache_unchanged(checked):
    record = json.loads(json.dumps(result_to_record(checked)))
    assert result_to_record(result_from_record(record)) == result_record(checked)
    assert any(ev.loc.line is not None for f in checked.findings for ev in f.evidence)


def test_one_error_format_in_every_output():
    err = ErrorInfo("corrupt", "no %%EOF marker", "load")
    assert error_detail(err) == "corrupt at load: no %%EOF marker"
    assert error_detail(CheckError("corrupt", "no %%EOF marker", "load")) == error_detail(err)
    assert not_checked(err) == "could not be checked: corrupt at load: no %%EOF marker"
    assert error_line("bad rule") == "authcheck: error: bad rule"

    from authcheck.batch.pipeline import error_result
    from authcheck.reporters.consolebatch import file_line
    from authcheck.reporters.sarif import error_message

    result = error_result("bad.pdf", CheckError("corrupt", "no %%EOF marker", "load"))
    assert error_message(result) == not_checked(err)
    assert file_line(result, 120, plain=True).plain.endswith(f"bad.pdf: {error_detail(err)}")


def test_the_cli_prints_the_one_error_line(cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = cli("check", str(empty))
    assert error_line("no files to check") in out.stderr
    assert out.exit_code != 0


def test_jsonable_copies_mappings_and_sequences_and_writes_anything_else_as_text():
    import enum
    from collections import OrderedDict
    from types import MappingProxyType

    class Name(str):
        pass

    class Level(enum.IntEnum):
        HIGH = 3

    inner = [1, (2, "b")]
    value = {
        "leaves": [1, 2.5, True, None, "text", Name("/Helvetica"), Level.HIGH],
        7: MappingProxyType({"nested": inner}),
        "ordered": OrderedDict(z=(b"raw", object)),
    }
    copy = jsonable(value)
    assert copy == {
        "leaves": [1, 2.5, True, None, "text", "/Helvetica", 3],
        "7": {"nested": [1, [2, "b"]]},
        "ordered": {"z": ["b'raw'", "<class 'object'>"]},
    }
    assert type(copy["7"]) is dict and type(copy["7"]["nested"][1]) is list  # what json.dumps writes
    assert copy["7"]["nested"] is not inner  # a copy: the result's own values are never shared
    assert json.loads(json.dumps(copy)) == copy
