"""Knowledge from outside the letter: issuer registry, known-genuine exemplars, other letters of the batch.

`knowledge_for(letter, settings, ruleset)` returns the signals of keys.py for one letter (empty when
the run has no registry and no exemplars, so the rules built on them stay silent).  Registries and
exemplars are loaded once per process (`loaded(settings)`), validated in the parent first
(`prepare(settings)`: errors exit 2 before any file is checked).
"""

from __future__ import annotations

import functools
from dataclasses import replace

from authcheck.model import Signal


def active(settings) -> bool:
    """True when the run was given a registry or exemplars."""
    return bool(getattr(settings, "registry", ()) or getattr(settings, "exemplars", None))


def prepare(settings):
    """Validate the registry and exemplars now (RegistryError exits 2) and record their digest in the
    settings, so cached results are never reused for a different registry."""
    if not active(settings):
        return settings
    knowledge = loaded(tuple(settings.registry), settings.exemplars)
    return replace(settings, knowledge_digest=knowledge.digest)


def loaded(registry_paths: tuple[str, ...], exemplars: str | None):
    """The registry index and exemplar set of a run (cached per process while the files are unchanged)."""
    return _loaded(tuple(registry_paths), exemplars, _stamp(registry_paths, exemplars))


@functools.lru_cache(maxsize=2)
def _loaded(registry_paths: tuple[str, ...], exemplars: str | None, stamp: tuple):
    from authcheck.registry.knowledge import build

    return build(registry_paths, exemplars)


def _stamp(registry_paths, exemplars: str | None) -> tuple:
    """Size and modification time of the registry files, the exemplar folder and its files (cache key:
    an exemplar rewritten in place does not change its folder's time)."""
    import os

    out: list[tuple[str, int | None, int | None]] = []
    for path in [*registry_paths, *([exemplars] if exemplars else [])]:
        try:
            st = os.stat(path)
            out.append((path, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((path, None, None))
    try:
        if exemplars and os.path.isdir(exemplars):
            with os.scandir(exemplars) as entries:
                out.extend(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in entries if e.is_file()))
    except OSError:
        out.append(("unreadable", None, None))
    return tuple(out)


def knowledge_for(letter, settings, ruleset, data: bytes = b"") -> dict[str, Signal]:
    """Registry, exemplar and signature signals for one letter ({} when nothing was given);
    `data` is the file's bytes (signature images are read from it)."""
    if not active(settings):
        return {}
    from authcheck.registry.knowledge import signals

    return signals(letter, loaded(tuple(settings.registry), settings.exemplars), ruleset, data)
