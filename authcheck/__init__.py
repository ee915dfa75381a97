"""authcheck: is this letter from whom it claims (origin), and is it a final, signed, authorised act (authority)?

Library API (stable, documented in the README):

    check(path_or_bytes, *, name=None, settings=None) -> Result
    scan(paths, *, settings=None, jobs=None) -> iterator of Result

Heavy modules (pypdf, python-docx, rich, rapidfuzz) are imported only when needed.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__", "check", "scan"]


def check(path_or_bytes, *, name: str | None = None, settings=None):
    """Check one letter given as a path or as bytes (with an optional display `name`)."""
    from authcheck.api import check as _check

    return _check(path_or_bytes, name=name, settings=settings)


def scan(paths, *, settings=None, jobs: int | None = None, **options):
    """Check files, folders and globs; yields one Result per file as each finishes."""
    from authcheck.api import scan as _scan

    return _scan(paths, settings=settings, jobs=jobs, **options)
