"""A wall-clock budget for reading one file, so a slow file ends partial instead of timed out.

The worker kills a process that overruns `Limits.timeout`; before that, the loaders stop on
their own and hand back what they read with a "truncated" note.  `Budget.expired()` is checked
between steps (pages, parts); `Budget.call(func, ...)` runs one library call (opening a PDF,
one page's text extraction, python-docx's walk) and raises `OutOfTime` when the budget runs out
inside it.  That hard stop is a SIGALRM timer whose handler raises at the next Python bytecode,
so it reaches into pypdf's pure-Python tokenizer but not into one long C call (a zlib or lxml
call; those are bounded by size limits instead).  It works only in the main thread on Unix and
only when nobody else owns SIGALRM; elsewhere just the between-step checks apply and the
worker's timeout stays the backstop.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

_REFIRE = 0.05  #: after the deadline, the alarm repeats this often in case one was swallowed


class OutOfTime(Exception):
    """The reading budget ran out during `Budget.call`."""


class _Alarm(BaseException):
    """Raised by the alarm inside library code; a BaseException, so their ``except Exception`` cannot eat it."""


class Budget:
    """`seconds` of wall-clock time from now (None or <= 0: unlimited)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds if seconds and seconds > 0 else None
        self.started = time.monotonic()
        self.deadline = self.started + self.seconds if self.seconds else None
        self._armed = 0
        self.share_of: tuple[float, float] | None = None  #: (percent, timeout) when built by `for_limits`

    @classmethod
    def for_limits(cls, limits: Any) -> Budget:
        """The loader's share (`read_time_percent`) of the per-file `timeout`."""
        timeout = getattr(limits, "timeout", 0) or 0
        share = getattr(limits, "read_time_percent", 50) or 0
        budget = cls(timeout * share / 100.0 if timeout > 0 and share > 0 else None)
        budget.share_of = (share, timeout) if budget.seconds else None
        return budget

    def describe(self) -> str:
        """The budget as a user can trace it to the option in force: "15 s (50% of the 30 s --timeout)"."""
        if self.seconds is None:
            return "no time limit"
        if self.share_of is None:
            return f"{self.seconds:g} s"
        share, timeout = self.share_of
        return f"{self.seconds:g} s ({share:g}% of the {timeout:g} s --timeout)"

    def elapsed(self) -> float:
        """Seconds since the budget started."""
        return time.monotonic() - self.started

    def expired(self) -> bool:
        """True once the deadline has passed."""
        return self.deadline is not None and time.monotonic() >= self.deadline

    def extend(self, seconds: float) -> None:
        """Allow `seconds` more from now (for short closing steps after the main work stopped)."""
        if self.deadline is not None:
            self.deadline = max(self.deadline, time.monotonic() + max(seconds, 0.0))

    @contextlib.contextmanager
    def enforced(self) -> Iterator[Budget]:
        """Install the alarm for the duration, where this thread and platform allow it."""
        if self.deadline is None or not _alarm_available():
            yield self
            return
        try:
            previous = signal.signal(signal.SIGALRM, self._on_alarm)
        except ValueError:  # not the main thread after all (see `_alarm_available`)
            yield self
            return
        try:
            signal.setitimer(signal.ITIMER_REAL, max(self.deadline - time.monotonic(), 0.001), _REFIRE)
            yield self
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def _on_alarm(self, signum: int, frame: Any) -> None:
        if self._armed and self.expired():
            self._armed = 0  # one raise per overrun; `call` re-arms the levels it restores
            raise _Alarm()

    def call(self, func: Callable, *args: Any, **kwargs: Any) -> Any:
        """`func(*args, **kwargs)`, stopped with `OutOfTime` when the budget runs out (see `enforced`)."""
        if self.expired():
            raise OutOfTime()
        depth = self._armed
        self._armed = depth + 1
        try:
            return func(*args, **kwargs)
        except _Alarm:
            raise OutOfTime() from None
        finally:
            self._armed = depth


def _alarm_available() -> bool:
    """SIGALRM can be ours: Unix, the main thread, no handler or timer of someone else's.

    Threads are asked only when `threading` was imported: a process that never imported it runs
    no thread it started (a worker, a command; importing it would cost a first check 0.3 ms), and
    one started through `_thread` alone makes `signal.signal` refuse, which `enforced` takes as no."""
    if not hasattr(signal, "SIGALRM") or not hasattr(signal, "setitimer"):
        return False
    threading = sys.modules.get("threading")
    if threading is not None and threading.current_thread() is not threading.main_thread():
        return False
    try:
        if signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, signal.SIG_IGN, None):
            return False
        return signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    except (OSError, ValueError):
        return False
