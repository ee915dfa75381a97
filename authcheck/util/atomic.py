"""Write report files so a reader never sees half of one, and nothing else is ever replaced.

A regular file (or a name not yet taken) is written to a temporary file in the target's own
folder (so the final rename stays on one file system), fsynced, then `os.replace`d over the
target.  A path that is not a regular file (a device such as /dev/null or /dev/full, a FIFO,
/dev/stdout and anything else under /dev or /proc) is opened and written in place, never
replaced.  The path "-" means standard output.  Every failure is an `OutputError` naming the
path and the reason; the temporary file is removed by `abort` (or by leaving the `with` block).
"""

from __future__ import annotations

import os
import stat
import sys
from types import TracebackType

STDOUT = "-"
_IN_PLACE_PREFIXES = ("/dev/", "/proc/")


class OutputError(OSError):
    """A report could not be written: `path` and `reason` make the one-line message."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: cannot write report: {reason}")
        self.path, self.reason = path, reason


def reason_of(exc: OSError) -> str:
    """The operating system's words for an error ("No space left on device")."""
    return exc.strerror or str(exc) or type(exc).__name__


def write_atomic(path: str, text: str, follow_links: bool = True) -> None:
    """Replace the file at `path` with `text` (UTF-8) in one step; "-" writes to stdout.
    With `follow_links=False` the name itself is replaced, whatever it is (a symbolic link, a FIFO):
    for files authcheck names itself, inside a report folder that may hold planted links."""
    with AtomicWriter(path, follow_links=follow_links) as out:
        out.write(text)


def writes_in_place(path: str) -> bool:
    """True for a path that is written where it is rather than replaced: a device, FIFO, socket,
    or anything under /dev or /proc (/dev/stdout, /proc/self/fd/1)."""
    if path == STDOUT:
        return False
    if os.path.abspath(path).startswith(_IN_PLACE_PREFIXES):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def preflight(path: str) -> None:
    """Raise OutputError now when `path` clearly cannot be written: a folder, a missing or
    read-only folder, a device that refuses writing, or a disk.  Creates nothing."""
    if path == STDOUT:
        return
    if os.path.isdir(path):
        raise OutputError(path, "is a folder")
    if writes_in_place(path):
        if os.path.exists(path) and stat.S_ISBLK(os.stat(path).st_mode):
            raise OutputError(path, "is a block device (a disk): a report is never written onto one")
        if os.path.exists(path) and stat.S_ISSOCK(os.stat(path).st_mode):
            raise OutputError(path, "is a socket, which cannot be opened as a file")
        if os.path.exists(path) and not os.access(path, os.W_OK):
            raise OutputError(path, "permission denied")
        return
    folder = os.path.dirname(os.path.realpath(path)) or "."
    if not os.path.isdir(folder):
        raise OutputError(
            path, f"{folder} is not a folder" if os.path.exists(folder) else f"folder {folder} does not exist"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(path, f"folder {folder} is not writable")
    size, limit = len(os.fsencode(os.path.basename(path))), _name_max(folder)
    if size > limit:
        raise OutputError(path, f"File name too long ({size} bytes; this folder allows {limit})")


class AtomicWriter:
    """A report being written: `open`, `write`..., then `commit` (or `abort`); also a context manager.

    `write` sends each piece to the operating system at once (no buffering), so `salvage` can
    return exactly what was written so far when a later write fails.
    """

    def __init__(self, path: str, encoding: str = "utf-8", follow_links: bool = True) -> None:
        self.path = path
        self.follow_links = follow_links
        self.encoding = encoding
        self._fd: int | None = None
        self._target: str | None = None
        self._tmp: str | None = None
        self._good = 0
        self._open = False
        self._stdout = path == STDOUT

    def open(self) -> AtomicWriter:
        """Create the temporary file (or open the device in place); OutputError when impossible."""
        if self.path != STDOUT:
            try:
                if self.follow_links and writes_in_place(self.path):
                    self._fd = _open_in_place(self.path)
                else:
                    self._target = os.path.realpath(self.path) if self.follow_links else os.path.abspath(self.path)
                    self._tmp, self._fd = _create_temp(self._target)
            except OSError as exc:
                raise OutputError(self.path, _explain(exc)) from None
        self._open = True
        return self

    def write(self, text: str) -> int:
        """Write text now; OutputError (the temporary file kept for `salvage`) when it fails."""
        if not self._open:
            raise ValueError("AtomicWriter is not open")
        if self._stdout:
            return sys.stdout.write(text)
        data = text.encode(self.encoding, "backslashreplace")
        try:
            _write_all(self._descriptor(), data)
        except OSError as exc:
            raise OutputError(self.path, _explain(exc)) from None
        self._good += len(data)
        return len(text)

    def flush(self) -> None:
        """Writes are unbuffered; flush standard output when that is the target."""
        if self._open and self._stdout:
            sys.stdout.flush()

    def commit(self) -> None:
        """Make the report final: fsync and rename a temporary file, close a device.
        On failure the temporary file is kept for `salvage` until `abort`."""
        if not self._open:
            return
        if self._stdout:
            self._open = False
            sys.stdout.flush()
            return
        fd = self._descriptor()
        try:
            if self._tmp is not None:
                target = self._target or self.path  # open() sets the target with the temporary file
                os.fsync(fd)
                _copy_mode(target, self._tmp)
                os.close(fd)
                self._fd = None
                os.replace(self._tmp, target)
                self._tmp = None
                _fsync_dir(os.path.dirname(target))
            else:
                os.close(fd)
                self._fd = None
        except OSError as exc:
            raise OutputError(self.path, _explain(exc)) from None
        self._open = False

    close = commit

    def _descriptor(self) -> int:
        """The open file descriptor (ValueError when there is none: not opened, or already closed)."""
        if self._fd is None:
            raise ValueError("AtomicWriter is not open")
        return self._fd

    def salvage(self) -> bytes:
        """What was written before a failure (read back from the temporary file; b"" in place)."""
        if self._tmp is None or self._good == 0:
            return b""
        try:
            with open(self._tmp, "rb") as fh:
                return fh.read(self._good)
        except OSError:
            return b""

    def abort(self) -> None:
        """Close and remove whatever is left of the temporary file; the target is untouched."""
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None
        if self._tmp is not None:
            try:
                os.unlink(self._tmp)
            except FileNotFoundError:
                pass
            self._tmp = None
        self._open = False

    def __enter__(self) -> AtomicWriter:
        return self.open()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self.commit()
        finally:
            self.abort()


def _explain(exc: OSError) -> str:
    """The reason for a failure, in a reader's words where the system's are cryptic."""
    import errno

    if exc.errno == errno.ENXIO:
        return "no process is reading this FIFO"
    if exc.errno == errno.EPIPE:
        return "the reader went away (broken pipe)"
    return reason_of(exc)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _open_in_place(path: str) -> int:
    """Open a device, FIFO or /dev/stdout for writing without replacing or truncating it.

    A FIFO is opened without blocking (no reader is an error, not a hang); appending keeps
    whatever a redirected standard output already holds."""
    nonblock = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | nonblock | getattr(os, "O_BINARY", 0))
    if nonblock:
        os.set_blocking(fd, True)
    return fd


def _create_temp(target: str) -> tuple[str, int]:
    """A new hidden file beside `target`, created with the usual umask-filtered mode."""
    folder, name = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    room = max(_name_max(folder) - len(".." + "0" * 12 + ".tmp"), 1)
    stem = os.fsdecode(os.fsencode(name)[:room])  # a name the folder takes, even for a long target
    while True:
        tmp = os.path.join(folder, f".{stem}.{os.urandom(6).hex()}.tmp")
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue


def _name_max(folder: str) -> int:
    """The longest file name (in bytes) `folder` takes; 255 where the platform cannot say."""
    try:
        return int(os.pathconf(folder or ".", "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def _copy_mode(target: str, tmp: str) -> None:
    """Keep the permissions of a file being replaced (a new file keeps the umask default)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    os.chmod(tmp, mode)


def _fsync_dir(folder: str) -> None:
    """Make the rename durable where the platform allows fsync on a directory."""
    try:
        fd = os.open(folder or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
