"""Read the small files that steer a run (config, baseline, ignore file, rule packs, registries,
and parsed-rule cache entries) safely.

Each is read with a byte cap, and only when it is a regular file: `--baseline /dev/zero`, a FIFO
or a multi-gigabyte file is refused with one clear ConfigError (exit 2) instead of a hang or an
exhausted memory.  The file is opened without blocking, so a FIFO with no writer cannot stall.
"""

from __future__ import annotations

import os
import stat

from authcheck.errors import ConfigError

CONFIG_MAX_BYTES = 1 << 20  #: authcheck.toml / pyproject.toml
IGNORE_MAX_BYTES = 16 << 20  #: .authcheck-ignore.yaml
BASELINE_MAX_BYTES = 256 << 20  #: .authcheck-baseline.json (about a million findings)


class NotRegularFile(OSError):
    """The path names a FIFO, device, socket or folder, which is never read."""


def read_regular(path: str, limit: int) -> bytes:
    """Up to `limit` + 1 bytes of the regular file at `path` (the caller compares with `limit`).
    Opened without blocking, so a FIFO cannot stall; NotRegularFile for anything but a regular
    file (a FIFO, /dev/zero, a socket, also through a symlink); other OSErrors as raised."""
    return read_regular_stat(path, limit)[0]


def read_regular_stat(path: str, limit: int) -> tuple[bytes, os.stat_result]:
    """`read_regular`, and the file's status taken before it was read (on the descriptor read from)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFile(f"{path}: not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(limit + 1), status
    finally:
        os.close(fd)


def read_capped(path: str, limit: int, what: str, error: type = ConfigError) -> bytes:
    """The bytes of the regular file at `path`; `error` (a ConfigError by default) naming `what` when
    it is unreadable, not a regular file or over `limit` bytes (FileNotFoundError passes through)."""
    try:
        data = read_regular(path, limit)
    except FileNotFoundError:
        raise
    except NotRegularFile:
        raise error(f"{path}: the {what} is not a regular file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{path}: the {what} is larger than {limit >> 20} MiB")
    return data


def decode_utf8(path: str, data: bytes, what: str, error: type = ConfigError) -> str:
    """The text of a file that must be UTF-8; `error` with the byte offset otherwise."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: the {what} is not UTF-8 text (bad byte at offset {exc.start})") from None
