"""Content the page text does not show, and content that acts: hidden annotations, form values,
JavaScript, launch/submit/import actions, embedded files, XFA and rich media.

Everything is read from the parsed objects (duck-typed pypdf), never by grepping raw bytes, and
every walk is bounded.  Nothing found here is ever run.
"""

from __future__ import annotations

from typing import Any

from authcheck.forensics.pdfsigs import iter_fields, resolve, text

MAX_PAGES = 50
ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "launch action (runs a program or opens a file)",
    "/SubmitForm": "form submission to a remote address",
    "/ImportData": "data import action",
    "/GoToR": "link opening another PDF file",
    "/GoToE": "link into an embedded file",
    "/RichMediaExecute": "rich-media command",
    "/Rendition": "media rendition action",
}
ACTIVE_ANNOTS = {
    "/FileAttachment": "file attachment annotation",
    "/RichMedia": "rich media (Flash/video)",
    "/Screen": "screen (media) annotation",
    "/Movie": "movie annotation",
    "/Sound": "sound annotation",
}


def hidden_annotations(reader: Any, max_pages: int = MAX_PAGES) -> list[tuple[int, str]]:
    """(page, description) of annotations with text that are flagged hidden or lie off the page."""
    found = []
    for index in range(min(len(reader.pages), max_pages)):
        page = reader.pages[index]
        try:
            box = tuple(float(v) for v in page.mediabox)
            annots = list(resolve(page.get("/Annots")) or [])[:500]
        except Exception:
            continue
        for ref in annots:
            annot = resolve(ref)
            if not hasattr(annot, "get") or annot.get("/Subtype") in ("/Widget", "/Popup", "/Link"):
                continue
            contents = " ".join((text(annot.get("/Contents")) or "").split())
            if not contents:
                continue
            why = _annotation_hidden(annot, box)
            if why:
                found.append(
                    (index + 1, f"{(text(annot.get('/Subtype')) or '').lstrip('/')} ({why}): '{contents[:200]}'")
                )
    return found


def _annotation_hidden(annot: Any, box: tuple[float, ...]) -> str | None:
    """Why an annotation cannot be seen (flags or position), or None."""
    try:
        flags = int(resolve(annot.get("/F")) or 0)
    except (TypeError, ValueError):
        flags = 0
    if flags & 1 or flags & 2 or flags & 32:
        return "flagged hidden"
    rect = resolve(annot.get("/Rect"))
    try:
        x0, y0, x1, y1 = (float(v) for v in rect)
    except (TypeError, ValueError):
        return None
    if max(x0, x1) < box[0] or min(x0, x1) > box[2] or max(y0, y1) < box[1] or min(y0, y1) > box[3]:
        return "outside the page"
    return None


def form_values(reader: Any, page_text: str) -> list[str]:
    """Filled text and choice fields whose value does not appear in the extracted page text."""
    norm = " ".join(page_text.split()).casefold()
    found = []
    for name, node, kind in iter_fields(reader):
        if kind not in ("/Tx", "/Ch"):
            continue
        value = resolve(node.get("/V"))
        if value is None or not isinstance(value, (str, bytes)):
            continue
        shown = " ".join((text(value) or "").split())
        if shown and shown.casefold() not in norm:
            found.append(f"{name} = '{shown[:200]}'")
    return found[:50]


def active_content(reader: Any, max_pages: int = MAX_PAGES) -> list[str]:
    """Every action or payload a viewer could run or open, described in words."""
    root = resolve(reader.trailer["/Root"])
    found: list[str] = []
    opening = resolve(root.get("/OpenAction"))
    if hasattr(opening, "get"):
        found += [f"{what} when the document opens (/OpenAction)" for what in _actions(opening)]
    found += [f"{what} on a document event (/AA)" for what in _aa_actions(root.get("/AA"))]
    names = resolve(root.get("/Names"))
    if hasattr(names, "get"):
        found += [f"JavaScript '{n}' in the document's name tree" for n in _name_tree(names.get("/JavaScript"))]
        found += [f"embedded file '{n}'" for n in _name_tree(names.get("/EmbeddedFiles"))]
    form = resolve(root.get("/AcroForm"))
    if hasattr(form, "get") and form.get("/XFA") is not None:
        found.append("XFA form (scriptable)")
    for index in range(min(len(reader.pages), max_pages)):
        found += _page_actions(reader.pages[index], index + 1)
    return list(dict.fromkeys(found))[:50]


def _actions(action: Any, depth: int = 0) -> list[str]:
    """The suspicious types in an action and its /Next chain."""
    action = resolve(action)
    if depth > 5 or not hasattr(action, "get"):
        return []
    kind = ACTIONS.get(str(action.get("/S")))
    found = [kind + _target(action)] if kind else []
    nxt = resolve(action.get("/Next"))
    for item in (nxt if isinstance(nxt, list) else [nxt] if nxt is not None else [])[:10]:
        found += _actions(item, depth + 1)
    return found


def _target(action: Any) -> str:
    """The file or address an action names, for the report."""
    target = resolve(action.get("/F"))
    if hasattr(target, "get"):
        target = target.get("/F") or target.get("/UF")
    target = text(target) if target is not None else None
    return f" ({target[:120]})" if target else ""


def _aa_actions(aa: Any) -> list[str]:
    """Actions in an additional-actions dictionary."""
    aa = resolve(aa)
    if not hasattr(aa, "values"):
        return []
    return [what for value in list(aa.values())[:20] for what in _actions(value)]


def _name_tree(node: Any, depth: int = 0) -> list[str]:
    """The keys of a name tree (bounded)."""
    node = resolve(node)
    if depth > 8 or not hasattr(node, "get"):
        return []
    names = resolve(node.get("/Names")) or []
    found = [text(names[i]) or "" for i in range(0, min(len(names), 200), 2)]
    for kid in list(resolve(node.get("/Kids")) or [])[:50]:
        found += _name_tree(kid, depth + 1)
    return found[:100]


def _page_actions(page: Any, number: int) -> list[str]:
    """Page and annotation actions and active annotation types on one page."""
    found = [f"{what} on page {number} (/AA)" for what in _aa_actions(page.get("/AA"))]
    for ref in list(resolve(page.get("/Annots")) or [])[:500]:
        annot = resolve(ref)
        if not hasattr(annot, "get"):
            continue
        kind = ACTIVE_ANNOTS.get(str(annot.get("/Subtype")))
        if kind:
            found.append(f"{kind} on page {number}")
        found += [f"{what} on page {number}" for what in _actions(annot.get("/A"))]
        found += [f"{what} on page {number} (/AA)" for what in _aa_actions(annot.get("/AA"))]
    return found
