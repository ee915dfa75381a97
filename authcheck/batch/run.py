"""One run: inputs -> targets -> (cache | isolated workers) -> suppressions -> results.  Never prints.

The CLI and the library API both go through `Run`: it discovers files, serves unchanged
files from the result cache, checks the rest in worker processes, marks baselined and
ignored findings, and yields one Result per input file as each finishes.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import field, replace
from datetime import date
from typing import TYPE_CHECKING

from authcheck.batch.config import ProjectConfig
from authcheck.batch.discover import Target, discover
from authcheck.batch.filehash import content_hashes
from authcheck.batch.pipeline import ahead
from authcheck.engine.ruleref import RuleSetRef, compiled_for, loaded
from authcheck.model import Result
from authcheck.util.places import package_dir
from authcheck.util.records import mutable
from authcheck.util.sha import for_many, sha256
from authcheck.version import __version__

if TYPE_CHECKING:
    from authcheck.engine.rulepack import RuleSet
    from authcheck.suppress.baseline import Baseline
    from authcheck.suppress.ignore import IgnoreFile

STDIN = "-"


@mutable
class Run:
    """Everything one run needs, built once; `results()` does the work."""

    inputs: Sequence[str]
    project: ProjectConfig
    ruleset: RuleSet | RuleSetRef
    jobs: int | None = None
    isolate: bool = True
    keep_letter: bool = False
    today: date = field(default_factory=date.today)
    warnings: list[str] = field(default_factory=list)
    cache_failures: int = 0  #: cache entries that failed verification (each was a miss)
    skipped: dict = field(default_factory=dict)  #: files left out of folders, by reason (see `discover`)
    stored_texts: bool = False  #: keep each result's stored record text for `stored_text` (JSON lines)
    light: bool = False  #: cache hits may be the summary `cli.commands._light` keeps (see `cache.get_many`)
    meanwhile: Callable[[], None] | None = None  #: the caller's work while workers check (`pool.scan`)
    waiting: Iterable[None] = ()  #: the caller's work, in steps, while it waits for its standby (`_on_standby`)
    _texts: dict = field(default_factory=dict, repr=False)
    _plan: tuple | None = field(default=None, repr=False)  #: (targets, cache, lookup) from `prepare`
    _keyed_rules: str | None = field(default=None, repr=False)  #: the rule digest the cache keys hold
    _standby_rules: bool | None = field(default=None, repr=False)  #: see `_on_standby`
    _baseline: Baseline | None = None
    _ignore: IgnoreFile | None = None

    def __post_init__(self) -> None:
        if self.project.baseline:
            from authcheck.suppress.baseline import load_baseline

            self._baseline = load_baseline(self.project.baseline)
        if self.project.ignore_file:
            from authcheck.suppress.ignore import load_ignore

            self._ignore = load_ignore(self.project.ignore_file)

    @property
    def settings(self):
        """The effective settings."""
        return self.project.settings

    def targets(self) -> list[Target]:
        """The files this run will check, each exactly once."""
        p = self.project
        return discover(
            self.inputs, include=p.include, exclude=p.exclude, follow_symlinks=p.follow_symlinks, skipped=self.skipped
        )

    def results(self, targets: Sequence[Target], on_start: Callable[[str], None] | None = None) -> Iterator[Result]:
        """One result per target, as each finishes (cached ones first)."""
        stdin_file, stdin_problem = _stash_stdin(targets, self.settings.limits)
        try:
            work = [_stdin_target(stdin_file, stdin_problem) if t.path == STDIN else t for t in targets]
            for result in self._checked(work, on_start):
                final = _as_stdin(result) if stdin_file and result.path == stdin_file else result
                final = self._suppress(final)
                if final is not result:  # its stored text no longer describes it
                    self._texts.pop(id(result), None)
                yield final
        finally:
            if stdin_file:
                os.unlink(stdin_file)
        if self._ignore is not None:
            self.warnings.extend(self._ignore.warnings(self.today))

    def prepare(self, targets: Sequence[Target]) -> None:
        """Look the targets up in the result cache now, and load the rules unless every target was
        found there: a bad rule pack raises RuleError here, before any report is opened.  A run
        whose every file is cached never compiles a rule (its pack loaded before: the cache key
        holds the pack's digest).  `results(targets)` then goes on from here."""
        if not targets or any(t.path == STDIN for t in targets):  # stdin is read by results()
            loaded(self.ruleset)
            return
        if len(targets) > 1:
            for_many()  # before the hashing below and the workers' fork
        cache = self._open_cache()
        try:
            plan = self._lookup(cache, list(targets))
            if plan[1] and not self._on_standby(plan[1]):
                loaded(self.ruleset)
        except BaseException:
            if cache is not None:
                cache.close()
            raise
        self._plan = (list(targets), cache, plan)

    def _checked(self, targets: list[Target], on_start) -> Iterator[Result]:
        """Cache hits, then fresh checks in workers (stored back into the cache)."""
        cache, plan = self._take_plan(targets)
        try:
            hits, todo, keys = plan if plan is not None else self._lookup(cache, targets)
            for result in hits:
                if on_start:
                    on_start(result.path)
                yield result
            if todo and self.ruleset.digest != self._keyed_rules:  # a rule file changed before they loaded
                keys = {}
            for result in self._scan(todo, on_start):
                key, digest = keys.get(result.path, (None, None))
                if cache is not None and key and result.sha256 == digest and not _timed(result):
                    from authcheck.batch.cache import result_to_record

                    record = result_to_record(result)
                    text = cache.put(key, record)
                    if text is not None:
                        self._remember(result, record, text)
                yield result
        finally:
            if cache is not None:
                cache.close()
                self.cache_failures += cache.failed
                if cache.warning:
                    self.warnings.append(cache.warning)

    def _take_plan(self, targets: list[Target]):
        """(cache, lookup) that `prepare` made for these targets, or a newly opened cache and None."""
        planned, self._plan = self._plan, None
        if planned is not None and planned[0] == targets:
            return planned[1], planned[2]
        if planned is not None and planned[1] is not None:
            planned[1].close()
        return self._open_cache(), None

    def _scan(self, todo: list[Target], on_start) -> Iterator[Result]:
        """Fresh results from isolated workers (or in-process when isolation is off); nothing is
        imported or started when there is nothing to check."""
        if not todo:
            return iter(())
        from authcheck.batch.pool import scan, scan_inline

        ruleset = self.ruleset if self._on_standby(todo) else loaded(self.ruleset)
        if self.project.scheduler and self.isolate:  # a Dask cluster (cluster.py)
            from authcheck.batch.cluster import cluster_scan

            return cluster_scan(
                todo, self.settings, ruleset, address=self.project.scheduler, jobs=self.jobs, on_start=on_start
            )
        if len(todo) > 1:
            _prewarm(todo)
        runner = scan if self.isolate else scan_inline
        return runner(
            todo,
            self.settings,
            ruleset,
            jobs=self.jobs,
            on_start=on_start,
            keep_letter=self.keep_letter,
            ruleset_factory=compiled_for,
            meanwhile=self.meanwhile,
        )

    def _on_standby(self, todo: list[Target]) -> bool:
        """True when the one file left goes to the command's standby (`standby.py`), which has
        compiled this run's rules: the same built-in rule files, read to the same digest.  Then they
        are not compiled here as well: the standby's compilation vouches for them (a pack that does
        not compile leaves it without a digest, and the rules are loaded here, with their error, as
        before), and a worker forked in its place compiles them itself (`workers._build_ruleset`).
        The standby is asked once, before the first compilation could start."""
        ref = self.ruleset
        if len(todo) != 1 or todo[0].missing or not self.isolate or self.project.scheduler:
            return False  # none to check (nothing to wait for), or not in a local worker
        if not _standby_compiles(self.settings):
            return False
        if not isinstance(ref, RuleSetRef) or ref.loaded:
            return False
        if self._standby_rules is None:
            standby = sys.modules.get("authcheck.batch.standby")
            said = standby.announced(asking=True, steps=self.waiting) if standby is not None else None
            self._standby_rules = said == ref.digest
        return self._standby_rules

    def _open_cache(self):
        """The result cache, or None when it is off."""
        if not self.project.cache or self.keep_letter:
            return None
        from authcheck.batch.cache import ResultCache

        return ResultCache(self.project.cache_dir)

    def _lookup(self, cache, targets: list[Target]) -> tuple[list[Result], list[Target], dict[str, tuple[str, str]]]:
        """The cached results, the targets left to check, and the cache key and content hash of each
        of those (path -> (key, sha256)) for storing its fresh result."""
        if cache is None or not cache.enabled:
            return [], targets, {}
        from authcheck.batch.cache import settings_digest

        trust = os.environ.get("AUTHCHECK_TRUST_ROOTS", "")  # changes signature findings
        self._keyed_rules = self.ruleset.digest
        rules_digest = f"{self._keyed_rules}:{trust}"
        settings_part = settings_digest(self.settings)
        keys: dict[str, tuple[str, str]] = {}
        digests = content_hashes(cache, [t.path for t in targets if not t.missing], self.settings.limits.max_bytes)
        for target in targets:
            digest = digests.get(target.path)
            if digest is not None:
                key = cache.key(
                    sha256=digest,
                    name=target.path,
                    version=code_version(),
                    rules_digest=rules_digest,
                    settings_digest=f"{settings_part}:{self.settings.kind_for(target.path)[0]}",
                    password=self.settings.password,
                )
                keys[target.path] = (key, digest)
        light = self.light and self.stored_texts and self._baseline is None and self._ignore is None
        found = cache.get_many([key for key, _ in keys.values()], light=light)
        hits, todo = [], []
        for target in targets:
            hit = found.get(keys[target.path][0]) if target.path in keys else None
            if hit is None:
                todo.append(target)
                continue
            result = hit.result if hit.result.path == target.path else replace(hit.result, path=target.path)
            self._remember(result, hit.record, hit.text)
            hits.append(result)
            del keys[target.path]
        return hits, todo, keys

    def _remember(self, result: Result, record: dict, text: str) -> None:
        """Keep the stored text of a result this run yields, when asked to (`stored_texts`)."""
        if self.stored_texts:
            self._texts[id(result)] = (result, record, text)

    def stored_text(self, result: Result) -> tuple[dict, str] | None:
        """(record, text) as the result cache stores them (`cache.stored_texts`), when `result` is the
        very object this run yielded with them; taken once (then None).  The record's path is the one
        it was stored under, which may not be `result.path` (a file of the same name elsewhere); with
        `light`, the record (and the result) may be the entry's summary: `text` is always whole."""
        entry = self._texts.pop(id(result), None)
        if entry is None or entry[0] is not result:
            return None
        return entry[1], entry[2]

    def _suppress(self, result: Result) -> Result:
        """Mark baselined and ignored findings and rescore without them."""
        if self._baseline is None and self._ignore is None:
            return result
        from authcheck.suppress.ignore import apply_suppressions

        return apply_suppressions(result, self._baseline, self._ignore, self.today, self.settings)


def _standby_compiles(settings) -> bool:
    """True when the standby's compilation stands for these settings': the built-in rules alone,
    under a memory cap no smaller than the default it compiled them under."""
    from authcheck.settings import Limits

    memory = settings.limits.memory_mb
    return not settings.rule_dirs and (memory == 0 or memory >= Limits().memory_mb)


def _prewarm(targets: list[Target]) -> None:
    """Ready what a batch's workers will need once, here, before they are forked, so every worker
    (and every replacement of one killed on a limit) starts ready for its first file: the pipeline's
    stages, and what the format table lists for the formats the files' names claim (all of them for
    a name that claims none), PDFium's library included (it starts no thread, so forking after is safe);
    not what only some files need (`pipeline.ON_DEMAND`: pypdf, rapidfuzz), which a worker imports then."""
    from authcheck.loaders.formats import prewarm

    prewarm(ahead(os.path.splitext(t.path)[1].lower() for t in targets))


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """The version plus a digest of the installed code's file sizes and times, so an edited
    checkout never reuses results computed by older code under the same version number."""
    h = sha256(__version__.encode())
    _digest_code(package_dir(), "", h)
    return h.hexdigest()


def _digest_code(folder: str, prefix: str, h) -> None:
    """Add "path:size:mtime" of each .py and .json file under `folder` to `h`, as `os.walk` would
    visit them (a folder's files by name, then its subfolders by name, __pycache__ left out).  A
    warm server computes this before every command it runs, so it is one scandir a folder."""
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    folders = []
    for entry in entries:
        if entry.is_dir():
            if entry.name != "__pycache__" and not entry.is_symlink():
                folders.append(entry)
        elif entry.name.endswith((".py", ".json")):
            st = entry.stat()
            h.update(f"{prefix}{entry.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    for entry in folders:
        _digest_code(entry.path, f"{prefix}{entry.name}{os.sep}", h)


def _timed(result: Result) -> bool:
    """True when a time budget cut the work short: such a result depends on the machine's load and
    is not cached."""
    return any((note.data or {}).get("reason") == "time" for note in result.notes)


def _as_stdin(result: Result) -> Result:
    """A result (and its letter) reported under the path "-"."""
    letter = result.letter
    if letter is not None:
        letter = replace(letter, document=replace(letter.document, path=STDIN))
    return replace(result, path=STDIN, letter=letter)


def _stdin_target(path: str | None, problem: tuple[str, str] | None) -> Target:
    return Target(STDIN, missing=True, problem=problem) if problem or path is None else Target(path, False)


def _stash_stdin(targets: Sequence[Target], limits) -> tuple[str | None, tuple[str, str] | None]:
    """Copy standard input to a private temporary file (workers read files, not our stdin): at most
    `max_bytes + 1` bytes (the worker then says `too-large`), and no longer than `timeout` seconds
    of waiting for it to end.  Returns the file and, when stdin did not end in time, the problem."""
    if not any(t.path == STDIN for t in targets):
        return None, None
    import tempfile  # ≈ 4 ms (shutil, random, bz2, lzma) that only a check of standard input needs

    data, finished = read_bounded(sys.stdin.buffer, limits.max_bytes + 1, limits.timeout)
    fd, path = tempfile.mkstemp(prefix="authcheck-stdin-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    if not finished:
        return path, ("timeout", f"standard input did not end within {limits.timeout:g} s")
    return path, None


def read_bounded(stream, limit: int, timeout: float | None) -> tuple[bytes, bool]:
    """Up to `limit` bytes of a stream, waiting at most `timeout` seconds in all (where the stream
    has a file descriptor that select() accepts); returns the bytes and whether it ended in time."""
    import select
    import time

    try:
        fd = stream.fileno()
        select.select([fd], [], [], 0)
    except (AttributeError, OSError, ValueError):
        return stream.read(limit), True
    deadline = time.monotonic() + timeout if timeout and timeout > 0 else None
    chunks: list[bytes] = []
    total = 0
    while total < limit:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return b"".join(chunks), False
        chunk = os.read(fd, min(1 << 20, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks), True
