"""scan(): isolated workers, timeouts, crashes, memory cap, Ctrl-C; scan_inline(): the same, in-process.

The fake check below is inherited by the forked workers; what it does depends on the file's first
word, and files are padded so that their size decides the dispatch order (largest first).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time

import pytest

from authcheck.batch.discover import Target
from authcheck.batch.pool import ScanInterrupted, platform_warnings, scan, scan_inline
from authcheck.model import ErrorInfo, Result
from authcheck.settings import Limits, Settings
from authcheck.util import confine

scan_mod = importlib.import_module("authcheck.batch.pool")  # `authcheck.scan` may name the API function

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and RLIMIT_AS are Linux's")

FAST = Settings(limits=Limits(timeout=20, memory_mb=0))


def fake_check(path, settings, ruleset):
    """Behave as the file's first word says; report the worker's pid and the ruleset it saw."""
    with open(path) as fh:
        word = (fh.read().split() or ["ok"])[0]
    if word == "sleep":
        time.sleep(30)
    elif word == "exit":
        os._exit(3)
    elif word == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif word == "alloc":
        bytearray(2 << 30)
    elif word == "raise":
        raise ValueError("boom")
    elif word == "stdin":
        word = sys.stdin.buffer.read().decode()
    elif word == "print":
        print("NOISE FROM A LIBRARY", flush=True)
        os.write(1, b"RAW NOISE\n")
    elif word == "handshake":  # say it has started, then wait for the parent's go (see the meanwhile test)
        open(path + ".started", "w").close()
        word = "go" if _appears(path + ".go", 5.0) else "no go"
    return Result(
        path=path,
        sha256=None,
        format="text",
        verdict="pass",
        score=0,
        axes={},
        reason=word,
        findings=(),
        fields={"pid": os.getpid(), "ruleset": str(ruleset), "limit": _as_limit()},
        letter="LETTER",
    )


def _appears(path, seconds):
    """Whether the file `path` exists within `seconds`."""
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _as_limit():
    import resource

    return resource.getrlimit(resource.RLIMIT_AS)[0]


def factory(settings):
    """A ruleset factory a spawned worker can import."""
    return f"rebuilt in {os.getpid()}"


def make(tmp_path, *specs):
    """Files named after their word, padded to a size (bytes): [(name, word, size)] -> targets."""
    targets = []
    for name, word, size in specs:
        path = tmp_path / name
        path.write_text((word + " ").ljust(size, "."))
        targets.append(Target(str(path)))
    return targets


def by_name(results):
    return {os.path.basename(r.path): r for r in results}


def no_children_left():
    return multiprocessing.active_children() == []


def test_every_target_exactly_once_with_two_workers(tmp_path):
    targets = make(tmp_path, *[(f"f{i:02}.txt", "ok", 10 + i) for i in range(50)])
    results = list(scan(targets, FAST, "RULES", jobs=2, check=fake_check))
    assert sorted(r.path for r in results) == sorted(t.path for t in targets)
    assert all(r.error is None and r.fields["ruleset"] == "RULES" for r in results)
    pids = {r.fields["pid"] for r in results}
    assert len(pids) <= 2 and os.getpid() not in pids
    assert no_children_left()


def test_a_process_on_its_way_out_reaps_its_workers_after_the_scan_not_in_it(tmp_path, monkeypatch):
    """`batch.EXITING` (the console script and a warm server's command): the scan returns without
    waiting for its idle workers to exit; `reap_left` waits for them after the output is out."""
    from authcheck import batch

    monkeypatch.setattr(batch, "EXITING", True)
    targets = make(tmp_path, *[(f"f{i}.txt", "ok", 10 + i) for i in range(4)])
    results = list(scan(targets, FAST, None, jobs=2, check=fake_check))
    assert len(results) == 4 and all(r.error is None for r in results)
    left = list(scan_mod._left)
    assert left, "the scan returned without reaping its workers"
    assert all(w.conn.closed for w in left), "their pipes are closed, so they end on their own"
    scan_mod.reap_left()
    assert scan_mod._left == [] and all(w.process.exitcode == 0 for w in left)
    assert no_children_left()


def test_meanwhile_runs_once_while_the_workers_check_their_first_files(tmp_path):
    targets = make(tmp_path, ("a.txt", "handshake", 30), ("b.txt", "handshake", 20))
    yielded, calls = [], []

    def meanwhile():  # each worker has started its file and waits for this process's go
        started = all(_appears(t.path + ".started", 10.0) for t in targets)
        calls.append((len(yielded), started))
        for t in targets:
            open(t.path + ".go", "w").close()

    for result in scan(targets, FAST, None, jobs=2, check=fake_check, meanwhile=meanwhile):
        yielded.append(result)
    assert calls == [(0, True)]  # once, before any result, with both files being checked
    assert sorted(r.reason for r in yielded) == ["go", "go"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_worker_has_its_next_file_while_the_caller_handles_its_last_result(tmp_path, jobs):
    # The first results are the "ok" files (largest first); the handshake file waits for the go.
    specs = [(f"ok{i}.txt", "ok", 40 - i) for i in range(jobs)] + [("next.txt", "handshake", 20)]
    targets = make(tmp_path, *specs)
    handshake = targets[-1].path
    seen = []
    for result in scan(targets, FAST, None, jobs=jobs, check=fake_check):
        if result.reason == "ok" and not seen:  # the caller still holds the first result
            seen.append(_appears(handshake + ".started", 10.0))
            open(handshake + ".go", "w").close()
        seen.append(result.reason)
    assert seen[0] is True  # the next file was being checked while the caller held the first result
    assert sorted(seen[1:]) == ["go", *["ok"] * jobs]


def test_missing_target_is_not_found_without_starting_a_worker(monkeypatch):
    monkeypatch.setattr(scan_mod, "Worker", lambda *a: pytest.fail("a worker was started"))
    [result] = scan([Target("nope.pdf", missing=True)], FAST, None, check=fake_check)
    assert result.path == "nope.pdf"
    assert result.error == ErrorInfo("not-found", "no such file or directory", "read")


def test_slow_file_times_out_and_the_scan_goes_on(tmp_path):
    settings = Settings(limits=Limits(timeout=1, memory_mb=0))
    targets = make(tmp_path, ("slow.txt", "sleep", 500), ("a.txt", "ok", 30), ("b.txt", "ok", 20))
    started = time.monotonic()
    results = list(scan(targets, settings, None, jobs=1, check=fake_check))
    assert time.monotonic() - started < 5
    got = by_name(results)
    assert got["slow.txt"].error == ErrorInfo("timeout", "gave up after 1 s", "worker")
    assert got["a.txt"].error is None and got["b.txt"].error is None
    assert [os.path.basename(r.path) for r in results] == ["slow.txt", "a.txt", "b.txt"]
    assert no_children_left()


def test_worker_that_dies_takes_only_its_own_file(tmp_path):
    targets = make(
        tmp_path, ("exit.txt", "exit", 400), ("kill.txt", "kill", 300), ("a.txt", "ok", 20), ("b.txt", "ok", 10)
    )
    got = by_name(scan(targets, FAST, None, jobs=1, check=fake_check))
    assert got["exit.txt"].error == ErrorInfo("internal", "worker exited with status 3", "worker")
    assert got["kill.txt"].error == ErrorInfo("internal", f"worker died (signal {signal.SIGKILL.value})", "worker")
    assert got["a.txt"].error is None and got["b.txt"].error is None
    assert got["a.txt"].fields["pid"] == got["b.txt"].fields["pid"]  # one replacement, reused
    assert no_children_left()


def test_allocation_over_the_memory_cap_is_a_memory_record_and_the_worker_lives_on(tmp_path):
    settings = Settings(limits=Limits(timeout=20, memory_mb=300))
    targets = make(tmp_path, ("alloc.txt", "alloc", 100), ("a.txt", "ok", 10))
    got = by_name(scan(targets, settings, None, jobs=1, check=fake_check))
    assert got["alloc.txt"].error == ErrorInfo("memory", "ran out of memory", "worker")
    assert got["a.txt"].error is None
    # the cap is 300 MB on top of what the worker was forked with (about this process's own size)
    room = got["a.txt"].fields["limit"] - 300 * 1024 * 1024
    assert 0 < room <= confine.address_space_in_use() + (64 << 20)


def test_exception_in_check_is_an_internal_record(tmp_path):
    targets = make(tmp_path, ("raise.txt", "raise", 100), ("a.txt", "ok", 10))
    got = by_name(scan(targets, FAST, None, jobs=1, check=fake_check))
    assert got["raise.txt"].error == ErrorInfo("internal", "ValueError: boom", "worker")
    assert got["a.txt"].error is None


def test_ctrl_c_stops_every_worker_and_counts_what_was_not_reached(tmp_path):
    targets = make(
        tmp_path, ("a.txt", "ok", 400), ("b.txt", "ok", 300), ("slow.txt", "sleep", 200), ("c.txt", "ok", 10)
    )
    seen = []

    def on_start(path):
        if path.endswith("slow.txt"):
            threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()

    with pytest.raises(ScanInterrupted) as info:
        for result in scan(targets, FAST, None, jobs=1, check=fake_check, on_start=on_start):
            seen.append(result)
    assert (info.value.done, info.value.not_reached) == (2, 2)
    assert isinstance(info.value, KeyboardInterrupt)
    assert [os.path.basename(r.path) for r in seen] == ["a.txt", "b.txt"]
    assert no_children_left()
    with pytest.raises(ProcessLookupError):
        os.kill(seen[0].fields["pid"], 0)


def test_leaving_the_loop_early_stops_the_workers(tmp_path):
    targets = make(tmp_path, ("a.txt", "ok", 400), ("slow.txt", "sleep", 10))
    results = scan(targets, FAST, None, jobs=2, check=fake_check)
    first = next(results)
    results.close()
    assert first.error is None and no_children_left()


def test_dispatch_is_largest_first_and_yield_is_completion_order(tmp_path):
    targets = make(tmp_path, ("small.txt", "ok", 10), ("big.txt", "ok", 900), ("mid.txt", "ok", 200))
    order = [os.path.basename(r.path) for r in scan(targets, FAST, None, jobs=1, check=fake_check)]
    assert order == ["big.txt", "mid.txt", "small.txt"]


def test_single_file_goes_through_a_forked_worker_that_inherits_the_ruleset(tmp_path):
    unpicklable = threading.Lock()  # could not cross a pipe: it must have been inherited
    [result] = scan(make(tmp_path, ("a.txt", "ok", 10)), FAST, unpicklable, check=fake_check)
    assert result.fields["pid"] != os.getpid()
    assert result.fields["ruleset"] == str(unpicklable)


def test_letter_is_dropped_unless_asked_for(tmp_path):
    targets = make(tmp_path, ("a.txt", "ok", 10))
    assert next(scan(targets, FAST, None, check=fake_check)).letter is None
    assert next(scan(targets, FAST, None, check=fake_check, keep_letter=True)).letter == "LETTER"


def test_spawned_workers_rebuild_the_ruleset_with_the_factory(tmp_path):
    targets = make(tmp_path, ("a.txt", "ok", 10))
    [result] = scan(targets, FAST, None, check=fake_check, ruleset_factory=factory, start_method="spawn")
    assert result.fields["ruleset"] == f"rebuilt in {result.fields['pid']}"
    assert result.fields["pid"] != os.getpid()


def test_spawn_without_a_factory_needs_a_picklable_ruleset(tmp_path):
    targets = make(tmp_path, ("a.txt", "ok", 10))
    with pytest.raises(TypeError, match="ruleset_factory"):
        next(scan(targets, FAST, threading.Lock(), check=fake_check, start_method="spawn"))


def test_stdin_reaches_the_worker(tmp_path):
    read_end, write_end = os.pipe()
    os.write(write_end, b"stdin")  # the fake check reads "stdin" as its word, then the rest of stdin
    os.close(write_end)
    saved = os.dup(0)
    os.dup2(read_end, 0)
    try:
        [result] = scan([Target("-")], FAST, None, check=stdin_check)
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(read_end)
    assert result.reason == "stdin"


def stdin_check(path, settings, ruleset):
    """Read stdin for "-", as pipeline.check_path does."""
    data = sys.stdin.buffer.read().decode()
    return Result(
        path=path, sha256=None, format="text", verdict="pass", score=0, axes={}, reason=data, findings=(), fields={}
    )


def test_platform_warnings_name_a_missing_memory_cap_once(monkeypatch):
    assert platform_warnings(FAST) == []
    assert platform_warnings(Settings()) == []
    monkeypatch.setattr(confine, "resource", None)
    assert platform_warnings(Settings()) == ["memory cap not available on this platform"]
    assert platform_warnings(FAST) == []  # memory_mb=0: no cap asked for


def test_scan_inline_runs_here_in_the_given_order(tmp_path):
    targets = make(tmp_path, ("small.txt", "ok", 10), ("raise.txt", "raise", 900))
    targets.append(Target("nope.pdf", missing=True))
    results = list(scan_inline(targets, FAST, "RULES", check=fake_check))
    assert [os.path.basename(r.path) for r in results] == ["small.txt", "raise.txt", "nope.pdf"]
    assert results[0].fields["pid"] == os.getpid() and results[0].letter is None
    assert results[1].error.type == "internal" and results[2].error.type == "not-found"


def test_scan_inline_turns_ctrl_c_into_scan_interrupted(tmp_path):
    targets = make(tmp_path, ("a.txt", "ok", 10), ("b.txt", "ok", 10), ("c.txt", "ok", 10))

    def on_start(path):
        if path.endswith("b.txt"):
            raise KeyboardInterrupt

    with pytest.raises(ScanInterrupted) as info:
        list(scan_inline(targets, FAST, None, check=fake_check, on_start=on_start))
    assert (info.value.done, info.value.not_reached) == (1, 2)


def test_nothing_a_worker_prints_reaches_standard_output(tmp_path, capfd):
    targets = make(tmp_path, ("a.txt", "print", 10), ("b.txt", "ok", 10))
    results = list(scan(targets, FAST, "rules", jobs=1, check=fake_check))
    assert sorted(r.reason for r in results) == ["ok", "print"]
    assert "NOISE" not in capfd.readouterr().out


@pytest.mark.skipif(not confine.memory_cap_available(), reason="no enforced RLIMIT_AS on this platform")
def test_the_memory_cap_counts_from_what_the_worker_inherits(tmp_path):
    """A parent holding a large address space (a notebook with big libraries loaded) still gets its
    files checked: the cap is the worker's own room on top of what it was forked with."""
    import mmap

    from authcheck.batch import pipeline as real_pipeline
    from authcheck.engine.rulepack import ruleset_for

    letter = tmp_path / "letter.txt"
    letter.write_text("Dear Minister,\n\nWe will withdraw.\n\nSincerely,\n\nJohn Smith\n")
    reserved = mmap.mmap(-1, 1536 << 20)  # address space only: never touched, so never resident
    try:
        settings = Settings(limits=Limits(memory_mb=256, timeout=60))
        rules = ruleset_for(settings)
        [result] = scan([Target(str(letter))], settings, rules, jobs=1, check=real_pipeline.check_path)
    finally:
        reserved.close()
    assert result.error is None, result.error
    assert result.verdict is not None
