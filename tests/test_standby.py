"""The standby worker (`batch/standby.py`): forked before the command line is read, taken by the
scan as its first worker when its rules are the run's, stopped otherwise; and the command's output
is the same with it or without."""

from __future__ import annotations

import json
import multiprocessing
import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from authcheck.batch import standby
from authcheck.batch.discover import Target
from authcheck.batch.pool import scan
from authcheck.engine.rulepack import load_ruleset
from authcheck.model import ErrorInfo
from authcheck.settings import Limits, Settings
from authcheck.util.framedpipe import Pipe
from tests.test_scan import fake_check, make

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
FAST = Settings(limits=Limits(timeout=20, memory_mb=0))

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the standby is forked: Linux only")


@pytest.fixture
def two_cores(monkeypatch):
    """A standby is started as on a machine with a core to spare, whatever this one has."""
    monkeypatch.setattr(standby, "_usable_cores", lambda: 2)
    monkeypatch.delenv(standby.ENV, raising=False)
    yield
    standby.discard()


def _started() -> int:
    standby.start(["letter.txt"])
    assert standby._held is not None
    return standby._held[0].pid


def _gone(pid: int, within: float = 5.0) -> bool:
    """True once `pid` has exited (and been reaped, by us or by whoever inherited it)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rpartition(")")[2].split()[0] == "Z":
                    return True  # exited; its new parent may not reap it (a container's init)
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_a_scan_takes_the_standby_as_its_first_worker(two_cores, tmp_path):
    pid = _started()
    rules = load_ruleset()
    targets = make(tmp_path, ("a.txt", "ok", 20))
    (result,) = scan(targets, FAST, rules, jobs=1, check=fake_check)
    assert result.error is None and result.fields["pid"] == pid
    assert f"digest='{rules.digest}'" in result.fields["ruleset"]  # the rules it compiled are the run's
    assert standby._held is None and _gone(pid)


def test_a_standby_with_other_rules_is_stopped_and_the_scan_forks_its_worker(two_cores, tmp_path):
    pid = _started()
    targets = make(tmp_path, ("a.txt", "ok", 20), ("b.txt", "ok", 10))
    results = list(scan(targets, FAST, "RULES WITHOUT A DIGEST", jobs=1, check=fake_check))
    assert [r.fields["pid"] != pid and r.fields["ruleset"] == "RULES WITHOUT A DIGEST" for r in results] == [True] * 2
    assert standby._held is None and _gone(pid)


def test_a_run_with_rule_folders_of_its_own_leaves_the_standby_unasked(two_cores, tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    settings = Settings(limits=FAST.limits, rule_dirs=(str(folder),))
    pid = _started()
    assert select.select([standby._held[1]], [], [], 20)[0]  # it has compiled the built-in rules
    (result,) = scan(make(tmp_path, ("a.txt", "ok", 20)), settings, load_ruleset(), jobs=1, check=fake_check)
    assert result.error is None and result.fields["pid"] != pid
    assert standby._held is None and _gone(pid)


def test_a_standby_that_died_leaves_the_file_to_a_forked_worker(two_cores, tmp_path):
    pid = _started()
    os.kill(pid, 9)
    (result,) = scan(make(tmp_path, ("a.txt", "ok", 20)), FAST, load_ruleset(), jobs=1, check=fake_check)
    assert result.error is None and result.fields["pid"] not in (pid, os.getpid())
    assert _gone(pid)


def test_an_adopted_standby_is_a_worker_under_the_same_timeout(two_cores, tmp_path):
    pid = _started()
    settings = Settings(limits=Limits(timeout=1, memory_mb=0))
    targets = make(tmp_path, ("slow.txt", "sleep", 500), ("a.txt", "ok", 20))
    started = time.monotonic()
    got = {os.path.basename(r.path): r for r in scan(targets, settings, load_ruleset(), jobs=1, check=fake_check)}
    assert time.monotonic() - started < 8
    assert got["slow.txt"].error == ErrorInfo("timeout", "gave up after 1 s", "worker")
    assert got["a.txt"].error is None and got["a.txt"].fields["pid"] != pid  # its replacement
    assert _gone(pid) and multiprocessing.active_children() == []


def warmed_check(path, settings, ruleset):
    """`fake_check`, and the formats whose made-up letter this process had checked (`warmup.py`)."""
    from authcheck.batch import warmup

    result = fake_check(path, settings, ruleset)
    return replace(result, fields={**result.fields, "warmed": list(warmup.warmed)})


def _idle(pid: int, within: float = 30.0) -> bool:
    """True once `pid` has used no CPU for 0.3 s (it waits on its pipe)."""
    deadline, last, still = time.monotonic() + within, None, 0
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat") as fh:
            used = fh.read().rpartition(")")[2].split()[11:13]  # utime, stime
        still = still + 1 if used == last else 0
        if still >= 3:
            return True
        last = used
        time.sleep(0.1)
    return False


@pytest.mark.parametrize(
    ("named", "formats"), [("letter.docx", ["docx"]), ("letter.pdf", ["pdf"]), ("-", ["text", "pdf", "docx"])]
)
def test_a_standby_checks_a_made_up_letter_of_each_kind_named_while_it_waits(
    named, formats, two_cores, tmp_path, monkeypatch
):
    from authcheck.batch import warmup

    monkeypatch.setattr(warmup, "warmed", [])
    if named != "-":
        (tmp_path / named).write_bytes(b"not read before it is a worker")
    standby.start([str(tmp_path / named) if named != "-" else "-"])
    pid = standby._held[0].pid
    assert _idle(pid)
    (result,) = scan(make(tmp_path, ("a.txt", "ok", 20)), FAST, load_ruleset(), jobs=1, check=warmed_check)
    assert result.fields["pid"] == pid and result.fields["warmed"] == formats
    assert warmup.warmed == []  # in the standby, not here


def test_a_standby_the_command_already_waits_for_goes_straight_to_the_file(two_cores, tmp_path, monkeypatch):
    import dataclasses

    from authcheck.batch import warmup
    from authcheck.engine import rulepack

    monkeypatch.setattr(warmup, "warmed", [])
    compile_rules, prepare = rulepack.ruleset_for, dataclasses.replace

    def slow_rules(settings, read=None):  # the standby's rules are ready only after the command waits
        time.sleep(0.5)
        return compile_rules(settings, read)

    def slow_spec(*args, **kwargs):  # and the command hands over its file only 0.3 s after they are
        time.sleep(0.3)
        return prepare(*args, **kwargs)

    monkeypatch.setattr(rulepack, "ruleset_for", slow_rules)
    (tmp_path / "letter.pdf").write_bytes(b"not read before it is a worker")
    standby.start([str(tmp_path / "letter.pdf")])
    pid = standby._held[0].pid
    monkeypatch.setattr(dataclasses, "replace", slow_spec)  # `take` prepares the spec with it
    (result,) = scan(make(tmp_path, ("a.txt", "ok", 20)), FAST, load_ruleset(), jobs=1, check=warmed_check)
    assert result.fields["pid"] == pid and result.fields["warmed"] == []  # no made-up letter first


def test_a_standby_no_scan_takes_is_stopped(two_cores):
    pid = _started()
    standby.discard()
    assert standby._held is None and _gone(pid)


@pytest.mark.parametrize("holder", [False, True])
def test_a_standby_leaves_when_its_command_is_gone(holder):
    code = (
        "import os, sys, time\n"
        "from authcheck.batch import standby\n"
        "standby._usable_cores = lambda: 2\n"
        "standby.start(['letter.txt'])\n"
        "held = os.fork() if sys.argv[1] == 'holder' else 0\n"  # another child, with the pipe's end
        "if sys.argv[1] == 'holder' and held == 0:\n"
        "    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)\n"
        "    time.sleep(30)\n"
        "    os._exit(0)\n"
        "print(standby._held[0].pid, held, flush=True)\n"
        "os._exit(0)\n"  # without discard(): as if killed
    )
    env = {k: v for k, v in os.environ.items() if k != standby.ENV}
    args = [sys.executable, "-c", code, "holder" if holder else "alone"]
    done = subprocess.run(args, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env, timeout=60)
    pid, held = map(int, done.stdout.split())
    try:
        assert _gone(pid, within=10)  # at the pipe's end, or (held open elsewhere) its parent gone
    finally:
        if held:
            os.kill(held, 9)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["letter.pdf"], True),
        (["check", "letters", "--format", "json"], True),
        (["--format", "sarif", "a.pdf", "b.docx"], True),
        (["-"], True),
        ([], False),
        (["rules", "list"], False),
        (["server", "status"], False),
        (["extract", "letter.pdf"], False),
        (["letter.pdf", "--help"], False),
        (["--version"], False),
        (["letters", "--scheduler", "tcp://127.0.0.1:8786"], False),
        (["letters", "--scheduler=local"], False),
    ],
)
def test_a_standby_is_started_for_a_check_only(argv, expected, monkeypatch):
    monkeypatch.setattr(standby, "_usable_cores", lambda: 2)
    assert standby.wanted(argv, env={}) is expected
    assert standby.wanted(argv, env={"AUTHCHECK_STANDBY": "off"}) is False
    monkeypatch.setattr(standby, "_usable_cores", lambda: 1)
    assert standby.wanted(argv, env={}) is False  # no core to spare


def test_the_other_commands_are_the_clis():
    from authcheck.cli.main import main

    assert set(standby.OTHER_COMMANDS) == set(main.commands) - {"check"}


def test_a_folder_scan_starts_no_standby(two_cores, tmp_path):
    (tmp_path / "letter.txt").write_text("Dear Sir,")
    for argv in (["check", str(tmp_path)], [str(tmp_path / "letter.txt"), str(tmp_path), "--format", "json"]):
        standby.start(argv)
        assert standby._held is None, argv
    standby.start(["check", str(tmp_path / "letter.txt"), "--format", "json"])  # a file: started
    assert standby._held is not None
    pid = standby._held[0].pid
    standby.discard()
    assert _gone(pid)


def test_the_standby_guesses_the_formats_from_the_files_named(tmp_path):
    (tmp_path / "a.PDF").write_bytes(b"%PDF-1.4")
    (tmp_path / "b.docx").write_bytes(b"PK")
    argv = ["check", str(tmp_path / "a.PDF"), "--format", "json", str(tmp_path / "b.docx"), "missing.txt"]
    assert standby._extensions(argv) == (".pdf", ".docx")
    assert standby._extensions([str(tmp_path)]) == ("",)  # a folder: any format
    assert standby._extensions(["--format", "json"]) == ("",)  # nothing named: any format


@pytest.mark.parametrize("accelerated", [True, False])
@pytest.mark.parametrize("size", [0, 10, 16_385, 300_000])
def test_the_standby_pipe_speaks_multiprocessing_frames(size, accelerated, monkeypatch):
    if not accelerated:  # an interpreter without pickle's C implementation: pickle.py's
        monkeypatch.setitem(sys.modules, "_pickle", None)
    ours, theirs = multiprocessing.Pipe()
    pipe = Pipe(os.dup(theirs.fileno()))
    theirs.close()
    value = {"bytes": b"x" * size, "text": "é" * (size // 3), "n": size}
    sender = threading.Thread(target=pipe.send, args=(value,))  # more than a socket buffer holds
    sender.start()
    assert ours.poll(5) and ours.recv() == value
    sender.join()
    sender = threading.Thread(target=ours.send, args=(value,))
    sender.start()
    assert pipe.poll(5) and pipe.recv() == value
    sender.join()
    assert not pipe.poll(0)
    ours.close()
    with pytest.raises(EOFError):
        pipe.recv()
    pipe.close()


ADOPTION = """
import json, sys
from authcheck.batch import standby
taken = []
original = standby.take
def take(spec, digest):
    found = original(spec, digest)
    taken.append(found is not None)
    return found
standby.take = take
import os
from authcheck.cli import launcher
_exit, command = os._exit, os.getpid()
def leave(code):
    if os.getpid() == command:  # not the standby or a worker, which inherit this too
        seen = {
            "taken": taken,
            "compiled": "authcheck.engine.rulepack" in sys.modules,  # the rules were compiled here
            "multiprocessing": "multiprocessing" in sys.modules,  # needed to fork a worker, not to use the standby
            # pickle.py run: multiprocessing's, not the standby's pipe's (the launcher defers it)
            "pickle": type(sys.modules.get("pickle")).__name__ == "module",
            "on_demand": sorted(m for m in ("pypdf", "rapidfuzz") if m in sys.modules),  # pipeline.ON_DEMAND
        }
        sys.stderr.write("SEEN " + json.dumps(seen) + "\\n")
        sys.stderr.flush()
    _exit(code)
os._exit = leave
sys.argv = ["authcheck", *sys.argv[1:]]
launcher.entry()
"""


@pytest.mark.parametrize("fmt", ["json", "sarif", "jsonl"])
def test_the_first_command_takes_its_standby_and_writes_the_same_report(fmt, tmp_path):
    letters = [str(SAMPLES / "withdrawal-letter-2020.pdf"), str(SAMPLES / "draft-memo.docx")]
    runs = {}
    for mode in ("default", "off"):
        env = {k: v for k, v in os.environ.items() if k not in (standby.ENV, "CI")}
        env.update(AUTHCHECK_SERVER="off", AUTHCHECK_CACHE_DIR=str(tmp_path / mode))
        if mode == "off":
            env[standby.ENV] = "off"
        args = [sys.executable, "-c", ADOPTION, *letters[: 1 if fmt == "json" else 2], "--format", fmt, "--no-cache"]
        runs[mode] = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    default, off = runs["default"], runs["off"]
    order = sorted if fmt == "jsonl" else list  # JSON lines come in completion order
    assert default.returncode == off.returncode
    assert order(default.stdout.splitlines()) == order(off.stdout.splitlines())
    assert default.returncode == 1 and default.stdout.strip()
    cores = len(os.sched_getaffinity(0))
    with_standby, without = _seen(default), _seen(off)
    taken = with_standby["taken"]
    assert taken[:1] == [cores > 1] and True not in taken[1:]  # one answer for each worker the scan started
    assert True not in without["taken"]  # none started
    # One file's JSON report needs no rule compiled in the command when its standby compiled them; SARIF
    # describes every rule, and two files fork a second worker from the command.
    assert with_standby["compiled"] is (fmt != "json" or cores < 2) and without["compiled"] is True
    # Nor did it import multiprocessing, which only forking a worker needs.
    assert with_standby["multiprocessing"] is (fmt != "json" or cores < 2) and without["multiprocessing"] is True
    # Nor pickle.py: the pipe to the standby pickles with its C implementation (`framedpipe._pickler`).
    assert with_standby["pickle"] is with_standby["multiprocessing"] and without["pickle"] is True


def _seen(run) -> dict:
    """What the command's process reported at its exit (`ADOPTION`)."""
    return json.loads(run.stderr.split("SEEN ")[1].split("\n")[0])


def test_a_command_waiting_for_its_standbys_word_does_its_own_steps_until_the_word_comes(two_cores):
    _started()
    taken = []

    def steps():  # the command's own work, a step at a time (`Run.waiting`): far more than the wait
        for k in range(5000):
            time.sleep(0.002)
            taken.append(k)
            yield

    started = time.monotonic()
    said = standby.announced(asking=True, steps=steps())
    assert said == load_ruleset().digest  # the word, as without steps
    assert taken  # the standby was compiling its rules: the command stepped meanwhile
    assert len(taken) < 5000 and time.monotonic() - started < 9  # and stopped once the word was in
    before = len(taken)
    assert standby.announced(steps=steps()) == said and len(taken) == before  # said once: no steps again


def test_a_target_list_for_the_scan_is_unchanged_by_a_standby(two_cores, tmp_path):
    pid = _started()
    targets = [*make(tmp_path, *[(f"f{i}.txt", "ok", 10 + i) for i in range(6)]), Target(str(tmp_path / "gone.txt"))]
    results = list(scan(targets, FAST, load_ruleset(), jobs=2, check=fake_check))
    assert sorted(r.path for r in results) == sorted(t.path for t in targets)
    pids = {r.fields["pid"] for r in results if r.error is None}
    assert pid in pids and len(pids) <= 2
    assert _gone(pid)


def _run(path: Path, settings: Settings = FAST):
    """A one-file run of the command's kind: the built-in rules as a `RuleSetRef`, no cache."""
    from authcheck.batch.config import ProjectConfig
    from authcheck.batch.run import Run
    from authcheck.engine.ruleref import RuleSetRef

    run = Run([str(path)], ProjectConfig(settings, cache=False), RuleSetRef(settings), jobs=1)
    return run, run.targets()


def _record(result) -> dict:
    from authcheck.batch.cache import result_to_record

    record = result_to_record(result)
    record.pop("elapsed_ms", None)
    return record


def test_the_standby_compiles_a_single_files_rules_for_the_command(two_cores, tmp_path):
    letter = SAMPLES / "withdrawal-letter-2020.txt"
    pid = _started()
    run, targets = _run(letter)
    run.prepare(targets)
    assert not run.ruleset.loaded  # its standby vouched for the rules: not compiled here as well
    (result,) = run.results(targets)
    assert result.error is None and not run.ruleset.loaded and _gone(pid)
    plain, targets = _run(letter)
    standby.discard()
    (expected,) = plain.results(targets)  # no standby: compiled here, as always
    assert plain.ruleset.loaded and _record(result) == _record(expected)


def test_a_standby_that_died_after_vouching_leaves_the_rules_to_the_forked_worker(two_cores, tmp_path):
    letter = SAMPLES / "withdrawal-letter-2020.txt"
    pid = _started()
    run, targets = _run(letter)
    run.prepare(targets)
    assert not run.ruleset.loaded
    os.kill(pid, 9)
    assert _gone(pid)
    (result,) = run.results(targets)
    assert result.error is None and result.findings and not run.ruleset.loaded  # the worker compiled them


def test_rules_the_standby_could_not_compile_are_loaded_by_the_command_with_their_error(
    two_cores, tmp_path, monkeypatch
):
    from authcheck.engine import rulepack
    from authcheck.errors import RuleError

    def broken(settings, read=None):
        raise RuleError("the pack does not compile")

    monkeypatch.setattr(rulepack, "ruleset_for", broken)  # in the standby it forks, and here
    pid = _started()
    run, targets = _run(SAMPLES / "withdrawal-letter-2020.txt")
    with pytest.raises(RuleError, match="does not compile"):
        run.prepare(targets)
    standby.discard()
    assert _gone(pid)


@pytest.mark.parametrize("settings", [Settings(limits=Limits(timeout=20, memory_mb=64)), None])
def test_the_command_compiles_for_itself_what_the_standby_does_not_stand_for(settings, two_cores, tmp_path):
    """A smaller memory cap than the standby compiled under, or two files (the second worker is
    forked from the command): the rules are compiled here."""
    letter = SAMPLES / "withdrawal-letter-2020.txt"
    _started()
    if settings is None:
        from authcheck.batch.config import ProjectConfig
        from authcheck.batch.run import Run
        from authcheck.engine.ruleref import RuleSetRef

        run = Run([str(letter), str(SAMPLES / "draft-memo.docx")], ProjectConfig(FAST, cache=False), RuleSetRef(FAST))
        targets = run.targets()
    else:
        run, targets = _run(letter, settings)
    run.prepare(targets)
    assert run.ruleset.loaded


def test_a_worker_handed_unloaded_rules_compiles_them_before_its_first_file(tmp_path):
    """Before the file's time starts, and the check sees the compiled set, not the stand-in."""
    from authcheck.engine.ruleref import RuleSetRef

    ref = RuleSetRef(FAST)
    (result,) = scan(make(tmp_path, ("a.txt", "ok", 20)), FAST, ref, jobs=1, check=fake_check)
    assert result.error is None and f"digest='{ref.digest}'" in result.fields["ruleset"]
    assert not ref.loaded  # in the worker, not here


def test_a_missing_file_does_not_wait_for_the_standby(two_cores, tmp_path):
    """Nothing is checked, so nothing waits for the standby's rules: the command loads them as before."""
    _started()
    run, targets = _run(tmp_path / "gone.pdf")
    assert [t.missing for t in targets] == [True]
    run.prepare(targets)
    assert run.ruleset.loaded and standby._said is standby._UNASKED


def test_a_batch_leaves_pypdf_and_rapidfuzz_to_the_worker_whose_file_needs_them(tmp_path):
    # The parent readies the pipeline before forking its workers, but not what only some files need
    # (pipeline.ON_DEMAND): a folder of plain letters would wait for it; a revised PDF's worker imports it.
    from tools import pdf_forensic_fixtures as fx

    plain = tmp_path / "plain"
    plain.mkdir()
    letter = (SAMPLES / "withdrawal-letter-2020.pdf").read_bytes()
    (plain / "a.pdf").write_bytes(letter)
    (plain / "b.txt").write_bytes((SAMPLES / "coordination-letter.txt").read_bytes())
    revised = tmp_path / "revised"
    revised.mkdir()
    (revised / "a.pdf").write_bytes(letter)
    (revised / "b.pdf").write_bytes(fx.set_info(letter, Title="Revised"))
    env = {k: v for k, v in os.environ.items() if k not in (standby.ENV, "CI")}
    env.update(AUTHCHECK_SERVER="off", AUTHCHECK_CACHE_DIR=str(tmp_path / "cache"))
    seen = {}
    for folder in (plain, revised):
        args = [sys.executable, "-c", ADOPTION, str(folder), "--format", "jsonl", "--no-cache", "--jobs", "2"]
        done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
        records = {Path(r["path"]).name: r for r in map(json.loads, done.stdout.splitlines())}
        assert len(records) == 2 and not any(r.get("error") for r in records.values()), done.stderr
        seen[folder.name] = (_seen(done)["on_demand"], records)
    assert seen["plain"][0] == [] and seen["revised"][0] == []
    edits = [f["message"] for f in seen["revised"][1]["b.pdf"]["findings"] if f["rule"] == "metadata.hand-edited"]
    assert edits and "revision 2: Title" in edits[0]  # its revisions compared through pypdf, in the worker
