"""The rule index (`rulefiles.read_digests`, issue 15: start-up): a run whose rule files are as
they were when the index was written knows the rule set's digest without reading a file, and its
rules come from the parsed-rule cache; any change to a file, a forged entry or a file changed too
recently to trust its times means reading the files, as always."""

from __future__ import annotations

import marshal
import os

import pytest

from authcheck.engine import rulefiles, rulepack
from authcheck.engine.rulefiles import digest_of, pack_key, read_digests, read_pack
from authcheck.engine.rulepack import load_ruleset
from authcheck.util.sealed import TAG
from tests.test_rule_cache import DATED

OTHER = DATED.replace("custom.dated", "custom.other").replace("weight: 20", "weight: 30")


@pytest.fixture
def pack(tmp_path, monkeypatch):
    """A rule folder of two files in a cache folder of its own, trusted at once (`SETTLED_NS` 0),
    and a list of the rule files read from now on."""
    monkeypatch.delenv("AUTHCHECK_NO_RULE_CACHE", raising=False)
    monkeypatch.setenv("AUTHCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(rulefiles, "SETTLED_NS", 0)
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "a.yaml").write_text(DATED)
    (folder / "b.yaml").write_text(OTHER)
    read: list[str] = []
    original = rulefiles.read_rule

    def counting(path):
        read.append(os.path.basename(path))
        return original(path)

    monkeypatch.setattr(rulefiles, "read_rule", counting)
    monkeypatch.setattr(rulepack, "_read", counting)
    return folder, read


def _expected(folder) -> tuple[str, str]:
    files, texts = read_pack([str(folder)], builtin=False)
    return digest_of(files, texts, builtin=False), pack_key(texts)


def test_an_indexed_pack_is_known_without_reading_a_file(pack):
    folder, read = pack
    first = read_digests([str(folder)], builtin=False)
    assert first.texts is not None and read == ["a.yaml", "b.yaml"]
    read.clear()
    second = read_digests([str(folder)], builtin=False)
    assert second.texts is None and read == []
    assert (second.digest, second.key) == (first.digest, first.key) == _expected(folder)


def test_rules_load_from_the_index_and_the_parsed_pack_alone(pack):
    folder, read = pack
    loaded = load_ruleset([str(folder)], builtin=False)  # reads, parses, indexes, caches the parsed pack
    read.clear()
    again = load_ruleset([str(folder)], builtin=False)
    assert read == []
    assert again.digest == loaded.digest and [r.id for r in again.rules] == ["custom.dated", "custom.other"]
    assert [r.weight for r in again.rules] == [20, 30]


def test_without_the_parsed_pack_the_files_are_read(pack, tmp_path):
    folder, read = pack
    loaded = load_ruleset([str(folder)], builtin=False)
    for entry in (tmp_path / "cache" / "rules-v2").glob("pack-*.json"):
        entry.unlink()
    read.clear()
    again = load_ruleset([str(folder)], builtin=False)
    assert sorted(set(read)) == ["a.yaml", "b.yaml"] and again.digest == loaded.digest


@pytest.mark.parametrize("keep_times", [False, True], ids=["edited", "edited-times-put-back"])
def test_an_edited_file_is_read_again(pack, keep_times):
    folder, read = pack
    read_digests([str(folder)], builtin=False)
    before = os.stat(folder / "b.yaml")
    (folder / "b.yaml").write_text(OTHER.replace("weight: 30", "weight: 40"))  # the same size
    if keep_times:  # a program can put the modification time back, never the change time
        os.utime(folder / "b.yaml", ns=(before.st_atime_ns, before.st_mtime_ns))
    read.clear()
    again = read_digests([str(folder)], builtin=False)
    assert again.texts is not None and read == ["a.yaml", "b.yaml"]
    assert (again.digest, again.key) == _expected(folder)
    assert load_ruleset([str(folder)], builtin=False).get("custom.other").weight == 40


def test_a_forged_index_entry_is_a_miss(pack, tmp_path):
    folder, read = pack
    honest = read_digests([str(folder)], builtin=False)
    (entry,) = (tmp_path / "cache" / "rules-v2").glob("index-*.bin")
    raw = entry.read_bytes()
    head = len(rulefiles.INDEX_FORMAT) + TAG
    assert marshal.loads(raw[head:])["digest"] == honest.digest  # what a forger would change
    data = marshal.loads(raw[head:])
    data["digest"] = "0" * 64  # someone who can write the cache folder, but has not the key
    entry.write_bytes(raw[:head] + marshal.dumps(data))  # the old seal kept
    read.clear()
    again = read_digests([str(folder)], builtin=False)
    assert again.texts is not None and again.digest == honest.digest


def test_a_file_changed_too_recently_is_not_indexed(pack, monkeypatch, tmp_path):
    folder, read = pack
    monkeypatch.setattr(rulefiles, "SETTLED_NS", 60 * 10**9)  # the files were written just now
    read_digests([str(folder)], builtin=False)
    assert not list((tmp_path / "cache" / "rules-v2").glob("index-*.bin"))
    read.clear()
    assert read_digests([str(folder)], builtin=False).texts is not None and read == ["a.yaml", "b.yaml"]


def test_a_new_file_in_the_folder_is_a_miss(pack):
    folder, read = pack
    read_digests([str(folder)], builtin=False)
    (folder / "c.yaml").write_text(DATED.replace("custom.dated", "custom.third"))
    read.clear()
    again = read_digests([str(folder)], builtin=False)
    assert again.texts is not None and read == ["a.yaml", "b.yaml", "c.yaml"]
