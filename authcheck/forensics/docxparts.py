"""One bounded pass over WordprocessingML stories: revisions, hidden runs, comment anchors, rsids, shapes.

`StoryScan.scan(root, part, header)` walks a parsed part (body, header, footer, footnotes)
with an explicit stack, so it sees where each element starts and ends without recursion:
text inside a tracked insertion or deletion belongs to that revision, text of a run
formatted ``w:vanish`` (directly or through its style) is hidden, text between
``w:commentRangeStart`` and ``w:commentRangeEnd`` is what a comment is about.  It also
collects rsid values, VML/WordArt watermark text (headers only) and ``o:signatureline``
shapes.  Every pass shares one element budget; past it the scan stops and says so.
Trees come from `loaders.ooxml.safe_xml`; nothing here parses XML.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from authcheck.util.records import mutable

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
V = "urn:schemas-microsoft-com:vml"
OFFICE = "urn:schemas-microsoft-com:office:office"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
TEXT_MAX = 300  #: characters kept of any one quoted text
ITEMS_MAX = 25  #: revisions, hidden texts, watermarks... kept as evidence
ELEMENT_BUDGET = 2_000_000  #: elements visited over all parts of one file

REVISIONS = {
    f"{{{W}}}ins": "inserted",
    f"{{{W}}}del": "deleted",
    f"{{{W}}}moveFrom": "moved away",
    f"{{{W}}}moveTo": "moved here",
}
FORMAT_CHANGES = {
    f"{{{W}}}{tag}"
    for tag in (
        "rPrChange",
        "pPrChange",
        "sectPrChange",
        "tblPrChange",
        "tblPrExChange",
        "trPrChange",
        "tcPrChange",
        "tblGridChange",
        "numberingChange",
    )
}
_TEXT = {f"{{{W}}}t", f"{{{W}}}delText"}
_OFF = ("0", "false", "off")


def w(tag: str) -> str:
    """The Clark name of a WordprocessingML tag."""
    return f"{{{W}}}{tag}"


@mutable
class Revision:
    """A pending tracked change: what kind, who, when, which text, in which part."""

    kind: str
    author: str
    date: str
    part: str
    text: str = ""


@mutable
class Found:
    """A piece of text found in a part (hidden run, watermark, comment anchor, signature line)."""

    text: str
    part: str
    key: str


@mutable
class _Frame:
    """What an open element means for the text under it."""

    element: Any
    revision: Revision | None = None
    run_hidden: bool | None = None
    shape_text: list | None = None


@mutable
class StoryScan:
    """Traces collected over every story part of one document."""

    hidden_styles: frozenset = frozenset()
    revisions: list[Revision] = field(default_factory=list)
    revision_count: int = 0
    format_changes: list[Revision] = field(default_factory=list)
    format_count: int = 0
    hidden: list[Found] = field(default_factory=list)
    anchors: dict[str, str] = field(default_factory=dict)
    rsids: set[str] = field(default_factory=set)
    watermarks: list[Found] = field(default_factory=list)
    signature_lines: list[Found] = field(default_factory=list)
    visited: int = 0
    limited: bool = False

    def scan(self, root: Any, part: str, header: bool = False) -> None:
        """Walk one part, start and end of every element in document order, within the budget."""
        state = _PartState(part, header)
        stack = [_Frame(root)]
        self._enter(stack[0], stack, state)
        children = [iter(root)]
        while children:
            child = next(children[-1], None)
            if child is None:
                children.pop()
                self._leave(stack.pop(), stack, state)
                continue
            self.visited += 1
            if self.visited > ELEMENT_BUDGET:
                self.limited = True
                break
            frame = _Frame(child)
            stack.append(frame)
            self._enter(frame, stack, state)
            children.append(iter(child))
        state.flush_hidden(self)

    def _enter(self, frame: _Frame, stack: list[_Frame], state: _PartState) -> None:
        """React to an element starting."""
        el, tag = frame.element, frame.element.tag
        if not isinstance(tag, str):
            return
        for name, value in el.attrib.items():
            if name.startswith(f"{{{W}}}rsid") and value:
                self.rsids.add(value.upper()[:16])
        parent = stack[-2].element.tag if len(stack) > 1 else ""
        if tag in REVISIONS and parent != w("rPr"):
            frame.revision = Revision(REVISIONS[tag], el.get(w("author"), ""), el.get(w("date"), ""), state.part)
        elif tag in FORMAT_CHANGES:
            self.format_count += 1
            if len(self.format_changes) < ITEMS_MAX:
                self.format_changes.append(
                    Revision(tag.rsplit("}", 1)[1], el.get(w("author"), ""), el.get(w("date"), ""), state.part)
                )
        elif tag == w("r"):
            frame.run_hidden = None
        elif tag in (w("vanish"), w("rStyle")) and parent == w("rPr") and _grandparent(stack) == w("r"):
            run = stack[-3]
            styled = run.run_hidden or el.get(w("val")) in self.hidden_styles
            run.run_hidden = _on(el) if tag == w("vanish") else styled
        elif tag == w("pStyle") and parent == w("pPr") and _grandparent(stack) == w("p"):
            state.paragraph_hidden = el.get(w("val")) in self.hidden_styles
        elif tag == w("p"):
            state.flush_hidden(self)
            state.paragraph_hidden = False
        elif tag in _TEXT:
            self._text(el.text or "", tag, stack, state)
        elif tag == w("commentRangeStart"):
            state.comments[el.get(w("id"), "")] = []
        elif tag == w("commentRangeEnd"):
            cid = el.get(w("id"), "")
            if cid in state.comments and len(self.anchors) < 1000:
                self.anchors[cid] = _clip("".join(state.comments.pop(cid)))
        elif tag == f"{{{OFFICE}}}signatureline":
            self._signature_line(el, state.part)
        elif state.header and tag == f"{{{V}}}textpath" and (el.get("string") or "").strip():
            self._watermark(el.get("string"), state.part, "v:textpath")
        elif state.header and tag == f"{{{WPS}}}wsp":
            frame.shape_text = []
        elif state.header and tag == f"{{{A}}}prstTxWarp":
            shape = next((f.shape_text for f in reversed(stack) if f.shape_text is not None), None)
            if shape is not None:
                shape.append(None)  # marks the shape as WordArt

    def _leave(self, frame: _Frame, stack: list[_Frame], state: _PartState) -> None:
        """React to an element ending: close revisions and WordArt shapes."""
        rev = frame.revision
        if rev is not None:
            self.revision_count += 1
            rev.text = _clip(rev.text)
            if len(self.revisions) < ITEMS_MAX:
                self.revisions.append(rev)
        elif frame.shape_text is not None and None in frame.shape_text:
            text = " ".join(t for t in frame.shape_text if t).strip()
            if text:
                self._watermark(text, state.part, "WordArt")
        elif frame.element.tag == w("p"):
            state.flush_hidden(self)

    def _text(self, text: str, tag: str, stack: list[_Frame], state: _PartState) -> None:
        """Give a piece of text to whatever it belongs to: revisions, hidden runs, comments, shapes."""
        revision = next((f.revision for f in reversed(stack) if f.revision is not None), None)
        if revision is not None and len(revision.text) < TEXT_MAX:
            revision.text += text
        deleted = revision is not None and revision.kind in ("deleted", "moved away")
        run = next((f for f in reversed(stack) if f.element.tag == w("r")), None)
        hidden = run is not None and (run.run_hidden if run.run_hidden is not None else state.paragraph_hidden)
        if tag == w("t") and not deleted:
            if hidden:
                state.hidden_text.append(text)
            elif text.strip():
                state.flush_hidden(self)
            for parts in state.comments.values():
                if sum(map(len, parts)) < TEXT_MAX:
                    parts.append(text)
        shape = next((f.shape_text for f in reversed(stack) if f.shape_text is not None), None)
        if shape is not None and len(shape) < 200:
            shape.append(text)

    def _signature_line(self, el: Any, part: str) -> None:
        """A Word signature line: who is asked to sign it."""
        if el.get("issignatureline", "t").lower() in ("f", "false", "0"):
            return
        signer = el.get(f"{{{OFFICE}}}suggestedsigner") or ""
        role = el.get(f"{{{OFFICE}}}suggestedsigner2") or ""
        email = el.get(f"{{{OFFICE}}}suggestedsigneremail") or ""
        label = ", ".join(bit for bit in (signer, role, email) if bit) or "no suggested signer"
        if len(self.signature_lines) < ITEMS_MAX:
            self.signature_lines.append(Found(_clip(label), part, "o:signatureline"))

    def _watermark(self, text: str, part: str, key: str) -> None:
        """A watermark text, once per part."""
        text = _clip(" ".join(text.split()))
        if len(self.watermarks) < ITEMS_MAX and not any(f.text == text and f.part == part for f in self.watermarks):
            self.watermarks.append(Found(text, part, key))


@mutable
class _PartState:
    """Per-part state of the walk: open comment ranges and the hidden text being gathered."""

    part: str
    header: bool
    paragraph_hidden: bool = False
    hidden_text: list = field(default_factory=list)
    comments: dict = field(default_factory=dict)

    def flush_hidden(self, scan: StoryScan) -> None:
        """End a stretch of hidden text (at a paragraph edge or visible text)."""
        text = _clip(" ".join("".join(self.hidden_text).split()))
        self.hidden_text = []
        if text and len(scan.hidden) < ITEMS_MAX:
            scan.hidden.append(Found(text, self.part, "w:vanish"))


def hidden_styles(styles: Any) -> frozenset:
    """Ids of paragraph and character styles whose run properties hide text (w:vanish)."""
    found = set()
    if styles is None:
        return frozenset()
    for style in styles.iter(w("style")):
        props = style.find(w("rPr"))
        vanish = props.find(w("vanish")) if props is not None else None
        if vanish is not None and _on(vanish):
            found.add(style.get(w("styleId"), ""))
    return frozenset(found)


def comments(root: Any) -> list[dict[str, str]]:
    """Each comment of word/comments.xml: id, author, initials, date, text and last paragraph id."""
    found = []
    for comment in root.iter(w("comment")):
        paragraphs = comment.findall(w("p"))
        text = " ".join("".join(t.text or "" for t in p.iter(w("t"))) for p in paragraphs[:50])
        last = paragraphs[-1].get(f"{{{W14}}}paraId", "") if paragraphs else ""
        found.append(
            {
                "id": comment.get(w("id"), ""),
                "author": comment.get(w("author"), ""),
                "initials": comment.get(w("initials"), ""),
                "date": comment.get(w("date"), ""),
                "text": _clip(" ".join(text.split())),
                "para": last,
            }
        )
        if len(found) >= 1000:
            break
    return found


def _grandparent(stack: list[_Frame]) -> str:
    """The tag two levels above the element being entered."""
    return stack[-3].element.tag if len(stack) > 2 else ""


def _on(el: Any) -> bool:
    """True for an on/off property that is not switched off."""
    return (el.get(w("val")) or "true").lower() not in _OFF


def _clip(text: str) -> str:
    """Text cut to TEXT_MAX characters, marked when cut."""
    text = text.strip()
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"
