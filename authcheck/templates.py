"""Safe message templates: `${name}` placeholders from a fixed namespace; no format(), no Jinja, no eval."""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from .errors import RuleError

PLACEHOLDER = re.compile(r"\$\{([a-z_][a-z0-9_.\-]*)\}")
PLAIN_NAMES = {"match", "matches", "count", "similarity", "a", "b", "days", "rule", "reasons"}
MISSING = "(none)"


def check_template(template: str, known_fields: frozenset, pattern_names, where: dict) -> None:
    """Refuse unknown placeholder names when the rule loads."""
    for name in PLACEHOLDER.findall(template):
        if name in PLAIN_NAMES:
            continue
        if name.startswith("fields.") and name[len("fields."):] in known_fields:
            continue
        if name.startswith("patterns.") and name[len("patterns."):] in pattern_names:
            continue
        raise RuleError(f"unknown placeholder ${{{name}}} in message", **where, key="message")


def render(template: str, lookup: Callable[[str], Any]) -> str:
    """Replace each placeholder with its value (or a visible marker when it has none)."""

    def one(m: re.Match) -> str:
        value = lookup(m.group(1))
        if value is None or value == "" or value == []:
            return MISSING
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    return PLACEHOLDER.sub(one, template)


def variables_lookup(variables: Mapping[str, Any], fields: Mapping[str, Any]) -> Callable[[str], Any]:
    """A lookup over a rule's template variables, falling back to the letter's fields."""

    def lookup(name: str) -> Any:
        if name in variables:
            return variables[name]
        if name.startswith("fields."):
            fv = fields.get(name[len("fields."):])
            return fv.value if fv is not None else None
        return None

    return lookup
