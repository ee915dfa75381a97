"""The library API behind `authcheck.check` and `authcheck.scan`: the same pipeline as the CLI."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from authcheck.model import Result
from authcheck.settings import Settings

if TYPE_CHECKING:
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
    a path is checked in this process too unless `isolate=True` (worker with timeout and memory cap).
    Never raises for a bad file: the Result carries a typed `error` instead.
    """
    settings = settings or Settings()
    ruleset = _ruleset(settings)
    if isinstance(path_or_bytes, (bytes, bytearray)):
        from authcheck.batch.pipeline import check_bytes

        return check_bytes(bytes(path_or_bytes), name or "<bytes>", settings, ruleset)
    path = os.fspath(path_or_bytes)
    if isolate:
        from authcheck.batch.discover import Target
        from authcheck.batch.pool import scan as run_scan

        return next(iter(run_scan([Target(path, not os.path.exists(path))], settings, ruleset, jobs=1)))
    from authcheck.batch.pipeline import check_path

    return check_path(path, settings, ruleset)


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
    from authcheck.batch.config import ProjectConfig
    from authcheck.batch.run import Run

    settings = settings or Settings()
    project = ProjectConfig(
        settings, include=tuple(include), exclude=tuple(exclude), cache=False, follow_symlinks=follow_symlinks
    )
    run = Run(list(paths), project, _ruleset(settings), jobs=jobs, isolate=isolate)
    yield from run.results(run.targets())


def sha256_of(data: bytes) -> str:
    """The content hash used in records and fingerprints."""
    return hashlib.sha256(data).hexdigest()
