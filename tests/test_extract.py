"""Extraction on every sample format: the facts an analyst reads in the report."""

from __future__ import annotations

from pathlib import Path

import pytest

import authcheck
from authcheck.engine.ruletest import letter_from_text

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
LETTER_2020 = ["withdrawal-letter-2020.pdf", "withdrawal-letter-2020.docx", "withdrawal-letter-2020.txt"]


@pytest.fixture(scope="module")
def fields():
    cache = {}

    def get(name: str) -> dict:
        if name not in cache:
            result = authcheck.check(SAMPLES / name)
            assert result.error is None, result.error
            cache[name] = result.fields
        return cache[name]

    return get


@pytest.mark.parametrize("name", LETTER_2020)
def test_2020_letter_parts_in_every_format(fields, name):
    f = fields(name)
    assert f["issuer"]["name"] == "WILLIAM H. SEELY III"
    assert f["issuer"]["title"] == "Brigadier General, US Marine Corps"
    assert f["issuer"]["organization"] == "Task Force Iraq"
    assert f["issuer"]["source"] == "signature_block"
    assert {c["part"] for c in f["issuer"]["claims"]} >= {"from", "signature_block", "letterhead"}
    assert f["recipient"]["organization"].startswith("Iraqi Ministry of Defense")
    assert f["date"] == {"text": "6 January 2020", "value": "2020-01-06", "source": "date"}
    assert f["subject"] == "Coalition Force Movement"
    assert f["salutation"] == "Sir,"
    assert f["signature_block"] == {
        "closing": "Sincerely,",
        "name": "WILLIAM H. SEELY III",
        "titles": ["Brigadier General, US Marine Corps", "Commanding General, Task Force Iraq"],
    }
    assert f["signature"]["signed"] is False and f["signature"]["kinds"] == []
    assert f["signature"]["strength"] == ("weak" if name.endswith(".txt") else "strong")
    assert "TASK FORCE IRAQ" in f["letterhead"]["organization"]


@pytest.mark.parametrize(
    "name,kinds",
    [
        ("signed-deployment-notification.pdf", ["image"]),
        ("signed-deployment-notification.docx", ["image"]),
        ("signed-deployment-notification-digital.pdf", ["digital"]),
        ("coordination-letter.pdf", ["image"]),
        ("coordination-letter.txt", ["conformed"]),
    ],
)
def test_signed_samples_are_signed(fields, name, kinds):
    sig = fields(name)["signature"]
    assert sig["signed"] is True and sig["kinds"] == kinds


def test_digital_signature_field_is_reported(fields):
    sig_fields = fields("signed-deployment-notification-digital.pdf")["signature_fields"]
    assert [(s["filled"], s["signer"]) for s in sig_fields] == [(True, "Anna Lindqvist")]


@pytest.mark.parametrize("name", ["draft-memo.pdf", "draft-memo.docx"])
def test_draft_banner_and_watermark_are_markings(fields, name):
    marks = fields(name)["letterhead"]["markings"]
    assert "DRAFT - PRE-DECISIONAL - NOT FOR RELEASE" in marks and "DRAFT" in marks


def test_bare_statement_has_nothing_to_sign(fields):
    f = fields("pentagon-statement.txt")
    assert f["signature"]["signed"] is None
    assert f["issuer"]["name"] is None and f["date"] is None


def test_forged_letter_names_differ_between_from_line_and_signature(fields):
    f = fields("forged-letter.pdf")
    claims = {c["part"]: c["text"] for c in f["issuer"]["claims"]}
    assert "Seelly" in claims["from"] and f["signature_block"]["name"] == "WILLIAM H. SEELEY"
    assert f["metadata"]["author"] == "d.kovalenko"


def test_body_sentences_have_spans_into_the_text():
    letter = letter_from_text("Sir,\n\nWe will meet on Monday. Col. Smith will attend.\nBring the maps.\n")
    text = letter.document.text
    body = [s for s in letter.sentences if s.loc.part == "body"]
    assert [s.text for s in body] == ["We will meet on Monday.", "Col. Smith will attend.", "Bring the maps."]
    assert all(text[s.loc.start : s.loc.end].replace("\n", " ") == s.text for s in body)
    assert body[2].loc.line == 4


@pytest.mark.parametrize(
    "text,value",
    [
        ("January 6, 2020", "2020-01-06"),
        ("6th of January 2020", "2020-01-06"),
        ("2020-01-06", "2020-01-06"),
        ("06.01.2020", "2020-01-06"),
        ("06 JAN 20", "2020-01-06"),
        ("13/01/2020", "2020-01-13"),
    ],
)
def test_date_line_formats(text, value):
    letter = letter_from_text(f"{text}\n\nSir,\n\nThe meeting is on Monday.\n")
    assert letter.date is not None and letter.date.value == value


def test_typed_name_without_closing_is_still_a_signature_block():
    letter = letter_from_text(
        "MEMORANDUM FOR Record\n\nSUBJECT: Test\n\n1. The meeting is on Monday.\n\n"
        "JOHN A. SMITH\nColonel, US Army\nCommander\n"
    )
    assert letter.signature_block.name.text == "JOHN A. SMITH"
    assert [t.text for t in letter.signature_block.titles] == ["Colonel, US Army", "Commander"]
    assert letter.signature.signed is False


def test_signed_marker_counts_as_signature():
    letter = letter_from_text("Sir,\n\nThe meeting is on Monday.\n\n//SIGNED//\nJOHN A. SMITH\nColonel, US Army\n")
    assert letter.signature.signed is True and letter.signature.kinds == ("conformed",)
