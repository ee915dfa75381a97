"""The `wording` check kind: clauses, each guard, reasons, the rule's YAML, and whole letters in every format."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import authcheck
from authcheck.engine.checks.base import Segment
from authcheck.engine.checks.clauses import sentences, tokenize
from authcheck.engine.checks.reading import analyse
from authcheck.engine.rulepack import compile_rule, load_ruleset, parse_yaml
from authcheck.errors import RuleError
from authcheck.reporters.jsonout import render_json
from tools.docgen import LetterSpec, letter_docx, letter_pdf

RULE = load_ruleset().get("wording.policy-change")
LEX = RULE.patterns["change"].matcher.lexicon


def clauses(text: str) -> list[str]:
    """The clauses of the first sentence, as lowercase text."""
    sent = sentences(text, tokenize(text))[0]
    return [" ".join(t.low for t in sent.tokens[c.lo : c.hi]) for c in sent.clauses]


def kept(text: str) -> list:
    return [c for c in analyse(text, LEX) if c.dropped is None]


def dropped_by(text: str) -> set[str]:
    """The guards that dropped candidates, when nothing was kept."""
    found = analyse(text, LEX)
    assert found and not [c for c in found if c.dropped is None], found
    return {c.dropped for c in found}


# --- clauses ---------------------------------------------------------------------------------


def test_clauses_split_at_contrast_words_and_commas():
    assert clauses("No decision has been made on the embassy, but our forces will depart on Friday.") == [
        "no decision has been made on the embassy",
        "but our forces will depart on friday",
    ]


def test_a_subordinator_opens_a_clause_without_a_comma():
    assert clauses("The ambassador enquired if troops might leave.") == [
        "the ambassador enquired",
        "if troops might leave",
    ]


def test_a_clause_hanging_on_an_auxiliary_is_joined_across_a_parenthesis():
    assert clauses("The Government could, in principle, withdraw from the treaty.") == [
        "the government could , in principle , withdraw from the treaty"
    ]


def test_may_the_month_does_not_hang_a_clause():
    assert clauses("Unless you object by 10 May, forces will depart.") == [
        "unless you object by 10 may",
        "forces will depart",
    ]


def test_sentences_do_not_end_at_abbreviations():
    text = "On this date Lt. Bush was suspended from flight status. He left."
    assert len(sentences(text, tokenize(text))) == 2


@pytest.mark.parametrize(
    "text",
    [
        "We will withdraw the 1,000 troops at 10:30 -- or 10.30 -- (not later).",
        "a_b _withdraw_ x__y end-of-year won't ’s it's Mr. O'Neil's",
        '1,0001 10:305 1,000.5.6 ---- —–- ,, ;; "“quoted”" e.g. U.S.',
        "The Embassy’s forces will withdraw — ﬁnally — from Iraq’s bases, ünïcödé.",
        "",
        "   ",
    ],
)
def test_tokens_are_the_regex_matches(text):
    """`tokenize` places each word by finding it in the text (ASCII) or from the match (otherwise): either way the
    tokens are exactly the token pattern's matches, with or without the words given."""
    from authcheck.engine.checks.clauses import _TOKEN, words_of

    expected = [
        (m.group().lower().replace("’", "'"), m.start(), m.end(), m.group()[:1].isupper())
        for m in _TOKEN.finditer(text)
    ]
    assert [tuple(t) for t in tokenize(text)] == expected
    assert [tuple(t) for t in tokenize(text, words_of(text))] == expected


# --- guards ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, guard",
    [
        ("No decision has been made to leave Iraq.", "negation"),
        ("We will neither reduce nor relocate our forces.", "negation"),
        ("Rather than withdrawing our forces, we will stay.", "negation"),
        ("If asked, we would withdraw our forces.", "condition"),
        ("The Ministry is considering suspending the agreement.", "deliberation"),
        ("We may reduce our contribution.", "hypothetical"),
        ("Will the coalition withdraw its forces?", "question"),
        ("Critics argue that the programme will be cancelled.", "reported"),
        ("The assembly passed a motion calling for their exit.", "demand"),
        ("In 2011 forces withdrew from the country.", "past"),
        ("Please withdraw funds from the petty cash account.", "decoy"),
        ("The software deployment to the servers is on Saturday.", "decoy"),
        ("The project ends, as foreseen in the grant agreement, on 30 June.", "routine"),
        ("Kindly cancel the contract for the cleaning service.", "request"),
    ],
)
def test_each_guard_drops_its_case(text, guard):
    assert guard in dropped_by(text)


@pytest.mark.parametrize(
    "text",
    [
        "We will not remain beyond 31 March.",
        "Personnel will no longer be stationed at the airbase.",
        "The Ministry will not renew the memorandum of understanding.",
        "Unless you object, forces will depart the base.",
        "If no objection is received within thirty days, the agreement will be terminated.",
        "The Board has this morning resolved to end the arrangement.",
        "On this date I ordered that the squadron be suspended from flight status.",
        "The closure of the consulate is hereby directed.",
        "We will stop paying for the liaison office.",
        "As requested by the Iraqi Parliament, CJTF-OIR will be repositioning forces.",
    ],
)
def test_changes_survive_the_guards(text):
    assert kept(text)


def test_an_object_the_lexicon_does_not_know_counts_only_in_a_firm_announcement():
    (cand,) = kept("We intend to relocate the national archive to Tartu.")
    assert cand.reason["object"] == "archive" and cand.score == 0.6
    assert not kept("The archive is relocated to Tartu.")


def test_routine_closures_and_third_party_past_acts_are_not_announcements():
    assert not kept("The museum will close the east wing for renovation in August.")
    assert not kept("The Authority has decided to close the fishing port for cleaning on Friday.")
    assert "past" in dropped_by("Our contingent left the area after the ceasefire.")


@pytest.mark.parametrize(
    "text, changes",
    [
        ("Our troops will not be in the country after 31 March.", True),
        ("Our troops will not be in the capital for the parade.", False),
        ("We will not provide the overflight clearances from January.", True),
        ("We will no longer accept paper invoices from suppliers.", False),
        ("No further payments will be made under the grant.", True),
        ("There will be no change to the current arrangements.", False),
    ],
)
def test_limited_continuations_need_a_limit_and_cessation_yields_to_actions(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        ("We propose to end the arrangement on 30 June unless you object.", True),
        ("The Ministry has resolved to discontinue the bilateral training courses.", True),
        ("Staff wishing to withdraw from the language course should inform HR.", False),
        ("Our team will bring the documents back to the office.", False),
        ("We expect to bring the last of our trainers home by September.", True),
        ("The agreement shall be deemed terminated on 31 December.", True),
    ],
)
def test_proposals_that_stand_unless_objected_gaps_and_deemed(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # presence ends without a trigger word; the same words as history or a holiday are not a change
        ("Our trainers will be home by Christmas.", True),
        ("Our trainers were home by Christmas in 2019.", False),
        ("Our staff will be home by six on Friday for the public holiday.", False),
        # moving where a commitment operates from, and who runs it
        ("The embassy will operate from Amman from Monday.", True),
        ("Local media report that the embassy will operate from Amman from Monday.", False),
        ("The office will operate from the ground floor while the lifts are repaired.", False),
        ("Our team will be home by Friday after the workshop in Geneva.", False),
        ("The embassy will close during the reception on Friday afternoon.", False),
        # "the last one" in the future; a last meeting is routine
        ("The grant will be the last one the Foundation makes to the institute.", True),
        ("This will be the last meeting of the steering group before the summer break.", False),
        # a possessive is read as its noun
        ("The mission's doors close for good on 30 September.", True),
        ("The station's gates closed for good in 1994.", False),
        ("The Agency's support for the refugee camp finishes at the end of the year.", True),
        ("The patrol finishes at 18:00 each day.", False),
        ("The school's summer term finishes on 20 July.", False),
        ("The consulate will be folded into the embassy's consular section next year.", True),
    ],
)
def test_paraphrases_of_presence_place_and_last_payments(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # "no longer" before any verb stops whatever commitment the verb acts on
        ("We will no longer require the use of the port.", True),
        ("We might no longer require the use of the port if the new terminal opens.", False),
        ("From next month the Ministry will not pay the rent on the liaison flat.", True),
        ("The Foundation will not make further payments under the grant.", True),
        # no more of a stopping is no change: "there will be no withdrawal", "no more cuts"
        ("There will be no withdrawal of forces.", False),
        ("There will be no more cuts to the aid budget.", False),
        ("There will be no further deployments of our troops to the region.", True),
    ],
)
def test_no_longer_any_commitment_and_no_more_of_an_ending(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # a body of the writer's side voting is a decision; others' votes are demands
        ("The council voted this morning to end the twinning arrangement.", True),
        ("The trustees voted last night to stop funding the observatory.", True),
        ("The Iraqi parliament voted yesterday to expel foreign troops.", False),
        ("Your council voted last week to end the twinning arrangement.", False),
        ("In 2016 the trustees voted to stop funding the observatory.", False),
        # a decoy that is a circumstance (at a meeting) or the complement of a commitment is not what acts
        ("The Board resolved at its meeting yesterday to close the regional office.", True),
        ("Our participation in the exercise has been cancelled.", True),
        ("Our participation in the conference has been cancelled because of the strike.", False),
        # getting ready to is intent, ready to alone is readiness
        ("The Agency is getting ready to wind down its operations in the valley.", True),
        ("We stand ready to wind down our operations in the valley if asked.", False),
    ],
)
def test_votes_by_own_bodies_circumstantial_decoys_and_getting_ready(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # selling a stake ends a commitment; a sale of tickets does not
        ("The Council has just approved the sale of our stake in the joint venture.", True),
        ("The sale of tickets for the reception has been approved.", False),
        # a limited continuation of a port call
        ("Our ships will not call at the port of Tartus after this month.", True),
        ("Our ships stopped calling at the port of Tartus in 2013.", False),
        # "nothing has been decided" covers the whole sentence; a specific non-decision does not
        ("We see no reason at present to keep our advisers in the district, but nothing has been decided.", False),
        ("No decision has been made on the embassy, but our forces will depart on Friday.", True),
        # a press embargo is not a measure
        ("The embargo on spare parts shall be lifted as of 1 May.", True),
        ("The embargo on press statements is lifted at 10:00.", False),
    ],
)
def test_divesting_port_calls_undecided_sentences_and_press_embargoes(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # a proposal whose date is set is intent; a bare proposal, or one to discuss, is deliberation
        ("My Government proposes to withdraw its reservation to Article 9 with effect from 1 January.", True),
        ("We propose to close the office.", False),
        ("We propose to discuss a reduction of our contribution with effect from next year.", False),
        ("We will withdraw our reservation for the hotel in Geneva.", False),
    ],
)
def test_a_dated_proposal_is_intent(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # the other side telling us of its own change is reported, not announced
        ("Your Government has informed us that it will no longer require the use of our port.", False),
        ("We will no longer require the use of your port.", True),
        # a weekly schedule is routine; a dated departure at the weekend is not
        ("The office will no longer open on Saturdays during August.", False),
        ("The last convoy of our troops leaves the base at the weekend.", True),
    ],
)
def test_others_informing_us_and_weekly_schedules(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # a commitment that will not survive or outlast something ends; surviving it is no change
        ("The housing subsidy will not outlast the coming spending round.", True),
        ("The housing subsidy will survive the coming spending round.", False),
        # "for the last time" ends what it is said of; a force's tour is its presence, a visitor's tour is a trip
        ("Our frigates will put in at Souda Bay for the last time in May.", True),
        ("Our battalion's tour in the east will be its final one.", True),
        ("The delegation's tour of the museum will be its final one.", False),
        # run by another body, working out of another office: a hand-over or a move
        ("The demining programme will be run by the national authority from 1 May.", True),
        # a facility closing after or for an event pauses; a force leaving after it still leaves
        ("The trade office will close after the award ceremony on Friday.", False),
        ("Our advisers will depart after the award ceremony on Friday.", True),
        ("Overtime for the cashiers is suspended for the duration of the stocktake.", False),
        # cosmetic upkeep that stops is routine; funding that stops is not
        ("The mission's gates will no longer be repainted each spring.", False),
        ("We will no longer support the choir financially.", True),
    ],
)
def test_survival_last_times_hand_overs_and_bounded_pauses(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # premises closed for a short, bounded time pause; without a bound, or for the rest of a term, they close
        ("The consulate will be closed on Monday for the Queen's birthday.", False),
        ("The chancery will shut until the new wiring is in.", False),
        ("The visa office will be closed while the lobby is rebuilt.", False),
        ("The consulate will be closed until further notice.", True),
        ("We will close the liaison office for the remaining months of the mandate.", True),
        # a port or crossing closed for a day is a measure on access, not a pause
        ("The port will close to all traffic for three days.", True),
        # equipment out of service is no departure; forces out of a country are
        ("The lifts at the residence will be out of service until Monday.", False),
        ("Our trainers will be out of the country by May.", True),
    ],
)
def test_bounded_closures_of_premises_are_pauses(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # only money runs out as a commitment; stock running out is housekeeping
        ("The grant money will run out in June and will not be topped up.", True),
        ("Our supply of visa stickers will run out in June.", False),
        # premises or access barred to others; a room barred during an inspection is not a measure on access
        ("From Monday the airfield will be off limits to your aircraft.", True),
        ("The officers' mess will be off limits during the inspection.", False),
        # a force packing up or on its way out leaves; a share dropping to less is a cut
        ("The training mission is packing up.", True),
        ("Our observers will be on their way out by the spring.", True),
        ("Our share of the running costs drops to a third next year.", True),
        ("Canteen prices will drop to last year's level.", False),
        # a final port call ends a naval presence; the liaison officers recalled leave
        ("The destroyer will make its final port call at Split in June.", True),
        ("The liaison officers will be recalled to the capital next month.", True),
        # our permission needed is a new obligation; a parent's permission for a trip is not ours
        ("From May your trawlers will need our permission to fish in the bay.", True),
        ("Pupils will need permission from their parents for the trip.", False),
    ],
)
def test_running_out_barring_packing_up_and_permission(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # a decoy heading the clause acts, whatever follows it ("for embassy staff", "the staff bus")
        ("Canteen prices for embassy staff will drop to last year's level.", False),
        ("The staff bus to the base will be withdrawn while the road is resurfaced.", False),
        ("Our staff will leave the base for good on Friday.", True),
        # telephone lines, daily hours, watering and a pause for a visit are routine
        ("The consulate's telephone line will close at 16:00 on Friday.", False),
        ("The clinic will stop taking walk-in patients at 17:00 each day.", False),
        ("The residence lawn will no longer be watered during the drought.", False),
        ("Deliveries to the compound will be suspended during the visit of the minister.", False),
    ],
)
def test_leading_decoys_and_daily_routines(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # idioms of ending and halving said of a commitment, not of a thing
        ("The liaison office will be a thing of the past by next spring.", True),
        ("Fax machines will be a thing of the past by next spring.", False),
        ("We are bringing the curtain down on our presence in the valley.", True),
        ("The battalion will be half its present strength by the autumn.", True),
        ("The queue will be half its present length by noon.", False),
        ("This year's cheque will be the last the Trust sends to the hospice.", True),
        ("The new cheque book will be the last one printed on old paper.", False),
    ],
)
def test_idioms_of_ending_and_halving(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # an active verb with its own object acts on that object, not on its subject
        ("The mission will move its archive boxes to the basement next week.", False),
        ("The consulate will stop issuing paper receipts from 1 March.", False),
        ("The consulate will stop issuing visas from 1 March.", True),
        ("The embassy will withdraw its invitation list for the reception.", False),
        # what follows leave or evacuate is a place; an office closing its doors closes; a tie with a counterpart counts
        ("The battalion will leave the valley by June.", True),
        ("The contingent will evacuate the village.", True),
        ("Our regional office will close its doors on 31 May.", True),
        ("The regiment will terminate its exchange with your academy.", True),
    ],
)
def test_an_active_verb_acts_on_its_own_object(text, changes):
    assert bool(kept(text)) is changes


def test_the_other_object_is_named_as_the_decoy():
    found = analyse("The mission will move its archive boxes to the basement next week.", LEX)
    assert [(c.dropped, c.cue) for c in found] == [("decoy", "boxes")]


@pytest.mark.parametrize(
    "text, changes",
    [
        # disestablishing a unit; the same words dated are history
        ("Pursuant to the Minister's instruction, the liaison cell at Incirlik is disestablished.", True),
        ("The liaison cell at Incirlik was disestablished in 2003.", False),
        # the return of a commitment home, approved; the return of library books is routine
        ("Approval has been given for the return of the field hospital to its home base.", True),
        ("Approval has been given for the return of the library books by Friday.", False),
        # a decision taken at a session, however the session is described
        ("The Council decided at this afternoon's extraordinary session to leave the regional body.", True),
        ("The Council will leave the regional body's session early on Friday.", False),
    ],
)
def test_disestablishing_returns_and_decisions_at_a_session(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # a commitment word that only qualifies another noun is not the object ("inspection team")
        ("The inspection team will arrive on 14 March and will need access to the loading bays for two days.", False),
        ("From Monday your nationals will need a visa to enter the country.", True),
    ],
)
def test_a_noun_modifier_is_not_the_object(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # "make" continues only payments and contributions; not making a trip is travel
        ("The Foundation will not make further payments under the grant.", True),
        ("Our staff will not make the trip to Geneva because of the strike.", False),
        # "be the last X": X is what is last
        ("The company's annual party will be the last event of the year.", False),
        ("This instalment will be the last payment under the grant.", True),
    ],
)
def test_make_payments_and_what_is_last(text, changes):
    assert bool(kept(text)) is changes


@pytest.mark.parametrize(
    "text, changes",
    [
        # a move to a floor or a room is housekeeping; to another city it is a change
        ("The embassy's library will operate from the ground floor next week.", False),
        ("The visa section's waiting area will be moved to the annex during the renovation.", False),
        ("The embassy will operate from Amman from Monday.", True),
        # after the action, a possessive names the owner of what is acted on, not the object
        ("The sale of the embassy's old cars will be held on Friday.", False),
        ("The sale of the embassy in Oslo has been approved.", True),
        # fire exits are not exits
        ("The office's fire exits will be closed for inspection on Monday.", False),
    ],
)
def test_moves_inside_the_house_possessive_owners_and_fire_exits(text, changes):
    assert bool(kept(text)) is changes


def test_a_negation_in_one_clause_does_not_silence_the_next():
    found = analyse("We cannot comment on other units, but the 3rd Brigade is leaving the theatre.", LEX)
    assert [c.reason["action"] for c in found if c.dropped is None] == ["depart"]


def test_the_reason_names_action_object_tense_modality_and_actor():
    (cand,) = kept("The Government has decided to withdraw its forces from the region.")
    assert cand.reason["action"] == "withdraw" and cand.reason["object"] == "forces"
    assert cand.reason["modality"] == "decided" and cand.reason["tense"] == "perfect"
    assert cand.reason["polarity"] == "affirmed"
    (double,) = kept("We will not remain beyond 31 March.")
    assert double.reason["polarity"] == "double negation" and double.reason["actor"] == "writer"


def test_odd_characters_do_not_break_the_analysis():
    assert analyse("\u200b\u202e forces \ufeff will\u00ad withdraw \U0001f600 ;;; ,,, ??", LEX) is not None
    assert analyse("", LEX) == []


def test_hostile_text_is_judged_within_a_budget():
    from authcheck.engine.checks.reading import MAX_ACTIONS

    assert len(analyse("we will withdraw our forces " * 5000, LEX)) == MAX_ACTIONS
    sents = sentences("withdraw " * 1000, tokenize("withdraw " * 1000))
    assert len(sents) > 1 and max(len(s.tokens) for s in sents) <= 80  # no run-on "sentence" of 1000 words


def test_a_sentence_repeated_in_a_document_reads_the_same_and_still_counts_against_the_budget(monkeypatch):
    from authcheck.engine.checks import wording

    matcher = RULE.patterns["change"].matcher
    segs = [Segment("We will withdraw our forces and close the embassy.", "body", line=n) for n in range(1, 6)]
    once = [(h.start, h.end, h.reason, h.dropped) for h in matcher.hits(segs[:1], None)]
    assert [h.reason["action"] for h in matcher.hits(segs[:1], None)] == ["withdraw", "end"]
    hits = matcher.hits(segs, None)
    assert [(h.start, h.end, h.reason, h.dropped) for h in hits] == once * 5
    assert [h.segment.line for h in hits] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    monkeypatch.setattr(wording, "MAX_ACTIONS_PER_DOCUMENT", 3)  # the second copy is cut after one action
    cut = matcher.hits(segs, None)
    assert [(h.segment.line, h.reason["action"]) for h in cut] == [(1, "withdraw"), (1, "end"), (2, "withdraw")]


def test_a_text_an_earlier_document_had_reads_the_same_without_a_second_analysis(monkeypatch):
    """Boilerplate shared by the letters of a batch (letterhead, closing, a standard paragraph) is
    read once a process: the same hits, at most MEMO_TEXTS texts kept, the least recently used
    dropped first, none longer than MEMO_CHARS."""
    from authcheck.engine.checks import reading, wording

    matcher = RULE.patterns["change"].matcher
    monkeypatch.setattr(matcher, "_memo", {})  # what earlier tests left is put back afterwards
    monkeypatch.setattr(wording, "MEMO_TEXTS", 2)
    analysed: list[str] = []
    original = reading.analyse

    def analyse_counted(text, lex, budget=None):
        analysed.append(text)
        return original(text, lex, budget)

    monkeypatch.setattr(reading, "analyse", analyse_counted)
    texts = ["We will withdraw our forces.", "The embassy will close.", "We will end the mission."]

    def document(*chosen: str) -> list:
        return [(h.reason, h.dropped) for h in matcher.hits([Segment(t, "body") for t in chosen], None)]

    first = document(texts[0])
    assert document(texts[0]) == first and analysed == [texts[0]]  # the second document reused the reading
    document(texts[1], texts[2])  # two more texts: the oldest (texts[0]) is dropped
    assert list(matcher._memo) == texts[1:]
    analysed.clear()
    assert document(texts[0]) == first and analysed == [texts[0]]
    monkeypatch.setattr(wording, "MEMO_CHARS", 10)
    document("We will withdraw our forces from the whole region at once.")
    assert "We will withdraw our forces from the whole region at once." not in matcher._memo


def test_hits_carry_dropped_candidates_and_reasons():
    hits = RULE.patterns["change"].matcher.hits([Segment("No decision was made to leave Iraq.", "body")], None)
    assert [h.dropped for h in hits] == ["negation: no"]


# --- the YAML drives the kind ---------------------------------------------------------------


def _rule_with(wording: str) -> dict:
    text = Path(RULE.file).read_text(encoding="utf-8")
    data = parse_yaml(text, RULE.file)
    data["patterns"]["change"]["wording"].update(parse_yaml(wording, "x"))
    return data


def test_an_analyst_can_extend_the_lexicon_in_yaml():
    data = _rule_with("actions: {sever: {weight: 1.0, objects: [agreements], verbs: [sever], nouns: [severance]}}")
    data["patterns"]["change"]["wording"]["actions"] = {
        **parse_yaml(Path(RULE.file).read_text(encoding="utf-8"), "x")["patterns"]["change"]["wording"]["actions"],
        "sever": {"weight": 1.0, "objects": ["agreements"], "verbs": ["sever"]},
    }
    lex = compile_rule(data, RULE.file).patterns["change"].matcher.lexicon
    assert [c.reason["action"] for c in analyse("We will sever the agreement.", lex) if c.dropped is None] == ["sever"]
    assert not [c for c in analyse("We will sever the agreement.", LEX) if c.dropped is None]


@pytest.mark.parametrize(
    "wording, key",
    [
        ("cues: {nonsense: [x]}", "cues.nonsense"),
        ("threshold: 99", "threshold"),
        ("bogus: 1", "wording"),
    ],
)
def test_bad_wording_specs_name_the_key(wording, key):
    with pytest.raises(RuleError) as err:
        compile_rule(_rule_with(wording), RULE.file)
    assert key in str(err.value)


def test_the_rule_reads_text_after_the_signature_and_the_new_parts():
    assert {"body", "subject", "trailer", "postscript", "footnote", "annex"} <= set(RULE.patterns["change"].scope)


@pytest.mark.parametrize(
    "text",
    [
        "From Monday your nationals will need a visa to enter the country.",
        "To ensure readiness, we will withdraw our forces.",
        "Dear Sir, we will withdraw our forces from the base.",
    ],
)
def test_a_sentence_alone_is_a_document_the_rule_reads(text):
    result = authcheck.check((text + "\n").encode(), name="sentence.txt")
    assert "wording.policy-change" in {f.rule for f in result.findings}


# --- whole letters ----------------------------------------------------------------------------

SENTENCE = "Our forces will no longer be stationed at the airbase after 31 March."


def _spec() -> LetterSpec:
    return LetterSpec(
        letterhead=["MINISTRY OF DEFENCE", "REPUBLIC OF NORDMARK"],
        date="3 March 2024",
        blocks=["SUBJECT: Posture", "Sir,", "Thank you for your letter of 1 March.", SENTENCE],
        closing="Sincerely,",
        signature_name="ANNA LINDQVIST",
        signature_titles=["Minister of Defence"],
    )


@pytest.mark.parametrize("ext", ["txt", "pdf", "docx"])
def test_a_letter_with_the_change_fires_with_a_reason_in_json(tmp_path, ext):
    path = tmp_path / f"letter.{ext}"
    spec = _spec()
    if ext == "txt":
        path.write_text(
            "\n\n".join([*spec.letterhead, spec.date, *spec.blocks, spec.closing, spec.signature_name]) + "\n"
        )
    else:
        path.write_bytes(letter_pdf(spec) if ext == "pdf" else letter_docx(spec))
    record = json.loads(render_json(authcheck.check(str(path))))
    (finding,) = [f for f in record["findings"] if f["rule"] == "wording.policy-change"]
    reason = finding["evidence"][0]["reason"]
    assert (
        reason["action"] == "end"
        and reason["polarity"] in ("no longer", "double negation")
        and reason["object"] in ("forces", "airbase")
    )
    assert record["schema_version"] == "1.1"


def test_explain_lists_what_a_guard_dropped(tmp_path):
    from click.testing import CliRunner

    from authcheck.cli.main import main

    path = tmp_path / "denial.txt"
    path.write_text("There has been no decision made to leave Iraq.\n")
    out = CliRunner().invoke(main, ["check", str(path), "--explain", "--no-cache", "--no-color", "--width", "120"])
    assert "guard-dropped" in out.output and '"leave Iraq"' in out.output and "negation guard" in out.output
    plain = CliRunner().invoke(main, ["check", str(path), "--no-cache", "--no-color", "--width", "120"])
    assert "guard-dropped" not in plain.output
    path.write_text("Unless you object, our forces will depart the base on 1 June.\n")
    fired = CliRunner().invoke(main, ["check", str(path), "--explain", "--no-cache", "--no-color", "--width", "120"])
    assert "why: depart" in fired.output and "tense future" in fired.output and "modality will" in fired.output


@pytest.mark.skipif(not os.path.isdir(os.path.join(os.path.dirname(__file__), "..", "samples")), reason="no samples")
def test_the_2020_letter_fails_with_its_mission_rules_and_the_denial_does_not_fire():
    root = os.path.join(os.path.dirname(__file__), "..", "samples")
    for ext in ("pdf", "docx", "txt"):
        result = authcheck.check(os.path.join(root, f"withdrawal-letter-2020.{ext}"))
        rules = {f.rule for f in result.findings}
        assert (
            result.verdict == "fail"
            and {"signature.unsigned", "signature.attributed-unsigned", "wording.policy-change"} <= rules
        ), ext
    denial = authcheck.check(os.path.join(root, "pentagon-statement.txt"))
    assert "wording.policy-change" not in {f.rule for f in denial.findings}


def _scan_by_hand(entries, words):
    """What `Index.scan` must find: at each word, every entry starting with it, longest first (in
    the order given among equals), whose further words (with "*" gaps) follow."""
    from authcheck.engine.checks.lexicon import _match_at

    found = []
    for i, word in enumerate(words):
        for entry in sorted((e for e in entries if e.words[0] == word), key=lambda e: -len(e.words)):
            hi = i + 1 if len(entry.words) == 1 else _match_at(words, i, entry.words)
            if hi:
                found.append((i, hi, entry))
    return found


def test_the_phrase_index_finds_what_every_entry_tried_in_turn_finds():
    """The built-in lexicon's index (each first word's phrases arranged on its first use) against a
    plain search through all its entries, on sentences made of its own phrases and their neighbours."""
    import random

    from authcheck.engine.checks.lexicon import Index

    entries = [e for k, v in LEX.index.by_first.items() for e in v]
    assert len(entries) > 1000
    index = Index(entries)
    vocabulary = [*sorted({w for e in entries for w in e.words if w != "*"}), "the", "of", "and", "x"]
    rng = random.Random(20261207)
    for _ in range(400):
        phrase = list(rng.choice(entries).words)
        words = [w if w != "*" else rng.choice(vocabulary) for w in phrase]
        words = [rng.choice(vocabulary) for _ in range(rng.randrange(4))] + words
        words += [rng.choice(vocabulary) for _ in range(rng.randrange(4))]
        if rng.random() < 0.3:  # a second phrase, which may share the first one's first word
            words += list(rng.choice(entries).words)
        assert [tuple(m) for m in index.scan(words)] == _scan_by_hand(entries, words), words
        assert index.finds(words) == bool(_scan_by_hand(entries, words))
