"""A second process that reads PDFium page text from the back of a long PDF while the loader reads
from the front, for a check that has a core to spare.

A single letter checked on a 2-core machine leaves one core idle, and PDFium's page text is about
half the CPU of a long plain PDF.  `start` forks a helper from the worker with the PDFium document
already open; the helper reads pages from the last one backward and sends each page's fragments
as it finishes, while the loader reads forward.  Before each page the loader claims it (`reach`):
a page the helper has not started is the loader's, and the helper stops when it meets a claimed
page.  A page the helper has read, or is reading, comes from the helper (`take`).

Done with its pages within a check, the helper may be kept for the check's other work
(`util/sparecore.py`: `IDLE` hooks, then `Helper.job`s) until the check ends.

The fragments of a page depend on the file and the page alone, so a document's text is the same
with or without a helper, and the same whichever process read a page.  What the helper cannot
give (it failed on a page, died, or was never started) the loader reads itself, exactly as it
would have; a hostile page that kills PDFium kills the loader too when it gets there, as it does
without a helper.  The helper dies with its parent (Linux's parent-death signal), holds no file
descriptor but its two pipes, never writes to the worker's pipes or output, and is killed and
reaped when the document is read (or, kept, when its check ends).  Only Linux, where all of that
holds, gets a helper.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import time
from typing import Any

#: Set by a scan worker that has a core to itself and one to spare (batch/workers.py); never in a
#: scan whose workers already fill the cores, nor in-process.
ENABLED = False

#: Fewer pages than this are read by the loader alone: a fork costs about a page's text.
MIN_PAGES = 4

_PR_SET_PDEATHSIG = 1
_reap_later: list[int] = []  #: helpers killed but not yet reaped (reaped at the next start or close)


def start(fast: Any, count: int) -> Helper | None:
    """A helper reading pages `count - 1` down to 0 of `fast` (a `PdfiumText`), or None when this
    process should read them alone (not enabled, too few pages, or no fork with a parent-death signal)."""
    if not ENABLED or count < MIN_PAGES or not sys.platform.startswith("linux") or _prctl() is None:
        return None
    import threading

    if threading.active_count() != 1:  # a fork copies one thread: never fork a threaded process
        return None
    _reap()
    from authcheck.util.framedpipe import one_way

    results_in, results_out = one_way()
    control_in, control_out = one_way()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the helper: never returns
        code = 1
        try:
            _confine(parent, keep=(results_out.fileno(), control_in.fileno()))
            _serve(fast, count, control_in, results_out)
            code = 0
        finally:
            os._exit(code)
    results_out.close()
    control_in.close()
    os.set_blocking(control_out.fileno(), False)  # a claim never waits on a helper stuck in a page
    return Helper(pid, results_in, control_out)


class Helper:
    """The loader's side of one helper: which pages it has read, started and given up."""

    def __init__(self, pid: int, results: Any, control: Any) -> None:
        self.pid, self.results, self.control = pid, results, control
        self.pages: dict[int, list] = {}
        self.started: int | None = None  #: the page the helper is reading now
        self.over = False  #: the helper sent "done", or its pipe closed
        self.gone = False  #: its pipe closed: it has exited
        self.jobs = 0  #: jobs handed over (`job`)
        self.busy = False  #: a job handed over has not sent its result yet
        self.results_of: dict[int, Any] = {}  #: what finished jobs returned, by number, until asked for

    def reach(self, index: int) -> None:
        """The loader is at page `index`: claim it unless the helper has read or started it."""
        self._drain()
        if self.over or index in self.pages or self.started == index:
            return
        try:  # one small write: all or nothing (BlockingIOError) on a full pipe
            self.control.send(index + 1)  # the helper stops before any page below this
        except OSError:
            self.over = True  # a helper that reads no claims gets none: what it sent is still used

    def take(self, index: int) -> list | None:
        """Page `index`'s fragments from the helper (waiting while it reads the page), or None when
        the loader must read the page itself."""
        self._drain()
        while index not in self.pages and self.started == index and not self.over:
            self._receive()  # blocks: the caller's reading budget interrupts it
        return self.pages.pop(index, None)

    def job(self, function: Any, *args: Any) -> int | None:
        """Hand the helper `function(*args)` (a module's function: it travels by name) once it has read
        its pages: the job's number, for `result`; None when the helper is gone, or busy with a job whose
        result has not been taken (one at a time: a job and a result each larger than a pipe holds,
        written at once, would wait on each other)."""
        if not self.idle() or self.busy:
            return None
        from authcheck.util.framedpipe import pickled

        try:
            message = pickled(("job", self.jobs + 1, function, args))
        except Exception:  # a function that does not travel by name
            return None
        try:
            os.set_blocking(self.control.fileno(), True)  # a job is more than one small write
            self.control.send_bytes(message)
        except (OSError, ValueError):
            self.gone = True
            return None
        self.jobs += 1
        self.busy = True
        return self.jobs

    def result(self, job: int) -> Any:
        """What job `job`'s function returned (waiting for it), or None when it failed or the helper died."""
        while job not in self.results_of and not self.gone:
            try:
                message = self.results.recv()
            except (EOFError, OSError):
                self.gone = True
                break
            if message[0] == "result":
                self.results_of[message[1]] = message[2]
                self.busy = False
        return self.results_of.pop(job, None)

    def idle(self, wait: float = 0.0) -> bool:
        """Whether the helper is done with its pages and alive (waiting up to `wait` seconds for its
        word): one still in a page, which may never end, gets no job."""
        deadline = time.monotonic() + wait
        self._drain()
        while not self.over:
            left = deadline - time.monotonic()
            if left <= 0 or not self.results.poll(left):
                break
            self._drain()
        return self.over and not self.gone

    def close(self) -> None:
        """Stop the helper, free its pipes, and reap it (now if it has exited, else later)."""
        for conn in (self.control, self.results):
            conn.close()
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        _reap_later.append(self.pid)
        _reap()

    def _drain(self) -> None:
        while not self.over and self.results.poll():
            self._receive()

    def _receive(self) -> None:
        try:
            message = self.results.recv()
        except (EOFError, OSError):
            self.over, self.gone, self.started = True, True, None
            return
        what = message[0]
        if what == "start":
            self.started = message[1]
        elif what == "page":
            self.pages[message[1]] = message[2]
            self.started = None
        elif what == "failed":
            self.started = None
        else:  # "done"
            self.over, self.started = True, None


def _serve(fast: Any, count: int, control: Any, results: Any) -> None:
    """The helper's work: pages from the last backward, until one the loader has claimed; then,
    once the `sparecore.IDLE` hooks have run, the jobs of the check it was kept for (`Helper.job`),
    until the loader closes its end."""
    front = 0
    for index in range(count - 1, -1, -1):
        while control.poll():
            front = max(front, control.recv())  # EOFError when the loader is done: the helper ends
        if index < front:
            break
        results.send(("start", index))
        out: list = []
        try:
            fast.fragments(index, out)
        except Exception:
            results.send(("failed", index))
            continue
        results.send(("page", index, out))
    results.send(("done",))
    from authcheck.util import sparecore

    for hook in sparecore.IDLE:
        try:
            hook()
        except Exception:
            pass
    while True:
        message = control.recv()  # EOFError when the check is done: the helper ends
        if isinstance(message, tuple) and message[0] == "job":
            _, number, function, args = message
            try:
                value = function(*args)
            except Exception:
                value = None
            results.send(("result", number, value))


def _confine(parent: int, keep: tuple[int, ...]) -> None:
    """Die with the parent, ignore Ctrl-C and the loader's alarm, and close every other descriptor
    (the worker's pipes and the sentinel its pool waits on must close when the worker does)."""
    if _prctl()(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0 or os.getppid() != parent:
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    low = 0
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, _fd_ceiling())


def _fd_ceiling() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (OSError, ValueError):
        return 65536


def reap_all() -> None:
    """Wait for every helper killed so far (a worker's last step, so none outlives it)."""
    while _reap_later:
        try:
            os.waitpid(_reap_later.pop(), 0)
        except ChildProcessError:
            pass


def _reap() -> None:
    """Reap the helpers that have exited; keep the others for later."""
    for pid in list(_reap_later):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _reap_later.remove(pid)


@functools.cache
def _prctl() -> Any:
    """libc's prctl, or None where it cannot be found."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
