"""Write report files so a reader never sees half of one.

Text goes to a temporary file in the target's own directory (so the final rename stays
on one file system), is flushed and fsynced, then `os.replace`d over the target.  A
failure at any point removes the temporary file and leaves the old target untouched.
The path "-" means standard output, where nothing can be atomic: text is written through.
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
from types import TracebackType
from typing import Optional, TextIO

STDOUT = "-"


def write_atomic(path: str, text: str) -> None:
    """Replace the file at `path` with `text` (UTF-8) in one step; "-" writes to stdout."""
    with AtomicWriter(path) as out:
        out.write(text)


class AtomicWriter:
    """A context manager for streaming text to a file that appears only when complete.

    On a clean exit the temporary file replaces the target; on an exception (including
    KeyboardInterrupt) it is removed and the exception propagates.  `write` and `flush`
    are the only stream operations offered.
    """

    def __init__(self, path: str, encoding: str = "utf-8") -> None:
        self.path = path
        self.encoding = encoding
        self._target: Optional[str] = None
        self._tmp: Optional[str] = None
        self._stream: Optional[TextIO] = None

    def __enter__(self) -> "AtomicWriter":
        if self.path == STDOUT:
            self._stream = sys.stdout
            return self
        self._target = os.path.realpath(self.path)
        self._tmp, fd = _create_temp(self._target)
        self._stream = os.fdopen(fd, "w", encoding=self.encoding, newline="")
        return self

    def write(self, text: str) -> int:
        """Write text to the pending file (or stdout)."""
        if self._stream is None:
            raise ValueError("AtomicWriter is not open")
        return self._stream.write(text)

    def flush(self) -> None:
        """Push buffered text to the operating system (the target is still not replaced)."""
        if self._stream is not None:
            self._stream.flush()

    def __exit__(
        self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        if self._tmp is None:
            self.flush()
            return
        try:
            if exc_type is None:
                self._commit()
        finally:
            self._discard()

    def _commit(self) -> None:
        """Flush, fsync and close the temporary file, then move it over the target."""
        stream, self._stream = self._stream, None
        stream.flush()
        os.fsync(stream.fileno())
        stream.close()
        _copy_mode(self._target, self._tmp)
        os.replace(self._tmp, self._target)
        self._tmp = None
        _fsync_dir(os.path.dirname(self._target))

    def _discard(self) -> None:
        """Close and remove whatever is left of the temporary file."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        if self._tmp is not None:
            try:
                os.unlink(self._tmp)
            except FileNotFoundError:
                pass
            self._tmp = None


def _create_temp(target: str) -> tuple[str, int]:
    """A new hidden file beside `target`, created with the usual umask-filtered mode."""
    folder, name = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue


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
