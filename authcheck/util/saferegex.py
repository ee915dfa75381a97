"""Linear-time regular expressions for rule text (RE2): no catastrophic backtracking from a stranger's rule."""

from __future__ import annotations

from authcheck.errors import RuleError

MAX_PATTERN = 2000  #: characters in one pattern
MAX_PROGRAM = 8 << 20  #: RE2 memory budget per pattern (bytes)


def compile_pattern(pattern: str, *, ignore_case: bool, where: dict):
    """Compile with RE2; a pattern RE2 cannot run in linear time (backreferences, lookaround) is refused."""
    import re2

    if not isinstance(pattern, str) or not pattern:
        raise RuleError("a pattern must be a non-empty string", **where)
    if len(pattern) > MAX_PATTERN:
        raise RuleError(f"pattern is longer than {MAX_PATTERN} characters", **where)
    options = re2.Options()
    options.log_errors = False
    options.max_mem = MAX_PROGRAM
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(pattern, options)
    except Exception as exc:  # re2.error has no stable public name across versions
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RuleError(
            f"pattern {pattern!r} is not supported ({reason}); rules use RE2 syntax: no backreferences or lookaround",
            **where,
        ) from None
