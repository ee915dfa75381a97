"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: a pure function of results.

One run holds every checked file.  Each rule that ran is described once in
`tool.driver.rules`; each unsuppressed finding becomes a result located in the letter
(page, line and characters of authcheck's extracted text, which is what line and column
numbers refer to) or, for metadata, at line 1 plus a logical `metadata/<key>` location.
A file that could not be checked becomes a result of the synthetic rule `authcheck.error`
and a tool execution notification.  `partialFingerprints` are supplied here because
GitHub cannot hash a PDF by lines.  Output is deterministic: no timestamps unless given,
results sorted by file, rule, line and fingerprint.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from authcheck.errors import not_checked
from authcheck.model import ErrorInfo, Evidence, Finding, Letter, Result
from authcheck.reporters.formats import RunReport
from authcheck.scoring.fingerprint import finding_fingerprint
from authcheck.util.sha import sha256

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "authcheck/v1"
ERROR_RULE_ID = "authcheck.error"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
#: GitHub code scanning reads properties.security-severity as a CVSS-like score: over 9.0 is
#: critical, 7.0-8.9 high, 4.0-6.9 medium, 3.9 or less low (only for rules tagged "security").
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
PRECISIONS = ("very-high", "high", "medium", "low")
MIME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text": "text/plain",
}
ERROR_RULE = {
    "id": ERROR_RULE_ID,
    "title": "File could not be checked",
    "description": "authcheck could not read, parse or check this file, so nothing is known about its authenticity.",
    "severity": "high",
    "references": [],
    "remediation": "Make sure the file exists, is readable, is a PDF, DOCX or text letter within the size "
    "limits, then run authcheck again. An `internal` error is a bug in authcheck: please report it.",
    "confidence": "high",
}


def render_sarif(results: Sequence[Result], rules: Sequence[Mapping[str, Any]], **options: Any) -> str:
    """The SARIF log for a batch of results, as indented JSON ending with a newline.

    `rules` describes every rule that ran; the keyword options are those of `sarif_log`
    (tool_version, base_dir, include_suppressed, information_uri, help_uri, start/end_time_utc).
    """
    from authcheck.util.safetext import scrub_surrogates  # a name that is not UTF-8 in a message: \xNN, never lost

    return scrub_surrogates(json.dumps(sarif_log(results, rules, **options), indent=2, ensure_ascii=False)) + "\n"


def sarif_log(
    results: Sequence[Result],
    rules: Sequence[Mapping[str, Any]],
    *,
    tool_version: str,
    base_dir: str | None = None,
    include_suppressed: bool = False,
    information_uri: str | None = None,
    help_uri: str | None = None,
    start_time_utc: str | None = None,
    end_time_utc: str | None = None,
) -> dict[str, Any]:
    """The SARIF 2.1.0 log as a dict: paths become URIs relative to `base_dir` (default: the
    working directory) under `%SRCROOT%`; suppressed findings are left out unless asked."""
    docs = sorted(results, key=lambda r: (artifact_uri(r.path, base_dir)["uri"], r.path))
    shown = [(r, f) for r in docs for f in r.findings if include_suppressed or f.suppressed is None]
    failed = [r for r in docs if r.error is not None]
    descriptors = rule_descriptors(rules, [f for _, f in shown], bool(failed), help_uri)
    rule_index = {d["id"]: i for i, d in enumerate(descriptors)}
    artifacts, locate = artifact_table(docs, base_dir)
    out = [finding_result(r, f, rule_index[f.rule], locate[r.path]) for r, f in shown]
    out += [error_result(r, rule_index[ERROR_RULE_ID], locate[r.path]) for r in failed]
    out.sort(key=result_sort_key)
    driver = drop_none(
        {
            "name": "authcheck",
            "semanticVersion": tool_version,
            "informationUri": information_uri,
            "rules": descriptors,
        }
    )
    run = {
        "tool": {"driver": driver},
        "invocations": [invocation(failed, rule_index, locate, start_time_utc, end_time_utc)],
        "automationDetails": {"id": "authcheck/"},
        "columnKind": "unicodeCodePoints",
        "artifacts": artifacts,
        "results": out,
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


# --- rules ------------------------------------------------------------------------------


def rule_descriptors(
    rules: Sequence[Mapping[str, Any]],
    findings: Sequence[Finding],
    has_errors: bool,
    help_uri: str | None = None,
) -> list[dict[str, Any]]:
    """One descriptor per rule id, sorted by id: the rules that ran, any rule a shown finding
    names that was not passed in, and `authcheck.error` when a file could not be checked."""
    by_id: dict[str, Mapping[str, Any]] = {}
    for rule in rules:
        by_id.setdefault(rule["id"], rule)
    for finding in findings:
        by_id.setdefault(finding.rule, rule_from_finding(finding))
    if has_errors:
        by_id.setdefault(ERROR_RULE_ID, ERROR_RULE)
    return [rule_descriptor(by_id[rule_id], help_uri) for rule_id in sorted(by_id)]


def rule_from_finding(finding: Finding) -> dict[str, Any]:
    """A rule description rebuilt from a finding, for a rule missing from the list given."""
    return {
        "id": finding.rule,
        "title": finding.title,
        "description": finding.title,
        "severity": finding.severity,
        "axis": finding.axis,
        "weight": finding.weight,
        "references": list(finding.references),
        "remediation": finding.remediation,
        "confidence": finding.confidence,
    }


def rule_descriptor(rule: Mapping[str, Any], help_uri: str | None = None) -> dict[str, Any]:
    """A SARIF reportingDescriptor for one rule description.  `help_uri` is the project's own
    documentation address (from its package metadata), never one made up here."""
    rule_id = rule["id"]
    title = rule.get("title") or rule_id
    level = LEVELS.get(rule.get("severity") or "", "warning")
    return drop_none(
        {
            "id": rule_id,
            "name": rule_name(rule_id),
            "shortDescription": {"text": title},
            "fullDescription": {"text": rule.get("description") or title},
            "helpUri": help_uri,
            "help": rule_help(rule),
            "defaultConfiguration": {"level": level},
            "properties": rule_properties(rule, level),
        }
    )


def rule_name(rule_id: str) -> str:
    """A CamelCase name from a rule id: "sig.attributed-unsigned" -> "SigAttributedUnsigned"."""
    words = [w for w in re.split(r"[^0-9A-Za-z]+", rule_id) if w]
    return "".join(w[0].upper() + w[1:] for w in words) or rule_id


def rule_help(rule: Mapping[str, Any]) -> dict[str, str]:
    """help.text and help.markdown, shown beside each alert: what the rule detects, what to
    verify, and the references."""
    about = rule.get("description") or rule.get("title") or rule["id"]
    verify = rule.get("remediation")
    refs = list(rule.get("references") or ())
    text, markdown = [about], [about]
    if verify:
        text.append(f"What to verify: {verify}")
        markdown.append(f"**What to verify**\n\n{verify}")
    if refs:
        text.append("References:\n" + "\n".join(f"- {ref}" for ref in refs))
        items = "\n".join(f"- <{ref}>" if is_web_url(ref) else f"- {ref}" for ref in refs)
        markdown.append(f"**References**\n\n{items}")
    return {"text": "\n\n".join(text), "markdown": "\n\n".join(markdown)}


def rule_properties(rule: Mapping[str, Any], level: str) -> dict[str, Any]:
    """Tags (with "security", so code scanning reads security-severity), precision (from the
    rule's confidence), problem.severity (from its level) and security-severity (from its severity)."""
    tags = ["security", "authenticity"] + ([rule["axis"]] if rule.get("axis") else [])
    precision = rule.get("confidence") if rule.get("confidence") in PRECISIONS else None
    return drop_none(
        {
            "tags": tags,
            "precision": precision,
            "problem.severity": PROBLEM_SEVERITY[level],
            "security-severity": SECURITY_SEVERITY.get(rule.get("severity") or "", "5.5"),
        }
    )


def is_web_url(ref: str) -> bool:
    """True for an http(s) URL (references may also be plain citations)."""
    return bool(re.match(r"https?://\S+$", ref.strip(), re.IGNORECASE))


# --- results ----------------------------------------------------------------------------


def finding_result(result: Result, finding: Finding, rule_index: int, artifact: dict[str, Any]) -> dict[str, Any]:
    """The SARIF result for one finding in one file."""
    evidence = finding.evidence
    first = evidence[0] if evidence else None
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.message or finding.title or finding.rule},
        "locations": [evidence_location(artifact, first, result.letter)],
    }
    if len(evidence) > 1:
        out["relatedLocations"] = [
            {"id": i, **evidence_location(artifact, ev, result.letter, related=True)}
            for i, ev in enumerate(evidence[1:], start=1)
        ]
    out["partialFingerprints"] = fingerprints(finding_fingerprint(result.sha256, finding))
    if finding.suppressed is not None:
        out["suppressions"] = [suppression(finding.suppressed)]
    out["properties"] = {
        "axis": finding.axis,
        "severity": finding.severity,
        "weight": finding.weight,
        "contribution": finding.contribution,
        "document_score": result.score,
        "document_verdict": result.verdict,
    }
    return out


def error_result(result: Result, rule_index: int, artifact: dict[str, Any]) -> dict[str, Any]:
    """The `authcheck.error` result for a file that could not be checked, located at the file."""
    err = _error_of(result)
    payload = "\0".join((ERROR_RULE_ID, artifact["uri"], err.type, err.stage))
    return {
        "ruleId": ERROR_RULE_ID,
        "ruleIndex": rule_index,
        "level": "error",
        "message": {"text": error_message(result)},
        "locations": [
            {"physicalLocation": {"artifactLocation": artifact, "region": {"startLine": 1, "startColumn": 1}}}
        ],
        "partialFingerprints": fingerprints(sha256(payload.encode("utf-8")).hexdigest()),
        "properties": {"error_type": err.type, "stage": err.stage},
    }


def error_message(result: Result) -> str:
    """ "could not be checked: <type> at <stage>: <message>"."""
    return not_checked(result.error)


def _error_of(result: Result) -> ErrorInfo:
    """The error of a file that could not be checked (the only results the error builders are given)."""
    if result.error is None:
        raise ValueError(f"{result.path} was checked: it has no error to report")
    return result.error


def fingerprints(digest: str) -> dict[str, str]:
    """Our content fingerprint, and the line hash GitHub would otherwise compute from the file."""
    return {FINGERPRINT_KEY: digest, "primaryLocationLineHash": digest[:16] + ":1"}


def suppression(info: Mapping[str, Any]) -> dict[str, Any]:
    """An accepted external suppression (baseline or ignore file) with its reason."""
    reason = info.get("reason") or f"suppressed by {info.get('kind') or 'authcheck'}"
    return {"kind": "external", "status": "accepted", "justification": str(reason)}


def result_sort_key(res: dict[str, Any]) -> tuple:
    """File, rule, line, character offset, fingerprint: a total, stable order."""
    physical = res["locations"][0]["physicalLocation"]
    region = physical["region"]
    return (
        physical["artifactLocation"]["uri"],
        res["ruleId"],
        region["startLine"],
        region.get("charOffset", -1),
        res["partialFingerprints"][FINGERPRINT_KEY],
    )


# --- locations --------------------------------------------------------------------------


def evidence_location(
    artifact: dict[str, Any], ev: Evidence | None, letter: Letter | None, related: bool = False
) -> dict[str, Any]:
    """A location for one evidence item: always a physical location with startLine >= 1."""
    if ev is None:
        return {"physicalLocation": {"artifactLocation": artifact, "region": {"startLine": 1, "startColumn": 1}}}
    out: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": artifact, "region": evidence_region(ev, letter)},
        "logicalLocations": [logical_location(ev)],
    }
    if related or ev.loc.line is None:
        out["message"] = {"text": evidence_label(ev)}
    out["properties"] = drop_none({"page": ev.loc.page, "part": ev.loc.part, "key": ev.loc.key})
    return out


def evidence_region(ev: Evidence, letter: Letter | None) -> dict[str, Any]:
    """Line, columns and characters in the extracted text; line 1 for evidence outside it."""
    if ev.loc.line is None:
        return {"startLine": 1, "startColumn": 1}
    region: dict[str, Any] = {"startLine": ev.loc.line, "startColumn": 1}
    span = text_span(ev, letter)
    if span is not None:
        region["startColumn"], region["endLine"], region["endColumn"] = span
    if ev.loc.start is not None and ev.loc.end is not None and ev.loc.end >= ev.loc.start:
        region["charOffset"], region["charLength"] = ev.loc.start, ev.loc.end - ev.loc.start
    if ev.text:
        region["snippet"] = {"text": ev.text}
    return region


def text_span(ev: Evidence, letter: Letter | None) -> tuple[int, int, int] | None:
    """(startColumn, endLine, endColumn) from the evidence offsets, when the letter's lines
    are at hand and agree with the evidence's line number; otherwise None."""
    if letter is None or ev.loc.start is None or ev.loc.end is None or ev.loc.end < ev.loc.start:
        return None
    lines = letter.document.lines
    first = line_holding(lines, ev.loc.start)
    last = line_holding(lines, max(ev.loc.start, ev.loc.end - 1))
    if first is None or last is None or first.number != ev.loc.line:
        return None
    return ev.loc.start - first.start + 1, last.number, ev.loc.end - last.start + 1


def line_holding(lines, offset: int):
    """The line whose characters include `offset` (its end counts too), or None."""
    for line in lines:
        if line.start <= offset <= line.end:
            return line
    return None


def logical_location(ev: Evidence) -> dict[str, str]:
    """metadata/<key> (a property) for keyed evidence, page[n]/<part> (an element) otherwise."""
    if ev.loc.key:
        return {"name": ev.loc.key, "fullyQualifiedName": f"{ev.loc.part}/{ev.loc.key.lstrip('/')}", "kind": "property"}
    where = f"page[{ev.loc.page}]/{ev.loc.part}" if ev.loc.page is not None else ev.loc.part
    return {"name": ev.loc.part, "fullyQualifiedName": where, "kind": "element"}


def evidence_label(ev: Evidence) -> str:
    """A one-line description of evidence for a location message."""
    where = f"{ev.loc.part} {ev.loc.key}" if ev.loc.key else ev.loc.part
    return f"{where}: {ev.text}" if ev.text else where


# --- artifacts and invocation -----------------------------------------------------------


def artifact_table(docs: Sequence[Result], base_dir: str | None) -> tuple[list[dict], dict[str, dict]]:
    """`run.artifacts` (one per distinct URI) and, per result path, the artifactLocation
    (with the artifact's index) that results should use."""
    artifacts: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    locate: dict[str, dict[str, Any]] = {}
    for result in docs:
        where = artifact_uri(result.path, base_dir)
        if where["uri"] not in index:
            index[where["uri"]] = len(artifacts)
            artifacts.append(artifact(result, where))
        locate[result.path] = {**where, "index": index[where["uri"]]}
    return artifacts, locate


def artifact(result: Result, where: dict[str, str]) -> dict[str, Any]:
    """One `run.artifacts` entry: location, media type, content hash, score and verdict."""
    properties = {"score": result.score, "verdict": result.verdict, "format": result.format}
    if result.error is not None:
        properties["error"] = result.error.type
    return drop_none(
        {
            "location": where,
            "mimeType": MIME_TYPES.get(result.format or ""),
            "hashes": {"sha-256": result.sha256} if result.sha256 else None,
            "properties": properties,
        }
    )


def artifact_uri(path: str, base_dir: str | None) -> dict[str, str]:
    """The artifactLocation for a path: a percent-encoded, forward-slash URI relative to
    `base_dir` (or the working directory) under %SRCROOT%, or a file: URI outside it."""
    rel = relative_path(path, base_dir)
    if rel is None:
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    return {"uri": quote(os.fsencode(PurePath(rel).as_posix()), safe="/"), "uriBaseId": SRCROOT}  # exact bytes


def relative_path(path: str, base_dir: str | None) -> str | None:
    """`path` relative to `base_dir`, or None when it lies outside (or on another drive)."""
    if base_dir is None:
        return None if os.path.isabs(path) else os.path.normpath(path)
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base_dir))
    except ValueError:
        return None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel


def invocation(
    failed: Sequence[Result],
    rule_index: Mapping[str, int],
    locate: Mapping[str, dict],
    start_time_utc: str | None,
    end_time_utc: str | None,
) -> dict[str, Any]:
    """The single invocation: successful unless a file could not be checked."""
    out: dict[str, Any] = {"executionSuccessful": not failed}
    if failed:
        out["toolExecutionNotifications"] = [
            {
                "level": "error",
                "message": {"text": error_message(r)},
                "locations": [{"physicalLocation": {"artifactLocation": locate[r.path]}}],
                "associatedRule": {"id": ERROR_RULE_ID, "index": rule_index[ERROR_RULE_ID]},
                "properties": {"error_type": _error_of(r).type, "stage": _error_of(r).stage},
            }
            for r in failed
        ]
    return drop_none({**out, "startTimeUtc": start_time_utc, "endTimeUtc": end_time_utc})


def drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping without its None values (SARIF omits absent properties)."""
    return {k: v for k, v in mapping.items() if v is not None}


def render_run(report: RunReport) -> str:
    """The SARIF log of a run (output table), with the project's own links when it declares them."""
    from authcheck.reporters.projectinfo import project_links
    from authcheck.version import __version__

    return render_sarif(
        report.results,
        [rule.descriptor() for rule in report.ruleset.rules] if report.ruleset is not None else (),
        tool_version=__version__,
        base_dir=os.getcwd(),
        include_suppressed=report.include_suppressed,
        **project_links(),
    )
