"""A worker forked before the command line is read, so a first command's check does not wait for
the pipeline's imports and the rules' compilation.

A command run without the warm server spends most of its time before the check importing and
compiling, one step after another on one core: Click and the command line (≈ 30 ms), the
configuration and the rules (≈ 35 ms), then, in the worker it forks, the readers and the
pipeline (≈ 20 ms).  When the command may check files and a second core is free, `start` forks a
standby at once, before Click is imported: while this process reads its command line,
configuration and rules, the standby imports the pipeline and the readers the named files need
and compiles the built-in rules on the other core, then reports ("standby", digest of its rules),
checks a made-up letter of each kind the named files are (`warmup.py`: PDFium, lexicons and the
like are built on first use) unless the command is already waiting for it (`take` says so first,
`ASKED`), and waits.  The scan's first worker is this standby (`take`) when its rules are the
run's (the same digest: the same files with the same texts); it is handed the worker's spec over
its pipe and from then on is an ordinary worker (`workers.serve`): the same limits, isolation,
timeout and results.  A scan of one file does not compile the rules in the command at all when
the standby has compiled the same ones (`announced`, `Run._on_standby`): the command waits for its
word instead (≈ 20 ms less on a 1-page PDF's first command), and asks it to skip the warm-up, which
would only delay the file from then on.  Otherwise (other rule folders in the configuration, a Dask scan, every file in the
cache, another command) it is stopped, and the scan forks its workers as it always did.

It costs the spare core's time while the command starts, so it is not started with one usable
core, while this command is starting the warm server (which needs that core), for a folder scan
(see `start`), or with AUTHCHECK_STANDBY=off.  It never reads a file before it is a worker, and
leaves when the command ends or its parent is gone.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from authcheck.util.confine import quiet, sigint_held
from authcheck.util.confine import usable_cores as _usable_cores  # a name of its own: tests pretend to cores
from authcheck.util.framedpipe import Pipe

#: The group's commands other than `check` (`authcheck FILE` is `check`): none of them checks
#: files through a scan, so they start no standby (`tests/test_standby.py` compares with the CLI).
OTHER_COMMANDS = ("baseline", "config", "extract", "rules", "server")
_NO_CHECK = {"-h", "--help", "-V", "--version", "--scheduler"}  #: help, version, a Dask scan
ENV = "AUTHCHECK_STANDBY"

WAIT = 10.0  #: seconds a scan waits for a standby still starting before it forks a worker instead

#: Standard-library modules the pipeline imports (dataclasses imports inspect, with ast, dis and
#: tokenize behind it: ≈ 5 ms of the standby's CPU before its rules) and no check of a PDF, DOCX or
#: text letter uses: found, and run only if something uses them (`util/lazymodules.py`).  The
#: command itself runs inspect (Click uses it); the standby is forked before that.
UNUSED = ("inspect", "base64")

#: What `take` sends first, before it waits for the standby's rules: the command is at its scan, so
#: the standby starts no more warm-up (`warmup.py`) and goes straight to the file.
ASKED = "asked"

_held: tuple[Any, Any] | None = None  #: (process, the parent's end of its pipe) until taken or stopped
_UNASKED = object()
_said: Any = _UNASKED  #: the digest the held standby announced (`announced`), once read


def wanted(argv: list[str], env=None) -> bool:
    """Whether a command with these arguments should start a standby."""
    if not _allowed(env):
        return False
    if not argv or argv[0] in OTHER_COMMANDS:
        return False
    return not any(arg in _NO_CHECK or arg.startswith("--scheduler=") for arg in argv)


def _allowed(env=None) -> bool:
    """A standby may run at all: not switched off (`AUTHCHECK_STANDBY`), Linux, a core to spare."""
    env = os.environ if env is None else env
    if (env.get(ENV) or "").strip().lower() in ("off", "0", "false", "no"):
        return False
    return sys.platform.startswith("linux") and _usable_cores() >= 2


def start(argv: list[str]) -> None:
    """Fork the standby for this command, when `wanted`.

    A bare `os.fork`, before multiprocessing is imported here (≈ 15 ms, which the standby would
    otherwise wait for): a socket pair for its pipe and a pipe whose end it holds as its sentinel,
    which `take` hands the scan as a worker's connection (`Pipe`) and process (`_Forked`)."""
    if _held is not None or not wanted(argv):
        return
    named = _named(argv)
    if None in named:
        # A folder scan: its first worker would be ready a few tens of milliseconds sooner in a scan of
        # seconds (no difference measured on 1,000 letters), while a re-scan the result cache answers
        # whole, the usual CI run, would pay for it: the standby's imports, rules and warm-up on the
        # other core slow the command's own work (1,000 cached letters: 0.18 s without, 0.27 s with,
        # on this project's 2-core machine).  An option's value that names a folder (`--rules DIR`)
        # counts too; the standby's rules would not be that run's anyway.
        return
    _fork(_extensions(argv, named))


def start_ahead(adopt: Callable[[bytes], bool], close: tuple[int, ...] = ()) -> None:
    """Fork a standby for a command the warm server's spare holds before its request comes
    (`cli/server.py`): a copy of the prewarmed server, it has nothing to import, compile or warm up.
    It waits for `proceed` (its command's request as the server received it), which `adopt(request)`
    makes its own as the command did (the client's context, umask, environment and folder: False
    when it cannot), before it says it is ready.  `close`: descriptors of the command's it must not
    hold."""
    if _held is None:
        _fork(("",), adopt=adopt, close=close)


def proceed(request: bytes, env=None) -> None:
    """The command has its request (`request`: as the server received it) and has become the
    client's: the standby forked ahead joins its process group and takes on what a worker forked
    now would inherit (the client's niceness, CPUs and limits, umask, environment, folder), or is
    stopped when this command should have none (`AUTHCHECK_STANDBY=off`, one usable core)."""
    if _held is None:
        return
    if not _allowed(env):
        discard()
        return
    try:
        os.setpgid(_held[0].pid, os.getpgrp())  # signals to the command's group reach it as a worker's
        _connected()[1].send(("request", request))
    except Exception:  # it died: the scan forks its worker
        discard()


def _fork(
    extensions: tuple[str, ...], *, adopt: Callable[[bytes], bool] | None = None, close: tuple[int, ...] = ()
) -> None:
    """Fork the standby with its pipe and sentinel (see `start`)."""
    global _held, _said
    import _socket

    ours, theirs = (s.detach() for s in _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM))
    sentinel, alive = os.pipe()
    parent = os.getpid()
    with sigint_held():  # a Ctrl-C at fork waits until the child ignores it
        pid = os.fork()
        if pid == 0:  # the standby: it never returns into the command line
            code = 1
            try:
                os.close(ours)
                os.close(sentinel)
                for fd in close:
                    os.close(fd)
                _main(theirs, parent, extensions, adopt)
                code = 0
            finally:
                os._exit(code)
    os.close(theirs)
    os.close(alive)
    _held = (_Forked(pid, sentinel), ours)
    _said = _UNASKED


def announced(wait: float = WAIT, *, asking: bool = False, steps: Iterable[None] = ()) -> str | None:
    """The digest of the rules the held standby compiled, or None (none held, or it failed or died
    before it said), waiting up to `wait` seconds for its word; later calls give the same answer.
    `asking`: the command is at its scan and will hand the standby its file, so its warm-up would
    only delay it: it is told so first (`ASKED`, as `take` does).  `steps`: the command's own
    work, a step at a time, done while the word has not come (`Run.waiting`)."""
    global _held, _said
    if _held is None:
        return None
    if _said is _UNASKED:
        conn = _connected()[1]
        said: Any = None
        try:
            if asking:
                conn.send(ASKED)
            started = time.monotonic()
            for _ in steps:
                if conn.poll(0):
                    break
            if conn.poll(max(0.0, wait - (time.monotonic() - started))):
                said = conn.recv()
        except Exception:  # it died
            pass
        except BaseException:
            discard()
            raise
        _said = _payload(said, "standby", str)
    return _said


def take(spec: Any, digest: str | None) -> tuple[Any, Any] | None:
    """The standby as (process, pipe) for a scan's first worker, handed `spec`, when its rules
    have this digest; otherwise (or with none started) None, and a standby is stopped."""
    global _held, _said
    if _held is None:
        return None
    if tuple(getattr(spec.settings, "rule_dirs", ())):  # it compiles the built-in rules alone: no wait
        discard()
        return None
    try:
        process, conn = _connected()
        conn.send(ASKED)  # the command waits now: no warm-up from here on
        if digest and announced() == digest:
            from dataclasses import replace

            conn.send(replace(spec, ruleset=None, ruleset_factory=None))  # it has compiled the same rules
            _held, _said = None, _UNASKED
            return process, conn
    except Exception:  # it died, or the spec cannot travel (a check that is not a module's function)
        pass
    except BaseException:
        discard()
        raise
    discard()
    return None


def _connected() -> tuple[Any, Any]:
    """The held standby as (process, its connection: a `Pipe`, which speaks as a `multiprocessing`
    connection does, so the scan needs no multiprocessing for it)."""
    global _held
    assert _held is not None
    process, conn = _held
    if isinstance(conn, int):
        conn = Pipe(conn)
        _held = (process, conn)
    return process, conn


def discard() -> None:
    """Stop a standby no scan took (the command is ending, or checks nothing)."""
    global _held, _said
    held, _held, _said = _held, None, _UNASKED
    if held is not None:
        _stop(*held)


def _stop(process: _Forked, conn: Any) -> None:
    try:
        os.close(conn) if isinstance(conn, int) else conn.close()
    except OSError:
        pass
    if process.exitcode is None:
        process.kill()
    process.join()


class _Forked:
    """A forked child as much of `multiprocessing.Process` as a worker's handle uses: `sentinel`
    (readable once it has exited), `exitcode` (None while it runs, -N when signal N ended it),
    `is_alive()`, `join(timeout)`, `kill()`.  The pipe end behind `sentinel` is closed with the
    handle."""

    def __init__(self, pid: int, sentinel: int) -> None:
        self.pid, self.sentinel = pid, sentinel
        self._code: int | None = None

    @property
    def exitcode(self) -> int | None:
        if self._code is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return self._code
            if pid:
                self._code = os.waitstatus_to_exitcode(status)
        return self._code

    def is_alive(self) -> bool:
        return self.exitcode is None

    def join(self, timeout: float | None = None) -> None:
        if self.exitcode is not None:
            return
        from authcheck.util.readiness import wait

        if wait([self.sentinel], timeout):
            try:
                _, status = os.waitpid(self.pid, 0)
                self._code = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                pass

    def __del__(self) -> None:
        try:
            os.close(self.sentinel)
        except OSError:
            pass

    def kill(self) -> None:
        if self.exitcode is None:
            try:
                os.kill(self.pid, 9)
            except ProcessLookupError:
                pass


def _main(fd: int, parent: int, extensions: tuple[str, ...], adopt: Callable[[bytes], bool] | None = None) -> None:
    """The standby: quiet like a worker, then the imports and rules, then wait to be taken.
    `adopt` (`start_ahead`): first its command's request (`proceed`), made its own, and no warm-up."""
    import gc

    from authcheck.util.lazymodules import defer

    defer(*UNUSED)
    quiet()
    _stdin_as_multiprocessing_leaves_it()
    conn = Pipe(fd)
    digest = None
    ruleset = None
    if adopt is not None and not _took_request(conn, parent, adopt):
        return
    try:
        from authcheck.batch.pipeline import ahead
        from authcheck.engine.rulepack import ruleset_for
        from authcheck.loaders.formats import prewarm
        from authcheck.settings import Settings

        prewarm(ahead(extensions))
        ruleset = ruleset_for(Settings())
        digest = ruleset.digest
        gc.freeze()  # the imports' and rules' objects: the check's collections no longer walk them (≈ 1 ms of a cold check)
    except Exception:  # the scan forks an ordinary worker, which reports what went wrong
        pass
    gc.enable()  # forked while the command's collector was off (`cli.launcher.entry`): on, before any file
    try:
        conn.send(("standby", digest))

        def asked() -> bool:  # the command has reached its scan (or is gone)
            return conn.poll(0)

        if ruleset is not None and adopt is None and not asked():  # while the command starts: first-use costs
            from authcheck.batch import warmup

            warmup.check(ruleset, warmup.formats_for(extensions), stop=asked)
        if adopt is None and not asked():
            from authcheck.util import patterns

            patterns.save()  # what it compiled, for the next command (`util/patterns.py`), while it waits
        from authcheck.batch.workers import serve  # before the spec, not after it (≈ 0.4 ms)

        spec: Any = ASKED
        while spec == ASKED:
            spec = _receive(conn, parent)
    except (EOFError, OSError):
        return
    if spec is None or ruleset is None:
        return
    serve(conn, spec, ruleset)


def _took_request(conn: Pipe, parent: int, adopt: Callable[[bytes], bool]) -> bool:
    """A standby forked ahead: wait for its command's request (`proceed`) and `adopt` it; False when
    the command is gone first or the request cannot be taken on."""
    try:
        said = _receive(conn, parent)
    except (EOFError, OSError):
        return False
    request = _payload(said, "request", bytes)
    return request is not None and adopt(request)


def _receive(conn: Pipe, parent: int) -> Any:
    """The command's next message, or None once the command (`parent`) is gone; EOFError or
    OSError when the pipe breaks."""
    while not conn.poll(1.0):
        if os.getppid() != parent:
            return None
    return conn.recv()


def _payload(message: Any, tag: str, kind: type) -> Any:
    """The value of a (tag, value) message whose value is a `kind`, else None."""
    ok = isinstance(message, tuple) and len(message) == 2 and message[0] == tag and isinstance(message[1], kind)
    return message[1] if ok else None


def _stdin_as_multiprocessing_leaves_it() -> None:
    """Standard input on /dev/null, as `multiprocessing` leaves a worker's (workers.py's `_prepare`
    expects it): the standby is a worker forked without it."""
    if sys.stdin is not None:
        try:
            sys.stdin.close()
            sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process
        except (OSError, ValueError):
            pass


def _named(argv: list[str]) -> list[str | None]:
    """What each argument that names something is: a file's extension (lowercased), "" for standard
    input, None for a folder; arguments that name nothing on disk (options, their values) are left
    out.  Each argument is looked at on disk once."""
    found: list[str | None] = []
    for arg in argv:
        if arg == "-":
            found.append("")
        elif not arg.startswith("-") and arg != "check":
            try:
                if os.path.isfile(arg):
                    found.append(os.path.splitext(arg)[1].lower())
                elif os.path.isdir(arg):
                    found.append(None)
            except (OSError, ValueError):
                continue
    return found


def _extensions(argv: list[str], named: list[str | None] | None = None) -> tuple[str, ...]:
    """The extensions of the files the arguments name ("" for a folder or standard input, for which
    every format is prewarmed; `named`: `_named(argv)` when the caller has it).  Only a guess of
    what to import: a wrong one costs the spare core's time."""
    found = ["" if ext is None else ext for ext in (_named(argv) if named is None else named)]
    return tuple(dict.fromkeys(found)) or ("",)
