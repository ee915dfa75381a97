"""End to end: every sample letter through `authcheck check --format json`, as the README promises.

Each sample is checked once per module (in-process, no cache) and the record is shared by the
tests below; stdin and hand-made letters are checked in the test that needs them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

jsonschema = pytest.importorskip("jsonschema")

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"

SCHEMA = json.loads((REPO / "authcheck" / "schemas" / "result-v1.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

LETTERS_2020 = ["withdrawal-letter-2020.pdf", "withdrawal-letter-2020.docx", "withdrawal-letter-2020.txt"]
SIGNED_NOTIFICATIONS = [
    "signed-deployment-notification.pdf",
    "signed-deployment-notification.docx",
    "signed-deployment-notification-digital.pdf",
]
SAMPLE_FILES = sorted(p.name for p in SAMPLES.iterdir() if p.suffix in (".pdf", ".docx", ".txt"))

PENTAGON_DENIAL = (
    "There has been no change in US policy with regard to our force presence in Iraq. ... "
    "But there's been no decision made to leave Iraq. Period.\n"
)
ANNOUNCEMENT = "All coalition forces will withdraw from Iraq next week.\n"

# The README's sample table: verdict, score, origin, authority.
README_TABLE = {
    "withdrawal-letter-2020.pdf": ("fail", 75, 0, 75),
    "withdrawal-letter-2020.docx": ("fail", 75, 0, 75),
    "withdrawal-letter-2020.txt": ("fail", 61, 0, 61),
    "signed-deployment-notification.pdf": ("pass", 10, 0, 10),
    "signed-deployment-notification.docx": ("pass", 10, 0, 10),
    "signed-deployment-notification-digital.pdf": ("pass", 10, 0, 10),
    "coordination-letter.pdf": ("pass", 0, 0, 0),
    "coordination-letter.txt": ("pass", 0, 0, 0),
    "forged-letter.pdf": ("fail", 65, 61, 10),
    "draft-memo.pdf": ("fail", 73, 0, 73),
    "draft-memo.docx": ("fail", 73, 0, 73),
    "pentagon-statement.txt": ("pass", 0, 0, 0),
}


@pytest.fixture(scope="module")
def checked():
    """name -> (exit code, JSON record) for `authcheck check samples/NAME --format json --no-cache`."""
    from authcheck.cli.main import main

    done: dict[str, tuple[int, dict]] = {}

    def get(name: str) -> tuple[int, dict]:
        if name not in done:
            with pytest.MonkeyPatch.context() as mp:
                mp.chdir(REPO)
                for var in [n for n in os.environ if n.startswith("AUTHCHECK_")]:
                    mp.delenv(var)
                result = CliRunner().invoke(
                    main, ["check", f"samples/{name}", "--format", "json", "--no-cache"], catch_exceptions=False
                )
            assert result.stderr == ""
            done[name] = (result.exit_code, json.loads(result.stdout))
        return done[name]

    return get


def rules_of(record: dict) -> list[str]:
    return [f["rule"] for f in record["findings"]]


def finding(record: dict, rule: str) -> dict:
    [found] = [f for f in record["findings"] if f["rule"] == rule]
    return found


def test_every_sample_is_in_the_readme_table():
    assert sorted(README_TABLE) == SAMPLE_FILES


@pytest.mark.parametrize("name", sorted(README_TABLE))
def test_sample_matches_the_readme_table(checked, name):
    code, record = checked(name)
    verdict, score, origin, authority = README_TABLE[name]
    assert (record["verdict"], record["score"], record["axes"]) == (
        verdict,
        score,
        {"origin": origin, "authority": authority},
    )
    assert code == (1 if verdict == "fail" else 0)
    assert record["path"] == f"samples/{name}"
    assert record["error"] is None


# --- the 2020 letter ----------------------------------------------------------------------


@pytest.mark.parametrize("name", LETTERS_2020)
def test_2020_letter_fails_on_authority_not_origin(checked, name):
    code, record = checked(name)
    assert code == 1
    assert record["verdict"] == "fail"
    assert record["axes"]["origin"] < 25
    assert record["axes"]["authority"] >= 60
    assert {"signature.unsigned", "signature.attributed-unsigned", "wording.policy-change"} <= set(rules_of(record))


@pytest.mark.parametrize("name", LETTERS_2020)
def test_2020_letter_fields(checked, name):
    _, record = checked(name)
    fields = record["fields"]
    assert fields["issuer"]["name"] == "WILLIAM H. SEELY III"
    assert fields["issuer"]["organization"] == "Task Force Iraq"
    assert fields["date"]["value"] == "2020-01-06"
    assert fields["date"]["text"] == "6 January 2020"
    assert fields["subject"] == "Coalition Force Movement"
    assert fields["signature"]["signed"] is False
    assert fields["signature"]["kinds"] == []


@pytest.mark.parametrize("name", LETTERS_2020)
def test_2020_letter_policy_change_quotes_the_letter(checked, name):
    _, record = checked(name)
    policy = finding(record, "wording.policy-change")
    assert policy["weight"] == 45.0
    assert [e["text"] for e in policy["evidence"]] == [
        "repositioning forces",
        "onward movement",
        "movement out of Iraq",
        "our departure",
    ]
    assert policy["evidence"][0]["reason"]["action"] == "move" and policy["evidence"][0]["reason"]["object"] == "forces"
    assert all(e["part"] == "body" for e in policy["evidence"])
    contexts = [e["context"] for e in policy["evidence"]]
    assert any("will be repositioning forces over the course of the coming days" in c for c in contexts)
    assert "We respect your sovereign decision to order our departure." in contexts
    for ev in policy["evidence"]:
        assert ev["text"] in ev["context"]


@pytest.mark.parametrize(
    "name, weights",
    [
        (
            "withdrawal-letter-2020.pdf",
            {"wording.policy-change": 45.0, "signature.attributed-unsigned": 35.0, "signature.unsigned": 30.0},
        ),
        (
            "withdrawal-letter-2020.docx",
            {"wording.policy-change": 45.0, "signature.attributed-unsigned": 35.0, "signature.unsigned": 30.0},
        ),
        # plain text cannot carry a handwritten signature: the absence of one weighs less
        (
            "withdrawal-letter-2020.txt",
            {"wording.policy-change": 45.0, "signature.attributed-unsigned": 20.0, "signature.unsigned": 12.0},
        ),
    ],
)
def test_2020_letter_weights_and_contributions(checked, name, weights):
    _, record = checked(name)
    assert {f["rule"]: f["weight"] for f in record["findings"]} == weights
    assert rules_of(record) == list(weights)  # strongest first
    assert round(sum(f["contribution"] for f in record["findings"])) == record["score"]


# --- the Pentagon's denial, through stdin --------------------------------------------------


def test_pentagon_denial_on_stdin_passes(cli):
    result = cli("-", "--format", "json", input=PENTAGON_DENIAL)
    record = json.loads(result.stdout)
    assert result.exit_code == 0
    assert record["path"] == "-"
    assert record["format"] == "text"
    assert (record["verdict"], record["score"], record["findings"]) == ("pass", 0, [])
    assert record["fields"]["signature"]["signed"] is None  # nothing to sign: not the same as unsigned


def test_announcement_on_stdin_is_a_policy_change(cli):
    result = cli("-", "--format", "json", input=ANNOUNCEMENT)
    record = json.loads(result.stdout)
    assert record["path"] == "-"
    policy = finding(record, "wording.policy-change")
    assert policy["weight"] == 30.0  # nothing to sign: between unsigned (45) and signed (10)
    assert [e["text"] for e in policy["evidence"]] == ["withdraw from Iraq"]
    assert policy["evidence"][0]["context"] == ANNOUNCEMENT.strip()
    assert (record["verdict"], record["score"]) == ("review", 30)
    assert result.exit_code == 0  # review does not trip the default gate


# --- the contrast samples --------------------------------------------------------------------


@pytest.mark.parametrize("name, kind", list(zip(SIGNED_NOTIFICATIONS, ["image", "image", "digital"])))
def test_signed_notification_is_not_failed_for_its_announcement(checked, name, kind):
    code, record = checked(name)
    assert record["verdict"] != "fail"
    assert code == 0
    assert rules_of(record) == ["wording.policy-change"]
    policy = finding(record, "wording.policy-change")
    assert policy["weight"] == 10.0
    assert "deploy a mechanised infantry battalion" in [e["text"] for e in policy["evidence"]]
    assert record["fields"]["signature"]["signed"] is True
    assert record["fields"]["signature"]["kinds"] == [kind]
    assert record["fields"]["issuer"]["name"] == "Anna Lindqvist"


@pytest.mark.parametrize("name, kind", [("coordination-letter.pdf", "image"), ("coordination-letter.txt", "conformed")])
def test_coordination_letter_passes_without_findings(checked, name, kind):
    code, record = checked(name)
    assert (code, record["verdict"], record["score"], record["findings"]) == (0, "pass", 0, [])
    assert record["fields"]["signature"]["signed"] is True
    assert record["fields"]["signature"]["kinds"] == [kind]
    assert record["fields"]["issuer"]["name"] == "JAMES T. WHITFIELD"


def test_forged_letter_fails_on_origin(checked):
    code, record = checked("forged-letter.pdf")
    assert code == 1
    assert record["verdict"] == "fail"
    assert record["axes"]["origin"] >= 50
    assert set(rules_of(record)) == {
        "issuer.name-mismatch",
        "metadata.author-mismatch",
        "metadata.date-conflict",
        "wording.policy-change",
    }
    assert finding(record, "wording.policy-change")["weight"] == 10.0  # it carries a (pasted) signature image
    assert [e["text"] for e in finding(record, "issuer.name-mismatch")["evidence"]] == [
        "Brigadier General Wiliam H. Seelly III, Commanding General, Task Force Iraq",
        "WILLIAM H. SEELEY",
    ]
    assert "d.kovalenko" in [e["text"] for e in finding(record, "metadata.author-mismatch")["evidence"]]
    assert "2020-02-14T16:22:00+02:00" in [e["text"] for e in finding(record, "metadata.date-conflict")["evidence"]]


@pytest.mark.parametrize("name", ["draft-memo.pdf", "draft-memo.docx"])
def test_draft_memo_is_marked_draft(checked, name):
    code, record = checked(name)
    assert code == 1
    assert rules_of(record)[0] == "marking.draft"
    draft = finding(record, "marking.draft")
    assert draft["weight"] == 40.0
    assert {"DRAFT", "PRE-DECISIONAL", "NOT FOR RELEASE"} <= {e["text"] for e in draft["evidence"]}
    assert record["fields"]["signature"]["signed"] is False


# --- the schema ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_sample_record_validates_against_the_schema(checked, name):
    _, record = checked(name)
    assert sorted(e.message for e in VALIDATOR.iter_errors(record)) == []


def test_schema_rejects_a_record_without_a_verdict(checked):
    """The validator is not vacuous: a record that breaks the schema's own rules fails it."""
    _, record = checked("coordination-letter.txt")
    broken = {**record, "verdict": None}
    assert not VALIDATOR.is_valid(broken)
    assert not VALIDATOR.is_valid({k: v for k, v in record.items() if k != "fields"})


def test_batch_json_has_one_valid_document_per_sample_sorted(cli):
    result = cli("samples", "--format", "json", "--no-cache")
    batch = json.loads(result.stdout)
    assert list(batch) == ["schema_version", "summary", "documents"]
    assert batch["schema_version"] == "1.1"
    paths = [d["path"] for d in batch["documents"]]
    assert paths == [f"samples/{name}" for name in SAMPLE_FILES]
    for doc in batch["documents"]:
        assert VALIDATOR.is_valid(doc), doc["path"]
        verdict, score, _origin, _authority = README_TABLE[Path(doc["path"]).name]
        assert (doc["verdict"], doc["score"]) == (verdict, score)
    summary = batch["summary"]
    assert summary["documents"] == len(SAMPLE_FILES)
    assert summary["by_verdict"] == {"pass": 6, "review": 0, "fail": 6}
    assert summary["errors"] == 0
    assert summary["findings"] == sum(len(d["findings"]) for d in batch["documents"])
    assert result.exit_code == 1


def test_jsonl_has_one_valid_line_per_sample(cli):
    result = cli("samples", "--format", "jsonl", "--no-cache")
    lines = result.stdout.splitlines()
    assert len(lines) == len(SAMPLE_FILES)
    records = [json.loads(line) for line in lines]
    assert sorted(r["path"] for r in records) == [f"samples/{name}" for name in SAMPLE_FILES]
    for record in records:
        assert VALIDATOR.is_valid(record), record["path"]
    assert result.exit_code == 1


def test_error_record_validates_against_the_schema(cli, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    record = json.loads(cli("empty.txt", "--format", "json", cwd=tmp_path).stdout)
    assert record["error"] == {"type": "corrupt", "message": "empty file", "stage": "sniff"}
    assert sorted(e.message for e in VALIDATOR.iter_errors(record)) == []


# --- a file whose extension lies -------------------------------------------------------------


def test_docx_named_pdf_is_checked_and_flagged(cli, tmp_path):
    shutil.copy(SAMPLES / "withdrawal-letter-2020.docx", tmp_path / "x.pdf")
    result = cli("x.pdf", "--format", "json", cwd=tmp_path)
    record = json.loads(result.stdout)
    assert record["error"] is None
    assert record["format"] == "docx"
    assert "file.type-mismatch" in rules_of(record)
    assert finding(record, "file.type-mismatch")["axis"] == "origin"
    # the letter itself is still read: same issuer and the same authority findings as the .docx
    assert record["fields"]["issuer"]["name"] == "WILLIAM H. SEELY III"
    assert {"signature.unsigned", "wording.policy-change"} <= set(rules_of(record))
    assert result.exit_code == 1
