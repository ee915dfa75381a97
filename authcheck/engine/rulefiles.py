"""The rule files of a run and their digest, without parsing or compiling a rule.

`rulepack` loads these files into rules; the result cache keys results on the digest alone, so a
re-scan whose every file is cached (see `RuleSetRef`) never imports the engine or compiles a rule.
Stdlib only.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Sequence

from authcheck.errors import RuleError
from authcheck.util.places import package_dir
from authcheck.util.sha import sha256

MAX_RULE_BYTES = 256 * 1024
MAX_RULES = 2000


def builtin_dir() -> str:
    """The folder of the built-in rule packs: `authcheck/builtin_rules` in an installed wheel, or the
    checkout's top-level `rules/` when running from source (an editable install)."""
    installed = os.path.join(package_dir(), "builtin_rules")
    if os.path.isdir(installed):
        return installed
    checkout = os.path.join(os.path.dirname(package_dir()), "rules")
    if os.path.isdir(os.path.join(checkout, "core")):
        return checkout
    raise RuleError("built-in rules are missing from this installation")


def rule_files(directory: str) -> list[str]:
    """Every *.yaml / *.yml file under a folder, sorted; a missing folder is an error."""
    if not os.path.isdir(directory):
        raise RuleError(f"rule folder {directory!r} does not exist")
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        found.extend(os.path.join(root, f) for f in sorted(files) if f.endswith((".yaml", ".yml")))
    return found


def read_rule(path: str) -> str:
    """A rule file's text, size-capped.  A built-in rule file this process read before is not read
    again while its status (device, inode, size, modification and change times) is the one it had
    then: a warm server reads them once, and each command it forks only looks at them.  Rule
    folders of a run are read every time (an edit within the file system's timestamp granularity
    would not change the status)."""
    builtin = path.startswith(_builtin_prefix())
    known = _READ.get(path) if builtin else None
    if known is not None:
        try:
            status = os.stat(path)
        except OSError:
            status = None
        if status is not None and stat.S_ISREG(status.st_mode) and known[0] == _signature(status):
            _SIGNED[path] = known[0]
            return known[1]
    from authcheck.util.smallfile import NotRegularFile, read_regular_stat

    try:
        raw, status = read_regular_stat(path, MAX_RULE_BYTES)
    except NotRegularFile:
        raise RuleError("cannot read: not a regular file (a FIFO or device is never read)", file=path) from None
    except OSError as exc:
        raise RuleError(f"cannot read: {exc.strerror or exc}", file=path) from None
    if len(raw) > MAX_RULE_BYTES:
        raise RuleError(f"rule file is larger than {MAX_RULE_BYTES} bytes", file=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RuleError("rule file is not UTF-8", file=path) from None
    if builtin and len(_READ) < MAX_RULES:
        _READ[path] = (_signature(status), text)
    if len(_SIGNED) < MAX_RULES:
        _SIGNED[path] = _signature(status)
    return text


#: path -> (its status signature when this process read it, its text); the status is taken on the
#: descriptor before reading, so a change made while it was read shows as another signature
_READ: dict[str, tuple[tuple, str]] = {}


#: path -> the status signature a file had when its text was last read here (before reading)
_SIGNED: dict[str, tuple] = {}


@functools.cache
def _builtin_prefix() -> str:
    try:
        return os.path.join(builtin_dir(), "")
    except RuleError:
        return "\0"  # no built-in rules: nothing is remembered


def _signature(status: os.stat_result) -> tuple:
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def pack_files(extra_dirs: Sequence[str] = (), builtin: bool = True) -> list[str]:
    """The rule files of a load, in load order (built-in first); RuleError past MAX_RULES."""
    files = (rule_files(builtin_dir()) if builtin else []) + [f for d in extra_dirs for f in rule_files(d)]
    if len(files) > MAX_RULES:
        raise RuleError(f"too many rule files ({len(files)} > {MAX_RULES})")
    return files


def read_pack(extra_dirs: Sequence[str] = (), builtin: bool = True) -> tuple[list[str], list[str]]:
    """(files, texts) of a load, each file read once; RuleError when one cannot be read."""
    files = pack_files(extra_dirs, builtin)
    return files, [read_rule(path) for path in files]


def digest_of(files: Sequence[str], texts: Sequence[str], builtin: bool = True) -> str:
    """The digest `rulepack.load_ruleset` gives the RuleSet of these files and texts: sha256 over
    each file's name (its path when the built-in rules are left out) and text, in load order."""
    digest = sha256()
    for path, text in zip(files, texts):
        digest.update(path.encode() if not builtin else os.path.basename(path).encode())
        digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def pack_key(texts: Sequence[str]) -> str:
    """The key of a load's entry in the parsed-rule cache (`rulepack._PackCache`): the authcheck
    version and the hash of every file's text, in load order."""
    from authcheck.version import __version__

    key = sha256(f"authcheck-rule-pack/{__version__}/{len(texts)}".encode())
    for text in texts:
        key.update(sha256(text.encode("utf-8")).digest())
    return key.hexdigest()


class Pack:
    """The rule files of a load (`files`, in load order) and what identifies their texts: the
    rule set's `digest` (`digest_of`) and the parsed-rule cache's `key` (`pack_key`).  `texts` are
    the files' texts when they were read; None when the rule index vouched for both digests
    (`read_digests`), and `rulepack` then reads them only if the parsed-rule cache misses."""

    __slots__ = ("builtin", "digest", "files", "key", "texts")

    def __init__(self, files: list[str], builtin: bool, digest: str, key: str, texts: list[str] | None) -> None:
        self.files, self.builtin, self.digest, self.key, self.texts = files, builtin, digest, key, texts


def read_digests(extra_dirs: Sequence[str] = (), builtin: bool = True) -> Pack:
    """The `Pack` of a load: its digests from the rule index when every file's status is the one it
    had when the index was written, without reading a file; else the files read (RuleError as
    `read_pack` raises it) and the index written for the next run.

    The index is a cache entry like the parsed rules' (`cache_folder`): it maps each file's status
    (device, inode, size, modification and change times, as git's index does) to the two digests,
    sealed with the cache key (`util/sealed.py`), so an entry planted without the key is a miss.  A file is
    only indexed when its times are at least `SETTLED_NS` old as it is read (a later write cannot
    keep them: the change time is the clock's) and its status is unchanged once it has been read.
    A process that read the built-in files before (the warm server's commands) reads them from
    memory instead (`read_rule`)."""
    files = pack_files(extra_dirs, builtin)
    remembered = all(_READ.get(path) for path in files)
    known = None if remembered else _indexed(files, builtin)
    if known is not None:
        return Pack(files, builtin, known[0], known[1], None)
    texts = [read_rule(path) for path in files]
    pack = Pack(files, builtin, digest_of(files, texts, builtin), pack_key(texts), texts)
    if not remembered:
        _write_index(pack)
    return pack


SETTLED_NS = 2_000_000_000  #: a rule file changed more recently than this is not indexed
MAX_INDEX_BYTES = 1 << 20  #: a larger index entry is a miss
#: the index entry's format line (`util/sealed.py`); 2: marshalled under keyed BLAKE2b, not JSON under HMAC-SHA256
INDEX_FORMAT = b"authcheck-rule-index/2\n"


def cache_folder() -> str | None:
    """Where parsed rule files and the rule index are kept (None when that cache is off)."""
    if os.environ.get("AUTHCHECK_NO_RULE_CACHE"):
        return None
    from authcheck.util.places import cache_dir

    return os.path.join(cache_dir(), "rules-v2")


def _index_entry(files: list[str], builtin: bool) -> str | None:
    folder = cache_folder()
    if folder is None:
        return None
    from authcheck.version import __version__

    name = sha256("\0".join([__version__, str(builtin), *files]).encode("utf-8", "surrogateescape")).hexdigest()
    return os.path.join(folder, f"index-{name[:40]}.bin")


def _indexed(files: list[str], builtin: bool) -> tuple[str, str] | None:
    """(digest, key) from the rule index when it holds these files in these very states, else None."""
    from authcheck.util.cachekey import existing_key
    from authcheck.util.sealed import read_sealed

    try:
        entry = _index_entry(files, builtin)
        secret = existing_key() if entry else None
        if entry is None or secret is None:
            return None
        data = read_sealed(entry, INDEX_FORMAT, secret, MAX_INDEX_BYTES)
        if not isinstance(data, dict) or data["files"] != files or len(data["status"]) != len(files):
            return None
        for path, recorded in zip(files, data["status"]):
            status = os.stat(path)
            if not stat.S_ISREG(status.st_mode) or _signature(status) != recorded:
                return None
        digest, key = data["digest"], data["key"]
        return (digest, key) if isinstance(digest, str) and isinstance(key, str) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_index(pack: Pack) -> None:
    """Index `pack` (see `read_digests`) when every file was read here, settled and unchanged since;
    failures are ignored (the index only saves reading)."""
    import time

    from authcheck.util.cachekey import CacheKeyError, load_key
    from authcheck.util.sealed import write_sealed

    try:
        entry = _index_entry(pack.files, pack.builtin)
        if entry is None:
            return
        now = time.time_ns()
        signatures = []
        for path in pack.files:
            signed = _SIGNED.get(path)
            if signed is None or now - max(signed[3], signed[4]) < SETTLED_NS or _signature(os.stat(path)) != signed:
                return
            signatures.append(signed)
        index = {"files": list(pack.files), "status": signatures, "digest": pack.digest, "key": pack.key}
        write_sealed(entry, INDEX_FORMAT, load_key(), index)
    except (OSError, ValueError, CacheKeyError):
        pass
