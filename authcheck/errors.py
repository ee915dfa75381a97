"""Typed errors: why a file could not be checked, or why a rule pack or setting is bad."""

from __future__ import annotations


class CheckError(Exception):
    """A file could not be checked.  `type` is one of model.ERROR_TYPES; `stage` names the step."""

    def __init__(self, type: str, message: str, stage: str = "load") -> None:
        super().__init__(message)
        self.type = type
        self.message = message
        self.stage = stage


class RuleError(Exception):
    """A rule pack is invalid.  The message names the file, the rule and the key."""

    def __init__(self, message: str, *, file: str = "", rule: str = "", key: str = "") -> None:
        where = ":".join(x for x in (file, rule, key) if x)
        super().__init__(f"{where}: {message}" if where else message)
        self.file, self.rule, self.key = file, rule, key


class ConfigError(Exception):
    """A setting or configuration file is invalid."""


def error_detail(error) -> str:
    """ "<type> at <stage>: <message>": why one file could not be checked, as every report writes it.

    `error` is a `CheckError` or the `model.ErrorInfo` a result carries (both have the three names)."""
    return f"{error.type} at {error.stage}: {error.message}"


def not_checked(error) -> str:
    """ "could not be checked: <type> at <stage>: <message>"."""
    return f"could not be checked: {error_detail(error)}"


def error_line(message: object) -> str:
    """ "authcheck: error: <message>": the one line a command prints when it cannot go on."""
    return f"authcheck: error: {message}"
