"""Read one input's bytes under the run's limits: a file, or standard input for "-"."""

from __future__ import annotations

import os
import sys

from authcheck.errors import CheckError


def read_input(path: str, limits) -> bytes:
    """The bytes of a file, or of stdin for "-"; refuses missing, unreadable and oversized files.

    Runs in a worker, under the timeout and memory cap: a FIFO nobody writes to blocks here until
    the worker is killed (`timeout`), and an endless device such as /dev/zero stops at
    `max_bytes` (`too-large`), because at most `max_bytes + 1` bytes are ever read."""
    if path == "-":
        data = sys.stdin.buffer.read(limits.max_bytes + 1)
    else:
        try:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > limits.max_bytes:
                    raise CheckError("too-large", f"{size} bytes is over the {limits.max_bytes}-byte limit", "read")
                data = fh.read(limits.max_bytes + 1)
        except FileNotFoundError:
            raise CheckError("not-found", "no such file", "read") from None
        except IsADirectoryError:
            raise CheckError("not-found", "is a directory, not a file", "read") from None
        except PermissionError:
            raise CheckError("permission-denied", "permission denied", "read") from None
        except OSError as exc:
            raise CheckError("corrupt", f"cannot read: {exc.strerror or exc}", "read") from None
    if len(data) > limits.max_bytes:
        raise CheckError("too-large", f"input is over the {limits.max_bytes}-byte limit", "read")
    return data
