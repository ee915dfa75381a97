"""The library API behind `authcheck.check` and `authcheck.scan`: the same path as the CLI.

Library, command line and workers share one path: a `Run` (batch/run.py) hands each file to
`pipeline.check_path` (batch/pipeline.py), in this process or in an isolated worker; bytes go
straight to `pipeline.check_bytes`, the function every path ends in.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from authcheck.model import Result
from authcheck.settings import Settings

if TYPE_CHECKING:
    from authcheck.batch.config import ProjectConfig
    from authcheck.engine.rulepack import RuleSet


def _ruleset(settings: Settings) -> RuleSet:
    """The built-in rules plus the settings' rule folders (loaded once per call)."""
    from authcheck.engine.rulepack import load_ruleset

    return load_ruleset(settings.rule_dirs, memory_mb=settings.limits.memory_mb)


def check(
    path_or_bytes: str | os.PathLike[str] | bytes | bytearray,
    *,
    name: str | None = None,
    settings: Settings | None = None,
    isolate: bool = False,
) -> Result:
    """Check one letter.  Bytes are checked in this process (give `name` for its extension);
    a path is checked in this process too unless `isolate=True` (a worker with the timeout and
    memory cap).  Never raises for a bad file: the Result carries a typed `error` instead.
    """
    settings = settings or Settings()
    ruleset = _ruleset(settings)
    if isinstance(path_or_bytes, (bytes, bytearray)):
        from authcheck.batch.pipeline import check_bytes

        return check_bytes(bytes(path_or_bytes), name or "<bytes>", settings, ruleset)
    from authcheck.batch.discover import Target
    from authcheck.batch.run import Run

    path = os.fspath(path_or_bytes)
    run = Run([path], _project(settings), ruleset, jobs=1, isolate=isolate, keep_letter=not isolate)
    return next(iter(run.results([Target(path, missing=not os.path.lexists(path) and path != "-")])))


def scan(
    paths: Sequence[str],
    *,
    settings: Settings | None = None,
    jobs: int | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    follow_symlinks: bool = False,
    isolate: bool = True,
) -> Iterator[Result]:
    """Check files, folders and globs; yield one Result per file as each finishes (no cache)."""
    from authcheck.batch.run import Run

    settings = settings or Settings()
    project = _project(settings, tuple(include), tuple(exclude), follow_symlinks)
    run = Run(list(paths), project, _ruleset(settings), jobs=jobs, isolate=isolate)
    yield from run.results(run.targets())


def _project(
    settings: Settings, include: tuple[str, ...] = (), exclude: tuple[str, ...] = (), follow_symlinks: bool = False
) -> ProjectConfig:
    """A run's project for the library: the given settings, no config file, no result cache."""
    from authcheck.batch.config import ProjectConfig

    return ProjectConfig(settings, include=include, exclude=exclude, cache=False, follow_symlinks=follow_symlinks)
