"""Files of marshalled data sealed with the cache key: a format line, a MAC of the format line and
the data under the key (`util/cachekey.py`, kept outside the cache folder), then the data.

For what authcheck writes for itself and reads back on the next run (the compiled patterns'
table, `util/patterns.py`; a rule pack's parsed data, `engine/rulepack.py`): `marshal` reads in a
fraction of the time JSON does, and it is only ever fed bytes whose seal verifies, so a file
planted or changed by someone without the key is never unmarshalled.  The MAC is keyed BLAKE2b
(a MAC by design, as HMAC-SHA256 is; Python's builtin module, three times as fast as its builtin
SHA-256, which authcheck uses rather than load OpenSSL: 0.2 against 0.66 ms for the patterns'
table, in every command and its standby).  Anything unexpected (no
file, not a regular file, too large, another format, a seal that does not verify, data that does
not unmarshal) reads as None; a failed write leaves no partial file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from typing import Any

from authcheck.util.sha import compare_digest, sha256

try:
    from _blake2 import blake2b  # what hashlib.blake2b is, without hashlib's OpenSSL
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

TAG = 32  #: bytes of the seal


def read_sealed(path: str, form: bytes, secret: bytes, limit: int) -> object | None:
    """The data sealed in `path` with format line `form` under `secret`, or None."""
    import marshal

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        raw = b"".join(iter(lambda: os.read(fd, 1 << 20), b""))
    except OSError:
        return None
    finally:
        os.close(fd)
    head, tag, data = raw[: len(form)], raw[len(form) : len(form) + TAG], raw[len(form) + TAG :]
    if head != form or not compare_digest(tag, seal(secret, form, data)):
        return None
    try:
        return marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None


def write_sealed(path: str, form: bytes, secret: bytes, value: Any) -> None:
    """Marshal `value` and write it sealed to `path`, whole or not at all (OSError, or ValueError
    for a value marshal cannot write)."""
    import marshal

    data = marshal.dumps(value)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    temp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(form + seal(secret, form, data) + data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def seal(secret: bytes, form: bytes, data: bytes) -> bytes:
    """The keyed BLAKE2b of the format line and the data under `secret` (hashed first when longer
    than BLAKE2b's 64-byte key)."""
    mac = blake2b(key=secret if len(secret) <= 64 else sha256(secret).digest(), digest_size=TAG)
    mac.update(form)
    mac.update(data)
    return mac.digest()
