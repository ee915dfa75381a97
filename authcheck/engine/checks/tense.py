"""Tense for the `wording` check kind: from an action's form and the auxiliaries around it.

future | present | perfect | past, read from the auxiliary chain right before a verb ("will be",
"has been", "were"), else from the nearest finite verb in the clause, then in the sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authcheck.util.patterns import compiled

if TYPE_CHECKING:
    from authcheck.engine.checks.reading import _Ctx

AUX_FUTURE = {"will", "shall", "'ll", "wo"}
AUX_PRESENT = {"is", "are", "am", "be", "being", "'s", "'re", "remains", "stands"}
AUX_PERFECT = {"has", "have", "'ve"}
AUX_PAST = {"was", "were", "had", "did"}
ADVERBS = {
    "not",
    "n't",
    "never",
    "also",
    "now",
    "then",
    "hereby",
    "immediately",
    "formally",
    "already",
    "gradually",
    "fully",
    "today",
    "just",
    "therefore",
    "be",
    "been",
    "being",
    "to",
    "all",
    "further",
    "soon",
    "shortly",
    "temporarily",
    "permanently",
    "progressively",
    "finally",
    "no",
    "longer",
    "officially",
    "effectively",
    "deemed",
    "hereafter",
    "henceforth",
}
AUXILIARIES = AUX_FUTURE | AUX_PRESENT | AUX_PERFECT | AUX_PAST  #: built once, not on every lookup
MODALS = {"would", "could", "should", "may", "might", "must", "can"}
FINITE = AUXILIARIES | MODALS  #: a finite verb or auxiliary
PRONOUNS = {"i", "we", "he", "she", "they", "it", "who", "which", "that"}
DETERMINERS = {"the", "a", "an", "its", "their", "our", "your", "his", "her", "this", "that", "these", "those", "my"}
IRREGULAR_PAST = {
    "left",
    "began",
    "took",
    "made",
    "went",
    "came",
    "drew",
    "withdrew",
    "sent",
    "froze",
    "held",
    "met",
    "saw",
    "gave",
    "brought",
    "fought",
    "lost",
    "won",
    "ran",
    "rose",
    "fell",
    "became",
    "stood",
    "kept",
}
_YEAR = compiled(r"^(?:19|20)\d\d(?:s|'s)?$")


def _aux_chain(words: list, i: int, lo: int) -> list:
    """Auxiliaries directly before token i (skipping adverbs)."""
    out = []
    j = i - 1
    while j >= lo and (words[j] in ADVERBS or words[j] in FINITE):
        if words[j] not in ADVERBS or words[j] in ("be", "been", "being"):
            out.append(words[j])
        j -= 1
    return out


def tense_of(ctx: _Ctx, m, clause) -> str:
    """future | present | perfect | past for one action, from its form and the auxiliaries around it."""
    words, form = ctx.words, m.entry.form
    chain = _aux_chain(words, m.lo, clause.lo)
    if chain:
        return _tense_from_chain(chain)
    if form in ("past", "ed", "pp"):
        return "past"  # no auxiliary: a simple past ("the administration imposed tariffs")
    return _finite_tense(ctx, m.lo, clause)


def _tense_from_chain(chain: list) -> str:
    """The tense an auxiliary chain gives ("will be", "has been", "were")."""
    if any(w in AUX_FUTURE for w in chain):
        return "future"
    if any(w in AUX_PERFECT for w in chain):
        return "perfect"
    if any(w in AUX_PAST for w in chain):
        return "past"
    return "present"


def _finite_tense(ctx: _Ctx, i: int, clause) -> str:
    """The tense of the nearest finite verb: back through the clause, forward, then the nearest in the sentence."""
    words = ctx.words
    order = list(range(i - 1, clause.lo - 1, -1)) + list(range(i + 1, clause.hi))
    order += sorted((j for j in range(len(words)) if not clause.lo <= j < clause.hi), key=lambda j: abs(j - i))
    for j in order:
        w = words[j]
        if w in AUX_FUTURE:
            return "future"
        if w in AUX_PERFECT:
            return "perfect"
        if w in AUX_PAST or w in IRREGULAR_PAST:
            return "past"
        if w in AUX_PRESENT or w in ("begins", "begin", "takes", "constitutes", "serves"):
            return "present"
        if j != i and w.endswith("ed") and len(w) > 4 and j > 0 and words[j - 1] not in DETERMINERS:
            chain = [x for x in words[max(0, j - 3) : j] if x in AUXILIARIES]
            return _tense_from_chain(chain) if chain else "past"
    return "present"
