"""Sentence splitting (`extract.textutil`): spans without surrounding white space, abbreviations and
initials not taken as sentence ends, and offsets that point at the sentence's own text."""

from __future__ import annotations

import random

import pytest

from authcheck.extract import textutil
from authcheck.extract.textutil import sentences_of, split_sentences
from authcheck.model import Line


def _reference(text: str, base: int) -> list[tuple[int, int]]:
    """The rules written the plain way: a sentence ends at `_END` unless the period follows an
    abbreviation or a single letter; each span is trimmed of `str.isspace` characters."""
    spans, pos = [], 0

    def add(start: int, end: int) -> None:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((base + start, base + end))

    for match in textutil._END.finditer(text):
        dot = match.start()
        if text[dot] == ".":
            start = dot
            while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
                start -= 1
            word = text[start:dot].lower()
            if word in textutil._ABBREV or (len(word) == 1 and word.isalpha()):
                continue
        add(pos, match.end())
        pos = match.end()
    add(pos, len(text))
    return spans


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We leave. They stay.", ["We leave.", "They stay."]),
        ("Sent by Dr. Smith today. Received.", ["Sent by Dr. Smith today.", "Received."]),
        ("Signed J. Smith. Noted.", ["Signed J. Smith.", "Noted."]),
        ("Approx. Ten units moved. Done.", ["Approx. Ten units moved.", "Done."]),
        # a word longer than any abbreviation ends a sentence, even when it ends like one
        ("Read notapprox. Then stop.", ["Read notapprox.", "Then stop."]),
        ("\u2003 Padded out.\u00a0  Next one. \u2003", ["Padded out.", "Next one."]),
        ("   ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    spans = split_sentences(text, 100)
    assert [text[s - 100 : e - 100] for s, e in spans] == expected


def test_split_sentences_matches_the_plain_rules_on_random_text() -> None:
    rng = random.Random(20261207)
    pieces = ["a", "B", "word", ".", ". ", " ", "\n", "\u00a0", "\u2003", "Dr.", "U.S.", " x", "İ", "Ⅻ", "²", "?",
              "!", '"', ")", "A", "1", "approx.", "encl", "abbreviations."]  # fmt: skip
    for i in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert split_sentences(text, i) == _reference(text, i), text


def test_sentences_of_spans_point_at_their_text() -> None:
    raw = "The forces will\nreposition. Dr. Lee\nagrees.\n\nA new paragraph here."
    lines, start = [], 0
    for number, piece in enumerate(raw.split("\n"), 1):
        lines.append(Line(piece, 1, number, start, start + len(piece)))
        start += len(piece) + 1
    found = sentences_of(lines, raw, "body")
    assert [s.text for s in found] == ["The forces will reposition.", "Dr. Lee agrees.", "A new paragraph here."]
    for sentence in found:
        assert raw[sentence.loc.start : sentence.loc.end].replace("\n", " ") == sentence.text
    assert [s.loc.line for s in found] == [1, 2, 5]
