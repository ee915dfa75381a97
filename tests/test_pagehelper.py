"""The page helper: a second process reads PDFium page text from the back of a long PDF while the
loader reads from the front, when a scan leaves a core spare.  The document must be the same with
or without it, whatever the helper does (fails a page, dies, hangs), and nothing may be left behind."""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

pytest.importorskip("pypdfium2")

from authcheck.batch.discover import Target  # noqa: E402
from authcheck.batch.pool import scan  # noqa: E402
from authcheck.loaders import load, pagehelper, pdf  # noqa: E402
from authcheck.loaders import pdfiumtext as pdfium  # noqa: E402
from authcheck.model import Result  # noqa: E402
from authcheck.settings import Limits, Settings  # noqa: E402
from tools.docgen import LetterSpec, letter_pdf  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the helper is Linux's (fork, prctl)")

LETTER = LetterSpec(
    letterhead=["MINISTRY OF EXAMPLES"],
    date="12 March 2024",
    blocks=["SUBJECT: Page helper", "1. The first paragraph of a long letter.", "2. The second paragraph."],
    closing="Yours sincerely,",
    signature_name="A. EXAMPLE",
    signature_titles=["Permanent Secretary"],
    filler_pages=11,
)
PARENT = os.getpid()


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    return letter_pdf(LETTER)


def read(data: bytes, limits: Limits = Limits()):
    return load(data, path="letter.pdf", sha256=hashlib.sha256(data).hexdigest(), password=None, limits=limits)


def lines(doc) -> list[tuple]:
    return [(ln.text, ln.source, ln.page, ln.number, ln.start, ln.end, ln.y) for ln in doc.lines]


@pytest.fixture
def alone(long_pdf, monkeypatch):
    """The document read by the loader alone (the reference)."""
    monkeypatch.setattr(pdf, "TEXT_READER", "auto")
    monkeypatch.setattr(pagehelper, "ENABLED", False)
    return read(long_pdf)


@pytest.fixture
def given(monkeypatch):
    """Helpers on; returns a list of (page, True when the helper gave it) for every page the loader took."""
    monkeypatch.setattr(pdf, "TEXT_READER", "auto")
    monkeypatch.setattr(pagehelper, "ENABLED", True)
    taken: list[tuple[int, bool]] = []
    original = pagehelper.Helper.take

    def take(self, index):
        found = original(self, index)
        taken.append((index, found is not None))
        return found

    monkeypatch.setattr(pagehelper.Helper, "take", take)
    return taken


def in_helper() -> bool:
    return os.getpid() != PARENT


def helper_pids(monkeypatch) -> list[int]:
    """Record the pid of every helper started."""
    pids: list[int] = []
    original = pagehelper.start

    def start(fast, count):
        helper = original(fast, count)
        if helper is not None:
            pids.append(helper.pid)
        return helper

    monkeypatch.setattr(pagehelper, "start", start)
    return pids


def gone(pid: int, seconds: float = 10.0) -> bool:
    """True once `pid` has exited and been reaped (reaping what `pagehelper` keeps for later)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pagehelper._reap()
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.01)
    return False


def loader_crawls(monkeypatch, seconds: float = 0.05) -> None:
    """Slow the loader's own PDFium pages (not the helper's), so that the helper surely gets some
    pages even on a loaded machine."""
    original = pdfium.PdfiumText.fragments

    def fragments(self, index, out):
        if not in_helper():
            time.sleep(seconds)
        return original(self, index, out)

    monkeypatch.setattr(pdfium.PdfiumText, "fragments", fragments)


def test_the_helper_reads_pages_from_the_back_and_the_document_is_the_same(long_pdf, alone, given, monkeypatch):
    loader_crawls(monkeypatch)
    pids = helper_pids(monkeypatch)
    doc = read(long_pdf)
    assert lines(doc) == lines(alone) and doc.notes == alone.notes
    from_helper = [page for page, helped in given if helped]
    assert len(pids) == 1 and from_helper, "a 12-page plain letter should share its pages"
    assert from_helper == list(range(min(from_helper), alone.pages)), "the helper takes a run of pages from the end"
    assert min(from_helper) > 0, "the loader reads the first pages itself"
    assert gone(pids[0])


SHARED_WITHOUT_MULTIPROCESSING = """
import hashlib, json, sys, time
from authcheck.loaders import load, pagehelper, pdf, pdfiumtext
from authcheck.settings import Limits
pdf.TEXT_READER, pagehelper.ENABLED = "auto", True
original, given = pdfiumtext.PdfiumText.fragments, []
def crawl(self, index, out):  # the loader's own pages slowly, so that the helper surely reads some
    time.sleep(0.05)
    return original(self, index, out)
pdfiumtext.PdfiumText.fragments = crawl
take = pagehelper.Helper.take
def taken(self, index):
    found = take(self, index)
    given.append(found is not None)
    return found
pagehelper.Helper.take = taken
data = sys.stdin.buffer.read()
doc = load(data, path="l.pdf", sha256=hashlib.sha256(data).hexdigest(), password=None, limits=Limits())
print(json.dumps([sum(given), len(doc.lines), "multiprocessing" in sys.modules]))
"""


def test_a_helper_shares_pages_without_importing_multiprocessing(long_pdf):
    """A first command's standby checks a long PDF with a helper: its pipes are plain pipes, not
    multiprocessing's (whose import, with socket and subprocess, cost more than the helper saved)."""
    import json
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-c", SHARED_WITHOUT_MULTIPROCESSING],
        input=long_pdf,
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    helped, lines_read, imported = json.loads(run.stdout)
    assert helped > 0 and lines_read > 0
    assert imported is False


def test_a_page_the_helper_fails_is_read_by_the_loader(long_pdf, alone, given, monkeypatch):
    original = pdfium.PdfiumText.fragments

    def fragments(self, index, out):
        if in_helper() and index == alone.pages - 1:
            raise RuntimeError("PDFium refused the page in the helper")
        if not in_helper():
            time.sleep(0.05)  # the helper surely reaches the page before the last
        return original(self, index, out)

    monkeypatch.setattr(pdfium.PdfiumText, "fragments", fragments)
    doc = read(long_pdf)
    assert lines(doc) == lines(alone) and doc.notes == alone.notes
    assert (alone.pages - 1, False) in given, "the failed last page came from the loader"
    assert (alone.pages - 2, True) in given, "the helper went on with the page before it"


def test_a_helper_that_dies_leaves_every_page_to_the_loader(long_pdf, alone, given, monkeypatch):
    original = pdfium.PdfiumText.fragments

    def fragments(self, index, out):
        if in_helper():
            os._exit(9)  # as a crash inside PDFium would end it
        return original(self, index, out)

    monkeypatch.setattr(pdfium.PdfiumText, "fragments", fragments)
    pids = helper_pids(monkeypatch)
    doc = read(long_pdf)
    assert lines(doc) == lines(alone) and doc.notes == alone.notes
    assert given and not any(helped for _, helped in given)
    assert gone(pids[0])


def test_a_hung_helper_page_ends_in_the_reading_budget_not_a_hang(long_pdf, alone, given, monkeypatch):
    original = pdfium.PdfiumText.fragments

    def fragments(self, index, out):
        if in_helper() and index == alone.pages - 1:
            time.sleep(600)
        return original(self, index, out)

    monkeypatch.setattr(pdfium.PdfiumText, "fragments", fragments)
    pids = helper_pids(monkeypatch)
    doc = read(long_pdf, Limits(timeout=4, read_time_percent=50))
    truncated = [n for n in doc.notes if n.code == "truncated"]
    assert len(truncated) == 1 and truncated[0].data["reason"] == "time"
    assert truncated[0].data["pages_read"] == alone.pages - 1
    assert lines(doc) == [ln for ln in lines(alone) if ln[2] < alone.pages]
    assert gone(pids[0]), "the hung helper is killed with its document"


class _Blocked:
    """A page reader whose pages never finish in the helper."""

    def fragments(self, index, out):
        time.sleep(600)


def test_the_helper_holds_nothing_but_its_two_pipes(monkeypatch, tmp_path):
    monkeypatch.setattr(pagehelper, "ENABLED", True)
    with open(tmp_path / "held.txt", "w") as held:  # an open file of the loader's process
        helper = pagehelper.start(_Blocked(), 8)
        assert helper is not None
        try:
            fds = _fds_of(helper.pid, expect=2)
            assert len(fds) == 2 and all(target.startswith("pipe:") or "socket" in target for target in fds)
            assert held.fileno() >= 0
        finally:
            helper.close()
    assert gone(helper.pid)


def _fds_of(pid: int, expect: int, seconds: float = 10.0) -> list[str]:
    """The helper's open descriptors, once it has closed the ones it inherited."""
    end = time.monotonic() + seconds
    while True:
        targets = []
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
            except FileNotFoundError:  # closed by the helper between the listing and the read
                pass
        if len(targets) <= expect or time.monotonic() > end:
            return targets
        time.sleep(0.01)


def test_claims_never_wait_on_a_helper_stuck_in_a_page(monkeypatch):
    """A helper inside one long page reads no claims; the loader's claims (one a page, up to any
    --max-pages) must not block once its pipe is full: the loader goes on alone."""
    import signal

    monkeypatch.setattr(pagehelper, "ENABLED", True)
    helper = pagehelper.start(_Blocked(), 100_000)
    assert helper is not None

    def hung(signum, frame):
        raise AssertionError("a claim blocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        for index in range(100_000):
            helper.reach(index)
            if helper.over:
                break
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        helper.close()
    assert helper.over and helper.take(index + 1) is None
    assert gone(helper.pid)


def test_no_helper_when_off_short_or_threaded(monkeypatch):
    monkeypatch.setattr(pagehelper, "ENABLED", False)
    assert pagehelper.start(_Blocked(), 20) is None
    monkeypatch.setattr(pagehelper, "ENABLED", True)
    assert pagehelper.start(_Blocked(), pagehelper.MIN_PAGES - 1) is None
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert pagehelper.start(_Blocked(), 20) is None, "never fork a process with threads"
    finally:
        stop.set()
        thread.join()


def report_helper(path, settings, ruleset) -> Result:
    """A check that reports whether its worker may start a page helper."""
    from tests.test_scan import fake_check

    return replace(fake_check(path, settings, ruleset), fields={"helper": pagehelper.ENABLED}, letter=None)


def test_only_a_worker_with_a_core_to_spare_may_start_a_helper(tmp_path):
    cores = len(os.sched_getaffinity(0))
    paths = []
    for i in range(cores + 1):
        path = tmp_path / f"f{i}.txt"
        path.write_text("letter")
        paths.append(Target(str(path)))
    settings = Settings(limits=Limits(timeout=20, memory_mb=0))
    one = list(scan(paths[:1], settings, None, jobs=1, check=report_helper))
    full = list(scan(paths, settings, None, jobs=cores, check=report_helper))
    assert [r.fields["helper"] for r in one] == [cores > 1]
    assert {r.fields["helper"] for r in full} == {False}
    assert pagehelper.ENABLED is False, "the scan's own process never starts helpers"


def test_a_long_letter_checked_alone_matches_the_same_letter_in_a_full_scan(tmp_path, long_pdf):
    """End to end through the pool: one file (helper allowed) and the same file among others that fill the cores."""
    from authcheck.batch.cache import result_to_record
    from authcheck.batch.pipeline import check_path
    from authcheck.engine.rulepack import load_ruleset

    cores = len(os.sched_getaffinity(0))
    letter = tmp_path / "long.pdf"
    letter.write_bytes(long_pdf)
    others = []
    for i in range(cores):
        other = tmp_path / f"other{i}.pdf"
        other.write_bytes(long_pdf)
        others.append(Target(str(other)))
    settings = Settings(limits=replace(Settings().limits, memory_mb=0))
    ruleset = load_ruleset(())
    alone = list(scan([Target(str(letter))], settings, ruleset, jobs=1, check=check_path))
    crowd = list(scan([Target(str(letter)), *others], settings, ruleset, jobs=cores, check=check_path))
    mine = [r for r in crowd if r.path == str(letter)]
    assert len(alone) == len(mine) == 1 and alone[0].error is None
    assert result_to_record(alone[0]) == result_to_record(mine[0])
