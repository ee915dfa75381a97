"""A long PDF's page helper, kept for its check once its pages are read (`util/sparecore.py`), reads
most of the wording analysis's texts while the worker evaluates the rules before it.  The result must
be the same with it or without it, whatever the helper does (reads, fails, dies), and the helper must
not outlive its check."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

pytest.importorskip("pypdfium2")

from authcheck.batch.pipeline import check_bytes  # noqa: E402
from authcheck.engine.checks import wording  # noqa: E402
from authcheck.engine.evaluate import context_for  # noqa: E402
from authcheck.engine.rulepack import load_ruleset  # noqa: E402
from authcheck.loaders import pagehelper, pdf  # noqa: E402
from authcheck.scoring.record import result_record  # noqa: E402
from authcheck.settings import Settings  # noqa: E402
from authcheck.util import sparecore  # noqa: E402
from tests.test_pagehelper import gone, in_helper  # noqa: E402
from tools.docgen import LetterSpec, letter_pdf  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the helper is Linux's (fork, prctl)")

#: A long letter whose wording the rules judge: a withdrawal announced, one denied, one reported.
LETTER = LetterSpec(
    letterhead=["MINISTRY OF EXAMPLES"],
    date="12 March 2024",
    blocks=[
        "To: Ministry of Defence",
        "SUBJECT: Repositioning of forces",
        "1. Coalition forces will be repositioning forces over the coming days to prepare for onward movement.",
        "2. We respect your sovereign decision to order our departure from the country.",
        "3. The ministry will not withdraw its observers from the border commission.",
        "4. The press reported that the garrison would close, which is not the case.",
    ],
    closing="Yours sincerely,",
    signature_name="A. EXAMPLE",
    signature_titles=["Commanding General"],
    filler_pages=11,
    filler_seed=7,  # paragraphs that do not repeat: every sentence is new to the matcher
)


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    return letter_pdf(LETTER)


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset(())


def record(data: bytes, ruleset) -> dict:
    result = check_bytes(data, "letter.pdf", Settings(explain=True), ruleset)
    return json.loads(json.dumps(result_record(result)))


@pytest.fixture(scope="module")
def alone(long_pdf, ruleset) -> dict:
    """The letter's record with no helper (the reference)."""
    pdf.TEXT_READER, enabled, pagehelper.ENABLED = "auto", pagehelper.ENABLED, False
    try:
        wording_memos_cleared(ruleset)
        return record(long_pdf, ruleset)
    finally:
        pagehelper.ENABLED = enabled


def wording_memos_cleared(ruleset) -> list:
    """The rule set's wording matchers, their memos emptied (every text is new to them)."""
    matchers = [p.matcher for r in ruleset.rules for p in r.patterns.values() if isinstance(p.matcher, wording.Matcher)]
    for matcher in matchers:
        matcher._memo.clear()
    return matchers


@pytest.fixture
def helped(monkeypatch, ruleset):
    """Helpers on for checks in this process; returns the list of what each job gave back, and the
    pids of the helpers started."""
    monkeypatch.setattr(pdf, "TEXT_READER", "auto")
    monkeypatch.setattr(pagehelper, "ENABLED", True)
    monkeypatch.setattr(wording, "SHARE_CHARS", 1000)
    wording_memos_cleared(ruleset)
    results: list = []
    pids: list[int] = []
    result, start = pagehelper.Helper.result, pagehelper.start

    def recorded(self, job):
        value = result(self, job)
        results.append(value)
        return value

    def started(fast, count):
        helper = start(fast, count)
        if helper is not None:
            pids.append(helper.pid)
        return helper

    monkeypatch.setattr(pagehelper.Helper, "result", recorded)
    monkeypatch.setattr(pagehelper, "start", started)
    return results, pids


def test_the_helper_reads_most_texts_and_the_result_is_the_same(long_pdf, ruleset, alone, helped):
    results, pids = helped
    assert "wording.policy-change" in [f["rule"] for f in alone["findings"]]  # the wording is judged
    assert any(n["code"] == "guard-dropped" for n in alone["notes"])  # and --explain shows what it dropped
    assert record(long_pdf, ruleset) == alone
    assert len(pids) == 1, "a 12-page plain letter gets a page helper"
    assert len(results) == 1 and isinstance(results[0], list), "the kept helper did a job"
    readings = [found for found in results[0] if found is not None]
    assert len(readings) == len(results[0]) > 100, "it read most of the letter's sentences"
    assert any(candidates for candidates, _ in readings), "and found the letter's actions among them"
    assert sparecore.helper() is None and gone(pids[0]), "the helper ends with its check"


def test_a_job_that_fails_leaves_its_texts_to_the_worker(long_pdf, ruleset, alone, helped, monkeypatch):
    results, pids = helped
    original = wording._readings

    def failing(lexicon, texts):
        if in_helper():
            raise RuntimeError("the helper's reading failed")
        return original(lexicon, texts)

    monkeypatch.setattr(wording, "_readings", failing)
    assert record(long_pdf, ruleset) == alone
    assert results == [None]
    assert gone(pids[0])


def test_a_helper_that_dies_in_its_job_leaves_its_texts_to_the_worker(long_pdf, ruleset, alone, helped, monkeypatch):
    results, pids = helped
    original = wording._readings

    def dying(lexicon, texts):
        if in_helper():
            os._exit(9)  # as a crash would end it
        return original(lexicon, texts)

    monkeypatch.setattr(wording, "_readings", dying)
    assert record(long_pdf, ruleset) == alone
    assert results == [None]
    assert gone(pids[0])


@pytest.fixture(scope="module")
def segments(long_pdf) -> list:
    """The long letter's segments, as the rules see them."""
    from authcheck.extract import extract
    from authcheck.loaders import load
    from authcheck.settings import Limits

    digest = hashlib.sha256(long_pdf).hexdigest()
    doc = load(long_pdf, path="letter.pdf", sha256=digest, password=None, limits=Limits())
    return context_for(extract(doc, *Settings().kind_for("letter.pdf"))).segments


def test_a_helper_hung_in_a_page_is_not_kept_and_the_check_ends(long_pdf, ruleset, helped, monkeypatch):
    """A helper still in a page when the loader is done (it gave up on it) gets no job: the check
    ends within its budget, as without a helper, and the helper is stopped."""
    from authcheck.loaders import pdfiumtext
    from authcheck.settings import Limits

    results, pids = helped
    original = pdfiumtext.PdfiumText.fragments

    def fragments(self, index, out):
        if in_helper() and index >= 10:
            time.sleep(600)
        return original(self, index, out)

    monkeypatch.setattr(pdfiumtext.PdfiumText, "fragments", fragments)
    kept: list = []
    keep = sparecore.keep
    monkeypatch.setattr(sparecore, "keep", lambda helper: kept.append(helper) or keep(helper))
    settings = Settings(limits=Limits(timeout=4, read_time_percent=50))
    started = time.monotonic()
    result = check_bytes(long_pdf, "letter.pdf", settings, ruleset)
    assert time.monotonic() - started < 30
    assert result.error is None and any(n.code == "truncated" for n in result.notes)
    assert kept == [] and results == [], "no job for a helper that never finished its pages"
    assert sparecore.helper() is None and gone(pids[0])


class FakeHelper:
    """A kept helper that answers a job with `answer(texts)` in this process."""

    def __init__(self, answer) -> None:
        self.answer, self.asked, self.taken = answer, [], []

    def job(self, function, *args):
        self.asked.append(args[1])
        return len(self.asked)

    def result(self, job):
        self.taken.append(job)
        return self.answer(self.asked[job - 1])


def hits_of(matcher, segments) -> list:
    return [(h.start, h.end, h.dropped, sorted(h.reason.items(), key=str)) for h in matcher.hits(segments, None)]


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda matcher, texts: wording._readings_of(matcher.key, texts), id="readings"),
        pytest.param(lambda matcher, texts: None, id="nothing"),
        pytest.param(lambda matcher, texts: [None] * len(texts), id="none read"),
        pytest.param(lambda matcher, texts: [([], 0)] * (len(texts) - 1), id="one short"),
    ],
)
def test_hits_are_the_same_whatever_the_helper_answers(segments, ruleset, monkeypatch, answer):
    matcher = wording_memos_cleared(ruleset)[0]
    expected = hits_of(matcher, segments)
    matcher._memo.clear()
    fake = FakeHelper(functools.partial(answer, matcher))
    monkeypatch.setattr(sparecore, "_helper", fake)
    monkeypatch.setattr(wording, "SHARE_CHARS", 1000)
    matcher.ahead(segments)
    matcher.ahead(segments)  # a second rule with the same pattern: one job
    assert len(fake.asked) == 1 and 0 < len(fake.asked[0]) < len(set(s.text for s in segments))
    assert hits_of(matcher, segments) == expected
    assert fake.taken == [1], "the job's answer is taken once"


def test_a_job_asked_for_other_segments_is_taken_and_left(segments, ruleset, monkeypatch):
    matcher = wording_memos_cleared(ruleset)[0]
    expected = hits_of(matcher, segments[: len(segments) // 2])
    matcher._memo.clear()
    fake = FakeHelper(lambda texts: [([], 0)] * len(texts))  # wrong readings: must not be used
    monkeypatch.setattr(sparecore, "_helper", fake)
    monkeypatch.setattr(wording, "SHARE_CHARS", 1000)
    matcher.ahead(segments)
    assert hits_of(matcher, segments[: len(segments) // 2]) == expected
    assert fake.taken == [1]


def test_no_job_without_a_helper_or_for_a_short_letter(segments, ruleset, monkeypatch):
    matcher = wording_memos_cleared(ruleset)[0]
    matcher.ahead(segments)
    assert matcher._pending is None  # no helper
    fake = FakeHelper(lambda texts: None)
    monkeypatch.setattr(sparecore, "_helper", fake)
    monkeypatch.setattr(wording, "SHARE_CHARS", sum(len(s.text) for s in segments) + 1)
    matcher.ahead(segments)
    assert fake.asked == [] and matcher._pending is None


def test_a_helper_is_kept_only_while_a_check_runs():
    class Closed:
        closed = False

        def close(self):
            self.closed = True

    outside = Closed()
    assert sparecore.keep(outside) is False and sparecore.helper() is None
    with sparecore.keeping():
        kept = Closed()
        assert sparecore.keep(kept) is True and sparecore.helper() is kept
        second = Closed()
        assert sparecore.keep(second) and kept.closed, "one at a time: the earlier one is stopped"
    assert second.closed and sparecore.helper() is None


def test_one_job_at_a_time(monkeypatch):
    """A job and a result each larger than a pipe holds, written at once, would wait on each other:
    a helper takes a second job only once the first one's result has been taken."""

    class Idle:
        def fragments(self, index, out):
            out.append(index)

    monkeypatch.setattr(pagehelper, "ENABLED", True)
    helper = pagehelper.start(Idle(), pagehelper.MIN_PAGES)
    assert helper is not None
    try:
        for index in range(pagehelper.MIN_PAGES):
            helper.take(index)
        assert helper.idle(wait=10), "done with its pages"
        first = helper.job(len, "x" * 200_000)
        assert first is not None
        assert helper.job(len, "y") is None, "busy until its result is taken"
        assert helper.result(first) == 200_000
        second = helper.job(sorted, [3, 1, 2])
        assert second is not None and helper.result(second) == [1, 2, 3]
        assert helper.job(lambda: 1) is None, "a function that does not travel by name is not handed over"
    finally:
        helper.close()
    assert gone(helper.pid)


def test_no_job_for_a_helper_still_in_a_page(monkeypatch):
    class Stuck:
        def fragments(self, index, out):
            time.sleep(600)

    monkeypatch.setattr(pagehelper, "ENABLED", True)
    helper = pagehelper.start(Stuck(), pagehelper.MIN_PAGES)
    assert helper is not None
    try:
        assert not helper.idle(wait=0.2)
        assert helper.job(len, "x") is None
    finally:
        helper.close()
    assert gone(helper.pid)
