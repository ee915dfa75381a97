"""Which kinds of act a letter's wording announces, as registry action classes.

One small function (`action_classes`) so the source can be switched: today it reads which named
patterns of `wording.policy-change` matched; when that rule reports the action class itself in its
evidence, only this function changes.
"""

from __future__ import annotations

import re

PATTERN_ACTIONS = {
    "withdrawal": "withdraw",
    "ended_commitment": "end-agreement",
    "deployment": "deploy",
    "policy_shift": "change-policy",
}
_FUNDS = re.compile(r"\b(?:commit|allocat|disburs|transfer|grant|approv|releas|pay|fund)\w*\s+(?:\w+\s+){0,4}?"
                    r"(?:[$€£]\s?\d|\d[\d,.]*\s*(?:million|billion|thousand|usd|eur|gbp|dollars|euros|pounds))", re.I)
#: the `wording` check kind's action classes (its evidence reason) as registry action classes
REASON_ACTIONS = {
    "withdraw": "withdraw", "depart": "withdraw", "recall": "withdraw", "reduce": "withdraw",
    "end": "end-agreement", "suspend": "end-agreement", "finish": "end-agreement", "divest": "end-agreement",
    "deploy": "deploy", "increase": "deploy", "authorise": "deploy", "move": "move-forces",
    "change": "change-policy",
}
COVERS = {"move-forces": {"withdraw", "deploy", "move-forces"}, "any": None}


def action_classes(letter, ruleset) -> tuple[str, ...]:
    """The action classes the letter announces (sorted), from the policy-change rule's patterns."""
    found: set[str] = set()
    rule = ruleset.get("wording.policy-change") if ruleset is not None and hasattr(ruleset, "get") else None
    if rule is not None:
        from ..engine import context_for

        ctx = context_for(letter).for_rule(rule)
        for name, action in PATTERN_ACTIONS.items():
            if name in rule.patterns and ctx.hits(name):
                found.add(action)
        if "change" in rule.patterns:  # the wording analysis names the action class in each hit's reason
            for hit in ctx.hits("change"):
                action = hit.reason.get("action") if isinstance(hit.reason, dict) else None
                if action in REASON_ACTIONS:
                    found.add(REASON_ACTIONS[action])
    body = " ".join(s.text for s in letter.sentences if s.part in ("body", "subject"))
    if _FUNDS.search(body):
        found.add("commit-funds")
    return tuple(sorted(found))


def allowed(action: str, may_sign: tuple[str, ...]) -> bool:
    """True when an action is covered by what the signatory may sign."""
    if "any" in may_sign or action in may_sign:
        return True
    return any(action in COVERS.get(grant, ()) for grant in may_sign if COVERS.get(grant))
