"""The table of compiled patterns (`util/patterns.py`): the same patterns as `re.compile`, from a
table only this user's cache key could have written, and `re.compile` whenever anything is off."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import authcheck
from authcheck.util import patterns

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """The module as a new process has it, with its own cache folder and key."""
    monkeypatch.setenv("AUTHCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AUTHCHECK_CACHE_KEY", "a key for this test only, long enough")
    monkeypatch.delenv("AUTHCHECK_NO_PATTERN_CACHE", raising=False)

    def restart():
        monkeypatch.setattr(patterns, "_table", None)
        monkeypatch.setattr(patterns, "_new", {})
        monkeypatch.setattr(patterns, "_on", True)

    restart()
    return restart


def _table_file(tmp_path) -> Path:
    (found,) = (tmp_path / "cache" / "patterns-v1").glob("*.bin")
    return found


PATTERNS = [
    (r"(?P<label>TO|FROM)\s*:\s*(\S+)", re.I),
    (r"^\s*(?:MEMORANDUM|MEMO)(?:\s+(?:FOR|THRU)\b.*)?\s*$", re.I | re.M),
    (rb"(\d+)[ \t\r\n]+(\d+)[ \t\r\n]+obj", 0),
    ("[\u0590-\u08ff\U00010800-\U00010fff]", 0),
    (r"(a)(?:b|c)*?\1", re.S | re.X),
]


def test_a_pattern_from_the_table_is_re_compiles(fresh, tmp_path, monkeypatch):
    first = [patterns.compiled(p, f) for p, f in PATTERNS]
    patterns.save()
    assert oct(_table_file(tmp_path).stat().st_mode & 0o777) == "0o600"
    fresh()
    compiled_by_re = []
    original = re.compile
    monkeypatch.setattr(re, "compile", lambda *a: compiled_by_re.append(a) or original(*a))
    again = [patterns.compiled(p, f) for p, f in PATTERNS]
    assert compiled_by_re == []  # every one from the table
    for (pattern, flags), one, two in zip(PATTERNS, first, again):
        reference = original(pattern, flags)
        assert one == two == reference  # pattern, flags and compiled code
        assert (two.groups, two.groupindex, two.flags) == (reference.groups, reference.groupindex, reference.flags)
    assert again[0].match("from : Jane").group("label", 2) == ("from", "Jane")
    assert again[4].fullmatch("abcb") is None and again[4].fullmatch("abcba") is not None


def _counting_re(monkeypatch) -> list:
    calls: list = []
    original = re.compile
    monkeypatch.setattr(re, "compile", lambda *a: calls.append(a) or original(*a))
    return calls


def test_a_table_changed_without_the_key_is_not_used(fresh, tmp_path, monkeypatch):
    import marshal

    patterns.compiled(r"\bsigned\b", re.I)
    patterns.compiled("NEVER")
    patterns.save()
    table = _table_file(tmp_path)
    raw = table.read_bytes()
    head = len(patterns._FORMAT) + 32
    entries = marshal.loads(raw[head:])
    entries[(r"\bsigned\b", int(re.I))] = entries[("NEVER", 0)]  # "signed" would match nothing
    table.write_bytes(raw[:head] + marshal.dumps(entries))  # the old MAC kept
    fresh()
    calls = _counting_re(monkeypatch)
    assert patterns.compiled(r"\bsigned\b", re.I).search("SIGNED") is not None
    assert calls == [(r"\bsigned\b", re.I)]


def test_a_table_made_with_another_key_is_not_used(fresh, tmp_path, monkeypatch):
    patterns.compiled(r"\bsigned\b", re.I)
    patterns.save()
    fresh()
    monkeypatch.setenv("AUTHCHECK_CACHE_KEY", "another user's key, just as long")
    calls = _counting_re(monkeypatch)
    patterns.compiled(r"\bsigned\b", re.I)
    assert calls == [(r"\bsigned\b", re.I)]


def test_a_table_that_is_not_a_regular_file_is_passed_over(fresh, tmp_path):
    patterns.compiled("x")
    patterns.save()
    table = _table_file(tmp_path)
    table.unlink()
    os.mkfifo(table)  # reading it would block for ever
    fresh()
    assert patterns.compiled("y+").fullmatch("yy") is not None
    assert patterns._table == {}


def test_the_table_can_be_turned_off(fresh, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTHCHECK_NO_PATTERN_CACHE", "1")
    patterns.compiled("x")
    patterns.save()
    assert not (tmp_path / "cache" / "patterns-v1").exists()


def test_saving_adds_to_what_another_process_saved(fresh, tmp_path):
    patterns.compiled("one")
    patterns.save()
    fresh()
    patterns.compiled("two")  # this process never saw "one": the file keeps it
    patterns.save()
    fresh()
    patterns._load()
    assert {key[0] for key in patterns._table} == {"one", "two"}


def test_every_module_level_pattern_of_the_package_comes_back_the_same(fresh):
    for module in pkgutil.walk_packages(authcheck.__path__, "authcheck."):
        if not module.name.endswith("__main__"):
            try:
                importlib.import_module(module.name)
            except ImportError:  # an extra that is not installed
                continue
    source = [p for p in Path(authcheck.__file__).parent.rglob("*.py")]
    uses = sum(p.read_text().count("compiled(") for p in source if p.name != "patterns.py")
    fresh()
    entries = {}
    for module in list(sys.modules.values()):
        for value in list(vars(module).values()) if getattr(module, "__name__", "").startswith("authcheck") else ():
            if isinstance(value, re.Pattern):
                entries[(value.pattern, value.flags)] = value
    made = {key: patterns.compiled(*key) for key in entries}
    patterns.save()
    fresh()
    patterns._load()
    assert len(patterns._table) >= 0.9 * min(uses, len(made))
    for (pattern, flags), reference in entries.items():
        assert patterns.compiled(pattern, flags) == reference == made[(pattern, flags)]


CHECK = (
    "import json, sys\n"
    "{counting}"
    "from authcheck.batch.pipeline import check_path\n"
    "from authcheck.engine.rulepack import load_ruleset\n"
    "from authcheck.reporters.jsonout import render_json\n"
    "from authcheck.settings import Settings\n"
    "from authcheck.util import patterns\n"
    "result = check_path(sys.argv[1], Settings(), load_ruleset())\n"
    "render_json(result)\n"
    "patterns.save()\n"
    "print(json.dumps([result.verdict, found]))\n"
)


def _cold_twice(tmp_path, counting: str, sample: str = "withdrawal-letter-2020.pdf") -> list[tuple[str, list]]:
    """Two new processes check `sample` (and write its JSON report) with one cache folder, each after
    `counting`, code that fills the list `found`: [(verdict, found)] of each."""
    env = dict(os.environ, AUTHCHECK_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("AUTHCHECK_NO_PATTERN_CACHE", None)
    code = CHECK.replace("{counting}", counting)
    letter = str(ROOT / "samples" / sample)
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, letter], capture_output=True, text=True, env=env, cwd=ROOT, check=True
        )
        for _ in range(2)
    ]
    return [tuple(json.loads(run.stdout.strip().splitlines()[-1])) for run in runs]


def test_a_second_cold_command_compiles_none_of_the_package_patterns(tmp_path):
    (_, first), (_, second) = _cold_twice(
        tmp_path,
        "from re import _compiler\n"
        "found = []\n"
        "original = _compiler.compile\n"
        "def counted(p, flags=0):\n"
        "    caller = sys._getframe(3).f_globals.get('__name__', '')\n"
        "    if caller == 'authcheck.util.patterns': found.append(repr(p))\n"
        "    return original(p, flags)\n"
        "_compiler.compile = counted\n",
    )
    assert len(first) > 30 and second == []


def test_a_table_that_cannot_be_written_leaves_no_file_behind(fresh, tmp_path, monkeypatch):
    def refuse(*args):
        raise OSError(28, "No space left on device")

    patterns.compiled("one")
    monkeypatch.setattr(os, "replace", refuse)
    patterns.save()  # the cache only saves time: no error
    assert list((tmp_path / "cache" / "patterns-v1").iterdir()) == []


def test_generated_code_from_the_table_is_what_compile_makes(fresh, tmp_path):
    source = "def __init__(self, a, b=_default_b):\n    _setattr(self, 'a', a)\n    _setattr(self, 'b', b)\n"
    made = patterns.code(source)
    assert made == compile(source, "<string>", "exec")
    patterns.save()
    fresh()
    patterns._load()
    assert patterns._table[(patterns._CODE, source)] == made  # kept, under a key no pattern has
    again = patterns.code(source)
    assert again == made
    namespace = {"_setattr": object.__setattr__, "_default_b": 2}
    exec(again, namespace)
    holder = type("Holder", (), {"__init__": namespace["__init__"]})(1)
    assert (holder.a, holder.b) == (1, 2)


def test_a_second_cold_process_compiles_no_record_class(tmp_path):
    """The `__init__` of every `@frozen`/`@mutable` class (util/records.py) comes from the table on
    the second run: none is compiled again."""
    (verdict1, first), (verdict2, second) = _cold_twice(
        tmp_path,
        "import builtins\n"
        "found = []\n"
        "original = builtins.compile\n"
        "def counted(source, *args, **kwargs):\n"
        "    if isinstance(source, str) and source.startswith('def __init__('): found.append(source[:40])\n"
        "    return original(source, *args, **kwargs)\n"
        "builtins.compile = counted\n",
    )
    assert verdict1 == verdict2 and len(first) > 30 and second == []


#: Code that fills `found` with the patterns `re` compiles for authcheck's own code (not a library's).
COUNT_PACKAGE_COMPILES = (
    "import traceback\n"
    "from re import _compiler\n"
    "found = []\n"
    "original = _compiler.compile\n"
    "def counted(p, flags=0):\n"
    "    caller = next(f for f in reversed(traceback.extract_stack()[:-1]) if '/re/' not in f.filename)\n"
    "    if '/authcheck/' in caller.filename:  # authcheck's own code asked, not a library it imports\n"
    "        found.append(repr(p)[:60])\n"
    "    return original(p, flags)\n"
    "_compiler.compile = counted\n"
)


@pytest.mark.parametrize("sample", ["withdrawal-letter-2020.pdf", "forged-letter.pdf", "coordination-letter.txt"])
def test_a_second_cold_check_compiles_no_regular_expression_of_its_own(tmp_path, sample):
    """Every constant pattern authcheck's code uses on a check's path (module-level, or inline as
    `re.sub(r"...", ...)` once was) comes from the table on the second run: `re` compiles nothing
    for the package (third-party libraries' own patterns aside)."""
    (_, first), (_, second) = _cold_twice(tmp_path, COUNT_PACKAGE_COMPILES, sample)
    assert len(first) > 30 and second == [], second


@pytest.mark.parametrize("standby", ["off", "on"])
def test_what_a_commands_worker_compiled_is_in_the_table_for_the_next_process(tmp_path, standby):
    """A command's check runs in a worker (its standby, or one forked at the scan), which compiles the
    patterns the check needs on first use; the worker adds them to the table as it leaves, so the
    next process's check compiles none of them (no other process of a one-file command compiles them:
    a standby is taken before it could warm up)."""
    letter = str(ROOT / "samples" / "withdrawal-letter-2020.pdf")
    env = dict(os.environ, AUTHCHECK_CACHE_DIR=str(tmp_path / "cache"), AUTHCHECK_SERVER="off")
    env.update(AUTHCHECK_STANDBY=standby)
    env.pop("AUTHCHECK_NO_PATTERN_CACHE", None)
    command = [sys.executable, "-m", "authcheck", letter, "--format", "json", "--no-cache"]
    first = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert first.returncode in (0, 1, 2) and json.loads(first.stdout)["verdict"], first.stderr
    code = CHECK.replace("{counting}", COUNT_PACKAGE_COMPILES)
    then = subprocess.run([sys.executable, "-c", code, letter], capture_output=True, text=True, env=env, cwd=ROOT)
    verdict, found = json.loads(then.stdout.strip().splitlines()[-1])
    assert verdict and found == [], found
