"""Baselines, the ignore file, and applying both to a result."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os

import pytest

from authcheck.errors import ConfigError
from authcheck.model import Evidence, Finding, Location, Result
from authcheck.scoring.fingerprint import finding_fingerprint
from authcheck.suppress.baseline import Baseline, baseline_entries, load_baseline, write_baseline
from authcheck.suppress.ignore import IgnoreFile, apply_suppressions, load_ignore

TODAY = dt.date(2026, 6, 1)
SHA_A, SHA_B = "aa" * 32, "bb" * 32


def finding(rule: str, *texts: str) -> Finding:
    return Finding(
        rule=rule,
        title=rule,
        severity="high",
        axis="authority",
        weight=30.0,
        message="m",
        evidence=tuple(Evidence(t, Location("body", line=i + 7)) for i, t in enumerate(texts)),
    )


def result(path: str, sha: str, *findings: Finding) -> Result:
    return Result(
        path=path,
        sha256=sha,
        format="pdf",
        verdict="review",
        score=40,
        axes={},
        reason="",
        findings=findings,
        fields={},
    )


def fp(res: Result, index: int = 0) -> str:
    return finding_fingerprint(res.sha256, res.findings[index])


def stub_rescore(res: Result, settings) -> Result:
    """Stands in for authcheck.scoring.score.rescore: score = 10 per finding that is not suppressed."""
    live = [f for f in res.findings if f.suppressed is None]
    return dataclasses.replace(res, score=10 * len(live), verdict="review" if live else "pass")


LETTERS = [
    result("docs/b.pdf", SHA_B, finding("sig.unsigned", "Yours sincerely")),
    result(
        "docs/a.pdf",
        SHA_A,
        finding("wording.policy", "new policy", "effective now"),
        finding("sig.unsigned", "Regards"),
    ),
]


# --- baseline ------------------------------------------------------------------------------------


def test_entries_are_sorted_and_carry_only_stable_fields():
    entries = baseline_entries(LETTERS)
    assert [e["rule"] for e in entries] == ["sig.unsigned", "sig.unsigned", "wording.policy"]
    assert entries == sorted(entries, key=lambda e: (e["rule"], e["fingerprint"]))
    assert all(set(e) == {"rule", "fingerprint", "sha256", "path"} for e in entries)
    assert {e["fingerprint"] for e in entries} == {fp(LETTERS[0]), fp(LETTERS[1], 0), fp(LETTERS[1], 1)}


def test_rewriting_is_byte_identical_whatever_the_input_order(tmp_path):
    first, second = tmp_path / "one.json", tmp_path / "two.json"
    assert write_baseline(str(first), LETTERS) == 3
    write_baseline(str(second), list(reversed(LETTERS)))
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text()
    assert text.endswith("}\n") and "\r" not in text
    data = json.loads(text)
    assert data["schema_version"] == "1.0" and data["tool"] == "authcheck"
    assert not any(word in text for word in ("time", "date", '"line"'))  # no timestamps, no line numbers
    assert set(os.listdir(tmp_path)) == {"one.json", "two.json"}  # no temp files left behind


def test_line_numbers_do_not_churn_the_baseline(tmp_path):
    moved = finding("sig.unsigned", "Yours sincerely")
    ev = moved.evidence[0]
    moved = dataclasses.replace(moved, evidence=(dataclasses.replace(ev, loc=dataclasses.replace(ev.loc, line=99)),))
    assert baseline_entries([result("docs/b.pdf", SHA_B, moved)]) == baseline_entries(LETTERS[:1])


def test_same_letter_at_two_paths_gives_one_entry_with_the_first_path():
    copies = [result("z/copy.pdf", SHA_B, *LETTERS[0].findings), LETTERS[0]]
    entries = baseline_entries(copies)
    assert len(entries) == 1 and entries[0]["path"] == "docs/b.pdf"


def test_replacing_the_baseline_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "base.json"
    target.write_text("old")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ConfigError, match="base.json: cannot write the baseline: No space left"):
        write_baseline(str(target), LETTERS)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["base.json"]


def test_old_finding_matches_new_finding_does_not(tmp_path):
    path = str(tmp_path / "base.json")
    write_baseline(path, LETTERS[:1])
    base = load_baseline(path)
    assert base.match(fp(LETTERS[0]))
    assert not base.match(fp(result("docs/b.pdf", SHA_B, finding("sig.unsigned", "Kind regards"))))
    assert not base.match(fp(result("docs/b.pdf", SHA_B, finding("meta.author", "Yours sincerely"))))


def test_changed_document_content_fires_again(tmp_path):
    path = str(tmp_path / "base.json")
    write_baseline(path, LETTERS[:1])
    edited = result("docs/b.pdf", "cc" * 32, finding("sig.unsigned", "Yours sincerely"))
    assert not load_baseline(path).match(fp(edited))


def test_unmatched_entries_are_reported(tmp_path):
    path = str(tmp_path / "base.json")
    write_baseline(path, LETTERS)
    base = load_baseline(path)
    base.match(fp(LETTERS[0]))
    assert len(base) == 3 and [e["path"] for e in base.unmatched()] == ["docs/a.pdf", "docs/a.pdf"]


@pytest.mark.parametrize(
    "content, words",
    [
        (None, "baseline file not found"),
        ("{not json", "not a valid baseline (not JSON"),
        ("[]", "expected an object with an 'entries' list"),
        ('{"schema_version": "2.0", "entries": []}', "key 'schema_version': unsupported baseline version '2.0'"),
        ('{"schema_version": "1.0", "entries": [{"rule": "x"}]}', "entry 1: key 'fingerprint' must be"),
        ('{"schema_version": "1.0", "entries": [7]}', "entry 1: expected an object"),
    ],
)
def test_bad_baseline_files_name_the_file(tmp_path, content, words):
    path = tmp_path / "base.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError) as err:
        load_baseline(str(path))
    assert str(err.value).startswith(f"{path}: ") and words in str(err.value)


# --- ignore file -----------------------------------------------------------------------------------


def ignore_file(tmp_path, text: str) -> IgnoreFile:
    path = tmp_path / ".authcheck-ignore.yaml"
    path.write_text(text)
    return load_ignore(str(path))


@pytest.mark.parametrize(
    "text, words",
    [
        ("- rule: sig.unsigned\n", "entry 1: key 'reason' is required"),
        ("- rule: sig.unsigned\n  reason: '  '\n", "entry 1: key 'reason' must be a non-empty string"),
        ("- reason: ok\n  path: a.pdf\n", "entry 1: key 'rule' or 'fingerprint' is required"),
        ("- {rule: a, reason: ok}\n- {rule: b, reason: ok, owner: me}\n", "entry 2: unknown key 'owner'"),
        ("- {rule: a, reason: ok, expires: 2026-13-01}\n", "entry 1: key 'expires' must be a date"),
        ("- {rule: a, reason: ok, expires: soon}\n", "entry 1: key 'expires' must be a date"),
        ("- {rule: 5, reason: ok}\n", "entry 1: key 'rule' must be a non-empty string"),
        ("- just a string\n", "entry 1: expected a mapping"),
        ("rule: a\n", "expected a list of entries"),
        ("- [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_ignore_entries_name_file_entry_and_key(tmp_path, text, words):
    with pytest.raises(ConfigError) as err:
        ignore_file(tmp_path, text)
    assert str(err.value).startswith(str(tmp_path / ".authcheck-ignore.yaml") + ": ")
    assert words in str(err.value) and "\n" not in str(err.value)


def test_empty_ignore_file_is_fine(tmp_path):
    assert ignore_file(tmp_path, "").entries == []


def test_rule_glob_and_path_glob(tmp_path):
    ign = ignore_file(tmp_path, "- {rule: 'wording.*', path: 'docs/*.pdf', reason: house style}\n")
    hit = finding("wording.policy", "x")
    assert ign.match("docs/a.pdf", hit, "f", TODAY) == {
        "kind": "ignore",
        "reason": "house style",
        "expires": None,
        "entry": 1,
    }
    assert ign.match("./docs/a.pdf", hit, "f", TODAY) is not None
    assert ign.match("docs/old/a.pdf", hit, "f", TODAY) is None  # `*` stays in one folder
    assert ign.match("docs/a.docx", hit, "f", TODAY) is None
    assert ign.match("docs/a.pdf", finding("sig.unsigned"), "f", TODAY) is None


def test_double_star_and_basename_globs(tmp_path):
    ign = ignore_file(tmp_path, "- {rule: a, path: 'archive/**', reason: r}\n- {rule: b, path: '*.txt', reason: r}\n")
    assert ign.match("archive/2020/x/y.pdf", finding("a"), "f", TODAY) is not None
    assert ign.match("other/archive.pdf", finding("a"), "f", TODAY) is None
    assert ign.match("deep/down/notes.txt", finding("b"), "f", TODAY) is not None  # no slash: any folder


def test_paths_relative_to_the_ignore_files_folder(tmp_path, monkeypatch):
    ign = ignore_file(tmp_path, "- {rule: a, path: 'docs/a.pdf', reason: r}\n")
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path / "docs")
    assert ign.match("a.pdf", finding("a"), "f", TODAY) is not None
    assert ign.match(str(tmp_path / "docs" / "a.pdf"), finding("a"), "f", TODAY) is not None


def test_fingerprint_entry_matches_only_that_finding(tmp_path):
    target = fp(LETTERS[0])
    ign = ignore_file(tmp_path, f"- {{fingerprint: '{target.upper()}', reason: known}}\n")
    assert ign.match("docs/b.pdf", LETTERS[0].findings[0], target, TODAY)["entry"] == 1
    assert ign.match("docs/a.pdf", LETTERS[1].findings[1], fp(LETTERS[1], 1), TODAY) is None


def test_expiry_stops_suppressing_on_the_day_and_warns(tmp_path):
    ign = ignore_file(
        tmp_path,
        "- {rule: a, reason: r, expires: 2026-06-01, approved_by: ops}\n"
        "- {rule: b, reason: r, expires: '2026-06-02'}\n",
    )
    assert ign.match("x.pdf", finding("a"), "f", dt.date(2026, 5, 31))["expires"] == "2026-06-01"
    assert ign.match("x.pdf", finding("a"), "f", TODAY) is None
    assert ign.match("x.pdf", finding("b"), "f", TODAY)["expires"] == "2026-06-02"
    assert ign.warnings(TODAY) == ["entry 1 (rule a) expired on 2026-06-01; it no longer suppresses anything"]


def test_unused_entries_warn(tmp_path):
    ign = ignore_file(tmp_path, "- {rule: a, reason: r}\n- {rule: b, reason: r}\n")
    ign.match("x.pdf", finding("a"), "f", TODAY)
    assert ign.warnings(TODAY) == ["entry 2 (rule b) matched nothing in this run"]


# --- applying suppressions ----------------------------------------------------------------------------


def test_apply_marks_findings_and_rescores(tmp_path):
    letter = LETTERS[1]
    base = Baseline([{"rule": "sig.unsigned", "fingerprint": fp(letter, 1), "sha256": SHA_A, "path": "x"}])
    ign = ignore_file(tmp_path, "- {rule: 'wording.*', reason: accepted wording}\n")
    out = apply_suppressions(letter, base, ign, TODAY, rescore=stub_rescore)
    assert out.findings[0].suppressed == {"kind": "ignore", "reason": "accepted wording", "expires": None, "entry": 1}
    assert out.findings[1].suppressed == {"kind": "baseline"}
    assert (out.score, out.verdict) == (0, "pass")
    assert letter.findings[0].suppressed is None  # the input is untouched


def test_ignore_wins_over_baseline_and_counts_as_used(tmp_path):
    letter = LETTERS[0]
    base = Baseline([{"rule": "sig.unsigned", "fingerprint": fp(letter), "sha256": SHA_B, "path": "x"}])
    ign = ignore_file(tmp_path, "- {rule: sig.unsigned, reason: r}\n")
    out = apply_suppressions(letter, base, ign, TODAY, rescore=stub_rescore)
    assert out.findings[0].suppressed["kind"] == "ignore" and ign.warnings(TODAY) == []


def test_nothing_matched_returns_the_same_result_without_rescoring():
    def boom(res, settings):
        raise AssertionError("rescored")

    assert apply_suppressions(LETTERS[0], Baseline([]), None, TODAY, rescore=boom) is LETTERS[0]
    assert apply_suppressions(LETTERS[0], None, None, TODAY, rescore=boom) is LETTERS[0]


def test_baseline_round_trip_suppresses_old_and_keeps_new(tmp_path):
    path = str(tmp_path / "base.json")
    write_baseline(path, [LETTERS[0]])
    grown = dataclasses.replace(LETTERS[0], findings=(*LETTERS[0].findings, finding("meta.author", "Bob")))
    out = apply_suppressions(grown, load_baseline(path), None, TODAY, rescore=stub_rescore)
    assert [f.suppressed for f in out.findings] == [{"kind": "baseline"}, None]
    assert out.score == 10


def test_apply_with_the_real_scoring_recomputes_score_and_verdict(tmp_path):
    from authcheck.scoring.score import rescore
    from authcheck.settings import Settings

    strong = dataclasses.replace(finding("sig.unsigned", "Regards"), weight=70.0)
    weak = dataclasses.replace(finding("meta.author", "Bob"), weight=10.0)
    settings = Settings()
    letter = rescore(result("a.pdf", SHA_A, strong, weak), settings)
    assert (letter.score, letter.verdict) == (73, "fail")
    ign = ignore_file(tmp_path, "- {rule: sig.unsigned, reason: signed copy on file, approved_by: legal}\n")
    out = apply_suppressions(letter, None, ign, TODAY, settings=settings)
    assert (out.score, out.verdict, out.axes["authority"]) == (10, "pass", 10)
    assert {f.rule: f.contribution for f in out.findings} == {"meta.author": 10.0, "sig.unsigned": 0.0}
    with pytest.raises(TypeError, match="needs settings"):
        apply_suppressions(letter, None, ign, TODAY)


def test_an_alias_bomb_in_the_ignore_file_is_refused_before_it_expands(tmp_path):
    """An 800-byte ignore file whose `expires` is a 9^9 alias bomb ate gigabytes (its repr went
    into the error message) and never finished."""
    chain = ['&a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    chain += [f"&{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    path = tmp_path / "ignore.yaml"
    path.write_text("- rule: x\n  reason: y\n  expires: [" + ", ".join(chain) + "]\n")
    assert path.stat().st_size < 1000
    with pytest.raises(ConfigError, match="alias bomb"):
        load_ignore(str(path))


def test_a_few_aliases_in_the_ignore_file_are_still_fine(tmp_path):
    path = tmp_path / "ignore.yaml"
    path.write_text("- &one {rule: a.b, reason: shared reason}\n- *one\n")
    assert len(load_ignore(str(path)).entries) == 2


def test_a_file_name_that_is_not_utf8_is_written_as_xnn_text(tmp_path):
    """The baseline (committed, read by other tools) held a lone surrogate, "\\udcff", which strict
    JSON readers refuse; the path is a hint for people, so it is written like every other output."""
    res = result("docs/a\udcff.txt", "ab" * 32, finding("x.rule", "evidence"))
    out = tmp_path / "baseline.json"
    write_baseline(str(out), [res])
    raw = out.read_bytes()
    text = raw.decode("utf-8")  # strict
    assert "\\udcff" not in text and not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)
    assert json.loads(text)["entries"][0]["path"] == "docs/a\\xff.txt"
    assert load_baseline(str(out)).entries  # still a valid baseline
