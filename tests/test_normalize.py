"""fold(): the matching text, its map back to the text as written, and what a writer hid."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authcheck.extract.normalize import fold, hidden_in

CYR_O, CYR_I, ZWSP, ZWNJ, ZWJ, SHY, RLO = "\u043e", "\u0456", "\u200b", "\u200c", "\u200d", "\u00ad", "\u202e"


def test_plain_ascii_takes_the_fast_path_unchanged():
    text = "CJTF-OIR will be repositioning forces on 6 January 2020 (ref. 12/34)."
    f = fold(text)
    assert (f.text, f.starts, f.hidden, f.changed) == (text, None, (), False)
    assert f.to_source(3, 9) == (3, 9)


@pytest.mark.parametrize(
    "written, folded",
    [
        ("We are withdraw1ng tr00ps", "We are withdrawing troops"),
        ("n0t later; N0 decision", "not later; No decision"),
        ("1eave, cance1, w1thdraw, mi1itary, a|l", "leave, cancel, withdraw, military, all"),
        ("we will w i t h d r a w now", "we will withdraw now"),
        ("there is n o decision", "there is no decision"),
        (f"rep{CYR_O}siti{CYR_O}ning", "repositioning"),
        (f"with{ZWSP}drawal", "withdrawal"),
        (f"the with{SHY}\ndrawal", "the withdrawal"),
        ("\ufb01nal \uff57ithdrawal", "final withdrawal"),  # NFKC: ligature, full-width
        ("we won\u2019t \u2014 ever", "we won't - ever"),  # curly quotes and dashes, one for one
        ("the withdrawal\u00b9 of forces\u00b2\u2070", "the withdrawal 1 of forces 2 0"),  # footnote marks apart
    ],
)
def test_each_kind_of_noise_folds_to_the_plain_word(written, folded):
    assert fold(written).text == folded


@pytest.mark.parametrize(
    "text",
    [
        "B2B, F-16, F16, COVID-19, COVID19, 4x4, 2nd, 31st, 1990s, 10km, 3pm, MQ-9, OIR2020, G7",
        "6 January 2020, 2020-01-06, 06/01/2020, 12:30, 100,000 and 3.5",
        "a b",  # two single letters are not a spaced word
    ],
)
def test_codes_units_ordinals_digits_and_dates_are_kept(text):
    assert fold(text).text == text


def test_a_word_wholly_in_another_script_is_left_alone():
    russian = "\u0412\u0441\u0442\u0440\u0435\u0447\u0430 \u0432\u043e \u0432\u0442\u043e\u0440\u043d\u0438\u043a"
    f = fold(russian)
    assert (f.text, f.hidden) == (russian, ())


def test_a_latin_letter_inside_a_cyrillic_word_is_reported_not_folded():
    word = "\u0440o\u043a\u0430"  # Cyrillic r, Latin o, Cyrillic k, a
    f = fold(word)
    assert f.text == word
    assert [h.describe() for h in f.hidden] == [f"Latin o (U+006F) in a Cyrillic word in '{word}'"]


def test_offsets_map_back_to_the_text_as_written():
    text = f"We will be rep{CYR_O}sit{ZWSP}ioning forces, w i t h d r a w i n g them."
    f = fold(text)
    assert f.text == "We will be repositioning forces, withdrawing them."
    at = f.text.index("repositioning forces")
    s, e = f.to_source(at, at + len("repositioning forces"))
    assert text[s:e] == f"rep{CYR_O}sit{ZWSP}ioning forces"
    at = f.text.index("withdrawing")
    assert f.quote(at, at + len("withdrawing")) == "w i t h d r a w i n g"
    assert f.to_folded(s, e) == (f.text.index("repositioning"), f.text.index(","))


def test_what_was_hidden_is_described_with_the_word_as_it_reads():
    text = f"CJTF will be rep{CYR_O}sitioning and with{ZWSP}drawing; Wi{CYR_I}liam; {RLO}etisoppo"
    described = [h.describe() for h in fold(text).hidden]
    assert described == [
        f"Cyrillic {CYR_O} (U+043E) in 'rep{CYR_O}sitioning'",
        "zero width space (U+200B) in 'withdrawing'",
        f"Cyrillic {CYR_I} (U+0456) in 'Wi{CYR_I}liam'",
        "right-to-left override (U+202E) in 'etisoppo'",
    ]
    assert [h.kind for h in fold(text).hidden] == ["mixed-script", "invisible", "mixed-script", "invisible"]
    for h in fold(text).hidden:
        assert text[h.start : h.end] == h.word


def test_a_two_letter_word_with_a_look_alike_is_reported():
    assert [h.describe() for h in hidden_in(f"n{CYR_O} decision")] == [f"Cyrillic {CYR_O} (U+043E) in 'n{CYR_O}'"]


@pytest.mark.parametrize(
    "text",
    [
        f"\u0645\u06cc{ZWNJ}\u062e\u0648\u0627\u0647\u0645 \u0631\u0641\u062a",  # Persian: ZWNJ is spelling
        f"\u0915\u094d{ZWJ}\u0937 \u0926\u0947\u0936",  # Devanagari conjunct with ZWJ
        f"family \U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467 photo",  # emoji ZWJ sequence
        f"the coordination meet{SHY}\ning and the con{SHY}ference",  # soft hyphens (hyphenation hints)
        "5\u00b5g and \u03bcm and \u0394GDP",  # units and symbols
    ],
)
def test_legitimate_invisible_characters_and_symbols_are_not_hidden(text):
    assert hidden_in(text) == []


_ALPHABET = st.sampled_from(
    [*list("abcdeilnorstw IO01345|-.,\n"), CYR_O, CYR_I, ZWSP, ZWNJ, SHY, RLO, "ﬁ", "é", "é", "م", "ａ"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_every_folded_character_maps_into_the_original_in_order(text):
    f = fold(text)
    if f.starts is None:  # folded one for one: character k comes from character k
        assert len(f.text) == len(text)
        return
    assert len(f.starts) == len(f.ends) == len(f.text)
    assert all(0 <= s < e <= len(text) for s, e in zip(f.starts, f.ends))
    assert list(f.starts) == sorted(f.starts)
    for i in range(len(f.text)):
        lo, hi = f.to_folded(*f.to_source(i, i + 1))
        assert lo <= i < hi
