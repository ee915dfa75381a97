"""Result cache: what the key covers, degrading to no cache on trouble, and the JSON record round trip."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import sys

import pytest

from authcheck.batch import cache as cache_mod
from authcheck.batch.cache import ResultCache, result_from_record, result_to_record, settings_digest
from authcheck.model import ErrorInfo, Evidence, Finding, Location, Note, Result
from authcheck.settings import Bands, Limits, Override, Settings
from authcheck.util.cachekey import ENV_KEY, key_path, load_key, mac
from authcheck.util.places import default_cache_dir

SHA = "ab" * 32
KEY_PARTS = dict(
    sha256=SHA, name="docs/letter.pdf", version="0.1.0", rules_digest="r1", settings_digest=settings_digest(Settings())
)


def make_result(path="docs/letter.pdf", error=None) -> Result:
    finding = Finding(
        rule="sig.unsigned",
        title="Unsigned",
        severity="high",
        axis="authority",
        weight=35.0,
        message="No signature was found.",
        references=("https://example.org/sig",),
        confidence="high",
        remediation="Ask for a signed copy.",
        contribution=27.2,
        evidence=(
            Evidence(
                "Yours sincerely", Location("signature_block", 1, 30, 900, 915), context="Yours sincerely, J. Smith"
            ),
            Evidence("Acme", Location("metadata", key="/Author")),
        ),
    )
    if error is not None:
        return Result(
            path=path,
            sha256=SHA,
            format="pdf",
            verdict=None,
            score=None,
            axes={},
            reason="could not be checked",
            findings=(),
            fields={},
            error=error,
        )
    return Result(
        path=path,
        sha256=SHA,
        format="pdf",
        verdict="review",
        score=42,
        axes={"origin": 10, "authority": 40},
        reason="unsigned",
        findings=(finding,),
        fields={"issuer": {"name": "Acme", "source": "letterhead"}, "pages": 2},
        notes=(Note("truncated", "only 200 pages read"),),
        next_steps=("Call the issuer.",),
    )


@pytest.fixture
def store(tmp_path):
    cache = ResultCache(str(tmp_path / "cache"))
    yield cache
    cache.close()


# --- the key -------------------------------------------------------------------------------


def test_same_inputs_give_the_same_key_and_a_hit_after_reopening(tmp_path):
    with ResultCache(str(tmp_path)) as first:
        first.put(first.key(**KEY_PARTS), result_to_record(make_result()))
    with ResultCache(str(tmp_path)) as second:
        assert second.warning is None
        assert second.get(second.key(**KEY_PARTS)) == result_to_record(make_result())


@pytest.mark.parametrize(
    "change",
    [
        {"sha256": "cd" * 32},
        {"name": "docs/letter.docx"},  # the extension feeds the type-mismatch rule
        {"version": "0.2.0"},
        {"rules_digest": "r2"},
        {"settings_digest": settings_digest(Settings(limits=Limits(max_pages=10)))},
    ],
)
def test_each_key_component_causes_a_miss(store, change):
    store.put(store.key(**KEY_PARTS), result_to_record(make_result()))
    assert store.get(store.key(**KEY_PARTS)) is not None
    assert store.get(store.key(**{**KEY_PARTS, **change})) is None


def test_same_name_in_another_folder_hits_and_is_repathed(store):
    store.put(store.key(**KEY_PARTS), result_to_record(make_result()))
    moved = store.key(**{**KEY_PARTS, "name": "archive/2024/letter.pdf"})
    record = store.get(moved, path="archive/2024/letter.pdf")
    assert record["path"] == "archive/2024/letter.pdf"
    assert result_from_record(record).path == "archive/2024/letter.pdf"


def test_password_changes_the_key_and_is_not_stored_in_clear(store, tmp_path):
    plain = store.key(**KEY_PARTS)
    right = store.key(**KEY_PARTS, password="open-sesame")
    assert len({plain, right, store.key(**KEY_PARTS, password="wrong")}) == 3
    store.put(right, result_to_record(make_result()))
    store.close()
    assert b"open-sesame" not in b"".join(p.read_bytes() for p in (tmp_path / "cache").iterdir())


def test_settings_digest_covers_result_settings_only():
    base = settings_digest(Settings())
    changed = [
        Settings(limits=Limits(timeout=5)),
        Settings(bands=Bands(review=30, fail=70)),
        Settings(overrides={"a.b": Override(weight=1)}),
        Settings(disabled_rules=("a.b",)),
        Settings(rule_dirs=("/packs/org",)),
        Settings(password="x"),
    ]
    assert all(settings_digest(s) != base for s in changed)
    same = [Settings(min_severity="high"), Settings(fail_on="review"), Settings(fail_score=10)]
    assert all(settings_digest(s) == base for s in same)
    assert settings_digest(Settings(password="a")) == settings_digest(Settings(password="b"))
    assert settings_digest(Settings(disabled_rules=("x", "y"))) == settings_digest(Settings(disabled_rules=("y", "x")))


# --- what is (not) stored ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, cached",
    [("timeout", False), ("memory", False), ("internal", False), ("corrupt", True), ("unsupported", True)],
)
def test_transient_errors_are_not_cached(store, kind, cached):
    record = result_to_record(make_result(error=ErrorInfo(kind, "it broke", "load")))
    store.put("k", record)
    assert (store.get("k") is not None) is cached


def test_results_with_baseline_or_ignore_suppressions_are_not_cached(store):
    record = result_to_record(make_result())
    record["findings"][0]["suppressed"] = {"kind": "ignore", "reason": "ok", "expires": None, "entry": 1}
    store.put("k", record)
    assert store.get("k") is None


def test_writes_are_batched_and_flushed_at_close(tmp_path):
    cache = ResultCache(str(tmp_path))
    for i in range(cache_mod.BATCH - 1):
        cache.put(f"k{i}", result_to_record(make_result()))
    assert cache.get("k0") is not None  # pending writes are visible to their writer
    with sqlite3.connect(cache.path) as other:
        assert other.execute("SELECT count(*) FROM results").fetchone()[0] == 0
    cache.put("last", result_to_record(make_result()))
    with sqlite3.connect(cache.path) as other:
        assert other.execute("SELECT count(*) FROM results").fetchone()[0] == cache_mod.BATCH
    cache.put("after", result_to_record(make_result()))
    cache.close()
    cache.close()  # twice is fine
    with ResultCache(str(tmp_path)) as again:
        assert again.get("after") is not None


def test_damaged_record_is_a_miss_not_an_error(store):
    store.put("k", result_to_record(make_result()))
    store.close()
    with sqlite3.connect(store.path) as db:  # one digit flipped: still valid JSON, but not what was stored
        db.execute("UPDATE results SET record = replace(record, '\"score\":42', '\"score\":12')")
        assert '"score":12' in db.execute("SELECT record FROM results").fetchone()[0]
    with ResultCache(store.directory) as again:
        assert again.get("k") is None and again.warning is None


def test_record_that_is_not_a_result_is_a_miss(store):
    text = json.dumps({"path": "x"})
    store.close()
    with sqlite3.connect(store.path) as db:
        db.execute(
            "INSERT INTO results (key, record, digest) VALUES ('k', ?, ?)", (text, mac(store._secret, "k", text))
        )
    with ResultCache(store.directory) as again:
        assert again.get("k") is None and again.warning is None


def test_odd_records_are_not_stored_and_raise_nothing(store):
    store.put("a", {"findings": [{"suppressed": None}], "x": object()})
    store.put("b", "not a dict")  # type: ignore[arg-type]
    assert store.get("a") is None and store.get("b") is None and store.warning is None


# --- degrading -----------------------------------------------------------------------------------


def assert_no_cache(cache: ResultCache) -> None:
    assert cache.warning and cache.path in cache.warning
    cache.put("k", result_to_record(make_result()))
    assert cache.get("k") is None
    assert not cache.enabled
    cache.close()


def test_corrupt_database_degrades_with_one_warning(tmp_path):
    (tmp_path / cache_mod.FILE_NAME).write_bytes(b"this is not sqlite" * 500)
    cache = ResultCache(str(tmp_path))
    assert "not a database" in cache.warning
    assert_no_cache(cache)


def test_garbage_inside_the_database_degrades(tmp_path):
    with ResultCache(str(tmp_path)) as cache:
        for i in range(300):
            cache.put(f"k{i}", result_to_record(make_result()))
    path = tmp_path / cache_mod.FILE_NAME
    data = bytearray(path.read_bytes())
    data[4096:] = bytes(range(256)) * ((len(data) - 4096) // 256) + b"x" * ((len(data) - 4096) % 256)
    path.write_bytes(bytes(data))
    cache = ResultCache(str(tmp_path))
    assert cache.get("k5") is None
    assert "malformed" in cache.warning
    assert_no_cache(cache)


def test_corruption_found_after_opening_degrades_on_get(tmp_path):
    cache = ResultCache(str(tmp_path))
    cache.put("k", result_to_record(make_result()))
    cache.close()
    cache = ResultCache(str(tmp_path))
    cache._db.close()  # simulate the file vanishing under us mid-run
    assert cache.get("k") is None and cache.warning
    assert_no_cache(cache)


def test_wrong_schema_degrades(tmp_path):
    with sqlite3.connect(str(tmp_path / cache_mod.FILE_NAME)) as db:
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('schema', '99'), ('salt', 'x')")
    cache = ResultCache(str(tmp_path))
    assert "unexpected schema '99'" in cache.warning
    assert_no_cache(cache)


def test_unwritable_location_degrades(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    assert_no_cache(ResultCache(str(blocker / "cache")))


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_folder_degrades(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert_no_cache(ResultCache(str(folder)))
    finally:
        folder.chmod(0o700)


def test_locked_database_degrades_instead_of_waiting(tmp_path):
    cache = ResultCache(str(tmp_path))
    holder = sqlite3.connect(cache.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another run holds the write lock
    try:
        for i in range(cache_mod.BATCH):
            cache.put(f"k{i}", result_to_record(make_result()))
        assert "locked" in cache.warning
        assert_no_cache(cache)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_two_runs_can_open_the_same_cache(tmp_path):
    first, second = ResultCache(str(tmp_path)), ResultCache(str(tmp_path))
    assert first.warning is None and second.warning is None
    first.put("a", result_to_record(make_result()))
    first.close()
    assert second.get("a") is not None  # WAL: the other reader sees the committed batch
    second.put("b", result_to_record(make_result()))
    second.close()
    with sqlite3.connect(first.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 2


# --- records -------------------------------------------------------------------------------------


def test_record_to_result_to_record_round_trips():
    record = result_to_record(make_result())
    assert result_to_record(result_from_record(record)) == record
    assert json.loads(json.dumps(record)) == record


def test_result_to_record_to_result_round_trips_and_keeps_suppression():
    finding = dataclasses.replace(make_result().findings[0], suppressed={"kind": "baseline"})
    result = dataclasses.replace(make_result(), findings=(finding,))
    assert result_from_record(result_to_record(result)) == result


def test_error_record_round_trips():
    result = make_result(error=ErrorInfo("corrupt", "bad xref", "load"))
    record = result_to_record(result)
    assert record["error"] == {"type": "corrupt", "message": "bad xref", "stage": "load"}
    assert result_from_record(record) == result


def test_cache_stores_the_json_reports_record():
    from authcheck.reporters.jsonout import result_record

    result = make_result()
    assert result_to_record(result) == result_record(result)


def test_every_model_field_survives_the_round_trip():
    """Fails when a field is added to Finding/Evidence/Note and the cache would drop it."""
    ev = Evidence(
        "t",
        Location("body", 1, 2, 3, 4, "k"),
        context="ctx t",
        highlight=(4, 5),
        pattern="p",
        reason={"action": "end", "object": "agreement"},
        box=(0.1, 0.2, 0.5, 0.25),
    )
    f = Finding(
        rule="r",
        title="T",
        severity="low",
        axis="origin",
        weight=5.0,
        message="m",
        evidence=(ev,),
        references=("u",),
        confidence="low",
        remediation="x",
        contribution=5.0,
        weight_reason="why",
        suppressed={"kind": "baseline"},
        floor="review",
    )
    note = Note("truncated", "d", {"pages": 3})
    res = dataclasses.replace(make_result(), findings=(f,), notes=(note,))
    for obj in (ev, f, note):
        defaults = type(obj).__dataclass_fields__
        unset = [name for name, fl in defaults.items() if getattr(obj, name) == fl.default]
        assert not unset, f"set {type(obj).__name__}.{unset} in this test to prove the cache keeps it"
    back = result_from_record(json.loads(json.dumps(result_to_record(res))))
    assert back == res
    assert back.findings[0].evidence[0].reason == ev.reason  # reason is not part of equality


def test_a_plain_reporter_record_is_accepted():
    from authcheck.reporters.jsonout import result_record

    res = make_result()
    back = result_from_record(result_record(res))
    assert back.findings[0].rule == res.findings[0].rule and back.score == res.score


def test_default_cache_dir_follows_the_platform(monkeypatch):
    assert default_cache_dir({"XDG_CACHE_HOME": "/xdg"}) == os.path.join("/xdg", "authcheck")
    monkeypatch.setattr(sys, "platform", "win32")
    assert default_cache_dir({"LOCALAPPDATA": "C:/Users/a/AppData/Local"}) == os.path.join(
        "C:/Users/a/AppData/Local", "authcheck", "Cache"
    )
    monkeypatch.setattr(sys, "platform", "darwin")
    assert default_cache_dir({}).endswith(os.path.join("Library", "Caches", "authcheck"))
    monkeypatch.setattr(sys, "platform", "linux")
    assert default_cache_dir({}).endswith(os.path.join(".cache", "authcheck"))


def test_another_process_writing_meanwhile_is_seen_and_nothing_breaks(tmp_path):
    import subprocess

    mine = ResultCache(str(tmp_path))
    mine.put("mine", result_to_record(make_result()))
    script = (
        "import sys; from authcheck.batch.cache import ResultCache, result_to_record;"
        "from tests.test_cache import make_result;"
        "c = ResultCache(sys.argv[1]); c.put('theirs', result_to_record(make_result())); c.close();"
        "print(c.warning)"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == "None", out.stderr
    assert mine.get("theirs") is not None
    mine.close()
    assert mine.warning is None
    with ResultCache(str(tmp_path)) as again:
        assert again.get("mine") is not None and again.get("theirs") is not None


# --- tampering: anyone who can write the cache folder but does not hold the key -------------------


def forge(path, key: str, **changes) -> None:
    """Edit a stored record and recompute its sha256 "digest", as an attacker without the key would."""
    import hashlib

    with sqlite3.connect(path) as db:
        text = db.execute("SELECT record FROM results WHERE key = ?", (key,)).fetchone()[0]
        record = {**json.loads(text), **changes}
        forged = json.dumps(record, sort_keys=True)
        db.execute(
            "UPDATE results SET record = ?, digest = ? WHERE key = ?",
            (forged, hashlib.sha256(forged.encode()).hexdigest(), key),
        )


def test_forged_pass_with_recomputed_digest_is_a_counted_miss(tmp_path):
    with ResultCache(str(tmp_path)) as first:
        first.put(first.key(**KEY_PARTS), result_to_record(make_result()))
    forge(
        str(tmp_path / cache_mod.FILE_NAME),
        ResultCache(str(tmp_path)).key(**KEY_PARTS),
        verdict="pass",
        score=0,
        findings=[],
        axes={"origin": 0, "authority": 0},
    )
    with ResultCache(str(tmp_path)) as again:
        assert again.get(again.key(**KEY_PARTS)) is None
        assert again.failed == 1 and again.warning is None


def test_record_moved_to_another_key_does_not_verify(tmp_path):
    with ResultCache(str(tmp_path)) as first:
        first.put("clean-letter", result_to_record(make_result()))
    with sqlite3.connect(str(tmp_path / cache_mod.FILE_NAME)) as db:
        db.execute("UPDATE results SET key = 'forged-letter'")
    with ResultCache(str(tmp_path)) as again:
        assert again.get("forged-letter") is None and again.failed == 1


def test_key_lives_in_the_config_folder_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "conf"))
    with ResultCache(str(tmp_path / "cache")) as cache:
        cache.put("k", result_to_record(make_result()))
    path = key_path()
    assert path == str(tmp_path / "conf" / "authcheck" / "cache.key")
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert not any("key" in name for name in os.listdir(tmp_path / "cache"))
    assert load_key() == load_key()  # created once, then read back


def test_a_different_key_turns_every_entry_into_a_miss(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_KEY, "branch-secret-one-0123456789")
    with ResultCache(str(tmp_path)) as first:
        first.put("k", result_to_record(make_result()))
    with ResultCache(str(tmp_path)) as same:
        assert same.get("k") is not None
    monkeypatch.setenv(ENV_KEY, "branch-secret-two-0123456789")
    with ResultCache(str(tmp_path)) as other:
        assert other.get("k") is None and other.failed == 1


def test_key_covers_library_versions(store, monkeypatch):

    from authcheck.util import cachekey

    before = store.key(**KEY_PARTS)
    monkeypatch.setattr(cachekey, "library_versions", lambda: "pypdf=0.0.1")
    assert store.key(**KEY_PARTS) != before


def test_library_versions_name_the_parsers():
    from authcheck.util.cachekey import library_versions

    text = library_versions()
    for name in ("pypdf=", "rapidfuzz=", "PyYAML=", "google-re2="):
        assert name in text


def test_forged_pass_in_the_cache_does_not_reach_the_report(cli, clean_env, tmp_path):
    """End to end: the attacker rewrites the forged letter's record as PASS 0 and recomputes the
    sha256 digest; the next run checks the letter afresh and says the entry failed verification."""
    import shutil

    folder = tmp_path / "letters"
    folder.mkdir()
    for name in ("forged-letter.pdf", "coordination-letter.txt"):
        shutil.copy(os.path.join(os.path.dirname(__file__), "..", "samples", name), folder / name)
    first = json.loads(cli(str(folder), "-f", "json").stdout)
    forged = next(d for d in first["documents"] if d["path"].endswith("forged-letter.pdf"))
    assert forged["verdict"] == "fail"
    db_path = clean_env / cache_mod.FILE_NAME
    with sqlite3.connect(db_path) as db:
        keys = [k for (k, text) in db.execute("SELECT key, record FROM results") if "forged-letter" in text]
    for key in keys:
        forge(str(db_path), key, verdict="pass", score=0, findings=[], axes={"origin": 0, "authority": 0})
    again = cli(str(folder), "-f", "json")
    report = json.loads(again.stdout)
    forged = next(d for d in report["documents"] if d["path"].endswith("forged-letter.pdf"))
    assert forged["verdict"] == "fail" and again.exit_code == 1
    assert report["summary"]["cache_failed_verification"] == 1
    assert "1 cache entry failed verification" in again.stderr


def test_console_batch_summary_counts_failed_entries():
    from authcheck.reporters.consolebatch import render_run
    from authcheck.reporters.formats import RunReport

    results = [make_result("a.pdf"), make_result("b.pdf")]
    text = render_run(RunReport(results, settings=Settings(), color=False, width=100, cache_failures=2))
    assert "2 cache entries failed verification" in text
    assert "failed verification" not in render_run(RunReport(results, settings=Settings(), color=False, width=100))


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
@pytest.mark.parametrize("suffix", ["", "-wal", "-journal"])
def test_a_symlink_in_place_of_the_database_is_never_followed(tmp_path, suffix):
    """A cache folder restored from another branch holds results-v2.sqlite3 -> the user's other
    SQLite database: authcheck added its tables to it (and switched it to WAL); a dangling link
    made it create a file wherever the link pointed."""
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE mine (x)")
    folder = tmp_path / "cache"
    folder.mkdir()
    if suffix:  # a real database beside a linked journal
        ResultCache(str(folder)).close()
    os.symlink(other, folder / (cache_mod.FILE_NAME + suffix))
    cache = ResultCache(str(folder))
    assert not cache.enabled and "symbolic link" in cache.warning
    cache.close()
    with sqlite3.connect(other) as db:
        assert [row[0] for row in db.execute("SELECT name FROM sqlite_master")] == ["mine"]


def test_a_dangling_symlink_in_place_of_the_database_creates_nothing(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    os.symlink(tmp_path / "elsewhere.db", folder / cache_mod.FILE_NAME)
    cache = ResultCache(str(folder))
    assert not cache.enabled
    cache.close()
    assert not (tmp_path / "elsewhere.db").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_the_key_file_turns_the_cache_off_instead_of_hanging(tmp_path, monkeypatch):
    import threading

    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "conf"))
    os.makedirs(tmp_path / "conf" / "authcheck", mode=0o700)
    os.mkfifo(tmp_path / "conf" / "authcheck" / "cache.key", 0o600)
    box = []
    worker = threading.Thread(target=lambda: box.append(ResultCache(str(tmp_path / "cache"))), daemon=True)
    worker.start()
    worker.join(20)
    assert box, "opening the cache hung on a FIFO key file"
    assert not box[0].enabled and "not a regular file" in box[0].warning
    box[0].close()


def test_library_versions_read_without_the_email_parser_match_importlib_metadata():
    """distribution_version reads the Version header itself; it must give what importlib.metadata gives."""
    from importlib import metadata

    from authcheck.util.cachekey import LIBRARIES, distribution_version

    def version(read, name):
        try:
            return read(name)
        except metadata.PackageNotFoundError:
            return "-"

    names = sorted(set(LIBRARIES) | {d.metadata["Name"] for d in metadata.distributions()})
    assert len(names) > len(LIBRARIES)
    assert {n: version(distribution_version, n) for n in names} == {n: version(metadata.version, n) for n in names}
    assert version(distribution_version, "no-such-distribution-xyz") == "-"


def test_a_cached_report_prints_byte_for_byte_as_the_fresh_one(cli, tmp_path):
    env = {"AUTHCHECK_CACHE_DIR": str(tmp_path / "cache")}
    letter = "samples/withdrawal-letter-2020.pdf"
    fresh = cli("check", letter, "--format", "json", env=env)
    cached = cli("check", letter, "--format", "json", env=env)
    assert list((tmp_path / "cache").iterdir()), "the first run stored its result"
    assert fresh.exit_code == cached.exit_code == 1
    assert cached.stdout == fresh.stdout


def test_code_version_digests_every_code_file_as_a_walk_would(tmp_path, monkeypatch):
    """The code digest (cache keys, the warm server's staleness check) covers each .py and .json
    file by relative path, size and time, in os.walk order without __pycache__, and changes when
    one file is touched."""
    import hashlib

    from authcheck.batch import run
    from authcheck.version import __version__

    root = tmp_path / "pkg"
    (root / "sub" / "__pycache__").mkdir(parents=True)
    (root / "b.py").write_text("b")
    (root / "a.json").write_text("{}")
    (root / "notes.txt").write_text("not code")
    (root / "sub" / "c.py").write_text("c")
    (root / "sub" / "__pycache__" / "c.cpython-311.pyc").write_text("x")
    (root / "zz").mkdir()
    (root / "zz" / "d.py").write_text("dd")

    def walked() -> str:
        h = hashlib.sha256(__version__.encode())
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".json")):
                    st = os.stat(os.path.join(folder, name))
                    h.update(
                        f"{os.path.relpath(os.path.join(folder, name), root)}:{st.st_size}:{st.st_mtime_ns}".encode()
                    )
        return h.hexdigest()

    monkeypatch.setattr(run, "package_dir", lambda: str(root))
    run.code_version.cache_clear()
    try:
        first = run.code_version()
        assert first == walked()
        os.utime(root / "sub" / "c.py", ns=(1, 1))
        run.code_version.cache_clear()
        assert run.code_version() == walked() != first
    finally:
        run.code_version.cache_clear()


def test_a_new_cache_key_appears_whole_and_the_first_one_linked_wins(tmp_path, monkeypatch):
    from pathlib import Path

    from authcheck.util import cachekey

    path = tmp_path / "config" / "authcheck" / "cache.key"
    winner = "ab" * 32
    seen = []
    link = os.link

    def another_process_first(src, dst):
        seen.append(Path(src).read_text())  # the key is whole before it is given its name
        Path(dst).write_text(winner + "\n")
        path.chmod(0o600)
        link(src, dst)

    monkeypatch.setattr(os, "link", another_process_first)
    assert cachekey._create_key(str(path)) == bytes.fromhex(winner)
    assert len(seen) == 1 and len(seen[0].strip()) == 2 * cachekey.KEY_BYTES
    assert sorted(p.name for p in path.parent.iterdir()) == ["cache.key"]  # no temporary file left
