"""Turn the PDF examiners' findings (chain, revision changes, signatures) into rule-facing Signals."""

from __future__ import annotations

from authcheck.forensics.pdfdiff import Change
from authcheck.forensics.pdfrevisions import Structure
from authcheck.forensics.pdfsigs import SigInfo, Validation
from authcheck.model import Evidence, Location, Signal

CONTENT_KINDS = ("text", "pages", "graphics")
NOT_DONE = "not-done (install authcheck[signatures])"
NO_ROOTS = "not-checked (no trust roots supplied; set AUTHCHECK_TRUST_ROOTS)"
_WORST = {
    "integrity": ("broken", "unreadable", "intact"),
    "modification": ("other", "annotations", "form_filling", "lta_updates", "none"),
}


def structure_facts(s: Structure) -> dict[str, Signal]:
    """Revision count, linearization, chain problems, junk after the end, ExifTool blocks."""
    ev = tuple(
        Evidence(
            f"revision {r.number}: bytes {r.start}-{r.end}" + (" (ExifTool update)" if r.exiftool else ""),
            Location("file", key="xref"),
        )
        for r in s.revisions[:20]
    )
    facts = {
        "pdf_linearized": Signal(
            s.linearized,
            (),
            'The file is linearized ("fast web view"): its two cross-reference sections are one save, not an edit.'
            if s.linearized
            else 'The file is not linearized (no "fast web view" layout).',
        )
    }
    if s.revisions:
        facts["pdf_revisions"] = Signal(
            len(s.revisions),
            ev,
            "How many times the file was saved, counted along its "
            "cross-reference chain (1 = never updated; linearization does not count).",
        )
    if s.problems:
        facts["pdf_structure_problems"] = Signal(
            list(s.problems),
            tuple(Evidence(p, Location("file", key="xref")) for p in s.problems),
            "The cross-reference chain is broken or inconsistent, so revisions may be missing from the count.",
        )
    if s.trailing:
        facts["pdf_trailing_bytes"] = Signal(
            s.trailing,
            (Evidence(f"{s.trailing} bytes after the last %%EOF", Location("file")),),
            "Bytes were appended after the end of the last saved revision.",
        )
    exif = [r for r in s.revisions if r.exiftool]
    if exif:
        sizes = ", ".join(str(n) for n in s.exiftool_original_sizes) or "?"
        facts["pdf_exiftool_updates"] = Signal(
            len(exif),
            tuple(
                Evidence(
                    f"revision {r.number}: %BeginExifToolUpdate (original size {sizes} bytes)",
                    Location("file", key="xref"),
                )
                for r in exif
            ),
            "ExifTool, a metadata editor, rewrote the metadata by hand; the earlier values are still in the file.",
        )
    return facts


def _change_ev(c: Change) -> Evidence:
    """Evidence for one change."""
    return Evidence(c.text, Location("revision", c.page, key=str(c.revision)))


def revision_facts(s: Structure, changes: list[Change]) -> dict[str, Signal]:
    """What later revisions changed: kinds, text lines, pages, annotations, /Info values."""
    facts: dict[str, Signal] = {}
    if not changes:
        return facts
    kinds = sorted({c.kind for c in changes})
    facts["pdf_revision_changes"] = Signal(
        kinds,
        tuple(_change_ev(c) for c in _first_of_each(changes)),
        "What the later revisions (incremental updates) changed.",
    )
    pick = {
        "pdf_text_changes": (("text",), "Text lines added (+) or removed (-) in a later revision."),
        "pdf_pages_changed": (("pages",), "The number of pages changed in a later revision."),
        "pdf_annotations_changed": (
            ("annotations",),
            "Annotations (comments, stamps, text boxes) were added or removed in a later revision.",
        ),
        "pdf_info_rewritten": (
            ("info",),
            "Document metadata (/Info) was rewritten in a later revision; the old values are shown.",
        ),
    }
    for key, (wanted, why) in pick.items():
        found = [c for c in changes if c.kind in wanted]
        if found:
            facts[key] = Signal(
                [f"revision {c.revision}: {c.text}" for c in found[:40]], tuple(_change_ev(c) for c in found[:12]), why
            )
    return facts


def _first_of_each(changes: list[Change]) -> list[Change]:
    """The first change of each kind (evidence for the summary fact)."""
    seen: dict[str, Change] = {}
    for c in changes:
        seen.setdefault(c.kind, c)
    return list(seen.values())


def signature_facts(
    sigs: list[SigInfo],
    s: Structure,
    changes: list[Change],
    size: int,
    validations: list[Validation] | None,
    have_roots: bool,
) -> dict[str, Signal]:
    """Fields, signer, byte-range coverage, changes after signing, and pyHanko's verdicts."""
    facts = {
        "pdf_signature_fields": Signal(
            [_describe(x, size) for x in sigs],
            tuple(Evidence(_describe(x, size), Location("signature")) for x in sigs[:10]),
            "The file's signature fields: filled or empty, what each claims, and how much of the file it signs.",
        )
    }
    filled = [x for x in sigs if x.filled and x.kind == "signature"]
    if not filled:
        return facts
    facts.update(_signer_facts(filled, validations))
    facts.update(_coverage_facts(filled, s, changes, size))
    facts.update(_validation_facts(validations, have_roots))
    placeholders = [x.name for x in filled if x.placeholder]
    if placeholders:
        facts["pdf_signature_placeholder"] = Signal(
            placeholders,
            tuple(Evidence(f"{n}: /Contents is all zeros", Location("signature")) for n in placeholders),
            "A signature field is marked as signed but holds no signature data: it only looks signed.",
        )
    return facts


def _describe(x: SigInfo, size: int) -> str:
    """One line about one signature field."""
    if not x.filled:
        return f"{x.name}: empty (not signed)"
    bits = [f"{x.name}: {'document timestamp' if x.kind == 'timestamp' else 'signed'}"]
    bits += [f"/Name '{x.name_entry}'"] if x.name_entry else []
    bits += [f"/M {x.when}"] if x.when else []
    bits += [x.subfilter.lstrip("/")] if x.subfilter else []
    if x.covered_end is not None:
        bits.append(f"covers {min(x.covered_end, size)} of {size} bytes")
    return ", ".join(bits)


def _signer_facts(filled: list[SigInfo], validations: list[Validation] | None) -> dict[str, Signal]:
    """pdf_signer (first signature), pdf_signers, and where the name came from."""
    by_name = {v.name: v for v in validations or [] if v.signer}
    for x in filled:
        if x.name in by_name:
            x.signer, x.signer_source = by_name[x.name].signer, "certificate"
    named = [x for x in filled if x.signer]
    if not named:
        return {}
    ev = tuple(Evidence(x.signer or "", Location("signature", key=f"{x.name} ({x.signer_source})")) for x in named)
    first = named[0]
    return {
        "pdf_signer": Signal(
            first.signer,
            ev[:1],
            "The name of whoever digitally signed the file, from the "
            "certificate when readable, else from the signature's /Name entry.",
        ),
        "pdf_signers": Signal([x.signer for x in named], ev, "Every digital signer's name."),
        "pdf_signer_source": Signal(
            first.signer_source,
            ev[:1],
            "Where the signer's name came from: the "
            "certificate (bound to the key) or the /Name entry (typed by the software).",
        ),
    }


def _coverage_facts(filled: list[SigInfo], s: Structure, changes: list[Change], size: int) -> dict[str, Signal]:
    """Byte-range problems, coverage, bytes and changes after each signature."""
    facts: dict[str, Signal] = {}
    problems = [p for x in filled for p in x.problems]
    if problems:
        facts["pdf_signature_problems"] = Signal(
            problems,
            tuple(Evidence(p, Location("signature")) for p in problems),
            "A signature's byte range is inconsistent with the file.",
        )
    ends = [x.covered_end for x in filled if x.covered_end is not None]
    after_kinds, after_ev = _after_signing(filled, s, changes, size)
    if any(x.problems for x in filled):
        coverage = "invalid"
    elif ends and max(ends) >= size:
        coverage = "whole-file" if min(ends) >= size else "later-signatures"
    else:
        coverage = "later-signatures" if not set(after_kinds) - {"signature", "dss"} else "partial"
    facts["pdf_signature_coverage"] = Signal(
        coverage,
        tuple(
            Evidence(f"signs bytes 0-{x.covered_end} of {size}", Location("signature", key=x.name))
            for x in filled
            if x.covered_end is not None
        ),
        "How much of the file the signatures sign: the whole file, all but later signatures, only part of it, "
        "or an invalid range.",
    )
    if ends and size - max(ends) > 0:
        facts["pdf_bytes_after_signature"] = Signal(
            size - max(ends),
            (Evidence(f"bytes {max(ends)}-{size} are not signed by any signature", Location("signature")),),
            "Bytes added after the last signature: nothing signs them.",
        )
    if after_kinds:
        facts["pdf_changes_after_signing"] = Signal(
            after_kinds,
            after_ev,
            "What was changed after a signature was applied; the signature does not cover these changes.",
        )
    return facts


def _after_signing(filled: list[SigInfo], s: Structure, changes: list[Change], size: int) -> tuple[list[str], tuple]:
    """Kinds of change made after any signature, with evidence."""
    kinds: dict[str, None] = {}
    evidence: list[Evidence] = []
    for x in filled:
        if x.covered_end is None or x.covered_end >= size:
            continue
        later = {r.number for r in s.revisions if r.start >= x.covered_end}
        for c in changes:
            if c.revision in later:
                kinds.setdefault(c.kind)
                if len(evidence) < 12:
                    evidence.append(
                        Evidence(c.text, Location("revision", c.page, key=f"{c.revision} (after {x.name})"))
                    )
        if not later or s.trailing:
            kinds.setdefault("appended-bytes")
            evidence.append(
                Evidence(f"{size - x.covered_end} bytes after its signed range", Location("signature", key=x.name))
            )
        elif not any(c.revision in later for c in changes):
            kinds.setdefault("other-update")
    return list(kinds), tuple(evidence)


def _validation_facts(validations: list[Validation] | None, have_roots: bool) -> dict[str, Signal]:
    """pyHanko's verdicts, or a fact saying validation was not done."""
    if validations is None:
        return {
            "pdf_signature_validation": Signal(
                NOT_DONE,
                (),
                "The signature was not checked cryptographically; install the signatures extra to check it.",
            )
        }
    if not validations:
        return {"pdf_signature_validation": Signal("failed", (), "pyHanko could not validate the signatures.")}
    ev = tuple(Evidence(f"{v.name}: {v.integrity}; {v.detail}".strip("; "), Location("signature")) for v in validations)
    facts = {
        "pdf_signature_validation": Signal("done", ev, "The signatures were checked cryptographically with pyHanko."),
        "pdf_signature_integrity": Signal(
            _worst("integrity", [v.integrity for v in validations]),
            ev,
            "Whether the signed bytes still match the signature (intact), do not "
            "(broken), or the signature cannot be read.",
        ),
    }
    levels = [v.modification for v in validations if v.modification]
    if levels:
        facts["pdf_signature_modification"] = Signal(
            _worst("modification", levels),
            ev,
            "pyHanko's class of the changes made after signing (none, LTA updates, form filling, annotations, other).",
        )
    coverages = [v.coverage for v in validations if v.coverage]
    if coverages:
        facts["pdf_signature_coverage_level"] = Signal(coverages[0], ev, "pyHanko's coverage of the first signature.")
    if any(v.docmdp_ok is False for v in validations):
        facts["pdf_signature_docmdp_ok"] = Signal(
            False, ev, "Changes after signing break the certification (DocMDP) or approval rules pyHanko applies."
        )
    trust = NO_ROOTS if not have_roots else ("trusted" if all(v.trusted for v in validations) else "untrusted")
    facts["pdf_signature_trust"] = Signal(
        trust,
        ev,
        "Whether the signer's certificate chains to a trust root you "
        "supplied; without roots nothing is said about trust (not a forgery sign).",
    )
    return facts


def _worst(what: str, values: list[str]) -> str:
    """The most serious value by the ordering for `what`."""
    order = _WORST[what]
    return min(values, key=lambda v: order.index(v) if v in order else len(order))
