"""Turn the inputs a user names (files, folders, globs, "-") into the list of files to check.

* A file named explicitly is always checked, whatever its extension.  A named symlink is followed.
* A folder is walked recursively.  It yields only files whose extension (any case) the format
  table (`loaders/formats.py`) lists for discovery: today .pdf, .docx, .txt, and the images read by
  OCR (.png .jpg .jpeg .tif .tiff .webp .heic .heif); plus files that match an `include` pattern.  Files that match an `exclude` pattern
  are dropped, and so are folders that match one (they are not entered).
* A glob (`*`, `?`, `[...]`, and `**` for any number of folders) is expanded here, because a CI
  shell may not do it.  It behaves as if the shell had expanded it: every matching file is
  checked whatever its extension (`exclude` still applies), and a matching folder is walked as if
  it had been named.  A glob that matches nothing is reported as missing.
* "-" stands for stdin and passes through.
* `include` and `exclude` are glob patterns matched against the path relative to the folder
  given (or to the glob's fixed leading part), with "/" as separator, and against the basename:
  `*.md` and `drafts/**` both work.  `*` stops at "/", `**` crosses it.
* While walking or expanding, hidden entries (names starting with ".") and VCS and tool folders
  (.git, .hg, .svn, __pycache__, node_modules) are skipped unless `skip_hidden=False`.
  Symlinks are skipped unless `follow_symlinks=True`; symlink loops are cut, and a broken
  symlink is skipped.
* A named path that does not exist gives `Target(path, missing=True)`.  A folder that cannot be
  listed (permission denied, vanished) gives `Target(folder, missing=True, problem=(type, message))`
  so the run reports it instead of skipping it silently.
* A walked folder yields regular files only: FIFOs, devices and sockets are never picked up
  (reading one could block for ever).  A special file named explicitly (or matched by a glob) is
  passed on and read by a worker, under the timeout and the byte limit.
* `skipped`, when given a dict, counts under "type" the files a folder walk left out because of
  their extension (neither a default extension nor an `include` match).
* Every file appears once (by its resolved real path; the first display path wins).  The order is
  the inputs' order; the files of a folder or glob are sorted by path.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import field

from authcheck.loaders.formats import discovered_extensions
from authcheck.util.globs import glob_to_regex
from authcheck.util.patterns import compiled
from authcheck.util.records import frozen

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules"})
_MAGIC = compiled(r"[*?[]")


@frozen
class Target:
    """One input to check: its display path (as the user would expect), or a named path that is missing."""

    path: str
    missing: bool = False
    problem: tuple[str, str] | None = None  #: (error type, message) when it could not be listed


@frozen
class _Options:
    """How a folder is walked: the include and exclude patterns, links, hidden entries, extensions."""

    include: tuple[re.Pattern, ...]
    exclude: tuple[re.Pattern, ...]
    follow_symlinks: bool
    skip_hidden: bool
    extensions: frozenset[str] = frozenset()  #: what a folder walk picks up (the format table's)
    problems: list = field(default_factory=list, compare=False)  #: (path, OSError) of unlistable folders
    skipped: dict | None = None  #: counts of files left out, by reason ("type")

    def skipped_name(self, name: str, is_dir: bool) -> bool:
        """True for a hidden entry, or a VCS/tool folder, while those are skipped."""
        if not self.skip_hidden:
            return False
        return name.startswith(".") or (is_dir and name in SKIPPED_DIRS)

    def excluded(self, rel: str, name: str) -> bool:
        """True when an exclude pattern matches the relative path or the basename."""
        return _matches(self.exclude, rel, name)

    def wanted(self, rel: str, name: str) -> bool:
        """True when a walked file has a default extension or matches an include pattern."""
        if self.excluded(rel, name):
            return False
        if os.path.splitext(name)[1].lower() in self.extensions or _matches(self.include, rel, name):
            return True
        if self.skipped is not None:
            self.skipped["type"] = self.skipped.get("type", 0) + 1
        return False


def discover(
    inputs: Sequence[str],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    follow_symlinks: bool = False,
    skip_hidden: bool = True,
    skipped: dict | None = None,
) -> list[Target]:
    """The files to check for these inputs, each once, in a deterministic order (see the module doc)."""
    opts = _Options(
        tuple(glob_to_regex(p) for p in include),
        tuple(glob_to_regex(p) for p in exclude),
        follow_symlinks,
        skip_hidden,
        discovered_extensions(),
        skipped=skipped,
    )
    seen: set = set()
    targets = []
    real_dirs: dict[str, str] = {}
    for raw in inputs:
        for target in _expand(raw, opts):
            key = _identity(target, real_dirs)
            if key not in seen:
                seen.add(key)
                targets.append(target)
    return targets


def _expand(raw: str, opts: _Options) -> Iterator[Target]:
    if raw == "-":
        yield Target("-")
    elif os.path.isdir(raw):
        yield from _walk(raw, opts)
    elif os.path.exists(raw):
        yield Target(raw)
    elif _MAGIC.search(raw):
        yield from _glob(raw, opts)
    else:
        yield _absent(raw)


def _absent(raw: str) -> Target:
    """A named path that cannot be seen: missing, or behind a folder we may not enter."""
    try:
        os.stat(raw)
    except PermissionError as exc:
        return Target(raw, missing=True, problem=("permission-denied", f"cannot reach it: {exc.strerror}"))
    except OSError:
        pass
    return Target(raw, missing=True)


def _identity(target: Target, real_dirs: dict[str, str]):
    if target.path == "-":
        return "-"
    if target.missing:
        return ("missing", os.path.abspath(target.path))
    return realpath(target.path, real_dirs)


def realpath(path: str, real_dirs: dict[str, str]) -> str:
    """`os.path.realpath(path)`, resolving each folder once (`real_dirs` remembers them): a name
    that is not a symbolic link resolves to its folder's real path joined with the name, so a
    folder of thousands of files costs one lstat a file instead of one a path component."""
    folder, name = os.path.split(path)
    if name in ("", ".", "..") or os.path.islink(path):
        return os.path.realpath(path)
    if folder not in real_dirs:
        real_dirs[folder] = os.path.realpath(folder or os.curdir)
    return os.path.join(real_dirs[folder], name)


def _walk(top: str, opts: _Options) -> Iterator[Target]:
    """The wanted files under a folder, sorted by relative path."""
    found = []
    visited: set = set()
    unlisted: list = []
    for dirpath, dirnames, filenames in os.walk(top, onerror=unlisted.append, followlinks=opts.follow_symlinks):
        if opts.follow_symlinks and not _first_visit(dirpath, visited):
            dirnames[:] = []
            continue
        rel_dir = os.path.relpath(dirpath, top)
        dirnames[:] = [d for d in dirnames if _enter_dir(dirpath, rel_dir, d, opts)]
        for name in filenames:
            rel = _rel(rel_dir, name)
            if _usable_file(os.path.join(dirpath, name), name, opts) and opts.wanted(rel, name):
                found.append((tuple(rel.split("/")), None))
    for exc in unlisted:
        rel = os.path.relpath(exc.filename or top, top).replace(os.sep, "/")
        found.append((tuple(rel.split("/")), exc))
    for parts, exc in sorted(found, key=lambda item: item[0]):
        path = _display(top, os.path.join(*parts))
        yield Target(path) if exc is None else unlisted_target(path, exc)


def unlisted_target(path: str, exc: OSError) -> Target:
    """The record of a folder that could not be listed."""
    kind = "permission-denied" if isinstance(exc, PermissionError) else "not-found"
    return Target(path, missing=True, problem=(kind, f"folder could not be listed: {exc.strerror or exc}"))


def _first_visit(dirpath: str, visited: set) -> bool:
    try:
        st = os.stat(dirpath)
    except OSError:
        return False
    key = (st.st_dev, st.st_ino)
    if key in visited:
        return False
    visited.add(key)
    return True


def _enter_dir(dirpath: str, rel_dir: str, name: str, opts: _Options) -> bool:
    if opts.skipped_name(name, True) or opts.excluded(_rel(rel_dir, name), name):
        return False
    return opts.follow_symlinks or not os.path.islink(os.path.join(dirpath, name))


def _usable_file(path: str, name: str, opts: _Options) -> bool:
    """Not skipped by name, and a regular file (a followed symlink to one counts); never a FIFO,
    device or socket."""
    if opts.skipped_name(name, False):
        return False
    try:
        st = os.lstat(path)
    except OSError:
        return True  # vanished or unreadable: the worker reports why
    if stat.S_ISLNK(st.st_mode):
        if not opts.follow_symlinks:
            return False
        try:
            st = os.stat(path)
        except OSError:
            return False  # a broken symlink
    return stat.S_ISREG(st.st_mode)


def _rel(rel_dir: str, name: str) -> str:
    return name if rel_dir == "." else f"{rel_dir.replace(os.sep, '/')}/{name}"


def _display(top: str, rel: str) -> str:
    if top in (".", "./", "." + os.sep):
        return rel
    return os.path.join(top, rel)


def _glob(pattern: str, opts: _Options) -> Iterator[Target]:
    """Expand a glob as a shell would (with `**`), then treat each match as a named input."""
    parts = pattern.replace(os.sep, "/").split("/")
    first = next(i for i, p in enumerate(parts) if _MAGIC.search(p))
    root = "/".join(parts[:first]) or ("/" if pattern.startswith(("/", os.sep)) else "")
    matches = sorted(_match(root or ".", [p for p in parts[first:] if p], opts, (), frozenset()))
    for folder, exc in opts.problems:
        yield unlisted_target(folder, exc)
    opts.problems.clear()
    if not matches:
        yield Target(pattern, missing=True)
    for rel_parts in matches:
        path = os.path.join(root, *rel_parts) if root else os.path.join(*rel_parts)
        if os.path.isdir(path):
            yield from _walk(path, opts)
        elif not opts.excluded("/".join(rel_parts), rel_parts[-1]):
            yield Target(path)


def _match(base: str, parts: list, opts: _Options, rel: tuple, chain: frozenset) -> Iterator[tuple]:
    """Relative paths (as tuples) under `base` that match the remaining pattern parts."""
    if not parts:
        yield rel
        return
    head, rest = parts[0], parts[1:]
    if head == "**":
        yield from _match_any_depth(base, rest, opts, rel, chain)
    elif not _MAGIC.search(head):
        path = os.path.join(base, head)
        if os.path.isdir(path) if rest else os.path.lexists(path):
            yield from _match(path, rest, opts, (*rel, head), chain)
    else:
        rx = glob_to_regex(head)
        for name, is_dir in _entries(base, opts, allow_hidden=head.startswith(".")):
            if rx.fullmatch(name) and (is_dir or not rest):
                yield from _match(os.path.join(base, name), rest, opts, (*rel, name), chain)


def _match_any_depth(base: str, rest: list, opts: _Options, rel: tuple, chain: frozenset) -> Iterator[tuple]:
    key = _dir_key(base)
    if key is None or key in chain:
        return
    chain = chain | {key}
    entries = _entries(base, opts, allow_hidden=False)
    if rest:
        yield from _match(base, rest, opts, rel, chain)
    else:  # a trailing `**` means every file below
        yield from ((*rel, name) for name, is_dir in entries if not is_dir)
    for name, is_dir in entries:
        if is_dir:
            yield from _match_any_depth(os.path.join(base, name), rest, opts, (*rel, name), chain)


def _entries(base: str, opts: _Options, *, allow_hidden: bool) -> list:
    """(name, is_dir) for the entries of a folder a glob may use, sorted; symlinks only when followed."""
    try:
        with os.scandir(base) as it:
            entries = list(it)
    except OSError as exc:
        if not isinstance(exc, (FileNotFoundError, NotADirectoryError)):
            opts.problems.append((base, exc))
        return []
    out = []
    for entry in sorted(entries, key=lambda e: e.name):
        is_dir = entry.is_dir()
        if opts.skipped_name(entry.name, is_dir) and not allow_hidden:
            continue
        if entry.is_symlink() and not (opts.follow_symlinks and os.path.exists(entry.path)):
            continue
        out.append((entry.name, is_dir))
    return out


def _dir_key(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _matches(patterns: tuple, rel: str, name: str) -> bool:
    return any(rx.fullmatch(rel) or rx.fullmatch(name) for rx in patterns)
