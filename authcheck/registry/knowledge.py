"""A run's outside knowledge built once: registry index plus exemplars; and the signals for one letter."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from authcheck.engine.registrykeys import KEYS
from authcheck.model import Signal

if TYPE_CHECKING:
    from authcheck.registry.exemplars import ExemplarSet
    from authcheck.registry.index import RegistryIndex


@dataclass
class Knowledge:
    """The registry index (None without a registry) and the exemplar set (None without exemplars)."""

    index: RegistryIndex | None
    exemplars: ExemplarSet | None
    digest: str


def build(registry_paths: tuple[str, ...], exemplar_dir: str | None) -> Knowledge:
    """Load and index the registries, then the exemplar folders (the run's and each organisation's)."""
    from authcheck.registry.index import RegistryIndex
    from authcheck.registry.load import load_registries

    index = RegistryIndex(load_registries(registry_paths)) if registry_paths else None
    folders = ([exemplar_dir] if exemplar_dir else []) + (
        [(o.exemplars, o.id) for o in index.registry.organisations if o.exemplars] if index else []
    )
    exemplars = None
    if folders:
        from authcheck.registry.exemplars import load_exemplars

        exemplars = load_exemplars(folders, index)
    digest = hashlib.sha256()
    digest.update((index.registry.digest if index else "").encode())
    digest.update((exemplars.digest if exemplars else "").encode())
    return Knowledge(index, exemplars, digest.hexdigest())


def signals(letter, knowledge: Knowledge, ruleset, data: bytes = b"") -> dict[str, Signal]:
    """Every knowledge signal for one letter (plus the private "batch" fingerprint for the batch pass)."""
    from authcheck.registry.actions import action_classes
    from authcheck.registry.fingerprint import fingerprint

    out = {key: Signal(None) for key in KEYS}
    out["registry.given"] = Signal(True)
    if knowledge.index is not None:
        from authcheck.registry.facts import registry_signals

        out.update(registry_signals(letter, knowledge.index, lambda: action_classes(letter, ruleset)))
    if knowledge.exemplars is not None:
        from authcheck.registry.exemplars import exemplar_signals

        out.update(exemplar_signals(letter, knowledge.exemplars, out))
    print_ = fingerprint(letter, data, out)
    out.update(signature_signals(print_, knowledge))
    out["_batch"] = Signal(print_)
    return out


def signature_signals(print_: dict, knowledge: Knowledge) -> dict[str, Signal]:
    """Signature images matching a registry person's or an exemplar's image, and template reuse."""
    from authcheck.registry.compare import against_known

    return against_known(print_, knowledge)
