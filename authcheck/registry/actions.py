"""Which kinds of act a letter's wording announces, as registry action classes.

The wording analysis behind `wording.policy-change` names the action of every change it reads
(withdraw, end, suspend, deploy...) in its hits' reasons; `action_classes` maps those onto the
classes a registry grants (`may_sign`), plus committed funds, which the body's amounts show.
"""

from __future__ import annotations

import re

from authcheck.util.patterns import compiled

#: The wording analysis's action classes -> the registry's.
WORDING_ACTIONS = {
    "withdraw": "withdraw",
    "depart": "withdraw",
    "recall": "withdraw",
    "move": "move-forces",
    "end": "end-agreement",
    "suspend": "end-agreement",
    "deploy": "deploy",
    "increase": "deploy",
    "authorise": "deploy",
    "reduce": "change-policy",
    "impose": "change-policy",
    "oblige": "change-policy",
    "change": "change-policy",
}
_FUNDS = compiled(
    r"\b(?:commit|allocat|disburs|transfer|grant|approv|releas|pay|fund)\w*\s+(?:\w+\s+){0,4}?"
    r"(?:[$€£]\s?\d|\d[\d,.]*\s*(?:million|billion|thousand|usd|eur|gbp|dollars|euros|pounds))",
    re.I,
)


def action_classes(letter, ruleset) -> tuple[str, ...]:
    """The action classes the letter announces (sorted), from the policy-change rule's readings."""
    found: set[str] = set()
    rule = ruleset.get("wording.policy-change") if ruleset is not None and hasattr(ruleset, "get") else None
    if rule is not None:
        from authcheck.engine.evaluate import context_for

        ctx = context_for(letter).for_rule(rule)
        for name in rule.patterns:
            for hit in ctx.hits(name):
                action = hit.reason.get("action") if isinstance(hit.reason, dict) else None
                if action in WORDING_ACTIONS:
                    found.add(WORDING_ACTIONS[action])
    body = " ".join(s.text for s in letter.sentences if s.loc.part in ("body", "subject"))
    if _FUNDS.search(body):
        found.add("commit-funds")
    return tuple(sorted(found))
