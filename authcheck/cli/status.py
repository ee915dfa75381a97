"""Named exit codes: the one place that says what each exit status means."""

from enum import IntEnum


class Exit(IntEnum):
    """authcheck's exit statuses; 3 outranks 1 when both apply."""

    OK = 0  #: ran, and nothing reached the gate
    GATE = 1  #: ran, and the gate tripped (--fail-on / --fail-score)
    USAGE = 2  #: bad usage, configuration, rule pack or output path; nothing was checked
    UNCHECKED = 3  #: at least one file could not be checked, or a report could not be written
    INTERRUPTED = 130  #: stopped by Ctrl-C


HELP = """\b
Exit codes:
  0  ran, and nothing reached the gate
  1  the gate tripped (default: a `fail` verdict; see --fail-on, --fail-score)
  2  usage, configuration, rule-pack or output-path error
  3  a file could not be checked, or a report could not be written (outranks 1)
  130 interrupted (Ctrl-C)"""


def combine(*codes: int) -> int:
    """The status for a run: 130 over 3 over 2 over 1 over 0."""
    order = (Exit.INTERRUPTED, Exit.UNCHECKED, Exit.USAGE, Exit.GATE)
    for code in order:
        if code in codes:
            return int(code)
    return int(Exit.OK)
