"""A file's content hash (the result cache's key), and the index that spares reading unchanged files.

The index maps a state of a file (`stat_ident`) to its sha256, as git's index does; the result cache
keeps it beside the results, each entry under the cache key's HMAC (`ResultCache.hashes`).
"""

from __future__ import annotations

import functools
import os
import stat
import time

from authcheck.util.sha import new

SETTLED_NS = 2_000_000_000  #: a file changed more recently than this is never put in the hash index


def content_hashes(cache, paths: list[str], limit: int) -> dict[str, str]:
    """path -> sha256 of each file that can be hashed (`file_sha256`), from the cache's hash index
    (`ResultCache.hashes`) where the file's state (`stat_ident`: device, inode, size, times) is
    there, else read and added to the index (`ResultCache.remember_hash`).  The content hash stays the truth: the index only remembers it
    for a state of the file that no write can keep (see `stat_ident`)."""
    idents: dict[str, str] = {}
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        ident = stat_ident(st) if st.st_size <= limit else None
        if ident is not None:
            idents[path] = ident
    known = cache.hashes(list(idents.values())) if idents else {}
    digests: dict[str, str] = {}
    for path in paths:
        digest = known.get(idents.get(path, ""))
        if digest is None:
            seen: list[str] = []
            digest = file_sha256(path, limit, seen)
            if digest is not None and seen:
                cache.remember_hash(seen[0], digest)
        if digest is not None:
            digests[path] = digest
    return digests


def file_sha256(path: str, limit: int, seen: list | None = None) -> str | None:
    """The content hash of a regular file, or None when it cannot be read, is over the size limit,
    or is not a regular file.  This runs in the parent, outside any timeout, so it never reads a
    FIFO or a device (opened non-blocking and checked with fstat: no race with a swapped file);
    those are left to a worker, which reads them under the time and byte limits.  `seen` gets the
    file's `stat_ident` when it did not change while being read and may go into the hash index."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
                return None
            h = new(st.st_size)
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
            ident = stat_ident(st)
            if seen is not None and ident is not None and stat_ident(os.fstat(fd)) == ident:
                seen.append(ident)
            return h.hexdigest()
        except OSError:
            return None


def stat_ident(st: os.stat_result) -> str | None:
    """What identifies one state of a regular file for the hash index, as git's index does: this
    boot, device, inode, size, and modification and change times to the nanosecond; None for a file
    that is not regular or changed in the last `SETTLED_NS` (a write within the same clock tick as
    the one recorded could keep every time stamp: git's "racily clean" entries).  The change time
    cannot be set by a program (only the clock can), so any write after recording gives a new one."""
    if not stat.S_ISREG(st.st_mode) or time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < SETTLED_NS:
        return None
    return f"{_boot_id()}:{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


@functools.lru_cache(maxsize=1)
def _boot_id() -> str:
    """This boot of this machine (inode numbers and times are only comparable within one)."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as fh:
            return fh.read().strip()
    except OSError:
        return f"{os.uname().nodename if hasattr(os, 'uname') else ''}"
