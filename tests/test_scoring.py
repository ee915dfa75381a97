"""Scoring: noisy-OR risk, contributions that sum to the score, two axes, bands and floors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from authcheck.model import Finding
from authcheck.scoring.score import noisy_or, score_findings
from authcheck.settings import Bands, Settings


def finding(rule: str, weight: float, axis: str = "authority", **kw) -> Finding:
    return Finding(rule=rule, title=rule, severity="high", axis=axis, weight=weight, message="m", **kw)


def test_noisy_or_combines_and_saturates():
    assert noisy_or([]) == 0
    assert noisy_or([50, 50]) == pytest.approx(75)
    assert noisy_or([100, 10]) == pytest.approx(100)
    assert noisy_or([10] * 50) < 100


def test_contributions_sum_to_score_and_are_sorted():
    found = [finding("a", 30), finding("b", 45), finding("c", 20, axis="origin")]
    ordered, score, axes, verdict, reason = score_findings(found, Settings())
    assert [f.rule for f in ordered] == ["b", "a", "c"]
    assert [f.contribution for f in ordered] == [45.0, 16.5, 7.7]
    assert score == 69 and verdict == "fail"
    assert axes == {"origin": 20, "authority": 62}
    assert reason.startswith("fail (69/100): b; a; c")


def test_bands_are_configurable():
    found = [finding("a", 30)]
    assert score_findings(found, Settings())[3] == "review"
    assert score_findings(found, Settings(bands=Bands(review=40, fail=80)))[3] == "pass"


def test_floor_raises_a_low_score_to_review():
    _, score, _, verdict, _ = score_findings([finding("file.truncated-analysis", 10, floor="review")], Settings())
    assert score == 10 and verdict == "review"


def test_suppressed_findings_do_not_count():
    found = [finding("a", 45), replace(finding("b", 45), suppressed={"kind": "baseline"})]
    ordered, score, _axes, verdict, _ = score_findings(found, Settings())
    assert score == 45 and verdict == "review"
    assert [(f.rule, f.contribution) for f in ordered] == [("a", 45.0), ("b", 0.0)]


def test_no_findings_is_a_clean_pass():
    _, score, axes, verdict, reason = score_findings([], Settings())
    assert (score, verdict, axes) == (0, "pass", {"origin": 0, "authority": 0})
    assert "no rule found a problem" in reason


@pytest.mark.parametrize(
    "fail_on,fail_score,verdict,score,trips",
    [
        ("fail", None, "fail", 70, True),
        ("fail", None, "review", 40, False),
        ("review", None, "review", 40, True),
        ("never", None, "fail", 99, False),
        ("never", 30, "review", 40, True),
        ("fail", 50, "pass", 10, False),
        ("fail", None, None, None, False),
    ],
)
def test_gate(fail_on, fail_score, verdict, score, trips):
    assert Settings(fail_on=fail_on, fail_score=fail_score).gate_trips(verdict, score) is trips
