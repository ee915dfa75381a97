"""Metadata from raw strings: XMP and OOXML property parts, and normalisation into fields.

No pypdf or python-docx here: loaders hand over raw text (PDF Info entries) or element
trees parsed by `safexml.safe_xml` (XMP, docProps/core.xml, docProps/app.xml).  Raw keys
are the file's own: "/Author" (Info), "xmp:CreateDate" (XMP), "core.xml:dc:creator",
"app.xml:Application".  `normalise` takes, for each field, the first key in its list
that yields a value, so "Info wins, XMP fills gaps" is just the order of the keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from authcheck.loaders.metadates import parse_iso_date, parse_pdf_date

if TYPE_CHECKING:  # the trees come parsed (safexml): a PDF without XMP needs no XML library
    import xml.etree.ElementTree as ET

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XMP_KEYS = {
    "{http://ns.adobe.com/xap/1.0/}CreatorTool": "xmp:CreatorTool",
    "{http://ns.adobe.com/xap/1.0/}CreateDate": "xmp:CreateDate",
    "{http://ns.adobe.com/xap/1.0/}ModifyDate": "xmp:ModifyDate",
    "{http://ns.adobe.com/xap/1.0/}MetadataDate": "xmp:MetadataDate",
    "{http://ns.adobe.com/pdf/1.3/}Producer": "pdf:Producer",
    "{http://purl.org/dc/elements/1.1/}creator": "dc:creator",
    "{http://purl.org/dc/elements/1.1/}title": "dc:title",
    "{http://ns.adobe.com/xap/1.0/mm/}DocumentID": "xmpMM:DocumentID",
    "{http://ns.adobe.com/xap/1.0/mm/}InstanceID": "xmpMM:InstanceID",
}


def _text(raw: str) -> str | None:
    """A plain metadata string, or None when blank."""
    value = "".join(" " if ord(ch) < 32 else ch for ch in raw).strip()
    return value or None


def _any_date(raw: str) -> str | None:
    """An XMP date: W3C-DTF, or a PDF-style date some producers write there."""
    return parse_iso_date(raw) or parse_pdf_date(raw)


Table = tuple[tuple[str, tuple[tuple[str, Callable[[str], str | None]], ...]], ...]

PDF_FIELDS: Table = (
    ("title", (("/Title", _text), ("dc:title", _text))),
    ("author", (("/Author", _text), ("dc:creator", _text))),
    ("creator_tool", (("/Creator", _text), ("xmp:CreatorTool", _text))),
    ("producer", (("/Producer", _text), ("pdf:Producer", _text))),
    ("created", (("/CreationDate", parse_pdf_date), ("xmp:CreateDate", _any_date))),
    ("modified", (("/ModDate", parse_pdf_date), ("xmp:ModifyDate", _any_date))),
    ("company", (("/Company", _text),)),
)
DOCX_FIELDS: Table = (
    ("title", (("core.xml:dc:title", _text),)),
    ("author", (("core.xml:dc:creator", _text),)),
    ("last_modified_by", (("core.xml:cp:lastModifiedBy", _text),)),
    ("revision", (("core.xml:cp:revision", _text),)),
    ("created", (("core.xml:dcterms:created", parse_iso_date),)),
    ("modified", (("core.xml:dcterms:modified", parse_iso_date),)),
    ("creator_tool", (("app.xml:Application", _text),)),
    ("company", (("app.xml:Company", _text),)),
    ("template", (("app.xml:Template", _text),)),
)
_PREFIXES = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties": "cp",
}


def normalise(raw: Mapping[str, str], table: Table) -> tuple[dict[str, str], dict[str, str]]:
    """(normalised values, source key of each): the first raw key that gives a value wins."""
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name, candidates in table:
        for key, parse in candidates:
            value = parse(raw[key]) if raw.get(key) else None
            if value:
                values[name], sources[name] = value, key
                break
    return values, sources


def xmp_values(root: ET.Element) -> dict[str, str]:
    """The XMP properties we know, as attributes or elements of any rdf:Description."""
    found: dict[str, str] = {}
    for desc in root.iter(f"{{{RDF}}}Description"):
        for attr, value in desc.attrib.items():
            if attr in XMP_KEYS and value.strip():
                found.setdefault(XMP_KEYS[attr], value.strip()[:2000])
        for child in desc:
            if child.tag in XMP_KEYS:
                value = _property_text(child)
                if value:
                    found.setdefault(XMP_KEYS[child.tag], value[:2000])
    return found


def _property_text(element: ET.Element) -> str:
    """A property's text: its own, the x-default of an rdf:Alt, or rdf:li items joined with "; "."""
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    items = [li for li in element.iter(f"{{{RDF}}}li") if (li.text or "").strip()]
    if not items:
        return (element.text or "").strip()
    if element.find(f"{{{RDF}}}Alt") is not None:
        chosen = next((li for li in items if li.get(lang) == "x-default"), items[0])
        return (chosen.text or "").strip()
    return "; ".join((li.text or "").strip() for li in items)


def property_part(root: ET.Element, part: str) -> dict[str, str]:
    """The simple child elements of core.xml or app.xml as {"core.xml:dc:creator": text}."""
    found: dict[str, str] = {}
    for child in list(root)[:200]:
        if not isinstance(child.tag, str) or len(child):
            continue
        namespace, _, local = child.tag[1:].partition("}") if child.tag.startswith("{") else ("", "", child.tag)
        prefix = _PREFIXES.get(namespace)
        key = f"{part}:{prefix}:{local}" if prefix else f"{part}:{local}"
        found[key] = (child.text or "").strip()[:2000]
    return found
