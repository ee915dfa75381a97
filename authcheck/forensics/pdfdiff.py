"""What each later revision of a PDF changed: text, pages, drawings, annotations, form values, /Info.

Each revision k is rebuilt by opening the file cut at its end (`data[:end_k]`) with pypdf
(handed in by the caller, so pypdf stays imported lazily), and compared with revision k-1:
page count, each page's content stream (text is extracted only for pages whose stream
changed, and diffed line by line), annotations (widgets are form or signature machinery),
form field values, signatures added, /DSS (long-term validation data) and /Info entries.
/ModDate and a /Producer that only grew a suffix (pyHanko, pypdf) are save bookkeeping, not edits.
"""

from __future__ import annotations

import time
from dataclasses import field
from io import BytesIO
from typing import Any

from authcheck.forensics.pdfrevisions import Structure
from authcheck.forensics.pdfsigs import iter_fields, resolve, text
from authcheck.util.records import frozen, mutable

MAX_TEXT_LINES = 40  #: changed lines kept per file
MAX_SNAPSHOT_PAGES = 100  #: pages compared per revision
MAX_BYTES_REBUILT = 400 * 1024 * 1024
BOOKKEEPING = ("/ModDate",)


@frozen
class Change:
    """One thing a revision changed, in words."""

    revision: int
    kind: str  #: text | pages | graphics | annotations | form | info | signature | dss | unreadable
    text: str
    page: int | None = None


@mutable
class Snapshot:
    """What one revision shows, enough to compare with the next."""

    reader: Any
    pages: int
    prints: list[bytes]
    annotations: dict[tuple, str]
    info: dict[str, str]
    fields: dict[str, str]
    signatures: set[str]
    dss: bool
    texts: dict[int, list[str]] = field(default_factory=dict)

    def page_text(self, index: int) -> list[str]:
        """The page's text lines (cached; extraction failures give no lines)."""
        if index not in self.texts:
            try:
                raw = self.reader.pages[index].extract_text() or ""
            except Exception:
                raw = ""
            self.texts[index] = [" ".join(line.split()) for line in raw.splitlines() if line.strip()]
        return self.texts[index]


class Budget:
    """A wall-clock allowance shared by the examiners."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> bool:
        """True while there is time left."""
        return time.monotonic() < self.deadline


def diff_revisions(
    pypdf: Any, data: bytes, structure: Structure, budget: Budget, password: str | None = None
) -> tuple[list[Change], list[str]]:
    """Changes made by every revision after the first, and problems met while rebuilding them."""
    changes: list[Change] = []
    problems: list[str] = []
    revisions = structure.revisions
    if len(revisions) < 2:
        return changes, problems
    rebuilt = 0
    previous = _snapshot(pypdf, data[: revisions[0].end], password)
    for rev in revisions[1:]:
        rebuilt += rev.end
        if not budget.left() or rebuilt > MAX_BYTES_REBUILT:
            problems.append(f"revisions {rev.number}-{revisions[-1].number} were not compared (time or size limit)")
            break
        current = _snapshot(pypdf, data[: rev.end], password)
        if current is None:
            changes.append(Change(rev.number, "unreadable", "this revision cannot be rebuilt on its own"))
        elif previous is not None:
            changes.extend(compare(previous, current, rev.number, budget))
        previous = current if current is not None else previous
    return changes, problems


def _snapshot(pypdf: Any, data: bytes, password: str | None) -> Snapshot | None:
    """Read one revision; None when it cannot be opened."""
    try:
        reader = pypdf.PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(password or ""):
            return None
        root = resolve(reader.trailer["/Root"])
        count = len(reader.pages)
        prints = [_fingerprint(reader, i) for i in range(min(count, MAX_SNAPSHOT_PAGES))]
        fields, signatures = _fields(reader)
        return Snapshot(
            reader, count, prints, _annotations(reader, len(prints)), _info(reader), fields, signatures, "/DSS" in root
        )
    except MemoryError:
        raise
    except Exception:
        return None


def _fingerprint(reader: Any, index: int) -> bytes:
    """A digest of the page's content stream(s)."""
    import hashlib  # here, not at the top: a plain letter's check never compares revisions (OpenSSL, 3-7 ms)

    try:
        contents = reader.pages[index].get_contents()
        return hashlib.sha1(contents.get_data() if contents is not None else b"").digest()
    except Exception:
        return b"unreadable"


def _annotations(reader: Any, pages: int) -> dict[tuple, str]:
    """Non-widget annotations as {(page, subtype, contents, rect): description}."""
    found = {}
    for index in range(pages):
        try:
            annots = resolve(reader.pages[index].get("/Annots")) or []
        except Exception:
            continue
        for ref in list(annots)[:500]:
            annot = resolve(ref)
            if not hasattr(annot, "get") or annot.get("/Subtype") in ("/Widget", "/Popup"):
                continue
            subtype = (text(annot.get("/Subtype")) or "/Annot").lstrip("/")
            contents = " ".join((text(annot.get("/Contents")) or "").split())[:300]
            rect = tuple(
                round(float(v)) for v in (resolve(annot.get("/Rect")) or [])[:4] if isinstance(resolve(v), (int, float))
            )
            label = f"page {index + 1} {subtype}" + (f": '{contents}'" if contents else "")
            found[(index + 1, subtype, contents, rect)] = label
    return found


def _info(reader: Any) -> dict[str, str]:
    """The /Info entries as text."""
    info = resolve(reader.trailer.get("/Info"))
    if not hasattr(info, "items"):
        return {}
    return {str(k): (text(v) or "")[:500] for k, v in list(info.items())[:64]}


def _fields(reader: Any) -> tuple[dict[str, str], set[str]]:
    """(non-signature field values by name, names of filled signature fields)."""
    values, signed = {}, set()
    try:
        for name, node, kind in iter_fields(reader):
            value = resolve(node.get("/V"))
            if kind == "/Sig":
                if hasattr(value, "get"):
                    signed.add(name)
            elif value is not None:
                values[name] = (text(value) or "")[:300]
    except Exception:
        pass
    return values, signed


def compare(old: Snapshot, new: Snapshot, number: int, budget: Budget) -> list[Change]:
    """What revision `number` (new) changed relative to the one before (old)."""
    changes = []
    if new.pages != old.pages:
        changes.append(Change(number, "pages", f"{old.pages} -> {new.pages} page(s)"))
    for index, digest in enumerate(new.prints):
        if index < len(old.prints) and old.prints[index] == digest:
            continue
        if not budget.left():
            break
        changes.extend(_page_changes(old, new, index, number))
    changes.extend(_dict_changes(old, new, number))
    return changes


def _page_changes(old: Snapshot, new: Snapshot, index: int, number: int) -> list[Change]:
    """Lines added or removed on one page whose content stream changed (or a drawing-only change)."""
    import difflib  # only for a file with revisions

    before = old.page_text(index) if index < old.pages else []
    after = new.page_text(index)
    out = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            out += [Change(number, "text", f"- {line}", index + 1) for line in before[i1:i2]]
        if tag in ("replace", "insert"):
            out += [Change(number, "text", f"+ {line}", index + 1) for line in after[j1:j2]]
    if not out and index < old.pages:
        out.append(Change(number, "graphics", f"page {index + 1}'s drawing changed, its text did not", index + 1))
    return out[:MAX_TEXT_LINES]


def _dict_changes(old: Snapshot, new: Snapshot, number: int) -> list[Change]:
    """Annotations, form values, signatures, /DSS and /Info entries that differ."""
    out = [
        Change(number, "annotations", f"added {label}", key[0])
        for key, label in new.annotations.items()
        if key not in old.annotations
    ]
    out += [
        Change(number, "annotations", f"removed {label}", key[0])
        for key, label in old.annotations.items()
        if key not in new.annotations
    ]
    out += [
        Change(number, "form", f"field '{name}': '{old.fields.get(name, '')}' -> '{value}'")
        for name, value in new.fields.items()
        if old.fields.get(name) != value
    ]
    out += [
        Change(number, "signature", f"signature '{name}' added") for name in sorted(new.signatures - old.signatures)
    ]
    if new.dss and not old.dss:
        out.append(Change(number, "dss", "long-term validation data (/DSS) added"))
    for key in sorted(set(old.info) | set(new.info)):
        was, now = old.info.get(key), new.info.get(key)
        if was == now or key in BOOKKEEPING or (key == "/Producer" and was and now and was in now):
            continue
        out.append(Change(number, "info", f"{key.lstrip('/')}: {_quote(was)} -> {_quote(now)}"))
    return out


def _quote(value: str | None) -> str:
    """A value for a change line ('(none)' when absent)."""
    return f"'{value}'" if value is not None else "(none)"
