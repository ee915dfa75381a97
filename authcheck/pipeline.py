"""One file through every stage: bytes -> Document -> Letter -> findings -> Result.  Never raises."""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import replace
from typing import Optional

from authcheck.errors import CheckError
from authcheck.model import ErrorInfo, Result
from authcheck.settings import Settings


def read_input(path: str, limits) -> bytes:
    """The bytes of a file, or of stdin for "-"; refuses missing, unreadable and oversized files.

    Runs in a worker, under the timeout and memory cap: a FIFO nobody writes to blocks here until
    the worker is killed (`timeout`), and an endless device such as /dev/zero stops at
    `max_bytes` (`too-large`), because at most `max_bytes + 1` bytes are ever read."""
    if path == "-":
        data = sys.stdin.buffer.read(limits.max_bytes + 1)
    else:
        try:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > limits.max_bytes:
                    raise CheckError("too-large", f"{size} bytes is over the {limits.max_bytes}-byte limit", "read")
                data = fh.read(limits.max_bytes + 1)
        except FileNotFoundError:
            raise CheckError("not-found", "no such file", "read") from None
        except IsADirectoryError:
            raise CheckError("not-found", "is a directory, not a file", "read") from None
        except PermissionError:
            raise CheckError("permission-denied", "permission denied", "read") from None
        except OSError as exc:
            raise CheckError("corrupt", f"cannot read: {exc.strerror or exc}", "read") from None
    if len(data) > limits.max_bytes:
        raise CheckError("too-large", f"input is over the {limits.max_bytes}-byte limit", "read")
    return data


def check_path(path: str, settings: Settings, ruleset) -> Result:
    """Check one file (or "-" for stdin) and return its result; errors become error results."""
    try:
        data = read_input(path, settings.limits)
    except CheckError as exc:
        return error_result(path, exc)
    return check_bytes(data, path, settings, ruleset)


def check_bytes(data: bytes, path: str, settings: Settings, ruleset) -> Result:
    """Check one document given as bytes; `path` is only its display name and extension."""
    sha = hashlib.sha256(data).hexdigest()
    stage = "load"
    try:
        from authcheck.loaders import load

        doc = load(data, path=path, sha256=sha, password=settings.password, limits=settings.limits,
                   ocr_engine=getattr(settings, "ocr_engine", "rapidocr"))
        stage = "forensics"
        from authcheck.forensics import examine

        facts, notes = examine(data, doc, settings)
        if facts or notes:
            doc = replace(doc, facts=facts, notes=doc.notes + notes)
        stage = "extract"
        from authcheck.extract import extract

        letter = extract(doc, *settings.kind_for(path))
        stage = "registry"
        from authcheck.registry import knowledge_for

        knowledge = knowledge_for(letter, settings, ruleset, data)
        if knowledge:
            letter = replace(letter, knowledge=knowledge)
        stage = "rules"
        from authcheck.engine import context_for, dropped_notes, evaluate, not_applied

        ctx = context_for(letter)
        findings = evaluate(ruleset, letter, settings, ctx)
        stage = "score"
        from authcheck.scoring import build_result

        result = build_result(letter, findings, settings, not_applied(ruleset, letter, settings))
        if knowledge:
            from authcheck.registry.report import with_section

            result = with_section(result, letter)
        stage = "boxes"
        from authcheck.evidencebox import with_boxes

        result = with_boxes(result, doc, data, settings.password)
        return replace(result, notes=result.notes + dropped_notes(ctx)) if settings.explain else result
    except CheckError as exc:
        return error_result(path, exc, sha)
    except MemoryError:
        return error_result(path, CheckError("memory", "ran out of memory", stage), sha)
    except RecursionError:
        return error_result(path, CheckError("corrupt", "structure nested too deeply", stage), sha)
    except Exception as exc:  # noqa: BLE001 - a bad file must never crash a scan
        detail = f"{type(exc).__name__}: {exc}".strip()
        kind = "corrupt" if stage == "load" else "internal"
        return error_result(path, CheckError(kind, detail[:300], stage), sha)


def error_result(path: str, exc: CheckError, sha256: Optional[str] = None) -> Result:
    """The record for a file that could not be checked."""
    return Result(
        path=path, sha256=sha256, format=None, verdict=None, score=None, axes={},
        reason=f"could not be checked: {exc.message}", findings=(), fields={},
        error=ErrorInfo(exc.type, exc.message, exc.stage),
    )
