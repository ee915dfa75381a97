"""Regular expressions, and the package's generated code, compiled once per machine rather than once per process.

A command run cold compiles authcheck's hundred-odd module-level patterns as it imports them, and
`re`'s compiler is Python: about 15-25 ms of a first command, and as much again in its standby
worker (`batch/standby.py`).  `compiled(pattern, flags)` gives the pattern `re.compile` gives,
built from the code this interpreter's `re` compiled on an earlier run: the step
`re._compiler.compile` ends with (`_sre.compile`), fed from a table kept in the cache folder, one
file per interpreter build, sealed with the cache key (`util/sealed.py`: a keyed MAC, so a
table planted by someone without the key is not used).  An entry is stored only when the pattern
built from it compares equal to `re.compile`'s (a `re.Pattern` compares its pattern, flags and
compiled code).  Anything unexpected (no cache folder or key, a table that does not verify, an
interpreter whose `re` works otherwise) and patterns are compiled by `re.compile` as always: the
table only saves time.  `save()` writes it when this process compiled patterns it did not hold
(a command at its end, a standby once it is ready, the warm server once it has imported).

Only module-level constant patterns go through here (the package's own source, the same on
every run); a pattern made from input or configuration is compiled by `re` alone.
AUTHCHECK_NO_PATTERN_CACHE=1 turns the table off.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import os
import re
import sys
from types import CodeType
from typing import Any, AnyStr

MAX_TABLE_BYTES = 4 << 20  #: a larger table file is not read
MAX_ENTRIES = 2000  #: patterns kept in the table
_FORMAT = b"authcheck-patterns/2\n"  #: 2: sealed with keyed BLAKE2b (`util/sealed.py`), not HMAC-SHA256

_CODE = -1  #: a compiled source's key is (_CODE, source); a pattern's starts with the pattern (str or bytes)

_table: dict[tuple[Any, Any], Any] | None = None  #: None until loaded; {} when off or empty
_new: dict[tuple[Any, Any], Any] = {}  #: compiled here, not in the table
_on = True


def compiled(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """`re.compile(pattern, flags)`, from the table when it holds the pattern."""
    key = (pattern, int(flags))
    entry = _held(key)
    if entry is not None:
        try:
            return _sre.compile(pattern, *entry)
        except Exception:
            pass
    made = re.compile(pattern, flags)
    if _wanted(key):
        _keep(key, _entry(pattern, int(flags), made))
    return made


def code(source: str) -> CodeType:
    """`compile(source, "<string>", "exec")`, from the table when it holds that source's code: the
    package's own generated source (`util/records.py`'s `__init__` of each of its ~50 record classes,
    about 0.1 ms of compiling each), never anything made from input.  The table is this
    interpreter build's (its bytecode) and verified with the cache key, as for patterns."""
    key = (_CODE, source)
    found = _held(key)
    if isinstance(found, CodeType):
        return found
    made = compile(source, "<string>", "exec")
    if _wanted(key):
        _keep(key, made)
    return made


def _held(key: tuple) -> Any:
    """The table's entry for `key` (loading the table on first use), or None."""
    if _table is None:
        _load()
    return _table.get(key) if _table else None


def _wanted(key: tuple) -> bool:
    """Whether what this process made for `key` should be kept for `save`."""
    return _on and key not in _new


def _keep(key: tuple, entry: Any) -> None:
    """Keep `entry` (None: nothing to keep) for `save`."""
    if entry is not None:
        _new[key] = entry


def save() -> None:
    """Add what this process compiled to the table file (merged with what is there now); failures
    are ignored."""
    global _new
    if not _on or not _new:
        return
    try:
        path, secret = _where(create=True)
        if path is None or secret is None:
            return
        merged = {**(_read(path, secret) or {}), **_new}
        if len(merged) > MAX_ENTRIES:
            return
        from authcheck.util.sealed import write_sealed

        write_sealed(path, _FORMAT, secret, merged)
        _new = {}
    except (OSError, ValueError, TypeError):
        pass


def _load() -> None:
    global _table, _on
    _table = {}
    if os.environ.get("AUTHCHECK_NO_PATTERN_CACHE"):
        _on = False
        return
    try:
        path, secret = _where(create=False)  # no key yet: no table either (`save` makes the key)
    except Exception:  # no cache folder: compile as always
        _on = False
        return
    if path is not None and secret is not None:
        _table = _read(path, secret) or {}


def _where(create: bool) -> tuple[str | None, bytes | None]:
    """The table's file for this interpreter build, and the cache key (made if `create` and none
    exists yet)."""
    from authcheck.util.cachekey import CacheKeyError, existing_key, load_key
    from authcheck.util.places import cache_dir
    from authcheck.util.sha import sha256

    build = f"{sys.version}|{sys.implementation.cache_tag}|{_sre.MAGIC}|{_sre.CODESIZE}|{sys.maxunicode}"
    name = sha256(build.encode()).hexdigest()[:24] + ".bin"
    try:
        secret = load_key() if create else existing_key()
    except (CacheKeyError, OSError):
        return None, None
    if secret is None:
        return None, None
    return os.path.join(cache_dir(), "patterns-v1", name), secret


def _read(path: str, secret: bytes) -> dict | None:
    """The verified table in `path`, or None (missing, not a regular file, too large, forged)."""
    from authcheck.util.sealed import read_sealed

    table = read_sealed(path, _FORMAT, secret, MAX_TABLE_BYTES)
    return table if isinstance(table, dict) else None


def _entry(pattern: AnyStr, flags: int, made: re.Pattern[AnyStr]) -> tuple | None:
    """What `_sre.compile` takes after the pattern (flags, code, groups, group index, index group),
    as `re._compiler.compile` computes it; None when the pattern built from it differs from `made`."""
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, flags)
        code = [int(c) for c in _compiler._code(parsed, flags)]
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[Any] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        entry = (int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup))
        if _sre.compile(pattern, *entry) != made:
            return None
        import marshal

        marshal.dumps(entry)  # only plain values
        return entry
    except Exception:
        return None
