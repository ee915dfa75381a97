"""A run's rule set, loaded only when something needs its rules.

A re-scan whose every file is served from the result cache needs only the rule pack's digest (part
of every cache key), and that comes from the rule files alone (`rulefiles.read_digests`: from the rule
index while the files are as they were, else read); parsing
and compiling the rules, and importing the engine's check kinds, wait for the first use of `rules`,
`get` or `load()`.  A pack whose files cannot be read is loaded at once, so its error is the one a
load gives, where it always came.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authcheck.engine.rulefiles import Pack, read_digests
from authcheck.errors import RuleError

if TYPE_CHECKING:
    from authcheck.engine.rulepack import Rule, RuleSet


class RuleSetRef:
    """Stands in for the `RuleSet` that `rulepack.ruleset_for(settings)` gives."""

    def __init__(self, settings) -> None:
        self._settings = settings
        self._loaded: RuleSet | None = None
        self._read: Pack | None = None  #: the files, and the texts or digests, the digest was made of
        try:
            self._read = read_digests(settings.rule_dirs)
            self._digest = self._read.digest
        except RuleError:
            self._digest = self.load().digest

    @property
    def loaded(self) -> bool:
        """True once the rules have been parsed and compiled."""
        return self._loaded is not None

    @property
    def digest(self) -> str:
        """The digest of the rule files (the loaded set's once loaded: they can only differ when a
        file changed in between, and then the loaded one is what ran)."""
        return self._digest if self._loaded is None else self._loaded.digest

    def load(self) -> RuleSet:
        """The rule set, parsed and compiled on first call (RuleError as `ruleset_for` raises it)."""
        if self._loaded is None:
            from authcheck.engine.rulepack import ruleset_for

            self._loaded = ruleset_for(self._settings, read=self._read)  # the texts the digest was made of
            self._read = None
        return self._loaded

    @property
    def rules(self) -> list[Rule]:
        """Every rule, in a stable order (loads the set)."""
        return self.load().rules

    @property
    def sources(self) -> tuple[str, ...]:
        """The rule files (loads the set)."""
        return self.load().sources

    def get(self, rule_id: str) -> Rule | None:
        """The rule with this id, or None (loads the set)."""
        return self.load().get(rule_id)


def loaded(ruleset):
    """The RuleSet itself: a `RuleSetRef` loaded (RuleError on a bad pack), anything else as it is."""
    return ruleset.load() if isinstance(ruleset, RuleSetRef) else ruleset


def compiled_for(settings):
    """`rulepack.ruleset_for(settings)`, imported when first called: the scan's rule factory for
    workers that compile their own rules, which a command that never calls it does not import."""
    from authcheck.engine.rulepack import ruleset_for

    return ruleset_for(settings)
