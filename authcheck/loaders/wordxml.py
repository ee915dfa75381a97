"""WordprocessingML read in document order: paragraphs into lines, and what sits on them.

Works on any ElementTree-like tree (python-docx's lxml body, or our own parse of a
header part).  A paragraph's text is built from its ``w:t``, ``w:tab`` and ``w:br`` in
order, so text inside tracked insertions (``w:ins``) is kept, deleted text is not, and
nothing is read twice (python-docx's ``itertext`` duplicates runs).  Pictures, text
boxes (``w:txbxContent``), VML watermarks (``v:textpath/@string``) and signature lines
(``o:signatureline``) are anchored to the line of their paragraph.  DOCX has no page
geometry: explicit page breaks and ``w:lastRenderedPageBreak`` move the page counter.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from authcheck.errors import CheckError
from authcheck.loaders.text import LineBuilder
from authcheck.model import Image, Note
from authcheck.util.patterns import compiled

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
V = "urn:schemas-microsoft-com:vml"
OFFICE = "urn:schemas-microsoft-com:office:office"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_SKIP = {
    f"{{{W}}}{tag}"
    for tag in (
        "pPr",
        "rPr",
        "del",
        "moveFrom",
        "instrText",
        "delText",
        "delInstrText",
        "footnoteReference",
        "endnoteReference",
    )
}
_SKIP.add(f"{{{MC}}}Fallback")
_WRAPPERS = {f"{{{W}}}{tag}" for tag in ("sdt", "sdtContent", "customXml", "ins", "smartTag")}
_GAP_TWIPS = 120  # 6 pt of paragraph spacing reads as a paragraph break
MAX_DEPTH = 100  #: nested tables, content controls and run containers read before "corrupt"
_TRUE = ("1", "true", "on")


def _nested(method: Callable) -> Callable:
    """A `Walker` method that goes one level further into nested tables, content controls or run
    containers; past MAX_DEPTH the document is refused as "corrupt", whatever Python's recursion
    limit (libxml2, under python-docx, refused XML nested over 256 elements deep)."""

    @functools.wraps(method)
    def deeper(self: Walker, *args: Any, **kwargs: Any) -> None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise CheckError("corrupt", "the document's XML is nested too deeply", "load")
            method(self, *args, **kwargs)
        finally:
            self._depth -= 1

    return deeper


def w(tag: str) -> str:
    """The Clark name of a WordprocessingML tag."""
    return f"{{{W}}}{tag}"


class Walker:
    """Reads stories (body, header, footer, text box) into a LineBuilder, tracking pages."""

    def __init__(self, builder: LineBuilder, spacing: Spacing) -> None:
        self.builder, self.spacing = builder, spacing
        self.page = 1
        self.images: list[Image] = []
        self.signature_lines: list[tuple[str, str | None, int]] = []
        self.tracked = {"insertions": 0, "deletions": 0}
        self._pending_break, self._gap = True, 0
        self._depth = 0  #: tables, content controls and run containers entered (`_nested`)

    def body(self, body: Any) -> None:
        """Read the document body; page breaks count."""
        self.page, self._pending_break, self._gap = 1, True, 0
        self._blocks(body, "page", paging=True)

    def story(self, root: Any, source: str) -> None:
        """Read a header or footer part (no page breaks inside)."""
        self._gap = 0
        self._blocks(root, source, paging=False)

    def notes_part(self, root: Any) -> None:
        """Footnotes or endnotes (not the separator notes), as lines of source "footnote" on the last page."""
        for note in list(root)[:2000]:
            if note.tag in (w("footnote"), w("endnote")) and note.get(w("type")) in (None, "normal"):
                self._gap = _GAP_TWIPS
                self._blocks(note, "footnote", paging=False)

    def watermarks(self, root: Any) -> None:
        """Only the VML watermark text of a part whose other text is not on page 1."""
        seen = {line.text for line in self.builder.lines if line.source == "watermark"}
        for path in root.iter(f"{{{V}}}textpath"):
            text = (path.get("string") or "").strip()
            if text and text not in seen:
                seen.add(text)
                self.builder.add(text, 1, "watermark")

    def notes(self) -> list[Note]:
        """A "tracked-changes" note when the body holds revision marks."""
        if not any(self.tracked.values()):
            return []
        ins, dels = self.tracked["insertions"], self.tracked["deletions"]
        return [
            Note(
                "tracked-changes",
                f"{ins} tracked insertions and {dels} deletions are not accepted "
                "(inserted text is included, deleted text is not)",
                dict(self.tracked),
            )
        ]

    @_nested
    def _blocks(self, container: Any, source: str, paging: bool) -> None:
        """Paragraphs and tables in order, looking through content controls."""
        for child in container:
            if child.tag == w("p"):
                self._paragraph(child, source, paging)
            elif child.tag == w("tbl"):
                for cell in _cells(child):
                    self._blank(source)
                    self._blocks(cell, source, paging)
                self._blank(source)
                self._gap = 0
            elif child.tag in _WRAPPERS:
                self._blocks(child, source, paging)

    def _paragraph(self, p: Any, source: str, paging: bool) -> None:
        """One paragraph: a blank line first if spacing separates it, then its lines and anchors."""
        before, after = self.spacing.of(p)
        props = p.find(w("pPr"))
        if paging and props is not None and _on(props.find(w("pageBreakBefore"))):
            self._break()
        if self._gap + before >= _GAP_TWIPS:
            self._blank(source)
        segments: list[list] = [["", self.page]]
        anchors: list[tuple[int, str, Any]] = []
        self._runs(p, segments, anchors, paging)
        lines = [self.builder.add(text, page, source) for text, page in segments]
        for index, kind, element in anchors:
            self._anchor(kind, element, lines[index], segments[index][1], source)
        self._gap = after
        if paging and props is not None and _section_break(props):
            self._break()

    @_nested
    def _runs(self, element: Any, segments: list, anchors: list, paging: bool) -> None:
        """Walk a paragraph's content in order, filling segments (lines) and anchors."""
        for child in element:
            tag = child.tag
            if tag == w("del"):
                self.tracked["deletions"] += 1
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == w("t"):
                segments[-1][0] += child.text or ""
                self._pending_break = self._pending_break and not (child.text or "").strip()
            elif tag in (w("tab"), w("ptab")):
                segments[-1][0] += "\t"
            elif tag == w("noBreakHyphen"):
                segments[-1][0] += "-"
            elif tag in (w("br"), w("cr")):
                if paging and child.get(w("type")) == "page":
                    self._break()
                segments.append(["", self.page])
            elif tag == w("lastRenderedPageBreak"):
                if paging:
                    self._break()
            elif tag == w("txbxContent"):
                anchors.append((len(segments) - 1, "textbox", child))
            else:
                self._objects(child, segments, anchors)
                self._runs(child, segments, anchors, paging)

    def _objects(self, child: Any, segments: list, anchors: list) -> None:
        """Note pictures, signature lines and watermarks; count tracked changes."""
        tag, at = child.tag, len(segments) - 1
        if tag == w("ins"):
            self.tracked["insertions"] += 1
        elif tag == w("drawing") and next(child.iter(f"{{{A}}}blip"), None) is not None:
            anchors.append((at, "image", child))
        elif tag in (w("pict"), w("object")):
            if next(child.iter(f"{{{OFFICE}}}signatureline"), None) is not None:
                anchors.append((at, "signature", child))
            elif next(child.iter(f"{{{V}}}imagedata"), None) is not None:
                anchors.append((at, "image", child))
            for path in child.iter(f"{{{V}}}textpath"):
                if (path.get("string") or "").strip():
                    anchors.append((at, "watermark", path))

    def _anchor(self, kind: str, element: Any, line: Any, page: int, source: str) -> None:
        """Record what a paragraph carries, on the line it sits on."""
        number = line.number if line is not None else None
        if kind == "image":
            width, height = _picture_size(element)
            self.images.append(Image(page=page, name=_picture_name(element), line=number, width=width, height=height))
        elif kind == "signature":
            mark = next(element.iter(f"{{{OFFICE}}}signatureline"))
            signer = mark.get(f"{{{OFFICE}}}suggestedsigner") or None
            self.signature_lines.append((signer or mark.get("id") or "signature line", signer, page))
        elif kind == "watermark":
            self.builder.add(element.get("string"), page, "watermark")
        elif kind == "textbox":
            gap = self._gap
            self._blocks(element, "textbox", paging=False)
            self._gap = gap

    def _blank(self, source: str) -> None:
        """A blank line, unless the last line already is one (or nothing came yet)."""
        lines = self.builder.lines
        if lines and lines[-1].text:
            self.builder.add("", self.page if source != "header" else 1, source)

    def _break(self) -> None:
        """Move to the next page, once per run of breaks with no text between them."""
        if not self._pending_break:
            self.page += 1
            self._pending_break = True


def _cells(table: Any):
    """The cells of a table, row by row, looking through content controls."""
    for row in _children(table, w("tr")):
        yield from _children(row, w("tc"))


def _children(element: Any, tag: str):
    """Children with `tag`, also inside w:sdt / w:sdtContent / w:customXml wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tag)


def _picture_name(element: Any) -> str:
    """The name Word gave a picture (wp:docPr/@name, or the VML shape's title or id)."""
    doc_pr = next(element.iter(f"{{{WP}}}docPr"), None)
    if doc_pr is not None and doc_pr.get("name"):
        return doc_pr.get("name")
    shape = next(element.iter(f"{{{V}}}shape"), None)
    if shape is not None:
        return shape.get(f"{{{OFFICE}}}title") or shape.get("id") or ""
    return ""


def _picture_size(element: Any) -> tuple[float | None, float | None]:
    """A DrawingML picture's size in points (wp:extent, in EMU), else (None, None)."""
    extent = next(element.iter(f"{{{WP}}}extent"), None)
    if extent is None:
        return None, None
    try:
        return round(int(extent.get("cx")) / 12700, 2), round(int(extent.get("cy")) / 12700, 2)
    except (AttributeError, TypeError, ValueError):
        return None, None


def _on(flag: Any) -> bool:
    """True for a present on/off property that is not switched off."""
    return flag is not None and flag.get(w("val"), "true") not in ("0", "false", "off")


def _section_break(props: Any) -> bool:
    """True when the paragraph ends a section that starts on a new page."""
    sect = props.find(w("sectPr"))
    if sect is None:
        return False
    kind = sect.find(w("type"))
    return kind is None or kind.get(w("val"), "nextPage") != "continuous"


class Spacing:
    """Paragraph spacing before/after in twips: direct formatting, style chain, document defaults."""

    def __init__(self, styles: Any) -> None:
        self._styles: dict[str, tuple[int | None, int | None, str | None]] = {}
        self._default_style: str | None = None
        self._defaults = (0, 0)
        if styles is not None:
            self._read(styles)

    def _read(self, styles: Any) -> None:
        """Index the paragraph styles and the document defaults."""
        for style in styles.iter(w("style")):
            if style.get(w("type")) != "paragraph":
                continue
            sid = style.get(w("styleId"), "")
            if _on_attr(style.get(w("default"))):
                self._default_style = sid
            based = style.find(w("basedOn"))
            spacing = _spacing_el(style.find(w("pPr")))
            self._styles[sid] = (
                _twips(spacing, "before"),
                _twips(spacing, "after"),
                based.get(w("val")) if based is not None else None,
            )
        defaults = _spacing_el(next(styles.iter(w("pPrDefault")), None))
        self._defaults = (_twips(defaults, "before") or 0, _twips(defaults, "after") or 0)

    def of(self, p: Any) -> tuple[int, int]:
        """(before, after) spacing of a paragraph element."""
        props = p.find(w("pPr"))
        direct = _spacing_el(props)
        style_el = props.find(w("pStyle")) if props is not None else None
        style = style_el.get(w("val")) if style_el is not None else self._default_style
        return self._side(direct, style, 0), self._side(direct, style, 1)

    def _side(self, direct: Any, style: str | None, side: int) -> int:
        """One side's spacing: the first value found along direct -> styles -> defaults."""
        value = _twips(direct, ("before", "after")[side])
        seen: set = set()
        while value is None and style and style not in seen:
            seen.add(style)
            entry = self._styles.get(style, (None, None, None))
            value, style = entry[:2][side], entry[2]
        return self._defaults[side] if value is None else value


def text_styles(raw: bytes) -> bytes | None:
    """The styles part (`raw`, well-formed) without what reading the text never looks at: table
    and numbering styles and the latent-style list, most of a template's styles part (python-docx's:
    350 KB, of which 24 KB are left, parsed in 1 ms rather than 15).  `Spacing` and the fonts
    (`pagesetup.docx_setup`) read the document defaults and the paragraph and character styles,
    which are kept whole and in order.

    None when the part cannot be cut by its bytes alone (it is then parsed whole): its root binds no
    prefix to WordprocessingML's namespace (the strict namespace, a default namespace, UTF-16, where
    these byte patterns do not match), it holds a comment or CDATA section (where a tag-like text
    is not a tag), or a style or the latent-style list is not closed as Word writes them."""
    root = _STYLES_ROOT.search(raw, 0, 4096)
    if root is None or b"<!--" in raw or b"<![CDATA[" in raw:
        return None
    prefix = re.escape(root.group(1))
    dropped = re.compile(
        rb"<"
        + prefix
        + rb":(?:latentStyles|style(?=[\s/>])(?=[^>]*?\s"
        + prefix
        + rb":type\s*=\s*[\"'](?:table|numbering)[\"']))"
    )
    starts = re.compile(rb"<" + prefix + rb":(?:style|latentStyles)[\s/>]")
    kept: list[bytes] = []
    at = 0
    for found in dropped.finditer(raw):
        tag = _START_TAG.match(raw, found.start())
        if tag is None or found.start() < at:
            return None
        end = tag.end()
        if not tag.group("empty"):
            name = raw[found.start() + 1 : tag.start("attributes")]
            close = raw.find(b"</" + name + b">", end)
            if close < 0 or starts.search(raw, end, close):  # unclosed, or another style inside
                return None
            end = close + len(name) + 3
        kept.append(raw[at : found.start()])
        at = end
    kept.append(raw[at:])
    return b"".join(kept)


#: The styles part's root element, binding a prefix (group 1) to WordprocessingML's namespace.
_STYLES_ROOT = compiled(rb"<([A-Za-z_][\w.-]*):styles\s[^>]*?\bxmlns:\1\s*=\s*[\"']" + W.encode() + rb"[\"']")
#: A whole start tag, its attributes' values quoted (a ">" inside one does not end it).
_START_TAG = compiled(
    rb"<[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*(?P<attributes>(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(?P<empty>/?)>"
)


def _spacing_el(props: Any) -> Any:
    """The w:spacing element of a pPr (or of a pPrDefault's pPr)."""
    if props is None:
        return None
    return next(props.iter(w("spacing")), None)


def _twips(spacing: Any, side: str) -> int | None:
    """Spacing on one side in twips (auto spacing counts as 14 pt), or None when not set."""
    if spacing is None:
        return None
    if _on_attr(spacing.get(w(side + "Autospacing"))):
        return 280
    raw = spacing.get(w(side))
    if raw is not None and raw.lstrip("-").isdigit():
        return max(int(raw), 0)
    lines = spacing.get(w(side + "Lines"))
    return int(lines) * 240 // 100 if lines is not None and lines.isdigit() else None


def _on_attr(value: str | None) -> bool:
    """True for an on/off attribute value that is on."""
    return value is not None and value.lower() in _TRUE
