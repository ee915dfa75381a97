"""A child process confined: quiet (no SIGINT, no logging, no stdout), no core dumps, and an
address-space cap, so a hostile file can only take its own process down.

Used by the scan workers (batch/workers.py) and the page-picture process (reporters/pagepictures.py).
"""

from __future__ import annotations

import os
import signal
import sys
import warnings
from contextlib import contextmanager

try:
    import resource
except ImportError:  # not on Windows
    resource = None  # type: ignore[assignment]

MEMORY_CAP_UNAVAILABLE = "memory cap not available on this platform"


def memory_cap_available() -> bool:
    """True where RLIMIT_AS exists and is enforced (Linux and most Unixes; not Windows or macOS)."""
    return resource is not None and hasattr(resource, "RLIMIT_AS") and sys.platform != "darwin"


def platform_warnings(settings=None) -> list[str]:
    """Lines the CLI should say once: limits that this platform cannot enforce."""
    wants_cap = settings is None or settings.limits.memory_mb > 0
    return [MEMORY_CAP_UNAVAILABLE] if wants_cap and not memory_cap_available() else []


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity mask where the platform has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def quiet() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if "logging" in sys.modules:
        _silence_logging(sys.modules["logging"])
    else:  # a text letter never needs logging (≈ 3 ms to import): silence it if and when it is imported
        sys.meta_path.insert(0, _AfterImport("logging", _silence_logging))
    warnings.simplefilter("ignore")
    no_stdout()


def _silence_logging(logging) -> None:
    """No handler prints: the root logger gets a NullHandler (so the last-resort stderr handler stays unused)."""
    logging.getLogger().handlers = [logging.NullHandler()]


class _AfterImport:
    """A meta-path finder that runs `then(module)` right after module `name` is first imported."""

    def __init__(self, name: str, then) -> None:
        self.name, self.then = name, then

    def find_spec(self, name: str, path=None, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenLoader(spec.loader, self.then)  # type: ignore[assignment]
        return spec


class _ThenLoader:
    """Wraps a loader: the module is executed as usual, then handed to `then`."""

    def __init__(self, loader, then) -> None:
        self.loader, self.then = loader, then

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        self.then(module)

    def __getattr__(self, name: str):  # get_code, get_source, is_package...: the wrapped loader's
        return getattr(self.loader, name)


def no_stdout() -> None:
    """Point the worker's standard output at /dev/null: results travel over the pipe, and nothing a
    library prints may land in the parent's report stream (JSON lines, SARIF on stdout)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
    except OSError:
        pass


@contextmanager
def sigint_held():
    """Block SIGINT in this thread for the duration (where the platform can), then restore the mask."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def close_fd(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def address_space_in_use() -> int:
    """Bytes of address space this process holds now (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


def apply_limits(limits) -> None:
    """No core dumps, and the address-space cap, applied before any work.

    The cap is `memory_mb` on top of what the process already holds when it starts: a worker forked
    from a parent that has loaded large libraries (a notebook with numpy, a test run that has read
    images) inherits their address space, and must not run out of memory before its first file."""
    if resource is None:
        return
    set_limit("RLIMIT_CORE", 0)
    if limits.memory_mb and limits.memory_mb > 0:
        # OCR may raise its own soft cap up to `ocr_memory_mb` (loaders/ocr/pages.py); nothing else can
        ceiling = max(limits.memory_mb, getattr(limits, "ocr_memory_mb", 0) or 0)
        base = address_space_in_use()
        set_limit("RLIMIT_AS", base + limits.memory_mb * 1024 * 1024, base + ceiling * 1024 * 1024)


def set_limit(name: str, value: int, ceiling: int | None = None) -> bool:
    which = getattr(resource, name, None)
    if which is None:
        return False
    try:
        _, hard = resource.getrlimit(which)
        top = max(value, ceiling or value)
        if hard != resource.RLIM_INFINITY:
            value, top = min(value, hard), min(top, hard)
        resource.setrlimit(which, (value, top))
        return True
    except (OSError, ValueError):
        return False
