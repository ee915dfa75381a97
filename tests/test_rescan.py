"""A re-scan served from the result cache: the same bytes as a fresh scan, written through from the
stored record text, and never a stale or forged answer."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from tests.conftest import SAMPLES

LETTERS = ("withdrawal-letter-2020.pdf", "draft-memo.docx", "coordination-letter.txt")


def _folder(root, names=LETTERS, rename=None):
    """A folder with copies of sample letters (`rename` maps a sample to another file name)."""
    root.mkdir()
    for name in names:
        target = os.fsencode((rename or {}).get(name, name))
        shutil.copy(SAMPLES / name, os.path.join(os.fsencode(root), target))
    return root


def _lines(out: str) -> list[str]:
    return sorted(out.splitlines(keepends=True))


def _no_rendering(monkeypatch):
    """Make rendering a JSON line from a Result fail: what is printed then came from the stored text."""
    from authcheck.reporters import jsonout

    def refuse(result):
        raise AssertionError(f"{result.path} was rendered, not written through")

    monkeypatch.setattr(jsonout, "result_record", refuse)


def test_a_cached_json_lines_report_is_written_through_byte_for_byte(cli, tmp_path, monkeypatch):
    folder = _folder(tmp_path / "letters", rename={"coordination-letter.txt": "lettre-été.txt"})
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    fresh = cli("check", str(folder), "--format", "jsonl", "--no-cache")
    filled = cli("check", str(folder), "--format", "jsonl")
    _no_rendering(monkeypatch)
    cached = cli("check", str(folder), "--format", "jsonl")
    assert len(_lines(fresh.stdout)) == 4 and '"error":{"type":' in fresh.stdout
    assert _lines(cached.stdout) == _lines(filled.stdout) == _lines(fresh.stdout)
    assert cached.exit_code == fresh.exit_code == 3
    assert cached.stderr == fresh.stderr and "broken.pdf" in cached.stderr


def test_a_file_of_the_same_name_elsewhere_is_written_through_under_its_own_path(cli, tmp_path, monkeypatch):
    first = _folder(tmp_path / "first")
    cli("check", str(first), "--format", "jsonl")
    second = _folder(tmp_path / "second-é")
    fresh = cli("check", str(second), "--format", "jsonl", "--no-cache")
    _no_rendering(monkeypatch)
    cached = cli("check", str(second), "--format", "jsonl")
    assert _lines(cached.stdout) == _lines(fresh.stdout)
    assert all(str(second) in line for line in cached.stdout.splitlines())


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="needs file names that are not UTF-8")
def test_a_name_that_is_not_utf8_gets_its_own_path_keys_on_a_cache_hit(cli, tmp_path, monkeypatch):
    odd = b"odd-\xff.txt"
    first = _folder(tmp_path / "first", names=("coordination-letter.txt",), rename={"coordination-letter.txt": odd})
    second = _folder(tmp_path / "second", names=("coordination-letter.txt",), rename={"coordination-letter.txt": odd})
    cli("check", str(first), "--format", "jsonl")
    fresh = cli("check", str(second), "--format", "jsonl", "--no-cache")
    _no_rendering(monkeypatch)
    cached = cli("check", str(second), "--format", "jsonl")
    assert '"path_b64":' in fresh.stdout and "second" in fresh.stdout
    assert cached.stdout == fresh.stdout


def test_a_suppressed_result_is_rendered_not_written_through(cli, tmp_path):
    """A baseline changes the result after the cache: its line must show the suppression."""
    folder = _folder(tmp_path / "letters", names=("withdrawal-letter-2020.pdf",))
    baseline = tmp_path / "baseline.json"
    cli("check", str(folder), "--format", "jsonl")
    cli("baseline", "create", str(folder), "-o", str(baseline))
    fresh = cli("check", str(folder), "--format", "jsonl", "--no-cache", "--baseline", str(baseline))
    cached = cli("check", str(folder), "--format", "jsonl", "--baseline", str(baseline))
    assert '"kind":"baseline"' in fresh.stdout
    assert cached.stdout == fresh.stdout


def test_a_light_hit_is_what_a_streamed_run_keeps_of_the_whole_result(tmp_path):
    from authcheck.batch.cache import ResultCache, result_from_record, result_to_record
    from authcheck.cli.commands import _light
    from tests.test_cache import make_result

    whole = make_result()
    with ResultCache(str(tmp_path)) as cache:
        cache.put("k", result_to_record(whole))
    with ResultCache(str(tmp_path)) as cache:
        light = cache.get_many(["k"], light=True)["k"]
        full = cache.get_many(["k"])["k"]
    assert full.result == whole and full.text == light.text
    assert _light(light.result) == _light(result_from_record(result_to_record(whole))) != whole
    assert light.result.findings[0].rule == whole.findings[0].rule and light.result.score == whole.score
    kept = _light(light.result)
    assert (kept.path, kept.verdict, kept.score, kept.error) == (whole.path, whole.verdict, whole.score, whole.error)
    assert not (kept.findings or kept.reason or kept.axes), "a streamed run keeps only what its exit status needs"


def test_a_forged_summary_is_a_counted_miss(tmp_path):
    """The summary is read instead of the record on a light hit, so the MAC covers it too."""
    import json
    import sqlite3

    from authcheck.batch import cache as cache_mod
    from authcheck.batch.cache import ResultCache, result_to_record
    from tests.test_cache import make_result

    with ResultCache(str(tmp_path)) as cache:
        cache.put("k", result_to_record(make_result()))
    with sqlite3.connect(str(tmp_path / cache_mod.FILE_NAME)) as db:
        summary = json.loads(db.execute("SELECT summary FROM results").fetchone()[0])
        forged = json.dumps({**summary, "verdict": "pass", "score": 0}, ensure_ascii=False, separators=(",", ":"))
        db.execute("UPDATE results SET summary = ?", (forged,))
    with ResultCache(str(tmp_path)) as cache:
        assert cache.get_many(["k"], light=True) == {} and cache.failed == 1
    with sqlite3.connect(str(tmp_path / cache_mod.FILE_NAME)) as db:
        db.execute("UPDATE results SET summary = NULL")  # dropping it does not verify either
    with ResultCache(str(tmp_path)) as cache:
        assert cache.get_many(["k"]) == {} and cache.failed == 1


_MODULES_AFTER_RUN = """
import json, sys
from authcheck.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
sys.exit(code)
"""
HEAVY = (
    "pypdf",
    "docx",
    "multiprocessing",
    "authcheck.engine.rulepack",
    "authcheck.engine.checks",
    "authcheck.batch.pool",
)


def _run_listing_modules(args, env):
    import json
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER_RUN, *args], capture_output=True, text=True, env=env, cwd=env["HOME"]
    )
    modules = json.loads(proc.stderr.rsplit("MODULES ", 1)[1])
    return proc, {name for name in HEAVY if name in modules}


def test_a_rescan_with_every_file_cached_imports_no_parser_engine_or_pool(tmp_path):
    folder = _folder(tmp_path / "letters")
    env = {**os.environ, "HOME": str(tmp_path), "AUTHCHECK_CACHE_DIR": str(tmp_path / "cache")}
    env = {k: v for k, v in env.items() if k != "AUTHCHECK_NO_RULE_CACHE"}
    args = [str(folder), "--format", "jsonl", "--jobs", "2"]
    first, heavy_first = _run_listing_modules(args, env)
    again, heavy_again = _run_listing_modules(args, env)
    assert {
        "multiprocessing",
        "authcheck.engine.rulepack",
        "authcheck.batch.pool",
    } <= heavy_first  # the fill needs them
    assert heavy_again == set(), heavy_again
    assert _lines(again.stdout) == _lines(first.stdout) and again.returncode == first.returncode == 1


def test_one_changed_file_is_checked_again_with_the_rules_loaded(cli, tmp_path):
    folder = _folder(tmp_path / "letters")
    first = cli("check", str(folder), "--format", "jsonl")
    shutil.copy(SAMPLES / "pentagon-statement.txt", folder / "coordination-letter.txt")
    fresh = cli("check", str(folder), "--format", "jsonl", "--no-cache")
    again = cli("check", str(folder), "--format", "jsonl")
    assert _lines(again.stdout) == _lines(fresh.stdout) != _lines(first.stdout)
    assert len(set(_lines(again.stdout)) & set(_lines(first.stdout))) == 2  # the other two came from the cache


def test_a_bad_rule_pack_exits_2_before_any_report_even_with_a_filled_cache(cli, tmp_path):
    folder = _folder(tmp_path / "letters")
    cli("check", str(folder), "--format", "jsonl")
    bad = tmp_path / "badpack"
    bad.mkdir()
    (bad / "broken.yaml").write_text("id: Bad Rule\ntitle: no axis, no severity\n")
    out = tmp_path / "report.jsonl"
    result = cli("check", str(folder), "--rules", str(bad), "--format", "jsonl", "-o", str(out))
    assert result.exit_code == 2 and "broken.yaml" in result.stderr
    assert result.stdout == "" and not out.exists()


def test_the_rule_digest_read_from_the_files_is_the_loaded_sets(tmp_path):
    from authcheck.engine.rulefiles import builtin_dir, rule_files
    from authcheck.engine.rulepack import load_ruleset
    from authcheck.engine.ruleref import RuleSetRef
    from authcheck.settings import Settings

    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(rule_files(builtin_dir())[0], extra / "copy.yaml")
    (extra / "copy.yaml").write_text((extra / "copy.yaml").read_text().replace("id: ", "id: extra", 1))
    for dirs in ((), (str(extra),)):
        ref = RuleSetRef(Settings(rule_dirs=dirs))
        assert ref.digest == load_ruleset(dirs).digest and not ref.loaded
        assert ref.get(ref.rules[0].id) is ref.rules[0] and ref.loaded


def test_a_run_reads_each_rule_file_once_and_loads_what_its_digest_was_made_of(tmp_path, monkeypatch):
    """The digest (a cache key) and the loaded rules come from one read of each file: a file changed
    between the two still gives rules that match the digest the results are cached under."""
    from pathlib import Path

    from authcheck.engine import rulefiles, rulepack
    from authcheck.engine.rulefiles import builtin_dir, rule_files
    from authcheck.engine.ruleref import RuleSetRef
    from authcheck.settings import Settings

    extra = tmp_path / "extra"
    extra.mkdir()
    rule = extra / "copy.yaml"
    rule.write_text(Path(rule_files(builtin_dir())[0]).read_text().replace("id: ", "id: extra", 1))
    reads: list[str] = []
    original = rulefiles.read_rule
    for module, name in ((rulefiles, "read_rule"), (rulepack, "_read")):  # the digest's reader and the load's
        monkeypatch.setattr(module, name, lambda path: reads.append(path) or original(path))
    ref = RuleSetRef(Settings(rule_dirs=(str(extra),)))
    digest = ref.digest
    rule.write_text(rule.read_text().replace("id: extra", "id: changed", 1))  # after the digest was read
    assert ref.get(ref.rules[0].id) is ref.rules[0]
    assert ref.digest == digest and any(r.id.startswith("extra") for r in ref.rules)
    assert sorted(reads) == sorted(set(reads)) and str(rule) in reads  # each file read once


def test_a_built_in_rule_file_read_before_is_read_again_only_when_its_status_changed(tmp_path, monkeypatch):
    """A warm server reads the built-in rules once; a command it forks looks at each file's status and
    reads only a file that changed since (another size, time or inode).  A run's own rule folders are
    read every time."""
    import shutil

    from authcheck.engine import rulefiles
    from authcheck.util import smallfile

    builtin = tmp_path / "builtin"
    shutil.copytree(rulefiles.builtin_dir(), builtin)
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(rulefiles.rule_files(str(builtin))[0], extra / "mine.yaml")
    monkeypatch.setattr(rulefiles, "builtin_dir", lambda: str(builtin))
    monkeypatch.setattr(rulefiles, "_READ", {})
    rulefiles._builtin_prefix.cache_clear()
    opened: list[str] = []
    original = smallfile.read_regular_stat
    monkeypatch.setattr(
        smallfile, "read_regular_stat", lambda path, limit: opened.append(path) or original(path, limit)
    )
    try:
        files, texts = rulefiles.read_pack([str(extra)])
        assert sorted(opened) == sorted(files) and len(files) > 10
        opened.clear()
        assert rulefiles.read_pack([str(extra)]) == (files, texts)
        assert opened == [str(extra / "mine.yaml")]  # the built-in ones only looked at

        first = files[0]
        text = texts[0].replace("id: ", "id:\t", 1)  # the same file and size, new text
        with open(first, "w", encoding="utf-8") as fh:
            fh.write(text)
        before = os.stat(first)
        os.utime(first, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
        opened.clear()
        again = rulefiles.read_pack([str(extra)])
        assert again[1][0] == text and again[1][1:] == texts[1:]
        assert opened == [first, str(extra / "mine.yaml")]

        shutil.copy(files[3], extra / "other.yaml")
        os.replace(extra / "other.yaml", files[1])  # another file (another inode) in place of a built-in one
        opened.clear()
        assert rulefiles.read_pack([])[1][1] == texts[3] and opened == [files[1]]
        os.unlink(files[2])
        os.mkfifo(files[2])  # a FIFO where a remembered file was: refused, never read
        with pytest.raises(rulefiles.RuleError, match="not a regular file"):
            rulefiles.read_pack([])
    finally:
        rulefiles._builtin_prefix.cache_clear()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_discovery_resolves_paths_as_realpath_does_one_folder_at_a_time(tmp_path, monkeypatch):
    from authcheck.batch.discover import realpath

    (tmp_path / "real" / "sub").mkdir(parents=True)
    for name in ("a.txt", "sub/b.txt"):
        (tmp_path / "real" / name).write_text("x")
    os.symlink(tmp_path / "real", tmp_path / "linked")
    os.symlink(tmp_path / "real" / "a.txt", tmp_path / "real" / "sub" / "to-a.txt")
    os.symlink("../a.txt", tmp_path / "real" / "sub" / "relative-to-a.txt")
    monkeypatch.chdir(tmp_path / "real")
    paths = ["a.txt", "sub/b.txt", "sub/to-a.txt", "sub/relative-to-a.txt", "sub/../a.txt", "./sub/b.txt", "missing"]
    paths += [str(tmp_path / "linked" / p) for p in paths] + ["../linked/sub/to-a.txt", "../linked/sub/"]
    memo: dict[str, str] = {}
    assert [realpath(p, memo) for p in paths] == [os.path.realpath(p) for p in paths]
    assert [realpath(p, memo) for p in paths] == [os.path.realpath(p) for p in paths]  # from the memo


_VERSIONS_BOTH_WAYS = """
import json
from importlib import metadata

from authcheck.util import cachekey

names = tuple(sorted({d.metadata["Name"] for d in metadata.distributions()} | set(cachekey.LIBRARIES)))
scanned = cachekey.scan_versions(names)


def installed(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


fast = cachekey.library_versions()
cachekey.scan_versions = lambda names: {}
cachekey.library_versions.cache_clear()
print(json.dumps([len(scanned), {n: [v, installed(n)] for n, v in scanned.items()}, fast, cachekey.library_versions()]))
"""


def test_library_versions_read_from_dist_info_folders_match_importlib_metadata():
    """In a fresh interpreter (a test process may hold finders that other packages installed)."""
    import json
    import subprocess

    proc = subprocess.run([sys.executable, "-c", _VERSIONS_BOTH_WAYS], capture_output=True, text=True, check=True)
    count, pairs, fast, slow = json.loads(proc.stdout)
    assert count > 14  # the scan answered, not importlib.metadata
    assert {name: scanned for name, (scanned, _) in pairs.items()} == {name: real for name, (_, real) in pairs.items()}
    assert fast == slow


def test_another_distribution_finder_leaves_every_version_to_importlib_metadata(monkeypatch):
    """importlib_metadata (the backport, which dask imports) installs its own finder."""
    from authcheck.util.cachekey import LIBRARIES, scan_versions

    class Finder:
        def find_distributions(self, context=None):
            return iter(())

    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    assert scan_versions(LIBRARIES) == {}


def test_the_version_scan_leaves_what_it_cannot_read_to_importlib_metadata(tmp_path, monkeypatch):
    from authcheck.util.cachekey import UNSURE, scan_versions

    def dist(folder, name, text="Metadata-Version: 2.1\nName: x\nVersion: 1.2\n\nbody"):
        (folder / name).mkdir(parents=True)
        if text is not None:
            (folder / name / "METADATA").write_text(text)

    import importlib.machinery

    standard = importlib.machinery.PathFinder  # as in a fresh interpreter, whatever this process imported
    monkeypatch.setattr(sys, "meta_path", [standard])
    if getattr(standard, "find_distributions", None) is None:  # the importlib_metadata backport removes it
        monkeypatch.setattr(standard, "find_distributions", lambda *args, **kwargs: iter(()), raising=False)
    first, second = tmp_path / "first", tmp_path / "second"
    dist(first, "Python_Docx-1.2.dist-info")
    dist(second, "python_docx-9.9.dist-info", "Version: 9.9\n")  # shadowed by the first path entry
    dist(first, "pypdf-3.dist-info", "Name: pypdf\nVersion: 3\n  folded\n")
    dist(first, "lxml-5.egg-info")
    dist(second, "numpy-2.dist-info", None)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(first), str(second)])
    names = ("python-docx", "pypdf", "lxml", "numpy", "rapidfuzz")
    assert scan_versions(names) == {"python-docx": "1.2", "rapidfuzz": None}
    assert UNSURE not in scan_versions(names).values()
    (tmp_path / "lib.zip").write_bytes(b"PK")
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "lib.zip")])
    assert scan_versions(names) == {}


# --- the hash index: unchanged files are not read again ----------------------------------------


def _no_reading(monkeypatch):
    """Make hashing a file fail: a hash the run still has came from the index."""
    from authcheck.batch import filehash

    def refuse(path, limit, seen=None):
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(filehash, "file_sha256", refuse)


def test_a_rescan_takes_unchanged_files_hashes_from_the_index(cli, tmp_path, monkeypatch):
    from authcheck.batch import filehash

    monkeypatch.setattr(filehash, "SETTLED_NS", 0)
    folder = _folder(tmp_path / "letters")
    first = cli("check", str(folder), "--format", "jsonl")
    _no_reading(monkeypatch)
    again = cli("check", str(folder), "--format", "jsonl")
    assert _lines(again.stdout) == _lines(first.stdout)


def test_a_file_rewritten_with_its_size_and_time_kept_is_read_again(cli, tmp_path, monkeypatch):
    """Same size, same modification time (set back with utime), same second: the change time moves."""
    from authcheck.batch import filehash

    monkeypatch.setattr(filehash, "SETTLED_NS", 0)
    folder = _folder(tmp_path / "letters", names=("coordination-letter.txt",))
    letter = folder / "coordination-letter.txt"
    first = cli("check", str(folder), "--format", "jsonl")
    before = os.stat(letter)
    text = letter.read_bytes()
    letter.write_bytes(text.replace(b"a", b"e", 1))
    os.utime(letter, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (os.stat(letter).st_size, os.stat(letter).st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    again = cli("check", str(folder), "--format", "jsonl")
    assert (
        '"sha256":"' in again.stdout
        and again.stdout.split('"sha256":"')[1][:64] != first.stdout.split('"sha256":"')[1][:64]
    )


def test_a_file_changed_in_the_last_two_seconds_is_not_indexed(tmp_path):
    from authcheck.batch.filehash import stat_ident

    letter = tmp_path / "letter.txt"
    letter.write_text("Dear Sir")
    assert stat_ident(os.stat(letter)) is None  # racily clean: a write in the same tick could keep its stamps
    os.utime(letter, ns=(0, 0))
    assert stat_ident(os.stat(letter)) is None  # the change time is still new
    assert stat_ident(os.stat(tmp_path)) is None  # not a regular file


def test_a_forged_index_entry_is_ignored_and_counted(cli, clean_env, tmp_path, monkeypatch):
    """Someone who can write the cache folder maps the forged letter's state to the clean letter's
    hash: without the key the entry does not verify, and the forged letter is read and checked."""
    import json
    import sqlite3

    from authcheck.batch import cache as cache_mod
    from authcheck.batch import filehash

    monkeypatch.setattr(filehash, "SETTLED_NS", 0)
    folder = _folder(tmp_path / "letters", names=("forged-letter.pdf", "coordination-letter.txt"))
    first = {
        json.loads(line)["path"]: json.loads(line)
        for line in cli("check", str(folder), "-f", "jsonl").stdout.splitlines()
    }
    forged, clean = str(folder / "forged-letter.pdf"), str(folder / "coordination-letter.txt")
    ident = filehash.stat_ident(os.stat(forged))
    with sqlite3.connect(clean_env / cache_mod.FILE_NAME) as db:
        db.execute("UPDATE hashes SET sha256 = ? WHERE ident = ?", (first[clean]["sha256"], ident))
        assert db.total_changes == 1
    again = cli("check", str(folder), "-f", "jsonl")
    records = {json.loads(line)["path"]: json.loads(line) for line in again.stdout.splitlines()}
    assert records[forged]["sha256"] == first[forged]["sha256"] and records[forged]["verdict"] == "fail"
    assert "1 cache entry failed verification" in again.stderr
