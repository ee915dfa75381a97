"""A helper process on the spare core that one check may hand work to, once it is idle.

A long PDF checked where a core is spare gets a page helper (`loaders/pagehelper.py`), a fork of
the worker that reads pages from the back while the loader reads from the front.  Its pages read,
it would sit idle while the worker goes on alone through forensics, extraction and the rules; the
wording analysis of a long letter (some 900 sentences) is the largest part of those.  So, while a
check runs (`keeping`), the loader hands its helper over here rather than stopping it (`keep`): the
helper runs the `IDLE` hooks (the wording lexicon's index, which needs nothing of the document),
then does the jobs the check gives it (`Helper.job`), and is stopped when the check ends.

Nothing depends on the helper: a job it cannot do (it died, failed, was never started) is done by
the worker itself, and what it does is the worker's own computation on the same rules (it is a
fork of the worker), so a check's result is the same with it or without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: Run in an idle helper before it waits for jobs: work a check will want of any document.
IDLE: list[Callable[[], None]] = []

_active = False  #: a check is running (`keeping`): a helper handed over will be stopped at its end
_helper: Any = None  #: the idle helper handed over for the running check (a `pagehelper.Helper`)


@contextmanager
def keeping() -> Iterator[None]:
    """The span of one check: a helper handed over meanwhile (`keep`) is stopped when it ends."""
    global _active
    release()
    _active = True
    try:
        yield
    finally:
        _active = False
        release()


def running() -> bool:
    """Whether a check is running (`keeping`): a helper handed over now would be kept."""
    return _active


def keep(helper: Any) -> bool:
    """Keep `helper` (done with its pages) for the running check's jobs; False when no check is
    running (the caller stops it)."""
    global _helper
    if not _active:
        return False
    release()
    _helper = helper
    return True


def helper() -> Any:
    """The running check's idle helper, or None."""
    return _helper


def release() -> None:
    """Stop the kept helper, if any."""
    global _helper
    held, _helper = _helper, None
    if held is not None:
        held.close()
