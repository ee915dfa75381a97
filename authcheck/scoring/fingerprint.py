"""Stable content fingerprints for findings: no line numbers, no timestamps, so baselines do not churn."""

from __future__ import annotations

from authcheck.model import Finding
from authcheck.util.sha import sha256


def finding_fingerprint(doc_sha256: str | None, finding: Finding) -> str:
    """sha256 over the rule id, the document's content hash and the sorted evidence texts."""
    texts = sorted(" ".join(ev.text.split()) for ev in finding.evidence)
    payload = "\0".join((finding.rule, doc_sha256 or "", "\x1f".join(texts)))
    return sha256(payload.encode("utf-8")).hexdigest()
