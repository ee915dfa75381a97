"""The Dask-worker side of a cluster scan: one file per task, checked in a limited subprocess.

`run_task(spec_json, job_json, data)` is what the client submits.  It never raises and always
returns JSON text: {"record": <the JSON report's record>} or {"need_bytes": true} when this
worker cannot see the file the client hashed (then the client sends the bytes).  A task reads
the file from the shared path only when it has the size and sha256 the client computed.

Each file runs in a child process started with `python -m authcheck.batch.clusterworker FD`, which
runs the local pool's own `workers.worker_main` (signal handling, RLIMIT_AS, CPU backstop, rules
built once) over a socket; the parent side is the local pool's `workers.Worker`.  So a hostile
file kills its own child (a `timeout`, `memory` or `internal` record), never the Dask worker.
Children are kept per Dask worker process and reused, one file at a time each.  multiprocessing
is not used here: Dask runs its workers as daemonic processes, which may not start children.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace

from authcheck.batch.pipeline import error_result
from authcheck.batch.workers import Worker, WorkerSpec
from authcheck.errors import CheckError
from authcheck.model import Result
from authcheck.settings import settings_from_json

TEST_DELAY_ENV = "AUTHCHECK_CLUSTER_TEST_DELAY"  #: seconds each task sleeps first (tests only)
_POOLS: dict[str, list] = {}
_LOCK = threading.Lock()


# --- the run's spec: settings and rule packs, as JSON -----------------------------------------


def build_ruleset(spec_json: str, settings=None):
    """The client's rule set, rebuilt on a worker: built-in rules plus the rule files the client
    shipped as text.  Raises when the result would differ from the client's (other rules or version)."""
    from authcheck.engine.rulepack import RuleSet, builtin_dir, compile_rule, parsed_rule, rule_files
    from authcheck.version import __version__

    spec = json.loads(spec_json)
    if spec["version"] != __version__:
        raise RuntimeError(f"this worker runs authcheck {__version__}, the client {spec['version']}")
    digest, rules = hashlib.sha256(), []
    shipped = [(p, None) for p in rule_files(builtin_dir())] + [tuple(f) for f in spec["rule_files"]]
    for path, text in shipped:
        if text is None:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        digest.update(os.path.basename(path).encode())
        digest.update(text.encode("utf-8"))
        rules.append(compile_rule(parsed_rule(text, path), path))
    if digest.hexdigest() != spec["rules_digest"]:
        raise RuntimeError("this worker's built-in rules differ from the client's")
    return RuleSet(sorted(rules, key=lambda r: r.id), digest.hexdigest(), tuple(p for p, _ in shipped))


# --- the task ---------------------------------------------------------------------------------


def run_task(spec_json: str, job_json: str, data: bytes | None = None) -> str:
    """Check one file on this worker; JSON text back (see the module docstring).  Never raises."""
    job = json.loads(job_json)
    delay = float(os.environ.get(TEST_DELAY_ENV) or 0)
    if delay > 0:
        time.sleep(delay)
    try:
        if data is None:
            if not _same_file(job["path"], job["size"], job["sha256"]):
                return json.dumps({"need_bytes": True})
            result = _check(spec_json, job["path"])
        else:
            result = _check_copy(spec_json, job["path"], data)
    except Exception as exc:
        result = error_result(job["path"], CheckError("internal", f"{type(exc).__name__}: {exc}"[:300], "worker"))
    from authcheck.scoring.record import result_record

    return json.dumps({"record": result_record(replace(result, path=job["path"]))}, ensure_ascii=False)


def _same_file(path: str, size: int, sha256: str) -> bool:
    """True when this worker sees, at `path`, a regular file with this size and content hash."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size != size:
            return False
        h = hashlib.sha256()
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest() == sha256


def _check_copy(spec_json: str, path: str, data: bytes) -> Result:
    """Check bytes the client sent, from a private copy named like the original (its extension counts)."""
    folder = tempfile.mkdtemp(prefix="authcheck-task-")
    name = os.path.basename(path.replace("\\", "/"))[-200:] or "file"
    copy = os.path.join(folder, name if name not in (".", "..") else "file")
    try:
        with open(copy, "wb") as fh:
            fh.write(data)
        return _check(spec_json, copy)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check(spec_json: str, path: str) -> Result:
    """One file through a child from this worker's pool, under the run's time limit."""
    child = _take(spec_json)
    try:
        if child.assign(0, path) is not None:
            raise CheckError("internal", "worker child could not be started", "worker")
        return _answer(child)
    finally:
        _give_back(spec_json, child)


def _answer(child: Worker) -> Result:
    """Wait for the child's result; kill it when it overruns the deadline."""
    while True:
        wait = None if child.deadline is None else max(0.0, child.deadline - time.monotonic())
        if child.conn.poll(wait):
            result = child.collect()
            if result is not None:
                return result
            if not child.alive:
                raise CheckError("internal", "worker child exited", "worker")
        elif child.deadline is not None and time.monotonic() >= child.deadline:
            return child.expire()


# --- the pool of children ---------------------------------------------------------------------


def _take(spec_json: str) -> Worker:
    """An idle child for this run's spec, or a new one.  Idle children of other runs are stopped:
    a long-lived Dask worker keeps children for the latest run only."""
    with _LOCK:
        for other in [key for key in _POOLS if key != spec_json]:
            for child in _POOLS.pop(other):
                child.finish()
                child.reap(0.5)
        idle = _POOLS.setdefault(spec_json, [])
        while idle:
            child = idle.pop()
            if child.alive and child.process.is_alive():
                return child
    return ChildWorker(spec_json)


def _give_back(spec_json: str, child: Worker) -> None:
    """Keep a healthy child for the next file of the same run; stop any other."""
    with _LOCK:
        if child.alive and not child.task and child.process.is_alive() and (spec_json in _POOLS):
            _POOLS[spec_json].append(child)
            return
    if child.alive:
        child.kill()


class _Child:
    """A Popen with the few methods of multiprocessing.Process that `Worker` uses."""

    def __init__(self, popen: subprocess.Popen) -> None:
        self.popen = popen

    @property
    def exitcode(self) -> int | None:
        return self.popen.poll()

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()

    def join(self, timeout: float | None = None) -> None:
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass


class ChildWorker(Worker):
    """The local pool's `Worker`, as a fresh Python process joined by a socket pair."""

    def __init__(self, spec_json: str) -> None:
        from multiprocessing.connection import Connection

        from authcheck.batch import pipeline

        ours, theirs = socket.socketpair()
        popen = subprocess.Popen(
            [sys.executable, "-m", "authcheck.batch.clusterworker", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        spec = json.loads(spec_json)
        settings = settings_from_json(spec["settings"])
        factory = functools.partial(build_ruleset, spec_json)
        self.conn.send(WorkerSpec(settings, pipeline.check_path, None, factory, False))
        self.process = _Child(popen)
        self.started = time.monotonic()
        self.ready = False
        self.alive = True
        self.task: tuple | None = None
        self.deadline: float | None = None
        self.timeout = settings.limits.timeout


def _child_main(fd: int) -> None:
    """The child: receive the spec over the socket, then serve files as a local pool worker does."""
    from multiprocessing.connection import Connection

    from authcheck.batch.workers import worker_main

    conn = Connection(fd)
    try:
        spec = conn.recv()
    except (EOFError, OSError):
        os._exit(0)
    worker_main(conn, spec, [])


if __name__ == "__main__":
    _child_main(int(sys.argv[1]))
