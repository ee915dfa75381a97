"""SARIF output: the official 2.1.0 schema, GitHub's subset and pitfalls, and exact mappings."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

from authcheck.model import (
    Document,
    ErrorInfo,
    Evidence,
    Finding,
    Letter,
    Letterhead,
    Line,
    Location,
    Metadata,
    Party,
    Result,
    SignatureBlock,
    SignatureEvidence,
)
from authcheck.reporters.sarif import render_sarif
from authcheck.scoring.fingerprint import finding_fingerprint

#: the official OASIS schema, shipped with the tests so validation runs in a plain clone
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
BASE = os.path.abspath(os.path.join(os.sep, "repo"))
SHA_FAIL = "a" * 64
SHA_REVIEW = "b" * 64

RULES = [
    {
        "id": "sig.unsigned",
        "title": "Letter is not signed",
        "description": "No handwritten, image or digital signature.",
        "severity": "high",
        "axis": "authority",
        "weight": 40,
        "confidence": "high",
        "references": ["Army Regulation 25-50, para 6-2", "https://example.org/signing"],
        "remediation": "Ask the issuer for a signed copy.",
    },
    {
        "id": "meta.author-mismatch",
        "title": "Metadata author differs from issuer",
        "description": "Author is not the issuer.",
        "severity": "medium",
        "axis": "origin",
        "weight": 20,
        "confidence": "low",
        "references": [],
        "remediation": "Compare the author with the issuer.",
    },
    {
        "id": "wording.policy-change",
        "title": "Unauthorised policy change",
        "description": "Announces a policy change.",
        "severity": "low",
        "axis": "authority",
        "weight": 10,
        "confidence": "medium",
        "references": ["DoD Manual 5110.04"],
        "remediation": "",
    },
    {
        "id": "extract.no-text-layer",
        "title": "No text layer",
        "description": "Image-only document.",
        "severity": "info",
        "axis": "origin",
        "weight": 0,
        "confidence": "high",
        "references": [],
        "remediation": "OCR it.",
    },
]


def at(*parts: str) -> str:
    """A path under the fake repository root."""
    return os.path.join(BASE, *parts)


def unsigned(evidence=None) -> Finding:
    return Finding(
        rule="sig.unsigned",
        title="Letter is not signed",
        severity="high",
        axis="authority",
        weight=40.0,
        message="No signature under the closing.",
        confidence="high",
        contribution=40.0,
        evidence=evidence
        or (
            Evidence("Yours sincerely,", Location("signature_block", 1, 12, 300, 316)),
            Evidence("J. Smith", Location("signature_block", 1, 13, 317, 325)),
        ),
    )


AUTHOR = Finding(
    rule="meta.author-mismatch",
    title="Metadata author differs from issuer",
    severity="medium",
    axis="origin",
    weight=20.0,
    message="Author 'xX_h4ck_Xx' is not the issuer.",
    confidence="low",
    contribution=20.0,
    evidence=(Evidence("xX_h4ck_Xx", Location("metadata", key="/Author")),),
)
POLICY = Finding(
    rule="wording.policy-change",
    title="Unauthorised policy change",
    severity="low",
    axis="authority",
    weight=10.0,
    message="Announces a policy change.",
    contribution=0.0,
    evidence=(Evidence("effective immediately", Location("body", 1, 5, 90, 111)),),
    suppressed={"kind": "baseline", "reason": "accepted in review #12"},
)


def result(path, sha, verdict, score, findings=(), error=None, fmt="pdf") -> Result:
    return Result(
        path=path,
        sha256=sha,
        format=None if error else fmt,
        verdict=verdict,
        score=score,
        axes={},
        reason="",
        findings=tuple(findings),
        fields={},
        error=error,
    )


def batch() -> list[Result]:
    return [
        result(at("letters", "fail.pdf"), SHA_FAIL, "fail", 82, [unsigned(), AUTHOR, POLICY]),
        result(at("letters", "pass.docx"), "c" * 64, "pass", 5, fmt="docx"),
        result(
            at("letters", "sub dir", "review ü.txt"),
            SHA_REVIEW,
            "review",
            40,
            [unsigned((Evidence("Regards", Location("signature_block", line=3)),))],
            fmt="text",
        ),
        result(at("letters", "broken.pdf"), None, None, None, error=ErrorInfo("corrupt", "no %%EOF marker", "load")),
    ]


def sarif(results=None, rules=RULES, **kwargs) -> dict:
    kwargs.setdefault("base_dir", BASE)
    return json.loads(render_sarif(batch() if results is None else results, rules, tool_version="0.3.0", **kwargs))


def validator(standard_suppression_status: bool = False):
    """A Draft 7 validator over the official schema (tests/data; never skipped).

    The stored schema is the committee-specification text, whose suppression property is
    `state`; the OASIS Standard (and GitHub) call it `status`.  With the flag, the check
    accepts `status` as well, in memory only.
    """
    import jsonschema  # the `test` extra

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    if standard_suppression_status:
        schema = copy.deepcopy(schema)
        props = schema["definitions"]["suppression"]["properties"]
        props["status"] = props["state"]
    return jsonschema.Draft7Validator(schema)


def assert_valid(log: dict, **kwargs) -> None:
    errors = sorted(validator(**kwargs).iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def assert_github_subset(log: dict) -> None:
    """GitHub's required subset (research note 5.2) and the pitfalls of 5.3."""
    assert log["$schema"].startswith("https://") and log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert run["tool"]["driver"]["name"] == "authcheck" and len(ids) == len(set(ids))
    for rule in rules:
        for key in ("shortDescription", "fullDescription", "help"):
            assert isinstance(rule[key]["text"], str) and rule[key]["text"]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["message"]["text"] and res["partialFingerprints"]["primaryLocationLineHash"]
        physical = res["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] and physical["region"]["startLine"] >= 1
        assert "fixes" not in res


def test_validates_against_official_schema_and_github_subset():
    log = sarif()
    assert_valid(log)
    assert_github_subset(log)


def test_with_suppressed_still_valid():
    log = sarif(include_suppressed=True)
    assert_valid(log, standard_suppression_status=True)
    assert_github_subset(log)


def test_rules_deduplicated_sorted_and_only_those_that_ran_plus_error():
    rules = sarif(rules=[*RULES, RULES[0]])["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [
        "authcheck.error",
        "extract.no-text-layer",
        "meta.author-mismatch",
        "sig.unsigned",
        "wording.policy-change",
    ]


def test_rule_descriptor_exact():
    rules = sarif()["runs"][0]["tool"]["driver"]["rules"]
    assert rules[3] == {
        "id": "sig.unsigned",
        "name": "SigUnsigned",
        "shortDescription": {"text": "Letter is not signed"},
        "fullDescription": {"text": "No handwritten, image or digital signature."},
        "help": {
            "text": "No handwritten, image or digital signature.\n\n"
            "What to verify: Ask the issuer for a signed copy.\n\n"
            "References:\n- Army Regulation 25-50, para 6-2\n- https://example.org/signing",
            "markdown": "No handwritten, image or digital signature.\n\n"
            "**What to verify**\n\nAsk the issuer for a signed copy.\n\n"
            "**References**\n\n- Army Regulation 25-50, para 6-2\n- <https://example.org/signing>",
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["security", "authenticity", "authority"],
            "precision": "high",
            "problem.severity": "error",
            "security-severity": "8.0",
        },
    }
    levels = {r["id"]: (r["defaultConfiguration"]["level"], r["properties"]["problem.severity"]) for r in rules}
    assert levels["meta.author-mismatch"] == ("warning", "warning")
    assert levels["extract.no-text-layer"] == ("note", "recommendation")
    assert "helpUri" not in rules[4] and rules[4]["help"]["text"].startswith("Announces a policy change.")


def test_security_severity_follows_githubs_bands_for_each_severity():
    """GitHub: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 3.9 or less low."""
    bands = {"critical": (9.0, 10.0), "high": (7.0, 8.9), "medium": (4.0, 6.9), "low": (0.1, 3.9), "info": (0.0, 3.9)}
    for severity, (low, high) in bands.items():
        rule = {**RULES[0], "id": f"x.{severity}", "severity": severity}
        props = sarif(rules=[rule])["runs"][0]["tool"]["driver"]["rules"]
        props = next(r for r in props if r["id"] == rule["id"])["properties"]
        assert isinstance(props["security-severity"], str) and low <= float(props["security-severity"]) <= high
        assert "security" in props["tags"]


def test_help_and_information_uri_only_when_the_project_declares_them():
    plain = sarif()["runs"][0]["tool"]["driver"]
    assert "informationUri" not in plain and all("helpUri" not in r for r in plain["rules"])
    linked = sarif(information_uri="https://home.example", help_uri="https://docs.example")["runs"][0]["tool"]["driver"]
    assert linked["informationUri"] == "https://home.example"
    assert {r["helpUri"] for r in linked["rules"]} == {"https://docs.example"}


def test_project_links_come_from_package_metadata_of_this_version():
    import email.message

    import authcheck
    from authcheck.reporters.projectinfo import project_links

    meta = email.message.Message()
    meta["Name"], meta["Version"] = "authcheck", authcheck.__version__
    meta["Project-URL"] = "Homepage, https://home.example"
    meta["Project-URL"] = "Documentation, https://docs.example/authcheck"
    assert project_links(meta) == {
        "information_uri": "https://home.example",
        "help_uri": "https://docs.example/authcheck",
    }
    meta.replace_header("Version", "0.0.0-someone-else")
    assert project_links(meta) == {}


def test_empty_run_is_a_valid_log_with_one_run_and_no_results():
    log = sarif(results=[])
    assert_valid(log)
    assert len(log["runs"]) == 1 and log["runs"][0]["results"] == []


def test_results_sorted_with_locations_and_rule_index():
    run = sarif()["runs"][0]
    rows = [
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"], r["level"])
        for r in run["results"]
    ]
    assert rows == [
        ("letters/broken.pdf", "authcheck.error", "error"),
        ("letters/fail.pdf", "meta.author-mismatch", "warning"),
        ("letters/fail.pdf", "sig.unsigned", "error"),
        ("letters/sub%20dir/review%20%C3%BC.txt", "sig.unsigned", "error"),
    ]
    for res in run["results"]:
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"


def test_metadata_finding_located_at_line_one_with_logical_location():
    res = sarif()["runs"][0]["results"][1]
    digest = finding_fingerprint(SHA_FAIL, AUTHOR)
    assert res == {
        "ruleId": "meta.author-mismatch",
        "ruleIndex": 2,
        "level": "warning",
        "message": {"text": "Author 'xX_h4ck_Xx' is not the issuer."},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "letters/fail.pdf", "uriBaseId": "%SRCROOT%", "index": 1},
                    "region": {"startLine": 1, "startColumn": 1},
                },
                "logicalLocations": [{"name": "/Author", "fullyQualifiedName": "metadata/Author", "kind": "property"}],
                "message": {"text": "metadata /Author: xX_h4ck_Xx"},
                "properties": {"part": "metadata", "key": "/Author"},
            }
        ],
        "partialFingerprints": {"authcheck/v1": digest, "primaryLocationLineHash": digest[:16] + ":1"},
        "properties": {
            "axis": "origin",
            "severity": "medium",
            "weight": 20.0,
            "contribution": 20.0,
            "document_score": 82,
            "document_verdict": "fail",
        },
    }


def test_text_finding_region_logical_and_related_locations():
    res = sarif()["runs"][0]["results"][2]
    loc = res["locations"][0]
    assert loc["physicalLocation"]["region"] == {
        "startLine": 12,
        "startColumn": 1,
        "charOffset": 300,
        "charLength": 16,
        "snippet": {"text": "Yours sincerely,"},
    }
    assert loc["logicalLocations"] == [
        {"name": "signature_block", "fullyQualifiedName": "page[1]/signature_block", "kind": "element"}
    ]
    assert res["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "letters/fail.pdf", "uriBaseId": "%SRCROOT%", "index": 1},
                "region": {
                    "startLine": 13,
                    "startColumn": 1,
                    "charOffset": 317,
                    "charLength": 8,
                    "snippet": {"text": "J. Smith"},
                },
            },
            "logicalLocations": [
                {"name": "signature_block", "fullyQualifiedName": "page[1]/signature_block", "kind": "element"}
            ],
            "message": {"text": "signature_block: J. Smith"},
            "properties": {"page": 1, "part": "signature_block"},
        }
    ]


def test_columns_computed_from_letter_lines():
    lines = (Line("Dear Sir,", 1, 1, 0, 9), Line("We are, Yours sincerely,", 1, 2, 10, 34))
    doc = Document("x.txt", "d" * 64, 34, "text", ".txt", lines, Metadata())
    letter = Letter(
        doc, Letterhead(), Party(), Party(), None, (), None, None, (), SignatureBlock(), SignatureEvidence(signed=False)
    )
    finding = unsigned((Evidence("Yours sincerely,", Location("signature_block", 1, 2, 18, 34)),))
    res = Result("x.txt", "d" * 64, "text", "fail", 70, {}, "", (finding,), {}, letter=letter)
    region = sarif([res], base_dir=None)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {
        "startLine": 2,
        "startColumn": 9,
        "endLine": 2,
        "endColumn": 25,
        "charOffset": 18,
        "charLength": 16,
        "snippet": {"text": "Yours sincerely,"},
    }


def test_suppressed_omitted_by_default_and_marked_when_included():
    assert "wording.policy-change" not in [r["ruleId"] for r in sarif()["runs"][0]["results"]]
    shown = [r for r in sarif(include_suppressed=True)["runs"][0]["results"] if r["ruleId"] == "wording.policy-change"]
    assert [r["suppressions"] for r in shown] == [
        [{"kind": "external", "status": "accepted", "justification": "accepted in review #12"}]
    ]


def test_error_record_becomes_error_result_and_failed_invocation():
    run = sarif()["runs"][0]
    res = run["results"][0]
    text = "could not be checked: corrupt at load: no %%EOF marker"
    assert (res["ruleId"], res["level"], res["message"]["text"]) == ("authcheck.error", "error", text)
    assert res["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 1}
    assert run["invocations"] == [
        {
            "executionSuccessful": False,
            "toolExecutionNotifications": [
                {
                    "level": "error",
                    "message": {"text": text},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": "letters/broken.pdf", "uriBaseId": "%SRCROOT%", "index": 0}
                            }
                        }
                    ],
                    "associatedRule": {"id": "authcheck.error", "index": 0},
                    "properties": {"error_type": "corrupt", "stage": "load"},
                }
            ],
        }
    ]


def test_clean_batch_has_no_error_rule_and_succeeds():
    run = sarif(batch()[:3])["runs"][0]
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert "authcheck.error" not in [r["id"] for r in run["tool"]["driver"]["rules"]]


def test_run_level_fields_and_artifacts():
    log = sarif(information_uri="https://docs.example/authcheck")
    run = log["runs"][0]
    assert run["tool"]["driver"]["semanticVersion"] == "0.3.0"
    assert run["tool"]["driver"]["informationUri"] == "https://docs.example/authcheck"
    assert (run["columnKind"], run["automationDetails"]) == ("unicodeCodePoints", {"id": "authcheck/"})
    assert run["artifacts"][1] == {
        "location": {"uri": "letters/fail.pdf", "uriBaseId": "%SRCROOT%"},
        "mimeType": "application/pdf",
        "hashes": {"sha-256": SHA_FAIL},
        "properties": {"score": 82, "verdict": "fail", "format": "pdf"},
    }
    assert [a["location"]["uri"] for a in run["artifacts"]] == [
        "letters/broken.pdf",
        "letters/fail.pdf",
        "letters/pass.docx",
        "letters/sub%20dir/review%20%C3%BC.txt",
    ]
    assert run["artifacts"][0]["properties"] == {"score": None, "verdict": None, "format": None, "error": "corrupt"}
    assert "informationUri" not in sarif()["runs"][0]["tool"]["driver"]


def test_uri_relative_forward_slashes_and_outside_base_is_absolute():
    assert sarif(base_dir=at("letters"))["runs"][0]["artifacts"][3]["location"] == {
        "uri": "sub%20dir/review%20%C3%BC.txt",
        "uriBaseId": "%SRCROOT%",
    }
    outside = sarif(base_dir=at("elsewhere"))["runs"][0]["artifacts"][1]["location"]
    assert outside == {"uri": Path(at("letters", "fail.pdf")).as_uri()}


def test_relative_input_paths_without_base_dir():
    res = result(os.path.join("in", "a:b.pdf"), SHA_FAIL, "fail", 82, [AUTHOR])
    loc = sarif([res], base_dir=None)["runs"][0]["artifacts"][0]["location"]
    assert loc == {"uri": "in/a%3Ab.pdf", "uriBaseId": "%SRCROOT%"}


def test_finding_of_unlisted_rule_gets_a_descriptor():
    log = sarif(rules=[])
    assert [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == [
        "authcheck.error",
        "meta.author-mismatch",
        "sig.unsigned",
    ]
    assert_github_subset(log)


def test_output_is_deterministic_and_order_independent():
    once = render_sarif(batch(), RULES, tool_version="0.3.0", base_dir=BASE)
    assert render_sarif(batch()[::-1], RULES[::-1], tool_version="0.3.0", base_dir=BASE) == once
    assert "Time" not in once
