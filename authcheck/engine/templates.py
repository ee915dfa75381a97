"""Safe message templates: `${name}` placeholders from a fixed namespace; no format(), no Jinja, no eval.

A placeholder with no value renders as "(none)", with two exceptions that keep messages from
ending in noise: in a run of placeholders separated only by spaces or a semicolon ("${x} ${y}",
"${x}; ${y}") the empty ones are left out (all empty: one "(none)"), and a run that forms the
message's last sentence on its own ("... signed. ${fields.facts.pdf_text_changes}") is left out
when all of it is empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from authcheck.errors import RuleError
from authcheck.util.patterns import compiled

PLACEHOLDER = compiled(r"\$\{([a-z_][a-z0-9_.\-]*)\}")
_RUN = compiled(r"\$\{[a-z_][a-z0-9_.\-]*\}(?:(?:[ \t]+|[ \t]*;[ \t]*)\$\{[a-z_][a-z0-9_.\-]*\})*")
_SENTENCE_END = compiled(r"[.!?]\s+$")
PLAIN_NAMES = {"match", "matches", "count", "similarity", "a", "b", "days", "gap", "rule", "reasons"}
MISSING = "(none)"


def check_template(template: str, known_fields: frozenset, pattern_names, where: dict, key: str = "message") -> None:
    """Refuse unknown placeholder names when the rule loads."""
    for name in PLACEHOLDER.findall(template):
        if name in PLAIN_NAMES:
            continue
        if name.startswith("fields.") and name[len("fields.") :] in known_fields:
            continue
        if name.startswith("patterns.") and name[len("patterns.") :] in pattern_names:
            continue
        raise RuleError(f"unknown placeholder ${{{name}}} in {key}", **where, key=key)
    stray = PLACEHOLDER.sub("", template).find("${")
    if stray >= 0:  # "${{x}}", "${Name}", "${x" would reach every report as literal text
        rest = PLACEHOLDER.sub("", template)[stray : stray + 24]
        raise RuleError(
            f"malformed placeholder {rest!r} in {key} (write ${{name}}: lower-case letters, digits, '.', '_' and '-')",
            **where,
            key=key,
        )


def render(template: str, lookup: Callable[[str], Any]) -> str:
    """Replace each placeholder with its value (empty ones as described in the module docstring)."""

    def run(m: re.Match) -> str:
        shown = [text for text in (_text(lookup(name)) for name in PLACEHOLDER.findall(m.group())) if text]
        if shown:
            return ("; " if ";" in m.group() else " ").join(shown)
        last_sentence = not template[m.end() :].strip() and _SENTENCE_END.search(template[: m.start()])
        return "" if last_sentence else MISSING

    return _RUN.sub(run, template).rstrip()


def _text(value: Any) -> str:
    """One placeholder's value as text; "" when it has none."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def variables_lookup(variables: Mapping[str, Any], fields: Mapping[str, Any]) -> Callable[[str], Any]:
    """A lookup over a rule's template variables, falling back to the letter's fields."""

    def lookup(name: str) -> Any:
        if name in variables:
            return variables[name]
        if name.startswith("fields."):
            fv = fields.get(name[len("fields.") :])
            return fv.value if fv is not None else None
        return None

    return lookup
