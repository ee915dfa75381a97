"""Guards of the `wording` check kind: why a candidate change is not the writer's announcement.

Each guard takes the sentence context, the action match and its clause, and returns
(guard, cue words) when it drops the candidate: negation, decoy, question, condition,
hypothetical/deliberation, reported speech or a demand by others, past event, routine,
request to the reader, participle.  `first_guard` applies them in that order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authcheck.engine.checks.tense import (
    _YEAR,
    FINITE,
    PRONOUNS,
    _aux_chain,
    tense_of,
)

if TYPE_CHECKING:
    from authcheck.engine.checks.reading import _Ctx


def first_guard(ctx: _Ctx, m, clause, is_noun: bool, negation, decoy, lex):
    """The first guard that drops this candidate, as (guard, cue words), or None."""
    words = ctx.words
    if negation is not None:
        return "negation", " ".join(words[negation.lo : negation.hi])
    if decoy is not None:
        return "decoy", " ".join(words[decoy.lo : decoy.hi])
    if ctx.sent.question:
        return "question", "?"
    travel = ctx.cue_at("travel", m.lo, m.lo + 1)
    if travel is not None:
        return "decoy", " ".join(words[travel.lo : travel.hi])
    checks = (_condition, _modal, _reported, _past, _routine, _request, _participle)
    for check in checks:
        found = check(ctx, m, clause, is_noun, lex)
        if found:
            return found
    return None


def _condition(ctx: _Ctx, m, clause, is_noun, lex):
    """Inside an if/whether/unless clause, or in a clause an "if" clause governs."""
    if clause.opener in ("if", "whether", "unless") and not ctx.cue_at("pseudo", clause.lo, clause.lo + 3):
        return "condition", clause.opener
    if clause.lo == 0 and ctx.words[0] in ("should", "were", "had") and len(ctx.sent.clauses) > 1:
        return "condition", ctx.words[0]
    for other in ctx.sent.clauses:
        if other is clause or other.group != clause.group:
            continue
        cond = other.opener == "if" or (other.lo == 0 and ctx.words[0] in ("should", "were", "had"))
        if (
            cond
            and not _default_condition(ctx, other)
            and not ctx.cue_at("pseudo", other.lo, other.lo + 3)
            and not (other.lo > 0 and ctx.words[other.lo - 1] == "even")
        ):
            return "condition", ctx.words[other.lo]
    return None


def _default_condition(ctx: _Ctx, clause) -> bool:
    """ "If no objection is received": a negated condition on the reader's reply leaves the action standing."""
    return bool(ctx.cue_at("negation", clause.lo, clause.hi) and ctx.cue_at("default", clause.lo, clause.hi))


PROPOSE = {"propose", "proposes", "proposed"}


def _modal(ctx: _Ctx, m, clause, is_noun, lex):
    """A hypothetical or deliberative cue in the clause: before a verb, anywhere around a noun
    (not when the action stands unless the reader objects: "we propose to end it unless you object")."""
    if any(c.opener == "unless" and ctx.cue_at("default", c.lo, c.hi) for c in ctx.sent.clauses):
        return None
    undecided = ctx.cue_at("undecided", 0, len(ctx.words))
    if undecided is not None:  # "..., but nothing has been decided": the whole sentence is undecided
        return "deliberation", " ".join(ctx.words[undecided.lo : undecided.hi])
    hi = clause.hi if is_noun else m.lo
    dated = ctx.cue_at("hereby", 0, len(ctx.words)) is not None
    for name in ("hypothetical", "deliberation"):
        for cue in ctx.cues.get(name, ()):
            if not clause.lo <= cue.lo < hi or (dated and ctx.words[cue.lo] in PROPOSE):
                continue  # "proposes to withdraw ... with effect from 1 January": a proposal with its date set
            return name, " ".join(ctx.words[cue.lo : cue.hi])
    return None


def _reported(ctx: _Ctx, m, clause, is_noun, lex):
    """Reported speech or a demand by someone other than the writer, governing this action."""
    for name in ("reporting", "reporting_nouns", "demand", "demand_nouns"):
        for cue in ctx.cues.get(name, ()):
            cue_clause = ctx.sent.clause_of(cue.lo)
            governs = (cue.lo < m.lo and cue_clause.group == clause.group) or _trailing(ctx, cue_clause)
            if not governs or _framing(ctx, cue, cue_clause, lex) or _own(ctx, cue, cue_clause):
                continue
            return ("reported" if name.startswith("reporting") else "demand"), " ".join(ctx.words[cue.lo : cue.hi])
    return None


def _trailing(ctx: _Ctx, clause) -> bool:
    """ "..., residents ask.": a short reporting clause closing the sentence governs all of it."""
    return clause is ctx.sent.clauses[-1] and clause.hi - clause.lo <= 5 and clause.lo > 0


def _framing(ctx: _Ctx, cue, clause, lex) -> bool:
    """ "As requested by Parliament, ...": the writer acts in answer to a request, it does not report one."""
    if clause.opener == "as" or (cue.lo > 0 and ctx.words[cue.lo - 1] == "as"):
        return True
    return ctx.cue_at("framing", max(clause.lo, cue.lo - 3), cue.lo) is not None


def _own(ctx: _Ctx, cue, clause) -> bool:
    """The writer is the one reporting or requesting ("we asked", "our request")."""
    words = ctx.words
    if cue.entry.name.endswith("_nouns"):
        before = words[max(0, cue.lo - 2) : cue.lo]
        return any(w in ("our", "my") for w in before)
    before = words[clause.lo : cue.lo]
    if (
        words[cue.lo] in ("voted", "votes", "vote")
        and ctx.cue_at("deciding_bodies", clause.lo, cue.lo)
        and not any(w in ("your", "their", "his", "her") for w in before)
    ):
        return True  # "the Council voted this morning to end ...": the writer's side deciding
    passive = any(w in ("were", "was", "been") for w in before)
    return any(w in ("i", "we") for w in before) and not passive


def _past(ctx: _Ctx, m, clause, is_noun, lex):
    """A past event, not an announcement; unless recent, or the writer's own act ("I ordered")."""
    tense = tense_of(ctx, m, clause)
    if tense not in ("past", "perfect"):
        return None
    distant = ctx.cue_at("past_time", 0, len(ctx.words))
    if tense == "perfect":
        return ("past", " ".join(ctx.words[distant.lo : distant.hi])) if distant else None
    year = next((w for w in ctx.words if _YEAR.match(w) or w.startswith("then-")), None)
    if distant or year:
        return "past", year or " ".join(ctx.words[distant.lo : distant.hi])
    if ctx.cue_at("recent_time", 0, len(ctx.words)) or ctx.cue_at("decision", 0, m.lo):
        return None  # "the Board this morning resolved...", "the Cabinet decided to close..."
    if any(w in ("i", "we") for w in ctx.words[: m.lo]):
        return None  # "I ordered", "we suspended the payments": the writer's own act, just done
    return "past", "past tense"


def _routine(ctx: _Ctx, m, clause, is_noun, lex):
    """A scheduled, routine ending ("as foreseen in the grant agreement")."""
    cue = ctx.cue_at("routine", 0, len(ctx.words))
    return ("routine", " ".join(ctx.words[cue.lo : cue.hi])) if cue else None


def _request(ctx: _Ctx, m, clause, is_noun, lex):
    """ "Please cancel ...": a request to the reader, not an announcement."""
    if (
        m.entry.form == "base"
        and any(w in ("please", "kindly") for w in ctx.words[clause.lo : m.lo])
        and not _aux_chain(ctx.words, m.lo, clause.lo)
    ):
        return "request", "please"
    return None


MAIN_VERBS = FINITE | {"continue", "continues", "remain"}  #: a clause with one has its main verb


def _participle(ctx: _Ctx, m, clause, is_noun, lex):
    """ "forces deployed in the region": a participle describing a noun, not an act."""
    if m.entry.form not in ("ed", "pp") or m.lo == 0:
        return None
    if _aux_chain(ctx.words, m.lo, clause.lo):
        return None
    prev = ctx.words[m.lo - 1]
    if prev in PRONOUNS or ctx.words[clause.lo] in ("that",):
        return None
    if not any(w in MAIN_VERBS for w in ctx.words[clause.lo : clause.hi]):
        return None  # "The Embassy suspended operations on 31 August": the clause's main verb
    return "participle", prev + " " + ctx.words[m.lo]
