"""PDF metadata formats: /Info dates (D:YYYYMMDDHHmmSS+HH'mm') and XMP packets."""

from __future__ import annotations

import uuid
from datetime import datetime
from xml.sax.saxutils import escape


def pdf_date(value: datetime) -> str:
    """Format a datetime as a PDF date string, e.g. D:20200106091500+03'00'."""
    text = value.strftime("D:%Y%m%d%H%M%S")
    offset = value.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return text + "Z00'00'"
    sign = "+" if minutes > 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}'{mins:02d}'"


def _xmp_date(value: object) -> str:
    """An XMP (ISO 8601) date; strings pass through unchanged."""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def xmp_packet(info: dict) -> str:
    """An XMP metadata packet mirroring /Info keys (Title, Author, Subject, Creator,
    Producer, CreationDate, ModDate), with a DocumentID derived from their values."""
    alt = '<rdf:Alt><rdf:li xml:lang="x-default">{}</rdf:li></rdf:Alt>'
    fields = (
        ("Title", "dc:title", alt),
        ("Author", "dc:creator", "<rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq>"),
        ("Subject", "dc:description", alt),
        ("Creator", "xmp:CreatorTool", "{}"),
        ("Producer", "pdf:Producer", "{}"),
        ("CreationDate", "xmp:CreateDate", "{}"),
        ("ModDate", "xmp:ModifyDate", "{}"),
    )
    parts = [f"<{tag}>{form.format(escape(_xmp_date(info[key])))}</{tag}>" for key, tag, form in fields if key in info]
    digest = uuid.uuid5(uuid.NAMESPACE_URL, repr(sorted((k, str(v)) for k, v in info.items())))
    parts.append(f"<xmpMM:DocumentID>uuid:{digest}</xmpMM:DocumentID>")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">\n'
        + "\n".join(parts)
        + '\n</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>'
    )
