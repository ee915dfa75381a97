"""Where a run's reports go, and what happens when one cannot be written there.

Before the scan, `check_outputs` refuses (exit 2) an output path that is one of the run's inputs
(the same file, also through a symlink or a hard link: same device and inode), a path named by
two outputs, and a path that clearly cannot be written (missing or read-only folder).  After the
scan, a `Sink` writes one report; when writing fails (a full disk, a closed pipe) it says so in
one line, `authcheck: PATH: cannot write report: REASON`, and the report goes on to standard
output when nothing else is printed there, or else to a new file in the temporary folder, so it
is never lost.  `Sink.failed` makes the run exit 3.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable
from typing import IO, Literal

from authcheck.errors import ConfigError
from authcheck.util.atomic import STDOUT, AtomicWriter, OutputError, preflight, reason_of, writes_in_place
from authcheck.util.patterns import compiled


def check_outputs(outputs: Iterable[str | None], inputs: Iterable[str]) -> None:
    """ConfigError (exit 2) when an output would overwrite an input, is named twice, or cannot be written.

    The first output is the main report (None: standard output)."""
    outputs = list(outputs)
    _refuse_shared_stdout(outputs)
    named = [p for p in outputs if p and p != STDOUT]
    seen: dict[object, str] = {}
    for path in named:
        key = None if writes_in_place(path) else _identity(path) or os.path.realpath(path)
        if key is not None and key in seen:
            raise ConfigError(f"{path}: named by two outputs (also {seen[key]}); give each report its own file")
        seen[key] = path
        try:
            preflight(path)
        except OutputError as exc:
            raise ConfigError(str(exc)) from None
    to_stdout = (bool(outputs) and outputs[0] in (None, STDOUT)) or STDOUT in outputs[1:]
    _refuse_inputs(named, inputs, to_stdout)


def _refuse_shared_stdout(outputs: list[str | None]) -> None:
    """ConfigError when two reports would both go to standard output ("-", /dev/stdout, or the
    file or pipe stdout is redirected to): the result would be neither report.  A terminal or a
    device such as /dev/null may take both."""
    try:
        mode = os.fstat(sys.stdout.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return
    users = [outputs[0] or STDOUT] if outputs else []
    users += [p for p in outputs[1:] if p]
    on_stdout = [p for p in users if p == STDOUT or _is_stdout(p)]
    if len(on_stdout) > 1:
        raise ConfigError(
            f"{on_stdout[1]}: two reports would both go to standard output; give each report its own file"
        )


def _refuse_inputs(named: list[str], inputs: Iterable[str], to_stdout: bool = False) -> None:
    """ConfigError when an existing regular output file is also a file this run checks.  Standard
    input ("-") counts as the file it was redirected from, and standard output, when a report goes
    there, as the file it appends to (`check - -o /dev/stdin < letter.txt` wrote into the letter)."""
    existing = {}
    for path in named:
        key = _identity(path)
        if key is not None:
            existing[key] = path
    stdout_key = _fd_identity(1) if to_stdout else None
    if stdout_key is not None:
        existing.setdefault(stdout_key, "standard output")
    if not existing:
        return
    for source in inputs:
        key = _identity(source) if source != STDOUT else _fd_identity(0)
        if key in existing:
            raise ConfigError(
                f"{existing[key]}: is an input of this run ({source}); writing the report there would overwrite it"
            )


def _identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of an existing regular file, following links; None otherwise."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


_FOLDER_REPORT = compiled(r"(index|\d{4,}-.*)\.html\Z")  #: the names a report folder gets (htmlreport)


def check_report_folder(folder: str, inputs: Iterable[str]) -> None:
    """ConfigError (exit 2) when a folder of reports cannot be made at `folder` (a file is there, or
    the nearest existing folder above is not writable), or when one of the names it writes
    (index.html, NNNN-name.html) is an input of this run."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ConfigError(f"{folder}: cannot write report: not a folder (a folder of reports was asked for)")
    above = os.path.abspath(folder)
    while not os.path.isdir(above):
        if os.path.lexists(above):
            raise ConfigError(f"{folder}: cannot write report: {above} is not a folder")
        above = os.path.dirname(above)
    if not os.access(above, os.W_OK | os.X_OK):
        raise ConfigError(f"{folder}: cannot write report: folder {above} is not writable")
    home = os.path.realpath(folder)
    for source in inputs:
        if (
            source != STDOUT
            and _FOLDER_REPORT.match(os.path.basename(source))
            and os.path.dirname(os.path.realpath(source)) == home
        ):
            raise ConfigError(
                f"{folder}: is where this run writes {os.path.basename(source)}, an input of this run "
                f"({source}); writing the reports there would overwrite it"
            )


class FailedReport:
    """A report that could not be written at all (its line is already said): the run exits 3."""

    failed = True


def _fd_identity(fd: int) -> tuple[int, int] | None:
    """(device, inode) of the regular file an open descriptor (0: stdin, 1: stdout) refers to."""
    try:
        info = os.fstat(fd)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


class StdoutClaim:
    """Whether standard output already carries a report (then a failed report may not go there)."""

    def __init__(self, taken: bool) -> None:
        self.taken = taken

    def take(self) -> bool:
        """Claim standard output for a rescued report; False when it is already in use."""
        if self.taken:
            return False
        self.taken = True
        return True


class Sink:
    """One report file: opened before the scan (streams) or at the end, written, then committed.

    `write` never raises for the file's sake: a failure is reported once through `say`, and
    this and later writes go to the fallback (with what the file had received so far).
    """

    def __init__(self, path: str, suffix: str, stdout: StdoutClaim, say: Callable[[str], None]) -> None:
        self.path, self.suffix, self._stdout, self._say = path, suffix, stdout, say
        self.failed = False
        self._out: AtomicWriter | None = None
        # a binary stream once the target has failed, or False when lost
        self._fallback: IO[bytes] | Literal[False] | None = None

    def open(self) -> Sink:
        """Open the target now; a failure moves to the fallback at once."""
        try:
            self._out = AtomicWriter(self.path).open()
        except OutputError as exc:
            self._fail(exc, b"")
        return self

    def write(self, text: str) -> None:
        """Write to the target, or to the fallback after a failure."""
        if self._out is None and not self.failed:
            self.open()
        out = self._out
        if not self.failed and out is not None:  # open() either sets _out or fails over
            try:
                out.write(text)
                return
            except OutputError as exc:
                self._fail(exc, out.salvage())
        self._rescue(text.encode("utf-8", "backslashreplace"))

    def flush(self) -> None:
        """Writes are unbuffered: nothing to do (kept so a Sink can stand in for a stream)."""

    def finish(self) -> None:
        """Commit the report (or close the fallback); the temporary file never outlives this."""
        if self._out is not None and not self.failed:
            try:
                self._out.commit()
            except OutputError as exc:
                self._fail(exc, self._out.salvage())
        if self._out is not None:
            self._out.abort()
        if self._fallback and self._fallback is not sys.stdout.buffer:
            self._fallback.close()
        elif self._fallback:
            self._fallback.flush()

    def _fail(self, exc: OutputError, salvaged: bytes) -> None:
        """Switch to the fallback, say where the report went instead, and keep what was written."""
        self.failed = True
        if self._out is not None:
            self._out.abort()
        where = self._open_fallback()
        self._say(f"{exc} ({where})")
        self._rescue(salvaged)

    def _open_fallback(self) -> str:
        if not _is_stdout(self.path) and self._stdout.take() and _stdout_works():
            self._fallback = sys.stdout.buffer
            return "the report is written to standard output instead"
        return self._open_temp()

    def _open_temp(self) -> str:
        import tempfile  # ≈ 4 ms (shutil, random, bz2, lzma) that only a failed output needs

        try:
            fd, name = tempfile.mkstemp(prefix="authcheck-report-", suffix=self.suffix)
            self._fallback = os.fdopen(fd, "wb")
            return f"the report is saved to {name} instead"
        except OSError as exc:
            self._fallback = False
            return f"the report is lost: no fallback either: {reason_of(exc)}"

    def _rescue(self, data: bytes) -> None:
        """Write to the fallback; when standard output fails too, go on in a temporary file."""
        if not data or not self._fallback:
            return
        try:
            if self._fallback is sys.stdout.buffer:
                sys.stdout.flush()
            self._fallback.write(data)
            self._fallback.flush()
            return
        except (OSError, ValueError) as exc:
            reason = reason_of(exc) if isinstance(exc, OSError) else str(exc)
            was_stdout = self._fallback is sys.stdout.buffer
        if was_stdout:
            _silence_stdout()
            self._say(f"-: cannot write report: {reason} ({self._open_temp()})")
            self._rescue(data)
        else:
            self._fallback = False
            self._say(f"{self.path}: the report is lost: its fallback failed too: {reason}")


def _is_stdout(path: str) -> bool:
    """True when `path` names the file standard output already writes to (/dev/stdout, a pipe)."""
    try:
        here, there = os.fstat(sys.stdout.fileno()), os.stat(path)
    except (OSError, ValueError, AttributeError):
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _stdout_works() -> bool:
    """True when standard output is open and takes bytes."""
    try:
        sys.stdout.flush()
        return sys.stdout.buffer is not None
    except (OSError, ValueError, AttributeError):
        _silence_stdout()
        return False


def _silence_stdout() -> None:
    """Point a broken standard output at the null device, so exiting does not fail on it again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
