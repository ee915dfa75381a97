"""Issue 14: issuer registry (load, validation, lookups) and the issuer.* rules on letters built here."""

from __future__ import annotations

import json
import os

import pytest

from authcheck.batch.pipeline import check_bytes
from authcheck.engine.rulepack import load_ruleset
from authcheck.registry import loaded, prepare
from authcheck.registry.load import RegistryError, load_registries
from authcheck.registry.normal import claimed_rank, fold, person_key, rank_of
from authcheck.settings import Settings

REGISTRY = """
organisations:
  - id: mof
    names: ["Ministry of Finance, Republic of Nordmark"]
    letterhead: ["MINISTRY OF FINANCE", "REPUBLIC OF NORDMARK"]
    reference_patterns: ['^MF/\\d{4}/\\d{3}$']
people:
  - id: berg
    names: ["Karin E. Berg"]
    organisation: mof
    posts:
      - title: Director of Budget
        rank: null
        valid_from: 2018-01-01
        valid_to: 2021-12-31
        may_sign: [end-agreement]
      - title: Deputy Minister
        valid_from: 2022-01-01
  - id: holt
    names: ["Brian T. Holt"]
    organisation: mof
    posts:
      - title: Defence Attache
        rank: Brigadier General
        valid_from: 2019-01-01
        valid_to: 2023-06-30
"""

RULESET = load_ruleset()


def letter(
    *,
    head=("MINISTRY OF FINANCE", "REPUBLIC OF NORDMARK"),
    day="6 January 2020",
    ref="MF/2020/012",
    name="KARIN E. BERG",
    titles=("Director of Budget",),
    body="The annual budget review meeting will take place on Monday in the main building.",
) -> bytes:
    """A plain-text letter."""
    lines = [
        *head,
        "",
        f"Our ref: {ref}" if ref else "",
        "",
        day,
        "",
        "Dear Colleague,",
        "",
        body,
        "",
        "Yours faithfully,",
        "",
        name,
        *titles,
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def registry(tmp_path):
    path = tmp_path / "registry.yaml"
    path.write_text(REGISTRY)
    return str(path)


def check(data: bytes, registry) -> tuple[dict, dict]:
    """(findings by rule, registry section) of one letter."""
    settings = prepare(Settings(registry=(registry,) if registry else ()))
    result = check_bytes(data, "letter.txt", settings, RULESET)
    assert result.error is None, result.error
    return {f.rule: f for f in result.findings}, result.fields.get("registry")


ISSUE_RULES = {
    "issuer.not-in-office",
    "issuer.near-miss",
    "issuer.reference-format",
    "issuer.unknown",
    "issuer.not-authorised",
}


def test_genuine_letter_is_corroborated_and_raises_nothing(registry):
    found, section = check(letter(), registry)
    assert not ISSUE_RULES & set(found)
    assert "Karin E. Berg" in section["corroboration"] and "2020-01-06" in section["corroboration"]
    assert section["signatory"].startswith("berg")


def test_no_registry_is_silent():
    found, section = check(letter(name="KARIN E. BERGG", day="6 January 2030", ref="99-1"), None)
    assert not ISSUE_RULES & set(found) and section is None


def test_not_in_office_after_leaving_the_post(registry):
    found, _ = check(letter(day="3 March 2023"), registry)
    assert "issuer.not-in-office" in found
    message = found["issuer.not-in-office"].message
    assert "2018-01-01 to 2021-12-31" in message and "2023-03-03" in message
    assert any(
        e.loc.part == "registry" and "people[0](berg)" in e.loc.key for e in found["issuer.not-in-office"].evidence
    )


def test_not_in_office_for_a_title_never_held(registry):
    found, _ = check(letter(titles=("Director of Customs",)), registry)
    assert "issuer.not-in-office" in found
    assert "'Director of Customs' is not a post" in found["issuer.not-in-office"].message


def test_wrong_rank_on_the_date(registry):
    found, _ = check(letter(name="BRIAN T. HOLT, Major General", titles=("Defence Attache",)), registry)
    assert "issuer.not-in-office" in found and "major general" in found["issuer.not-in-office"].message
    found, _ = check(letter(name="BRIAN T. HOLT, BG", titles=("Defence Attache",)), registry)
    assert "issuer.not-in-office" not in found


def test_near_miss_name_shows_the_similarity(registry):
    found, _ = check(letter(name="KARIN E. BERGH"), registry)
    assert "issuer.near-miss" in found
    assert "Karin E. Berg" in found["issuer.near-miss"].message and "similarity" in found["issuer.near-miss"].message


def test_near_miss_letterhead_with_a_homoglyph_is_folded_not_flagged(registry):
    found, _ = check(letter(head=("MINISTRY OF FINАNCE", "REPUBLIC OF NORDMARK")), registry)  # Cyrillic A
    assert "issuer.near-miss" not in found
    found, _ = check(letter(head=("MINISTRY OF FINANSE", "REPUBLIC OF NORDMARK")), registry)
    assert "issuer.near-miss" in found and "MINISTRY OF FINANSE" in found["issuer.near-miss"].message


def test_reference_format(registry):
    found, _ = check(letter(ref="2020-12"), registry)
    assert "issuer.reference-format" in found and "'2020-12'" in found["issuer.reference-format"].message
    found, _ = check(letter(ref="MF/2021/007"), registry)
    assert "issuer.reference-format" not in found


def test_your_ref_is_the_recipients_number_and_not_checked(registry):
    data = letter(ref=None).replace(b"Dear Colleague", b"Your ref: 77-ABC\n\nDear Colleague")
    found, _ = check(data, registry)
    assert "issuer.reference-format" not in found


def test_unknown_issuer(registry):
    found, _ = check(letter(head=("OFFICE OF TOURISM",), name="PETER QUINN", titles=("Director",)), registry)
    assert "issuer.unknown" in found and found["issuer.unknown"].weight <= 10
    found, _ = check(letter(), registry)
    assert "issuer.unknown" not in found


def test_not_authorised_to_withdraw_forces(registry):
    body = "All coalition forces will withdraw from the northern region by the end of the month."
    found, _ = check(letter(body=body), registry)
    assert "issuer.not-authorised" in found and found["issuer.not-authorised"].axis == "authority"
    assert "withdraw" in found["issuer.not-authorised"].message
    body = "We hereby terminate the cooperation agreement with immediate effect."
    found, _ = check(letter(body=body), registry)
    assert "issuer.not-authorised" not in found


def test_corroboration_lowers_a_weak_metadata_finding_never_below_zero(registry):
    from authcheck.engine.evaluate import context_for, evaluate_rule
    from authcheck.extract import extract
    from authcheck.loaders import load
    from authcheck.model import Finding
    from authcheck.settings import Limits

    rule = RULESET.get("metadata.author-mismatch")
    doc = load(letter(), path="x.txt", sha256="0", password=None, limits=Limits())
    overrides = {"metadata.author": "d.kovalenko", "issuer.source": "signature_block", "issuer.name": "KARIN E. BERG"}
    plain = evaluate_rule(rule, context_for(extract(doc), overrides).for_rule(rule))
    ctx = context_for(extract(doc), {**overrides, "registry.corroborated": "Karin E. Berg, Director of Budget"})
    lowered = evaluate_rule(rule, ctx.for_rule(rule))
    assert isinstance(plain, Finding) and 0 < lowered.weight < plain.weight
    assert "registry corroborates" in lowered.weight_reason


@pytest.mark.parametrize("a,b", [("BG", "Brig. Gen."), ("Brigadier General", "BGen"), ("Lt. Col.", "LTC")])
def test_rank_spellings_fold_together(a, b):
    assert rank_of(a) == rank_of(b) is not None


def test_names_fold_initials_suffixes_ranks_and_homoglyphs():
    assert (
        person_key("Seely, William H. III, BGen USMC")
        == person_key("WILLIAM H. SEELY III")
        == ("william", "h", "seely")
    )
    assert fold("Ѕееlу") == "seely"  # Cyrillic look-alikes
    assert claimed_rank("Commanding General, Task Force Iraq") is None
    assert claimed_rank("Brigadier General, US Marine Corps") == "brigadier general"


BAD = [
    (
        "people: [{id: x, names: [A B], posts: [{title: T, valid_from: '2020-13-01'}]}]",
        "people[0](x): key 'posts[0]': key 'valid_from'",
    ),
    ("people: [{id: x, names: [A B], posts: [{title: T, valid_from: 2020-13-01}]}]", "invalid value in YAML"),
    ("people: [{id: x, names: [A B], colour: red}]", "people[0](x): key 'colour': unknown key"),
    (
        "organisations: [{id: o, names: [O], reference_patterns: ['(a)\\1']}]",
        "organisations[0](o): key 'reference_patterns'",
    ),
    ("people: [{id: x, names: [A B], organisation: nowhere}]", "unknown organisation 'nowhere'"),
    ("people: [{id: x, names: [A]}, {id: x, names: [B]}]", "duplicate person id 'x'"),
    ("people: [{id: x, names: [A], may_sign: [launch-missiles]}]", "key 'may_sign': unknown action 'launch-missiles'"),
    (
        "people: [{id: x, names: [A], posts: [{title: T, valid_from: 2021-01-01, valid_to: 2020-01-01}]}]",
        "is before valid_from",
    ),
    ("- just a list", "a registry must be a mapping"),
    ("peoples: []", "key 'peoples': unknown key"),
    ("people: [{id: x, names: [A], signatures: [nothex]}]", "not a 16-digit hex image hash"),
]


@pytest.mark.parametrize("text,expected", BAD, ids=[b[1][:30] for b in BAD])
def test_invalid_registries_name_file_entry_and_key(tmp_path, text, expected):
    path = tmp_path / "reg.yaml"
    path.write_text(text)
    with pytest.raises(RegistryError) as info:
        load_registries([str(path)])
    assert expected in str(info.value) and str(path) in str(info.value)


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]"
        for i in range(1, 9)
    ]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RegistryError, match="alias"):
        load_registries([str(path)])


def test_cli_bad_registry_is_one_line_and_exit_2(cli, tmp_path):
    path = tmp_path / "reg.yaml"
    path.write_text("people: [{id: x, names: [A], colour: red}]")
    out = cli("check", "samples/withdrawal-letter-2020.txt", "--registry", str(path))
    assert out.exit_code == 2
    assert out.stderr.count("\n") == 1 and "key 'colour'" in out.stderr and "Traceback" not in out.stderr


def test_registry_from_config_file_is_relative_to_it(cli, tmp_path, registry):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "reg.yaml").write_text(REGISTRY)
    (tmp_path / "authcheck.toml").write_text('registry = ["sub/reg.yaml"]\n')
    (tmp_path / "letter.txt").write_bytes(letter(day="3 March 2023"))
    out = cli("check", "letter.txt", "-f", "json", "--no-cache", cwd=tmp_path)
    rules = {f["rule"] for f in json.loads(out.stdout)["findings"]}
    assert "issuer.not-in-office" in rules


def test_lookup_indexes_blocks_so_a_typo_in_a_short_surname_is_found(tmp_path):
    people = "\n".join(f"  - {{id: p{i}, names: ['Anna {chr(65 + i % 26)}. Name{i}son']}}" for i in range(300))
    path = tmp_path / "reg.yaml"
    path.write_text("people:\n" + people + "\n  - {id: short, names: ['Li Wu']}\n")
    index = loaded((str(path),), None).index
    assert index.person("LI WU").exact
    match = index.person("Li Wo")
    assert match is not None and match.person.id == "short" and not match.exact
    assert index.person("Zeno Q. Unrelated") is None


def test_office_symbol_identifies_the_organisation(tmp_path):
    path = tmp_path / "reg.yaml"
    path.write_text(
        REGISTRY.replace(
            '    letterhead: ["MINISTRY OF FINANCE", "REPUBLIC OF NORDMARK"]\n', '    office_symbols: ["MF-BUD"]\n'
        )
    )
    from authcheck.registry.index import RegistryIndex

    index = RegistryIndex(load_registries([str(path)]))
    assert index.organisation("MF-BUD").org.id == "mof" and index.organisation("mf-bud").exact


def test_baseline_create_with_a_registry_records_registry_findings(cli, tmp_path, registry):
    (tmp_path / "letter.txt").write_bytes(letter(day="3 March 2023"))
    out = cli("baseline", "create", "letter.txt", "--registry", registry, "-o", "base.json", "--no-cache", cwd=tmp_path)
    assert out.exit_code == 0, out.stderr
    assert "issuer.not-in-office" in (tmp_path / "base.json").read_text()


def test_the_same_title_held_twice_is_matched_to_the_term_that_covers_the_date(tmp_path):
    path = tmp_path / "reg.yaml"
    path.write_text(
        "organisations: [{id: mof, names: [Ministry of Finance], letterhead: [MINISTRY OF FINANCE]}]\n"
        "people:\n  - id: berg\n    names: [Karin E. Berg]\n    organisation: mof\n    posts:\n"
        "      - {title: Director of Budget, valid_from: 2010-01-01, valid_to: 2012-12-31}\n"
        "      - {title: Director of Budget, valid_from: 2019-01-01}\n"
    )
    found, section = check(letter(), str(path))
    assert "issuer.not-in-office" not in found and "2019-01-01" in section["corroboration"]
    found, _ = check(letter(day="5 May 2015"), str(path))
    assert "issuer.not-in-office" in found


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_registry_is_an_error_not_a_hang(tmp_path):
    import threading

    fifo = tmp_path / "registry.yaml"
    os.mkfifo(fifo)
    box = ["hung"]

    def load():
        try:
            load_registries([str(fifo)])
            box[0] = "loaded"
        except RegistryError as exc:
            box[0] = str(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(20)
    assert box[0] != "hung" and "not a regular file" in box[0]
