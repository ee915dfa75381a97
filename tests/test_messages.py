"""Messages that say what is true (issue 8, item 13): placeholders rendered everywhere, no stray
"(none)", "1 day", forensic explanations that depend on the value, and timeouts named as in force."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from authcheck.engine.checks.conditions import gap_text
from authcheck.engine.templates import render
from authcheck.loaders.budget import Budget
from authcheck.settings import Limits

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
NEGATION = re.compile(r"\b(no|not|off|none)\b", re.IGNORECASE)


@pytest.mark.parametrize(
    "template, values, expected",
    [
        ("Hidden: ${a} ${b}", {"a": "invisible: hello"}, "Hidden: invisible: hello"),
        ("Changed: ${a} ${b}", {}, "Changed: (none)"),
        ("Changed after signing: text. ${a}", {}, "Changed after signing: text."),
        (
            "Changed after signing: text. ${a}",
            {"a": ["revision 2: + x"]},
            "Changed after signing: text. revision 2: + x",
        ),
        ("Signed by '${a}', not '${b}'.", {"a": "X"}, "Signed by 'X', not '(none)'."),
        ("${a}", {}, "(none)"),
        ("${a} is ${b} after", {"a": 1.5, "b": []}, "1.5 is (none) after"),
        ("Unusual tool or copy: ${a}; ${b}.", {"b": "image-only"}, "Unusual tool or copy: image-only."),
        (
            "Unusual tool or copy: ${a}; ${b}.",
            {"a": "X (library)", "b": "image-only"},
            "Unusual tool or copy: X (library); image-only.",
        ),
        (
            "2 revisions; later ones changed ${k}. ${a} ${b}",
            {"k": ["graphics"]},
            "2 revisions; later ones changed graphics.",
        ),
    ],
)
def test_empty_placeholders_do_not_leave_a_stray_none(template, values, expected):
    assert render(template, values.get) == expected


@pytest.mark.parametrize(
    "days, text",
    [
        (1.0, "1 day"),
        (1.9, "1 day"),
        (2.0, "2 days"),
        (40.2, "40 days"),
        (0.5, "12 hours"),
        (1 / 24, "1 hour"),
        (0.001, "1 minute"),
        (0.0001, "0 minutes"),
    ],
)
def test_gap_is_said_as_people_say_it(days, text):
    assert gap_text(days) == text


def test_forged_letter_says_its_gap_in_words_and_verify_next_has_no_placeholder(cli):
    result = cli(str(SAMPLES / "forged-letter.pdf"), "--no-color", "--width", "200", "--no-cache")
    # created 2020-02-14, dated 6 January 2020: the gap against the letter's own date, in words
    assert "is 39 days after 2020-01-06" in result.stdout and "1 days" not in result.stdout
    verify = result.stdout.split("Verify next", 1)[1]
    assert "${" not in verify and "Find out whose account is named in the file's metadata" in verify
    record = json.loads(cli(str(SAMPLES / "forged-letter.pdf"), "-f", "json", "--no-cache").stdout)
    assert not [m for f in record["findings"] for m in (f["message"], f["remediation"]) if "${" in m]
    assert not [f["message"] for f in record["findings"] if f["message"].endswith("(none)")]


@pytest.mark.parametrize(
    "sample",
    [
        "withdrawal-letter-2020.pdf",
        "draft-memo.docx",
        "signed-deployment-notification.docx",
        "signed-deployment-notification-digital.pdf",
    ],
)
def test_forensic_explanations_follow_the_value(cli, sample):
    """A fact that is false, zero or empty is never explained as if it were there."""
    record = json.loads(cli("extract", str(SAMPLES / sample), "-f", "json").stdout)
    empty = {key: fact for key, fact in record["forensics"].items() if fact["value"] in (False, 0, [], "")}
    assert empty  # each sample has some
    wrong = {
        key: fact["explanation"]
        for key, fact in empty.items()
        if not NEGATION.search(fact["explanation"]) and key != "core_missing"
    }
    assert wrong == {}
    if "pdf_linearized" in empty:
        assert "not linearized" in empty["pdf_linearized"]["explanation"]


def test_pdf_linearized_explanation_in_extract_view(cli):
    result = cli("extract", str(SAMPLES / "withdrawal-letter-2020.pdf"), "--no-color", "--width", "200")
    [row] = [line for line in result.stdout.splitlines() if "pdf_linearized" in line]
    assert "False" in row and "not linearized" in row


def test_reading_budget_names_the_timeout_in_force():
    budget = Budget.for_limits(Limits(timeout=30, read_time_percent=50))
    assert budget.describe() == "15 s (50% of the 30 s --timeout)"
    assert Budget(4).describe() == "4 s" and Budget(None).describe() == "no time limit"


def test_timeout_error_names_the_timeout_in_force(monkeypatch):
    monkeypatch.setattr(
        "authcheck.loaders.pdf._plain_reader", lambda *args: None
    )  # the pypdf path (a plain file skips pypdf)
    import time

    import pypdf

    from authcheck.errors import CheckError
    from authcheck.loaders.pdf import load_pdf

    def slow_reader(*args, **kwargs):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(pypdf, "PdfReader", slow_reader)
    data = (SAMPLES / "withdrawal-letter-2020.pdf").read_bytes()
    with pytest.raises(CheckError) as info:
        load_pdf(data, path="slow.pdf", sha256="0" * 64, extension=".pdf", password=None, limits=Limits(timeout=0.8))
    assert info.value.type == "timeout"
    assert "0.4 s (50% of the 0.8 s --timeout)" in info.value.message
