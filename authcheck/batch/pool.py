"""Files in, results out: each file checked in an isolated, long-lived worker process.

`scan` keeps `jobs` worker processes (see workers.py) and hands each one file at a time, largest
files first.  A worker that overruns `settings.limits.timeout` is killed and replaced and its file
gets a `timeout` record; a worker that dies takes only its current file with it.  Results are
yielded as files finish (completion order); the caller sorts if it needs to.  A file's failure is
a result, never an exception.  Ctrl-C raises `ScanInterrupted` after every worker is stopped.

`scan_inline` has the same signature and runs in this process, with no isolation and no timeout.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import replace
from typing import Any

from authcheck import batch
from authcheck.batch import pipeline
from authcheck.batch.discover import Target
from authcheck.batch.workers import Worker, WorkerSpec, run_one
from authcheck.errors import CheckError
from authcheck.model import Result
from authcheck.settings import Settings
from authcheck.util.confine import platform_warnings, usable_cores  # platform_warnings: for the scan's callers
from authcheck.util.readiness import wait

__all__ = ["ScanInterrupted", "platform_warnings", "scan", "scan_inline"]

_REAP_GRACE = 1.0  #: seconds an idle worker gets to exit at the end of a scan


class ScanInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the scan; every worker has been stopped.  `done` files had results."""

    def __init__(self, not_reached: int, done: int) -> None:
        super().__init__(f"interrupted: {not_reached} files not reached")
        self.not_reached = not_reached
        self.done = done


def scan(
    targets: Sequence[Target],
    settings: Settings,
    ruleset=None,
    *,
    jobs: int | None = None,
    on_start: Callable[[str], None] | None = None,
    keep_letter: bool = False,
    check: Callable | None = None,
    ruleset_factory: Callable | None = None,
    start_method: str | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[Result]:
    """Check every target in worker processes; yield one Result per target as each finishes.

    `ruleset` is built once by the caller and inherited by the workers (fork).  Where workers are
    spawned instead (not Linux, or `start_method="spawn"`), pass `ruleset_factory(settings)` to
    rebuild it in each worker.  `check(path, settings, ruleset) -> Result` defaults to
    `pipeline.check_path`.  `on_start(path)` is called in this process as each file is handed out.
    `jobs` defaults to the usable CPU count; one file still goes through one worker.
    `keep_letter=False` drops `Result.letter` before it crosses the pipe.
    `meanwhile()` is called once in this process when every worker has its first file, before the
    first wait for a result: the caller's own work (a command imports its report's writers), done
    while the files are checked rather than after.
    Raises `ScanInterrupted` on Ctrl-C.
    """
    targets = [_as_target(t) for t in targets]
    done = 0
    try:
        for target in (t for t in targets if t.missing):
            _notify(on_start, target.path)
            done += 1
            yield _not_found(target)
        work = deque(_largest_first(t for t in targets if not t.missing))
        if work:
            ctx = _Context(start_method or _default_start_method())
            spec = _spec(ctx, settings, ruleset, ruleset_factory, check, keep_letter)
            count = _job_count(jobs, len(work))
            spec = replace(spec, spare_core=count < usable_cores())
            pool = _run_pool(work, ctx, spec, count, on_start, meanwhile)
            try:
                for result in pool:
                    done += 1
                    yield result
            finally:
                pool.close()
    except KeyboardInterrupt as exc:
        if isinstance(exc, ScanInterrupted):
            raise
        raise ScanInterrupted(len(targets) - done, done) from None


def scan_inline(
    targets: Sequence[Target],
    settings: Settings,
    ruleset=None,
    *,
    jobs: int | None = None,
    on_start: Callable[[str], None] | None = None,
    keep_letter: bool = False,
    check: Callable | None = None,
    ruleset_factory: Callable | None = None,
    start_method: str | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[Result]:
    """Like `scan`, in this process and in the order given: no isolation, no timeout, no memory cap.

    `jobs`, `start_method` and `meanwhile` are accepted for a common signature and ignored (no
    file is checked while this process does something else).
    """
    targets = [_as_target(t) for t in targets]
    if ruleset is None and ruleset_factory is not None:
        ruleset = ruleset_factory(settings)
    spec = WorkerSpec(settings, check or pipeline.check_path, ruleset, None, keep_letter)
    done = 0
    try:
        for target in targets:
            _notify(on_start, target.path)
            result = _not_found(target) if target.missing else run_one(spec, ruleset, target.path)
            done += 1
            yield result
    except KeyboardInterrupt:
        raise ScanInterrupted(len(targets) - done, done) from None


def _run_pool(
    work: deque, ctx, spec: WorkerSpec, jobs: int, on_start, meanwhile: Callable[[], None] | None = None
) -> Generator[Result, None, None]:
    """Keep up to `jobs` workers busy until `work` is empty; yield results as they come (`meanwhile`:
    see `scan`)."""
    workers: list[Worker] = []
    clean = False
    try:
        finished: list[Result] = []
        while work or any(w.task for w in workers):
            yield from _dispatch(work, workers, ctx, spec, jobs, on_start)
            yield from _handed_over(finished)
            if meanwhile is not None and any(w.task for w in workers):
                ahead, meanwhile = meanwhile, None
                ahead()
            ready = wait(_wait_objects(workers), timeout=_time_left(workers))
            finished = [*_collect(ready, workers), *_expire(workers)]
            workers[:] = [w for w in workers if w.alive]
        yield from _handed_over(finished)
        clean = True
    finally:
        _shutdown(workers, graceful=clean)


def _handed_over(finished: list[Result]) -> Iterator[Result]:
    """The results collected in the last wait, yielded once their workers have their next files
    (`_run_pool`): the caller's work on a result (its record, its line, the cache) no longer keeps
    a worker waiting for a file.  Emptied as it goes, so a result is yielded once."""
    while finished:
        yield finished.pop(0)


def _dispatch(work: deque, workers: list, ctx, spec: WorkerSpec, jobs: int, on_start) -> Iterator[Result]:
    """Start workers as needed and give every idle one a file."""
    while work:
        idle = next((w for w in workers if w.alive and not w.task), None)
        if idle is None:
            if len(workers) >= jobs:
                return
            idle = Worker(ctx, spec, [w.conn.fileno() for w in workers], _standby(ctx, spec))
            workers.append(idle)
        index, target = work.popleft()
        _notify(on_start, target.path)
        failed = idle.assign(index, target.path)
        if failed is not None:
            workers.remove(idle)
            yield failed


def _standby(ctx, spec: WorkerSpec) -> tuple | None:
    """The command's standby worker (`standby.py`) when one was started and its rules are this
    scan's: the first worker a scan starts takes it (later ones find none)."""
    standby = sys.modules.get("authcheck.batch.standby")
    if standby is None or ctx.get_start_method() != "fork":
        return None
    return standby.take(spec, getattr(spec.ruleset, "digest", None))


def _wait_objects(workers: list) -> list:
    return [obj for w in workers for obj in (w.conn, w.process.sentinel)]


def _time_left(workers: list) -> float | None:
    deadlines = [w.deadline for w in workers if w.task and w.deadline is not None]
    return max(0.0, min(deadlines) - time.monotonic()) if deadlines else None


def _collect(ready: list, workers: list) -> Iterator[Result]:
    ready_ids = {id(obj) for obj in ready}
    for worker in workers:
        if id(worker.conn) in ready_ids or id(worker.process.sentinel) in ready_ids:
            result = worker.collect()
            if result is not None:
                yield result


def _expire(workers: list) -> Iterator[Result]:
    now = time.monotonic()
    for worker in workers:
        if worker.alive and worker.task and worker.deadline is not None and worker.deadline <= now:
            yield worker.expire()


def _shutdown(workers: list, graceful: bool) -> None:
    """Stop every worker: idle ones exit when their pipe closes, busy ones (or all, if not graceful) are killed."""
    for worker in workers:
        if worker.alive and graceful and not worker.task:
            worker.finish()
        elif worker.alive:
            worker.kill()
    if graceful and batch.EXITING:  # idle workers exit on their own; `reap_left` waits for them later
        _left.extend(workers)
        return
    for worker in workers:
        worker.reap(_REAP_GRACE)


_left: list[Worker] = []  #: finished workers not yet reaped (`batch.EXITING`)


def reap_left() -> None:
    """Wait for the workers finished scans left to exit (killing any that outstay the grace)."""
    while _left:
        _left.pop().reap(_REAP_GRACE)


def _spec(ctx, settings, ruleset, ruleset_factory, check, keep_letter) -> WorkerSpec:
    """With fork the workers inherit a ruleset built here; with spawn each rebuilds it if it can."""
    check = check or pipeline.check_path
    if ctx.get_start_method() == "fork" or ruleset_factory is None:
        if ruleset is None and ruleset_factory is not None:
            ruleset = ruleset_factory(settings)
        if ctx.get_start_method() != "fork" and not _picklable(ruleset):
            raise TypeError("spawned workers cannot receive this ruleset: pass ruleset_factory=")
        return WorkerSpec(settings, check, ruleset, None, keep_letter)
    return WorkerSpec(settings, check, None, ruleset_factory, keep_letter)


def _picklable(value) -> bool:
    import pickle

    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


def _largest_first(targets) -> list:
    """(index, target) pairs, largest file first; stdin first, as its size is unknown."""
    pairs = list(enumerate(targets))
    return sorted(pairs, key=lambda pair: -_size(pair[1].path))


def _size(path: str) -> float:
    if path == "-":
        return float("inf")
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _job_count(jobs: int | None, files: int) -> int:
    if not jobs or jobs < 1:
        jobs = usable_cores()
    return max(1, min(jobs, files))


class _Context:
    """`multiprocessing.get_context(method)`, imported when the scan first forks a worker: a scan
    whose one file goes to the command's standby (`standby.py`) never imports multiprocessing
    (≈ 8 ms of a first command's path, `util/readiness.py`)."""

    def __init__(self, method: str) -> None:
        if method not in ("fork", "spawn", "forkserver"):
            raise ValueError(f"cannot find context for {method!r}")
        self._method = method
        self._real: Any = None

    def get_start_method(self) -> str:
        return self._method

    def __getattr__(self, name: str) -> Any:  # Pipe, Process: the real context's
        if self._real is None:
            import multiprocessing

            self._real = multiprocessing.get_context(self._method)
        return getattr(self._real, name)


def _default_start_method() -> str:
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _as_target(target) -> Target:
    return target if isinstance(target, Target) else Target(str(target))


def _notify(on_start, path: str) -> None:
    if on_start is not None:
        on_start(path)


def _not_found(target: Target) -> Result:
    """The record of a target discovery could not use: missing, or a folder that could not be listed."""
    kind, message = target.problem or ("not-found", "no such file or directory")
    return pipeline.error_result(target.path, CheckError(kind, message, "read"))
