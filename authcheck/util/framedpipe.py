"""`Pipe`: one end of a stream between two processes (an OS pipe, or a Unix socket pair as the
standby's) speaking `multiprocessing.connection.Connection`'s frames, without importing
multiprocessing.

`multiprocessing.connection` brings `socket`, `selectors`, `tempfile` and `subprocess` with it
(8-15 ms on a first command), which a first command's standby (`batch/standby.py`) and a long
PDF's page helper (`loaders/pagehelper.py`) do not need: each talks to one process it forked, over
a stream it made.  A frame is a 4-byte big-endian length (or -1 and an 8-byte one), then the pickle,
as `Connection` writes it, so either side may be a `Connection`.  Only processes of one command
talk over these pipes: a pickle from one is as trusted as the process that forked it.
"""

from __future__ import annotations

import os
from typing import Any


class Pipe:
    """One end of a stream (its descriptor, owned from now on): `send`, `recv` (EOFError at the end),
    `poll(timeout=0)`, `fileno`, `close` (once; OSError after it, as a closed connection).

    A message small enough for one write (at most `PIPE_BUF`, 4096 bytes on Linux, with its header) to
    an OS pipe made non-blocking is written whole or not at all (BlockingIOError when the pipe is full):
    the page helper's claims rely on it."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def fileno(self) -> int:
        if self.fd < 0:
            raise OSError("handle is closed")
        return self.fd

    def send(self, obj: Any) -> None:
        self.send_bytes(pickled(obj))

    def send_bytes(self, data: bytes) -> None:
        """One frame of an object already pickled (`pickled`), which `recv` unpickles."""
        import struct

        header = struct.pack("!i", len(data)) if len(data) <= 0x7FFFFFFF else struct.pack("!iQ", -1, len(data))
        view = memoryview(header + data)
        while view:
            view = view[os.write(self.fileno(), view) :]

    def recv(self) -> Any:
        import struct

        (size,) = struct.unpack("!i", self._exactly(4))
        if size == -1:
            (size,) = struct.unpack("!Q", self._exactly(8))
        return _pickler().loads(self._exactly(size))

    def poll(self, timeout: float = 0.0) -> bool:
        from authcheck.util.readiness import wait

        return bool(wait([self], timeout))

    def close(self) -> None:
        fd, self.fd = self.fd, -1
        if fd >= 0:
            os.close(fd)

    def _exactly(self, size: int) -> bytes:
        parts, left = [], size
        while left:
            part = os.read(self.fileno(), min(left, 1 << 20))
            if not part:
                raise EOFError
            parts.append(part)
            left -= len(part)
        return b"".join(parts)


def pickled(obj: Any) -> bytes:
    """`obj` as `send` pickles it (a caller may pickle first, to know it can, then `send_bytes`)."""
    return _pickler().dumps(obj)


def _pickler() -> Any:
    """pickle's C implementation, whose `dumps` and `loads` are `pickle.dumps` and `pickle.loads`
    (pickle.py takes them from it), without pickle.py's import: ≈ 1.4 ms of a first command's
    path and of its standby's, before the standby's word (`batch/standby.py`)."""
    try:
        import _pickle

        return _pickle
    except ImportError:  # an interpreter without the accelerator
        import pickle

        return pickle


def one_way() -> tuple[Pipe, Pipe]:
    """(reading end, writing end) of a new pipe, as `multiprocessing.Pipe(duplex=False)` gives them;
    neither end is inherited by a program this process runs."""
    read_fd, write_fd = os.pipe()
    return Pipe(read_fd), Pipe(write_fd)
