"""The client side of a cluster scan: files out to a Dask cluster, one Result per file back.

`cluster_scan` has `scanning.scan`'s signature plus `address` ("tcp://host:8786", "tls://...",
a scheduler file path ending in .json, or "local" for a scheduler and `jobs` workers started here
on the loopback).  Each file the client can hash becomes one task (`cluster_worker.run_task`) carrying
the path, size and sha256; a worker that cannot see that exact file asks for the bytes, and from
then on the client sends them with every task.  Files the client cannot hash (missing, not
regular, over `max_bytes`, unreadable) are checked by the local pool, so their records are the
same as without a cluster.  Records come back as JSON text, never as pickled objects.

A worker lost mid-file makes Dask run the task elsewhere (the scheduler's
`distributed.scheduler.allowed-failures`, default 3); after that the file gets an `internal`
record "worker lost N times".  Tasks are keyed per run, so a file gets exactly one record.
Ctrl-C cancels every task not done and raises `ScanInterrupted`.  Dask is imported here only.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from authcheck.batch.discover import Target
from authcheck.batch.pipeline import error_result
from authcheck.batch.pool import ScanInterrupted, scan
from authcheck.errors import CheckError, ConfigError
from authcheck.model import Result
from authcheck.settings import Settings

if TYPE_CHECKING:
    from distributed import Client

LOCAL = "local"
LOCAL_START_TIMEOUT = 120  #: seconds for `--scheduler local` to have its scheduler and workers up
LOCAL_STOP_GRACE = 5  #: seconds they get to stop before they are killed
IN_FLIGHT_PER_THREAD = 2  #: tasks submitted ahead per worker thread (bounds the client's memory)
WINDOW_REFRESH = 2.0  #: seconds between looks at how many worker threads the cluster has


def cluster_scan(
    targets: Sequence[Target],
    settings: Settings,
    ruleset=None,
    *,
    address: str,
    jobs: int | None = None,
    on_start: Callable[[str], None] | None = None,
    **_local_only,
) -> Iterator[Result]:
    """Check every target on the cluster at `address`; yield one Result per target as each finishes.

    Raises ConfigError when Dask is missing or the scheduler cannot be reached, and
    ScanInterrupted on Ctrl-C (after cancelling what was not done)."""
    remote = [t for t in targets if not t.missing]
    local = [t for t in targets if t.missing]
    done = 0
    try:
        if remote:
            with _connect(address, jobs) as client:
                dispatch = _Dispatch(client, settings, ruleset, on_start)
                for result in dispatch.run(remote):
                    done += 1
                    yield result
                local += dispatch.unhashed
        for result in scan(local, settings, ruleset, jobs=1, on_start=on_start):
            done += 1
            yield result
    except KeyboardInterrupt:
        raise ScanInterrupted(len(targets) - done, done) from None


class _connect:
    """A Client on the scheduler at `address` (or on processes started for "local"); closes what it opened."""

    def __init__(self, address: str, jobs: int | None) -> None:
        self.address, self.jobs = address, jobs
        self.cluster: LocalProcesses | None = None
        self.client: Client | None = None

    def __enter__(self):
        from authcheck.util.confine import sigint_held

        try:  # Dask's threads start with SIGINT blocked, so Ctrl-C always lands in the main thread,
            with sigint_held():  # which blocks it while a record is written and counted (app.py)
                import distributed  # noqa: F401 - may start threads of its own
        except ImportError:
            raise ConfigError(
                "--scheduler needs Dask: install authcheck's 'dask' extra (pip install '.[dask]' in the checkout)"
            ) from None
        _quiet_dask()
        try:
            with sigint_held():
                self._open()
        except (OSError, ValueError, TypeError) as exc:
            self.__exit__()
            raise ConfigError(f"scheduler {self.address!r}: cannot connect: {exc}"[:400]) from None
        except BaseException:  # Ctrl-C while connecting: stop what was started
            self.__exit__()
            raise
        return self.client

    def _open(self) -> None:
        from distributed import Client

        if self.address == LOCAL:
            cluster = self.cluster = LocalProcesses(self.jobs)
            client = self.client = Client(scheduler_file=cluster.start())
            client.wait_for_workers(cluster.workers, timeout=LOCAL_START_TIMEOUT)
        elif self.address.endswith(".json"):
            self.client = Client(scheduler_file=self.address)
        else:
            self.client = Client(self.address)

    def __exit__(self, *exc: object) -> None:
        for thing in (self.client, self.cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:
                    pass


class LocalProcesses:
    """`--scheduler local`: a scheduler and `jobs` workers (one thread each) on 127.0.0.1, started as
    `dask scheduler` / `dask worker` processes in sessions of their own, so a Ctrl-C at the terminal
    reaches only authcheck, which then stops them."""

    def __init__(self, jobs: int | None) -> None:
        from authcheck.batch.pool import _job_count

        self.workers = _job_count(jobs, 1 << 20)
        self.folder = tempfile.mkdtemp(prefix="authcheck-dask-")
        self.procs: list[subprocess.Popen] = []

    def start(self) -> str:
        """Start everything; the scheduler file to connect to."""
        file = os.path.join(self.folder, "scheduler.json")
        self._spawn("dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", file)
        deadline = time.monotonic() + LOCAL_START_TIMEOUT
        while not _written(file):
            if time.monotonic() > deadline or self.procs[0].poll() is not None:
                raise OSError("the local Dask scheduler did not start")
            time.sleep(0.05)
        self._spawn(
            "dask_worker",
            "--scheduler-file",
            file,
            "--nworkers",
            str(self.workers),
            "--nthreads",
            "1",
            "--host",
            "127.0.0.1",
            "--no-dashboard",
        )
        return file

    def _spawn(self, module: str, *args: str) -> None:
        self.procs.append(
            subprocess.Popen(
                [sys.executable, "-m", f"distributed.cli.{module}", *args],
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )

    def close(self) -> None:
        """Stop the processes started here (and their own children: each is a process group)."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for proc in self.procs:
                if proc.poll() is None:
                    _signal_group(proc.pid, sig)
            if _all_exit(self.procs, LOCAL_STOP_GRACE):
                break
        shutil.rmtree(self.folder, ignore_errors=True)


def _written(file: str) -> bool:
    """True once the scheduler has written its whole address file."""
    try:
        with open(file, encoding="utf-8") as fh:
            return bool(json.load(fh).get("address"))
    except (OSError, ValueError, AttributeError):
        return False


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except OSError:
        pass


def _all_exit(procs: list, grace: float) -> bool:
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return False
    return True


def run_spec(settings: Settings, ruleset) -> str:
    """What every task needs besides its file: settings, the rule files added to the built-in ones
    (as text: workers need not see the client's folders), the version and the rules' digest."""
    from authcheck.engine.rulepack import builtin_dir
    from authcheck.settings import settings_to_json
    from authcheck.version import __version__

    builtin = os.path.realpath(builtin_dir())
    extra = [p for p in getattr(ruleset, "sources", ()) if not os.path.realpath(p).startswith(builtin + os.sep)]
    files = []
    for path in extra:
        with open(path, encoding="utf-8") as fh:
            files.append((path, fh.read()))
    return json.dumps(
        {
            "version": __version__,
            "settings": settings_to_json(settings),
            "rule_files": files,
            "rules_digest": ruleset.digest,
        },
        sort_keys=True,
    )


class _Dispatch:
    """Keeps a bounded number of tasks in flight and turns each answer into a Result."""

    def __init__(self, client, settings: Settings, ruleset, on_start) -> None:
        self.client, self.settings, self.on_start = client, settings, on_start
        self.spec = run_spec(settings, ruleset)
        self.run_id = uuid.uuid4().hex
        self.ship = False  #: set once a worker could not see a file: send bytes from then on
        self.pending: dict = {}  #: future -> (target, digest)
        self.unhashed: list[Target] = []  #: files the client could not hash: for the local pool
        self.window, self.window_until = 4, 0.0
        self.count = 0

    def run(self, work: list) -> Iterator[Result]:
        """Yield one Result per target in `work` that the client can hash, in completion order; the
        others are left in `self.unhashed`."""
        from distributed import as_completed

        from authcheck.batch.pool import _size

        queue = sorted(work, key=lambda target: _size(target.path))  # pop() gives the largest first
        finished = as_completed()
        try:
            yield from self._feed(queue, finished)
            for future in finished:
                if future.cancelled():  # only the client's loss of the scheduler cancels a task
                    yield from self._abandon(queue)
                    return
                target, digest = self.pending.pop(future)
                answer = self._answer(future, target)
                if answer is None:  # the worker could not see the file: send its bytes
                    self.ship = True
                    answer = self._submit(target, digest, bytes_needed=True, finished=finished)
                if answer is not None:
                    yield answer
                yield from self._feed(queue, finished)
        finally:
            if self.pending:
                self.client.cancel(list(self.pending), force=True)

    def _abandon(self, queue: list) -> Iterator[Result]:
        """The scheduler is gone: every file not done gets an error record now, none is waited for."""
        lost = CheckError("internal", "lost the connection to the scheduler", "worker")
        for target, _ in list(self.pending.values()):
            yield error_result(target.path, lost)
        self.client.cancel(list(self.pending), force=True)
        self.pending.clear()
        while queue:
            yield error_result(queue.pop().path, lost)

    def _feed(self, queue: list, finished) -> Iterator[Result]:
        """Submit files until enough tasks are in flight (a file that vanished is a record now).
        Each file is hashed here, as it is sent, so the first results come before all is read."""
        from authcheck.batch.filehash import file_sha256

        while queue and len(self.pending) < self._window():
            target = queue.pop()
            digest = file_sha256(target.path, self.settings.limits.max_bytes)
            if digest is None:
                self.unhashed.append(target)
                continue
            failed = self._submit(target, digest, finished=finished)
            if failed is not None:
                yield failed

    def _window(self) -> int:
        """Tasks to keep in flight: a few per worker thread, re-read every few seconds, as workers
        may join (dask-jobqueue, dask-kubernetes scaling) or leave during a scan."""
        now = time.monotonic()
        if now >= self.window_until:
            self.window = max(4, IN_FLIGHT_PER_THREAD * _threads(self.client))
            self.window_until = now + WINDOW_REFRESH
        return self.window

    def _submit(self, target: Target, digest: str, *, finished, bytes_needed: bool = False) -> Result | None:
        """One task for one file, added to `finished`; the file's bytes go along when workers cannot
        see the files.  Returns an error record instead when those bytes cannot be read any more."""
        if not bytes_needed:
            _notify(self.on_start, target.path)
        data = None
        if self.ship or bytes_needed:
            try:
                data = _read(target.path, self.settings.limits.max_bytes)
            except OSError as exc:
                return error_result(target.path, CheckError("not-found", f"cannot read: {exc.strerror or exc}", "read"))
        job = json.dumps({"path": target.path, "size": _size_of(target.path), "sha256": digest})
        self.count += 1
        key = f"authcheck-{self.run_id}-{self.count}"
        from authcheck.batch.clusterworker import run_task

        future = self.client.submit(run_task, self.spec, job, data, key=key, pure=False, retries=0)
        self.pending[future] = (target, digest)
        finished.add(future)
        return None

    def _answer(self, future, target: Target) -> Result | None:
        """The Result for a finished task, an error record for a failed one, None for "send bytes"."""
        from authcheck.batch.cache import result_from_record

        try:
            answer = json.loads(future.result())
        except Exception as exc:
            return error_result(target.path, _task_error(exc))
        if answer.get("need_bytes"):
            return None
        return result_from_record(answer["record"], target.path)


def _quiet_dask() -> None:
    """Dask logs to stderr; authcheck's stderr carries only its own one-line messages, and every
    problem Dask reports here also reaches a file's record or the connection error."""
    import logging

    silent = logging.CRITICAL + 1
    names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] in ("distributed", "dask")]
    for name in ["distributed", "dask", *names]:  # Dask gives some loggers their own level
        logger = logging.getLogger(name)
        logger.setLevel(silent)
        for handler in logger.handlers:
            handler.setLevel(silent)


def _task_error(exc: BaseException) -> CheckError:
    """A task that failed on the cluster: lost workers, a cancelled task, or a bug."""
    allowed = getattr(exc, "allowed_failures", None)
    if type(exc).__name__ == "KilledWorker":
        times = f"{allowed + 1} time{'' if allowed == 0 else 's'}" if isinstance(allowed, int) else "too many times"
        return CheckError("internal", f"worker lost {times}", "worker")
    return CheckError("internal", f"cluster task failed: {type(exc).__name__}: {exc}"[:300], "worker")


def _threads(client) -> int:
    """Worker threads in the cluster now (at least 1)."""
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:
        return 1


def _read(path: str, limit: int) -> bytes:
    """Up to `limit + 1` bytes of a file (the worker then says `too-large`)."""
    with open(path, "rb") as fh:
        return fh.read(limit + 1)


def _size_of(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


def _notify(on_start, path: str) -> None:
    if on_start is not None:
        on_start(path)
