"""One file through every stage: bytes -> Document -> Letter -> findings -> Result.  Never raises."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from authcheck.errors import CheckError
from authcheck.loaders.read import read_input
from authcheck.model import ErrorInfo, Result
from authcheck.settings import Settings
from authcheck.util import sparecore
from authcheck.util.sha import sha256

#: The pipeline's stages, which every file passes through (a batch and the warm server import them before forking)
PIPELINE_MODULES = (
    "authcheck.loaders",
    "authcheck.forensics",
    "authcheck.extract",
    "authcheck.registry",
    "authcheck.engine.evaluate",
    "authcheck.scoring.score",
    "authcheck.scoring.evidencebox",
    "authcheck.engine.checks.reading",
    "rapidfuzz.fuzz",
)

#: What a check imports only for a file that needs it: pypdf for a PDF that is not plain (revised, signed,
#: encrypted, damaged), rapidfuzz for some similarity rules.  The warm server, which lives long, imports
#: them ahead; a batch's parent and a standby do not (`ahead`): a worker imports them for its first file that
#: needs them.  A scan of plain letters would otherwise wait for them before its workers start (pypdf ≈ 50 ms,
#: rapidfuzz ≈ 7 ms); a scan of files that need them waits no longer (the workers import them side by side,
#: on both cores, where the parent imported them before forking either).
ON_DEMAND = frozenset({"pypdf", "rapidfuzz.fuzz"})


def ahead(extensions: Iterable[str]) -> list[str]:
    """The `formats.prewarm` entries a batch's parent or a standby readies before its workers check files
    with these extensions: the stages and each claimed format's readers, less what is `ON_DEMAND`."""
    from authcheck.loaders.formats import prewarm_modules

    return [m for m in (*PIPELINE_MODULES, *prewarm_modules(extensions)) if m not in ON_DEMAND]


def check_path(path: str, settings: Settings, ruleset) -> Result:
    """Check one file (or "-" for stdin) and return its result; errors become error results."""
    try:
        data = read_input(path, settings.limits)
    except CheckError as exc:
        return error_result(path, exc)
    return check_bytes(data, path, settings, ruleset)


def check_bytes(data: bytes, path: str, settings: Settings, ruleset) -> Result:
    """Check one document given as bytes; `path` is only its display name and extension."""
    with sparecore.keeping():  # a long PDF's page helper, kept for the rules' work (`util/sparecore.py`)
        return _check_bytes(data, path, settings, ruleset)


def _check_bytes(data: bytes, path: str, settings: Settings, ruleset) -> Result:
    sha = sha256(data).hexdigest()
    stage = "load"
    try:
        from authcheck.loaders import load

        doc = load(
            data,
            path=path,
            sha256=sha,
            password=settings.password,
            limits=settings.limits,
            ocr_engine=getattr(settings, "ocr_engine", "rapidocr"),
        )
        stage = "forensics"
        from authcheck.forensics import examine

        signals, notes = examine(data, doc, settings)
        if signals or notes:
            doc = replace(doc, signals=signals, notes=doc.notes + notes)
        stage = "extract"
        from authcheck.extract import extract

        letter = extract(doc, *settings.kind_for(path))
        stage = "registry"
        from authcheck.registry import knowledge_for

        knowledge = knowledge_for(letter, settings, ruleset, data)
        if knowledge:
            letter = replace(letter, knowledge=knowledge)
        stage = "rules"
        from authcheck.engine.evaluate import context_for, dropped_notes, evaluate, not_applied

        ctx = context_for(letter)
        findings = evaluate(ruleset, letter, settings, ctx)
        stage = "score"
        from authcheck.scoring.score import build_result

        result = build_result(letter, findings, settings, not_applied(ruleset, letter, settings))
        if knowledge:
            from authcheck.registry.report import with_section

            result = with_section(result, letter)
        if getattr(settings, "evidence_boxes", True):
            stage = "boxes"
            from authcheck.scoring.evidencebox import with_boxes

            result = with_boxes(result, doc, data, settings.password)
        return replace(result, notes=result.notes + dropped_notes(ctx)) if settings.explain else result
    except CheckError as exc:
        return error_result(path, exc, sha)
    except MemoryError:
        return error_result(path, CheckError("memory", "ran out of memory", stage), sha)
    except RecursionError:
        return error_result(path, CheckError("corrupt", "structure nested too deeply", stage), sha)
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}".strip()
        kind = "corrupt" if stage == "load" else "internal"
        return error_result(path, CheckError(kind, detail[:300], stage), sha)


def error_result(path: str, exc: CheckError, sha256: str | None = None) -> Result:
    """The record for a file that could not be checked."""
    return Result(
        path=path,
        sha256=sha256,
        format=None,
        verdict=None,
        score=None,
        axes={},
        reason=f"could not be checked: {exc.message}",
        findings=(),
        fields={},
        error=ErrorInfo(exc.type, exc.message, exc.stage),
    )
