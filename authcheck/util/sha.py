"""SHA-256 and HMAC-SHA256 for small inputs without loading OpenSSL.

`hashlib.sha256` loads OpenSSL's libcrypto through `_hashlib`: 3 to 7 ms on this project's
machine, paid by a first command and again by its standby (`batch/standby.py`), side by side,
for inputs of a few tens of kilobytes (the letter, rule texts, cache-key parts).  Python's
builtin SHA-256 (`_sha2`, `_sha256` before Python 3.12) gives the same digests; it hashes about
six times slower (≈300 MB/s against OpenSSL's 1.8 GB/s) but loads in a fraction of a millisecond.

`new(size)` is OpenSSL's hash when this process has loaded it already (a run of several files
loads it with `for_many` before it hashes them and forks its workers; anything that imported
pypdf has it) or for an input of `LARGE` bytes or more (hashing it would cost more than loading
OpenSSL), else the builtin one.  `Hmac` is RFC 2104's HMAC over
the same choice, as `hmac.new(key, msg, hashlib.sha256)` computes it, and `compare_digest` the
standard library's constant-time compare; neither imports `hmac`, which loads OpenSSL too.
"""

from __future__ import annotations

import sys
from _operator import _compare_digest as compare_digest  # noqa: F401 - what `hmac.compare_digest` is without OpenSSL

TYPE_CHECKING = False  # not typing's: `cli/warm.py` hashes with this before anything imports typing (≈ 3 ms)
if TYPE_CHECKING:
    from typing import Any

LARGE = 1 << 20  #: from this many bytes on, OpenSSL's hash (loading it costs about what hashing 1 MiB does)
_BLOCK = 64  #: SHA-256's block size, for HMAC's key padding
_INNER = bytes(x ^ 0x36 for x in range(256))
_OUTER = bytes(x ^ 0x5C for x in range(256))

_builtin: Any = None  #: the builtin constructor, once looked up (False: this interpreter has none)


def new(size: int = 0) -> Any:
    """An empty SHA-256 hash object for an input of about `size` bytes (see the module's note);
    the same `update`, `digest`, `hexdigest` and `copy` whichever implementation it is."""
    return _constructor(size)()


def sha256(data: bytes = b"") -> Any:
    """`hashlib.sha256(data)`: the hash object of `data`, from the implementation `new` picks."""
    return _constructor(len(data))(data)


def for_many() -> None:
    """This process is about to hash many inputs (a batch's files, each file again in a worker it
    forks): load OpenSSL now, once, so every hash from here on is its faster one."""
    import hashlib  # noqa: F401 - loads `_hashlib`, which `_constructor` then prefers


def _constructor(size: int) -> Any:
    global _builtin
    if size < LARGE and "_hashlib" not in sys.modules:
        if _builtin is None:
            _builtin = _find_builtin()
        if _builtin:
            return _builtin
    import hashlib

    return hashlib.sha256


def _find_builtin() -> Any:
    for name in ("_sha2", "_sha256"):  # the module's name since Python 3.12, and before
        try:
            return __import__(name).sha256
        except (ImportError, AttributeError):
            continue
    return False


class Hmac:
    """HMAC-SHA256 (RFC 2104) under `key`, for a message of about `size` bytes (`new`), fed with
    `update`: the digest `hmac.new(key, msg, hashlib.sha256)` gives."""

    digest_size = 32

    def __init__(self, key: bytes, size: int = 0) -> None:
        make = _constructor(size)
        if len(key) > _BLOCK:
            key = make(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        self._inner = make(key.translate(_INNER))
        self._outer = make(key.translate(_OUTER))

    def update(self, data: bytes) -> None:
        self._inner.update(data)

    def digest(self) -> bytes:
        outer = self._outer.copy()
        outer.update(self._inner.digest())
        return outer.digest()

    def hexdigest(self) -> str:
        return self.digest().hex()
