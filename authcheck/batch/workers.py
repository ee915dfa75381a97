"""Long-lived worker processes for `scan`: one file at a time, killable, with resource caps.

A worker is a `multiprocessing.Process` joined to the parent by a pipe.  It ignores SIGINT (the
parent handles Ctrl-C), silences logging, caps its address space (RLIMIT_AS), sends ("ready",)
once set up, then answers each (index, path) with ("result", index, Result) until the pipe closes.
The parent side is `Worker`: it hands out a task, collects the answer, and kills the process when
it overruns its deadline.  A worker that dies takes only its current file with it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from authcheck.batch.pipeline import error_result
from authcheck.errors import CheckError
from authcheck.model import Result
from authcheck.util.confine import (
    apply_limits,
    close_fd,
    quiet,
    resource,
    sigint_held,
)
from authcheck.util.records import frozen


@frozen
class WorkerSpec:
    """What every worker needs: inherited with fork, pickled with spawn."""

    settings: Any
    check: Callable
    ruleset: Any = None
    ruleset_factory: Callable | None = None
    keep_letter: bool = False
    spare_core: bool = False  #: a core no other worker of the scan uses: a long PDF may share its pages


def run_one(spec: WorkerSpec, ruleset, path: str) -> Result:
    """Check one file with `spec.check`; an exception becomes an error record, never a crash."""
    try:
        result = spec.check(path, spec.settings, ruleset)
    except MemoryError:
        return error_result(path, CheckError("memory", "ran out of memory", "worker"))
    except Exception as exc:
        return error_result(path, CheckError("internal", f"{type(exc).__name__}: {exc}"[:300], "worker"))
    return result if spec.keep_letter else replace(result, letter=None)


def worker_main(conn, spec: WorkerSpec, close_fds: list) -> None:
    """The body of a worker process: set up, then check files until the pipe closes."""
    quiet()
    for fd in close_fds:  # fork copies the parent's ends of every other pipe; keep EOF meaningful
        close_fd(fd)
    serve(conn, spec)


def serve(conn, spec: WorkerSpec, ruleset: Any = None) -> None:
    """A quiet worker's life from its limits on: its rule set (`ruleset`, or the spec's), ("ready",),
    then one result per file it is handed, until the pipe closes (a standby a scan adopts starts
    here with the rules it compiled, `standby.py`)."""
    apply_limits(spec.settings.limits)
    if spec.spare_core:
        from authcheck.loaders import pagehelper

        pagehelper.ENABLED = True
    ruleset, startup_error = (ruleset, None) if ruleset is not None else _build_ruleset(spec)
    _send(conn, ("ready",))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message is None:
            break
        index, path = message
        if startup_error:
            result = error_result(path, CheckError("internal", startup_error, "worker"))
        else:
            _prepare(path, spec.settings.limits.timeout)
            result = run_one(spec, ruleset, path)
        _send_result(conn, index, path, result)
    helpers = sys.modules.get("authcheck.loaders.pagehelper")
    if helpers is not None:
        helpers.reap_all()  # page helpers it started (each killed already) end before it does
    _save_patterns()
    os._exit(0)  # skip teardown: nothing to flush, and the parent's buffers are not ours


def _save_patterns() -> None:
    """Add the patterns and record classes this worker's checks compiled to the table
    (`util/patterns.py`), as it leaves: nothing is written when every one came from the table.

    Nothing else would keep them: a first command's standby is taken as soon as its rules are
    ready, before it could check its made-up letter (`warmup.py`), so the patterns a check compiles
    on first use (23 for a 1-page PDF, about 2 ms of its cold check) were compiled again by every
    first command.  Only the package's own constant patterns and generated code go through the
    table, never anything made from a document, and the worker writes as the user it runs as, as
    the command does."""
    patterns = sys.modules.get("authcheck.util.patterns")
    if patterns is not None:
        try:
            patterns.save()
        except Exception:  # MemoryError under the worker's cap, say: the table only saves time
            pass


def _build_ruleset(spec: WorkerSpec):
    """(rule set, None) or (None, why the worker has none).  A `RuleSetRef` the command did not
    load (its standby vouched for the rules, `Run._on_standby`) is loaded here."""
    from authcheck.engine.ruleref import loaded

    try:
        if spec.ruleset is not None:
            return loaded(spec.ruleset), None
        return (spec.ruleset_factory(spec.settings) if spec.ruleset_factory else None), None
    except Exception as exc:
        return None, f"worker could not load the rules: {type(exc).__name__}: {exc}"[:300]


def _prepare(path: str, timeout: float) -> None:
    """Per file: re-open stdin for "-", and arm a CPU-time backstop in case the parent is gone."""
    if path == "-":
        try:  # multiprocessing points a child's sys.stdin at /dev/null
            sys.stdin = os.fdopen(0, "r", closefd=False)
        except OSError:
            pass
    if resource is None or not timeout or not hasattr(resource, "RLIMIT_CPU"):
        return
    try:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(usage.ru_utime + usage.ru_stime + timeout) + 5
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (OSError, ValueError):
        pass


def _send(conn, message) -> None:
    try:
        conn.send(message)
    except OSError:  # the parent is gone
        os._exit(0)


def _send_result(conn, index: int, path: str, result: Result) -> None:
    try:
        conn.send(("result", index, result))
    except OSError:
        os._exit(0)
    except Exception as exc:
        fallback = error_result(path, CheckError("internal", f"result could not be sent: {exc}"[:300], "worker"))
        _send(conn, ("result", index, fallback))


class Worker:
    """The parent's handle on one worker process and the file it is working on."""

    def __init__(self, ctx, spec: WorkerSpec, siblings: list, adopted: tuple | None = None) -> None:
        if adopted is not None:  # a standby already running (standby.py), handed its spec
            self.process, self.conn = adopted
        else:
            self.conn, child_end = ctx.Pipe()
            inherits = ctx.get_start_method() == "fork"
            close_fds = [*siblings, self.conn.fileno()] if inherits else []
            self.process = ctx.Process(
                target=worker_main, args=(child_end, spec, close_fds), name="authcheck-worker", daemon=True
            )
            with sigint_held():  # a Ctrl-C at fork waits until the child ignores it
                self.process.start()
            child_end.close()
        self.started = time.monotonic()
        self.ready = False
        self.alive = True
        self.task: tuple | None = None
        self.deadline: float | None = None
        self.timeout = spec.settings.limits.timeout

    def assign(self, index: int, path: str) -> Result | None:
        """Hand over a file; returns an error record at once if the worker is already gone."""
        self.task = (index, path)
        start = time.monotonic() if self.ready else self.started
        self.deadline = start + self.timeout if self.timeout and self.timeout > 0 else None
        try:
            self.conn.send((index, path))
        except OSError:
            return self.died()
        return None

    def collect(self) -> Result | None:
        """Read what the worker sent: its result, or a death record; None when nothing is final."""
        try:
            while self.conn.poll():
                message = self.conn.recv()
                if message[0] == "result":
                    self.task = self.deadline = None
                    return message[2]
                self._mark_ready()
        except Exception:
            return self.died()
        return None if self.process.is_alive() else self.died()

    def _mark_ready(self) -> None:
        self.ready = True
        if self.task and self.deadline is not None:
            self.deadline = time.monotonic() + self.timeout

    def expire(self) -> Result:
        """Kill a worker that overran its deadline; the timeout record for its file."""
        self.kill()
        if self.task is None:
            raise ValueError("expire() needs a worker with a file in hand")
        message = f"gave up after {self.timeout:g} s"
        return error_result(self.task[1], CheckError("timeout", message, "worker"))

    def died(self) -> Result | None:
        """Clean up after a worker that exited; the error record for its file, if it had one."""
        self.process.join(1.0)
        code = self.process.exitcode
        self.kill()
        if self.task is None:
            return None
        if code is None:
            message = "worker stopped responding"
        elif code < 0:
            message = f"worker died (signal {-code})"
        else:
            message = f"worker exited with status {code}"
        return error_result(self.task[1], CheckError("internal", message, "worker"))

    def kill(self) -> None:
        """Stop the process now (SIGKILL), reap it and close the pipe."""
        self.alive = False
        if self.process.exitcode is None:
            self.process.kill()
        self.process.join()
        self.conn.close()

    def finish(self) -> None:
        """Ask an idle worker to exit (by closing its pipe); `reap` waits for it."""
        self.alive = False
        self.conn.close()

    def reap(self, grace: float) -> None:
        """Wait up to `grace` seconds for a finished worker, then kill it."""
        self.process.join(grace)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
