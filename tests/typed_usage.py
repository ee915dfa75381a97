"""Typed use of the public API through the package root: mypy checks this file (tests/test_house_style.py).

It is never run (pytest collects only test_*.py).  Every line holds only if mypy sees the real
signatures behind the lazy PEP 562 root: were `authcheck.check` Any, the misuses that
test_house_style.py adds to a copy of this file would pass unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import authcheck
from authcheck import CheckError, Finding, Limits, Result, Settings


def check_one(path: Path) -> Result:
    """A path-like, with settings: one Result."""
    return authcheck.check(path, settings=Settings(limits=Limits()))


def check_bytes(data: bytes) -> int | None:
    """Bytes with a name for their extension; the score is an int or None."""
    return authcheck.check(data, name="letter.txt").score


def scan_many(paths: list[str]) -> Iterator[Result]:
    """Files, folders and globs: Results as each finishes."""
    return authcheck.scan(paths, settings=Settings(), jobs=2, include=("*.pdf",))


def findings_of(result: Result) -> tuple[Finding, ...]:
    return result.findings


def error_kind(exc: CheckError) -> str:
    return type(exc).__name__


VERSION: str = authcheck.__version__
