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
    return text


#: path -> (its status signature when this process read it, its text); the status is taken on the
#: descriptor before reading, so a change made while it was read shows as another signature
_READ: dict[str, tuple[tuple, str]] = {}


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
