"""NegEx-style negation and hypothetical guards on the policy-change wording."""

from __future__ import annotations

import pytest

from authcheck.engine.rulepack import load_ruleset
from authcheck.engine.ruletest import run_case

RULE = load_ruleset().get("wording.policy-change")


def fires(text: str) -> bool:
    return run_case(RULE, {"expect": "match", "text": text + "\n"}).passed


@pytest.mark.parametrize(
    "text",
    [
        "Coalition forces will withdraw from Iraq next week.",
        "We will begin the drawdown of US troops in March.",
        "The Ministry will terminate the status of forces agreement on 1 May.",
        "We respect your sovereign decision to order our departure.",
        "Forces will be redeployed to Kuwait, but not before the handover.",
        "We will withdraw without delay.",  # pseudo-negation: "without delay" does not negate
        "Personnel will no longer be stationed at Al Asad; the base will close.",
    ],
)
def test_announcements_fire(text):
    assert fires(text)


@pytest.mark.parametrize(
    "text",
    [
        "There has been no decision made to leave Iraq.",
        "No decision has been made to leave.",
        "The United States will not withdraw its forces.",
        "We have no plans to withdraw.",
        "If Parliament insists, we would withdraw our forces.",
        "Should the agreement be terminated, forces could redeploy.",
        "Will the coalition withdraw?",
        "There has been no change in US policy with regard to our force presence in Iraq.",
        "The Pentagon denied that it would withdraw its troops.",
    ],
)
def test_negated_or_hypothetical_statements_do_not_fire(text):
    assert not fires(text)


def test_contrast_word_ends_the_negation_scope():
    assert fires("We did not plan it this way, but the coalition will withdraw its forces.")
