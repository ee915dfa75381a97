"""The labelled wording sentences follow their guideline's format, and the benchmark's metrics are right.

These tests check the data (benchmarks/wording/sentences.tsv) and the arithmetic of
benchmarks/wording_bench.py on hand-made examples; they never assert how well the rule does.
"""

from __future__ import annotations

import collections
import importlib.util
import re
import sys
import unicodedata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TSV = REPO / "benchmarks" / "wording" / "sentences.tsv"


def _bench():
    spec = importlib.util.spec_from_file_location("wording_bench", REPO / "benchmarks" / "wording_bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["wording_bench"] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


bench = _bench()
POSITIVE_ONLY = {"announcement", "paraphrase", "double_negation", "passive_nominal", "intent", "notice_of_change"}


@pytest.fixture(scope="module")
def lines() -> list[list[str]]:
    """The file's lines split on tabs, header first."""
    text = TSV.read_text(encoding="utf-8")
    assert text.endswith("\n") and "\r" not in text
    return [line.split("\t") for line in text.splitlines()]


@pytest.fixture(scope="module")
def items():
    return bench.load_sentences(TSV)


def test_every_line_has_the_six_columns(lines):
    assert lines[0] == list(bench.COLUMNS)
    bad = [i for i, cols in enumerate(lines[1:], 2) if len(cols) != len(bench.COLUMNS)]
    assert bad == [], f"lines with a wrong number of tab-separated fields: {bad[:10]}"


def test_values_come_from_the_allowed_sets(items):
    assert {i.label for i in items} <= set(bench.LABELS)
    assert {i.category for i in items} == set(bench.CATEGORIES)
    assert {i.split for i in items} == set(bench.SPLITS)
    for item in items:
        assert item.sentence == item.sentence.strip() and item.sentence, item.id
        assert re.fullmatch(r"[a-z]+-\d{3}", item.id), item.id


def test_ids_are_unique_and_sentences_are_not_repeated(items):
    ids = collections.Counter(i.id for i in items)
    assert [i for i, n in ids.items() if n > 1] == []
    folded = collections.Counter(" ".join(unicodedata.normalize("NFKC", i.sentence).lower().split()) for i in items)
    assert [s for s, n in folded.items() if n > 1] == []


def test_the_id_prefix_names_one_category(items):
    prefixes = collections.defaultdict(set)
    for item in items:
        prefixes[item.id.split("-")[0]].add(item.category)
    assert all(len(cats) == 1 for cats in prefixes.values()), prefixes


def test_size_and_balance(items):
    assert len(items) >= 400
    negatives = sum(not i.positive for i in items)
    assert negatives / len(items) >= 0.40
    per_category = collections.Counter(i.category for i in items)
    assert min(per_category.values()) >= 25, per_category


def test_single_label_categories_hold_only_their_label(items):
    for item in items:
        if item.category in bench.NEGATIVE_CATEGORIES:
            assert item.label == "no_change", item.id
        if item.category in POSITIVE_ONLY:
            assert item.label == "implies_change", item.id


def test_mixed_categories_hold_both_labels(items):
    for category in ("negation_scope", "obfuscated"):
        assert {i.label for i in items if i.category == category} == set(bench.LABELS), category


def test_the_split_follows_the_documented_rule(items):
    """Per (category, label) in file order, positions 1 and 3 modulo 5 are test."""
    seen = collections.Counter()
    for item in items:
        key = (item.category, item.label)
        expected = "test" if seen[key] % 5 in (1, 3) else "train"
        seen[key] += 1
        assert item.split == expected, item.id


def test_obfuscated_rows_store_real_characters(items):
    obfuscated = [i.sentence for i in items if i.category == "obfuscated"]
    assert not any("\\u" in s or "\\x" in s for s in obfuscated)
    assert sum(not s.isascii() for s in obfuscated) >= 10


def test_metrics_on_a_hand_made_example():
    # 2 true positives, 1 false positive, 3 misses, 4 true negatives
    pairs = [(True, True)] * 2 + [(False, True)] + [(True, False)] * 3 + [(False, False)] * 4
    m = bench.metrics(pairs)
    assert (m["n"], m["tp"], m["fp"], m["fn"], m["tn"]) == (10, 2, 1, 3, 4)
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == pytest.approx(2 / 5)
    assert m["f1"] == pytest.approx(0.5)
    assert m["false_alarm_rate"] == pytest.approx(1 / 5)


def test_undefined_ratios_are_none_not_zero():
    quiet = bench.metrics([(False, False), (False, False)])
    assert (quiet["precision"], quiet["recall"], quiet["f1"], quiet["false_alarm_rate"]) == (None, None, None, 0.0)
    missed = bench.metrics([(True, False)])
    assert (missed["precision"], missed["recall"], missed["f1"]) == (None, 0.0, None)
    wrong = bench.metrics([(True, False), (False, True)])
    assert (wrong["precision"], wrong["recall"], wrong["f1"]) == (0.0, 0.0, 0.0)


def test_summarise_counts_each_category_apart():
    item = lambda cat, label: bench.Item("x-001", label, cat, "test", "s")  # noqa: E731
    results = [
        (item("intent", "implies_change"), True),
        (item("intent", "implies_change"), False),
        (item("past_event", "no_change"), True),
        (item("past_event", "no_change"), False),
    ]
    report = bench.summarise(results)
    assert report["categories"]["intent"]["recall"] == pytest.approx(0.5)
    assert report["categories"]["past_event"]["false_alarm_rate"] == pytest.approx(0.5)
    assert report["overall"]["precision"] == pytest.approx(0.5)
