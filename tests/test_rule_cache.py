"""The parsed-rule cache: same values on every run, authenticated entries, bounded YAML, memory cap."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import textwrap

import pytest

from authcheck.engine import rulepack
from authcheck.engine.rulepack import load_ruleset, parsed_rule
from authcheck.engine.ruletest import run_rule_tests
from authcheck.errors import RuleError

DATED = textwrap.dedent("""\
    id: custom.dated
    title: Dated the day the office closed
    description: Letters dated the day the office closed are suspect.
    severity: medium
    axis: origin
    weight: 20
    when: {field: date.value, is: 2020-01-06}
    message: "Dated the day the office closed."
    references: ["internal list"]
    x-seen: {2020-01-06: closed, 7: seven}
    tests:
      - {name: hit, expect: match, fields: {date.value: "2020-01-06"}}
      - {name: miss, expect: no_match, fields: {date.value: "2021-02-03"}}
""")

BOMB = "".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n',
        *(f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")),
    ]
)


@pytest.fixture
def rule_cache(tmp_path, monkeypatch):
    """The parsed-rule cache on, in tmp; returns its folder."""
    monkeypatch.delenv("AUTHCHECK_NO_RULE_CACHE", raising=False)
    monkeypatch.setenv("AUTHCHECK_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "rules-v2"


def entry_for(folder, text: str):
    return folder / (hashlib.sha256(text.encode()).hexdigest() + ".json")


def test_dates_and_integer_keys_load_the_same_from_the_cache(rule_cache):
    first = parsed_rule(DATED, "dated.yaml")
    assert entry_for(rule_cache, DATED).exists()  # the second call below really reads the cache
    second = parsed_rule(DATED, "dated.yaml")
    assert second == first and rulepack.same_values(second, first)
    assert second["x-seen"] == {dt.date(2020, 1, 6): "closed", 7: "seven"}


def test_a_rule_using_a_date_scores_the_same_on_the_second_run(tmp_path, rule_cache):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "dated.yaml").write_text(DATED)

    def outcome():
        rules = [r for r in load_ruleset([str(tmp_path / "pack")]).rules if r.id == "custom.dated"]
        return [(c.name, c.passed) for c in run_rule_tests(rules)]

    assert outcome() == outcome()


def test_forged_cache_entry_is_not_used(rule_cache):
    parsed_rule(DATED, "dated.yaml")
    entry = entry_for(rule_cache, DATED)
    wrapper = json.loads(entry.read_text())
    wrapper["data"] = wrapper["data"].replace("2020-01-06", "1999-01-01")
    entry.write_text(json.dumps(wrapper))
    assert parsed_rule(DATED, "dated.yaml")["when"]["is"] == dt.date(2020, 1, 6)


def test_plain_json_entry_like_the_old_cache_is_not_used(rule_cache):
    os.makedirs(rule_cache)
    entry_for(rule_cache, DATED).write_text(json.dumps({"id": "custom.forged"}))
    assert parsed_rule(DATED, "dated.yaml")["id"] == "custom.dated"


def test_alias_bomb_is_refused_with_a_rule_error(tmp_path, rule_cache):
    assert len(BOMB) < 1000
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "bomb.yaml").write_text(BOMB)
    with pytest.raises(RuleError, match="alias"):
        load_ruleset([str(tmp_path / "pack")])
    assert not entry_for(rule_cache, BOMB).exists()


def test_alias_bomb_exits_2_from_the_command_line(cli, tmp_path):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "bomb.yaml").write_text(BOMB)
    result = cli("samples/coordination-letter.txt", "--rules", str(tmp_path / "pack"))
    assert result.exit_code == 2
    assert "bomb.yaml" in result.stderr and "alias" in result.stderr


def test_a_few_aliases_are_still_fine():
    data = rulepack.parse_yaml("base: &b {weight: 3}\none: *b\ntwo: *b\n", "ok.yaml")
    assert data["two"] == {"weight": 3}


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc and RLIMIT_AS (Linux)")
def test_rule_loading_runs_under_the_memory_cap(tmp_path, monkeypatch):
    def greedy(text, path):
        return {"x": bytearray(600 * 1024 * 1024)}  # more than the 256 MB cap below

    monkeypatch.setattr(rulepack, "parsed_rule", greedy)
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "big.yaml").write_text("id: x\n")
    with pytest.raises(RuleError, match="memory"):
        load_ruleset([str(tmp_path / "pack")], builtin=False, memory_mb=256)
    import resource

    assert resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY  # put back afterwards


def _within(seconds: float, call):
    """call() in a daemon thread; its result, or "hung" when it is still running after `seconds`."""
    import threading

    box = ["hung"]
    worker = threading.Thread(target=lambda: box.__setitem__(0, call()), daemon=True)
    worker.start()
    worker.join(seconds)
    return box[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_planted_in_the_rule_cache_is_a_miss_not_a_hang(rule_cache):
    """The cache folder is not trusted: a FIFO (or a link to /dev/zero) as an entry hung every run."""
    os.makedirs(rule_cache)
    os.mkfifo(entry_for(rule_cache, DATED))
    data = _within(20, lambda: parsed_rule(DATED, "dated.yaml"))
    assert data != "hung" and data["id"] == "custom.dated"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_a_rule_pack_is_a_rule_error_not_a_hang(tmp_path):
    (tmp_path / "pack").mkdir()
    os.mkfifo(tmp_path / "pack" / "pipe.yaml")

    def load():
        try:
            load_ruleset([str(tmp_path / "pack")])
        except RuleError as exc:
            return str(exc)
        return "loaded"

    message = _within(20, load)
    assert message != "hung" and "not a regular file" in message


def _pack_entries(folder):
    """A pack's entries: marshalled (`.marshalN`), or tagged JSON when marshal cannot keep its values."""
    return sorted(p for p in folder.glob("pack-*") if not p.name.endswith(".tmp"))


def _rules_of(ruleset):
    return [(r.id, r.title, r.message, r.weight, r.file) for r in ruleset.rules], ruleset.digest


def test_a_warm_load_reads_one_pack_entry_and_parses_no_yaml(rule_cache, monkeypatch):
    cold = load_ruleset()
    assert len(_pack_entries(rule_cache)) == 1
    for entry in rule_cache.glob("[0-9a-f]*.json"):
        entry.unlink()  # the files' own entries are gone: only the pack entry can answer

    def no_yaml(text, path):
        raise AssertionError("parsed YAML on a warm run")

    monkeypatch.setattr(rulepack, "parse_yaml", no_yaml)
    warm = load_ruleset()
    assert _rules_of(warm) == _rules_of(cold)
    assert [rulepack.same_values(a.tests, b.tests) for a, b in zip(warm.rules, cold.rules)] == [True] * len(cold.rules)


def test_the_built_in_pack_is_kept_marshalled_and_a_pack_with_dates_as_json(rule_cache, tmp_path):
    load_ruleset()
    (builtin,) = _pack_entries(rule_cache)
    assert ".marshal" in builtin.name  # no dates in the built-in rules: marshal keeps every value
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "dated.yaml").write_text(DATED)
    cold = load_ruleset([str(tmp_path / "pack")], builtin=False)
    dated = [p for p in _pack_entries(rule_cache) if p != builtin]
    assert [p.suffix for p in dated] == [".json"]  # YAML's dates: marshal cannot write them
    for entry in rule_cache.glob("[0-9a-f]*.json"):
        entry.unlink()  # only the pack entry can answer
    warm = load_ruleset([str(tmp_path / "pack")], builtin=False)
    assert rulepack.same_values(warm.rules[0].tests, cold.rules[0].tests)


def test_a_forged_pack_entry_is_a_miss(rule_cache):
    cold = load_ruleset()
    (entry,) = _pack_entries(rule_cache)
    raw = entry.read_bytes()
    first_title = cold.rules[0].title.encode()
    assert first_title in raw
    entry.write_bytes(raw.replace(first_title, b"X" * len(first_title)))  # someone without the key
    assert load_ruleset().rules[0].title == first_title.decode()


def test_a_file_entry_replayed_as_the_pack_entry_is_a_miss(rule_cache, tmp_path):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "dated.yaml").write_text(DATED)
    load_ruleset([str(tmp_path / "pack")], builtin=False)
    (entry,) = _pack_entries(rule_cache)
    entry.write_text(entry_for(rule_cache, DATED).read_text())  # a valid MAC, but for another key
    assert [r.id for r in load_ruleset([str(tmp_path / "pack")], builtin=False).rules] == ["custom.dated"]


def test_an_edited_rule_file_is_read_afresh(rule_cache, tmp_path):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "dated.yaml").write_text(DATED)
    assert load_ruleset([str(tmp_path / "pack")], builtin=False).rules[0].weight == 20
    (tmp_path / "pack" / "dated.yaml").write_text(DATED.replace("weight: 20", "weight: 35"))
    assert load_ruleset([str(tmp_path / "pack")], builtin=False).rules[0].weight == 35
    assert len(_pack_entries(rule_cache)) == 2


def test_a_broken_second_file_still_fails_on_the_first_problem_in_order(rule_cache, tmp_path):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "a.yaml").write_text("id: [not, a, string]\n")
    (tmp_path / "pack" / "b.yaml").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(RuleError) as err:
        load_ruleset([str(tmp_path / "pack")], builtin=False)
    assert "a.yaml" in str(err.value)
    assert not _pack_entries(rule_cache)


def test_a_pack_entry_an_earlier_version_wrote_as_json_is_marshalled_on_its_next_load(rule_cache, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(rulepack._PackCache, "_marshal", lambda self, items: False)  # as before marshalling
        cold = load_ruleset()
    assert [p.suffix for p in _pack_entries(rule_cache)] == [".json"]
    assert _rules_of(load_ruleset()) == _rules_of(cold)  # read from the JSON entry, then marshalled
    marshalled = [p for p in _pack_entries(rule_cache) if ".marshal" in p.name]
    assert len(marshalled) == 1
    for entry in rule_cache.glob("*.json"):
        entry.unlink()  # only the marshalled entry can answer now
    monkeypatch.setattr(rulepack, "parse_yaml", lambda text, path: pytest.fail("parsed YAML"))
    assert _rules_of(load_ruleset()) == _rules_of(cold)
