"""A deterministic DOCX writer for test letters: python-docx for the body, zipfile for the rest.

python-docx writes the header, body paragraphs and inline signature picture.  The
package is then rewritten with fixed zip timestamps (1980-01-01, as Word does), our own
docProps/core.xml and docProps/app.xml (or none at all), and optional header shapes that
python-docx cannot make: a VML text box (`w:txbxContent`) and a Word-style VML watermark.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from xml.sax.saxutils import escape, quoteattr

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.shared import Inches, Pt

from tools.scribble import signature_png

_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}
_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w10="urn:schemas-microsoft-com:office:word"'
)
_CORE_ORDER = (
    ("title", "dc:title"),
    ("subject", "dc:subject"),
    ("author", "dc:creator"),
    ("keywords", "cp:keywords"),
    ("description", "dc:description"),
    ("last_modified_by", "cp:lastModifiedBy"),
    ("revision", "cp:revision"),
    ("last_printed", "cp:lastPrinted"),
    ("created", "dcterms:created"),
    ("modified", "dcterms:modified"),
    ("category", "cp:category"),
)
_APP_ORDER = (
    "Template",
    "TotalTime",
    "Pages",
    "Words",
    "Characters",
    "Application",
    "DocSecurity",
    "Lines",
    "Paragraphs",
    "ScaleCrop",
    "Manager",
    "Company",
    "LinksUpToDate",
    "CharactersWithSpaces",
    "SharedDoc",
    "HyperlinksChanged",
    "AppVersion",
)
_CORE_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"
_APP_TYPE = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Para:
    """A body paragraph with simple formatting (indent and spacing in points)."""

    text: str
    align: str = "left"
    indent: float = 0.0
    bold: bool = False
    space_before: float = 0.0
    space_after: float = 0.0


def build_docx(
    *,
    header_lines: list[str],
    paragraphs: list[str | Para],
    signature_image_after: int | None = None,
    core: dict | None,
    app: dict | None,
    header_textbox: str | None = None,
    watermark: str | None = None,
    footer_lines: list[str] = (),
) -> bytes:
    """Write a .docx and return its bytes.

    `header_lines` are centred bold paragraphs of the (default) page header;
    `signature_image_after` inserts the signature picture after that paragraph index;
    `core` keys: title, subject, author, keywords, description, last_modified_by,
    revision, last_printed, created, modified, category (None: no core.xml at all);
    `app` maps app.xml element names (Application, Company, Template, AppVersion...) to
    values (None: no app.xml); `header_textbox` puts text (lines split on newlines) in a
    header text box; `watermark` adds a diagonal VML watermark with that text.
    """
    doc = _new_document()
    header = doc.sections[0].header
    _fill_lines(header, header_lines, bold=True)
    for fragment in filter(
        None, (header_textbox and _textbox_xml(header_textbox), watermark and _watermark_xml(watermark))
    ):
        header._element.append(parse_xml(fragment))
    if footer_lines:
        _fill_lines(doc.sections[0].footer, footer_lines, bold=True)
    _fill_body(doc, paragraphs, signature_image_after)
    _drop_package_rels(doc, (RT.CORE_PROPERTIES, RT.EXTENDED_PROPERTIES, RT.THUMBNAIL))
    raw = io.BytesIO()
    doc.save(raw)
    extra = {}
    if core is not None:
        extra["docProps/core.xml"] = (_core_xml(core), _CORE_TYPE, RT.CORE_PROPERTIES)
    if app is not None:
        extra["docProps/app.xml"] = (_app_xml(app), _APP_TYPE, RT.EXTENDED_PROPERTIES)
    return _rezip(raw.getvalue(), extra)


def _new_document():
    """A blank Letter-size document with 1-inch margins and 12pt Times New Roman."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    normal.paragraph_format.space_after = Pt(0)
    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(1))
    return doc


def _fill_lines(story, lines: list[str], bold: bool) -> None:
    """Write centred lines into a header or footer, reusing its first empty paragraph."""
    for index, line in enumerate(lines):
        par = story.paragraphs[0] if index == 0 else story.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        par.add_run(line).bold = bold


def _fill_body(doc, paragraphs: list[str | Para], image_after: int | None) -> None:
    """Write the body paragraphs, with the signature picture after index `image_after`."""
    for index, item in enumerate(paragraphs):
        spec = item if isinstance(item, Para) else Para(item)
        par = doc.add_paragraph()
        _format(par, spec)
        par.add_run(spec.text).bold = spec.bold
        if index == image_after:
            picture = doc.add_paragraph()
            _format(picture, Para("", align=spec.align, indent=spec.indent))
            picture.add_run().add_picture(io.BytesIO(signature_png()), width=Inches(1.5))


def _format(par, spec: Para) -> None:
    """Apply a Para's alignment, indent and spacing to a python-docx paragraph."""
    fmt = par.paragraph_format
    fmt.alignment = _ALIGN[spec.align]
    if spec.indent:
        fmt.left_indent = Pt(spec.indent)
    if spec.space_before:
        fmt.space_before = Pt(spec.space_before)
    if spec.space_after:
        fmt.space_after = Pt(spec.space_after)


def _drop_package_rels(doc, reltypes: tuple[str, ...]) -> None:
    """Remove package-level parts (and their relationships) python-docx would write."""
    rels = doc.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype in reltypes]:
        del rels[rid]
        rels._target_parts_by_rId.pop(rid, None)


def _runs_xml(text: str, bold: bool = False) -> str:
    """A WordprocessingML run holding `text`."""
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _textbox_xml(text: str) -> str:
    """A header paragraph holding a VML text box with one centred paragraph per line."""
    inner = "".join(
        f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr>{_runs_xml(line, True)}</w:p>' for line in text.split("\n")
    )
    return (
        f"<w:p {_NS}><w:r><w:pict>"
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        '<v:shape id="Text Box 1" o:spid="_x0000_s1025" type="#_x0000_t202" '
        'style="position:absolute;margin-left:0;margin-top:0;width:468pt;height:72pt;'
        "z-index:251659264;mso-position-horizontal:center;"
        'mso-position-horizontal-relative:margin" stroked="f">'
        f"<v:textbox><w:txbxContent>{inner}</w:txbxContent></v:textbox>"
        "</v:shape></w:pict></w:r></w:p>"
    )


def _watermark_xml(text: str) -> str:
    """A header paragraph with Word's PowerPlusWaterMarkObject diagonal text watermark."""
    return (
        f"<w:p {_NS}><w:r><w:rPr><w:noProof/></w:rPr><w:pict>"
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
        'path="m@7,l@8,m@5,21600l@6,21600e"><v:path textpathok="t" o:connecttype="custom"/>'
        '<v:textpath on="t" fitshape="t"/><o:lock v:ext="edit" text="t" shapetype="t"/>'
        '</v:shapetype><v:shape id="PowerPlusWaterMarkObject1" o:spid="_x0000_s2049" '
        'type="#_x0000_t136" style="position:absolute;margin-left:0;margin-top:0;'
        "width:412.4pt;height:247.45pt;rotation:315;z-index:-251657216;"
        "mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
        'mso-position-vertical:center;mso-position-vertical-relative:margin" '
        'o:allowincell="f" fillcolor="silver" stroked="f"><v:fill opacity=".5"/>'
        '<v:textpath style="font-family:&quot;Times New Roman&quot;;font-size:1pt" '
        f"string={quoteattr(text)}/>"
        '<w10:wrap anchorx="margin" anchory="margin"/></v:shape></w:pict></w:r></w:p>'
    )


def _w3cdtf(value: datetime) -> str:
    """A core-properties date in UTC, as Word writes it (2020-01-06T06:15:00Z)."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _core_xml(core: dict) -> bytes:
    """docProps/core.xml with the given properties, in Word's element order."""
    unknown = set(core) - {key for key, _ in _CORE_ORDER}
    if unknown:
        raise ValueError(f"unknown core properties: {sorted(unknown)}")
    parts = []
    for key, tag in _CORE_ORDER:
        if key in core:
            value = core[key]
            if isinstance(value, datetime):
                kind = ' xsi:type="dcterms:W3CDTF"' if tag.startswith("dcterms") else ""
                parts.append(f"<{tag}{kind}>{_w3cdtf(value)}</{tag}>")
            else:
                parts.append(f"<{tag}>{escape(str(value))}</{tag}>")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/'
        'dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' + "".join(parts) + "</cp:coreProperties>"
    ).encode("utf-8")


def _app_xml(app: dict) -> bytes:
    """docProps/app.xml: known elements in Word's order, then any others as given."""
    keys = [k for k in _APP_ORDER if k in app] + [k for k in app if k not in _APP_ORDER]
    body = "".join(f"<{k}>{escape(str(app[k]))}</{k}>" for k in keys)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/docPropsVTypes">{body}</Properties>'
    ).encode()


def _register(entries: dict[str, bytes], extra: dict) -> None:
    """Add content-type overrides and package relationships for the extra parts."""
    types, rels = entries["[Content_Types].xml"].decode(), entries["_rels/.rels"].decode()
    next_id = max(int(n) for n in re.findall(r'Id="rId(\d+)"', rels)) + 1
    for offset, (name, (_, ctype, reltype)) in enumerate(extra.items()):
        types = types.replace("</Types>", f'<Override PartName="/{name}" ContentType="{ctype}"/></Types>')
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rId{next_id + offset}" Type="{reltype}" Target="{name}"/></Relationships>',
        )
    entries["[Content_Types].xml"], entries["_rels/.rels"] = types.encode(), rels.encode()


def _rezip(data: bytes, extra: dict) -> bytes:
    """Rewrite the package with fixed timestamps, adding the extra docProps parts."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    _register(entries, extra)
    entries.update({name: blob for name, (blob, _, _) in extra.items()})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, blob in entries.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type, info.create_system = zipfile.ZIP_DEFLATED, 0
            target.writestr(info, blob)
    return out.getvalue()
