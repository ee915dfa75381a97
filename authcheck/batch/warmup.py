"""A made-up letter checked once in a process before it checks real files: the warm server before
it forks, and a standby (`standby.py`) while its command is still reading its command line.

The first check of a kind of file in a process pays for what every stage builds on first use:
PDFium's library, its fonts and first page, the DOCX reader's parts, patterns compiled lazily, the
wording lexicons' indexes, the date and name tables.  Checking a made-up letter of the same kind
first moves that cost off the real file's path (about 20 ms of a first command's 1-page PDF).  The
letter is written here, in every format, without a generator (python-docx's own template would cost
more to write than it saves); no user's document is ever read here, and the results are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: The letter (made up), one line each: letterhead, reference, date, recipient, subject, body,
#: closing and signature block, so every extractor and the wording rules have something to read.
LETTER = (
    "MINISTRY OF EXAMPLES",
    "1 Sample Street, Exampleton",
    "Ref: MX/001/24",
    "12 March 2024",
    "To: The Director, Office of Samples",
    "Subject: Relocation of the archive",
    "Dear Director,",
    "We will be repositioning the archive over the coming weeks to prepare for onward movement.",
    "Please contact the undersigned with any questions about the schedule.",
    "Yours sincerely,",
    "/s/ A. Example",
    "A. Example, Permanent Secretary",
)


def text() -> bytes:
    """The letter as plain text."""
    return "\n".join(LETTER).encode()


def pdf() -> bytes:
    """The letter as a one-page PDF in Helvetica, with an information dictionary."""
    lines = "".join(
        f"1 0 0 1 72 {740 - 18 * i} Tm ({line.replace(chr(92), '').replace('(', '').replace(')', '')}) Tj\n"
        for i, line in enumerate(LETTER)
    )
    stream = f"BT /F1 11 Tf\n{lines}ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Title (Archive relocation) /Author (A. Example) /Producer (authcheck warm-up) >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument"


def docx() -> bytes:
    """The letter as a DOCX: the parts Word writes that the reader looks at (document, styles,
    core and app properties), written with zipfile."""

    def escape(line: str) -> str:
        return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    paragraphs = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>' for line in LETTER)
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{_CT}.wordprocessingml.document.main+xml"/>'
            f'<Override PartName="/word/styles.xml" ContentType="{_CT}.wordprocessingml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f'<Override PartName="/docProps/app.xml" ContentType="{_CT}.extended-properties+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>"
        ),
        "word/_rels/document.xml.rels": (
            f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "word/document.xml": f'<w:document xmlns:w="{_W}"><w:body>{paragraphs}<w:sectPr/></w:body></w:document>',
        "word/styles.xml": (
            f'<w:styles xmlns:w="{_W}"><w:style w:type="paragraph" w:default="1" w:styleId="Normal">'
            '<w:name w:val="Normal"/><w:pPr><w:spacing w:after="160"/></w:pPr></w:style></w:styles>'
        ),
        "docProps/core.xml": (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<dc:title>Archive relocation</dc:title><dc:creator>A. Example</dc:creator>"
            '<dcterms:created xsi:type="dcterms:W3CDTF">2024-03-12T09:00:00Z</dcterms:created>'
            "</cp:coreProperties>"
        ),
        "docProps/app.xml": (
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>authcheck warm-up</Application></Properties>"
        ),
    }
    import io

    from authcheck.loaders.ooxml import zipfile  # here, not at the top: a standby warming up a PDF or text needs none

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
    return buffer.getvalue()


#: The letter's file name and maker for each format that has one (`loaders.formats` names).
DOCUMENTS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "text": ("warm.txt", text),
    "pdf": ("warm.pdf", pdf),
    "docx": ("warm.docx", docx),
}

#: The formats whose letter this process has checked, in order.
warmed: list[str] = []


def formats_for(extensions: Iterable[str]) -> tuple[str, ...]:
    """The formats to warm for files with these extensions: the one each claims, every format
    with a letter when one claims none (a folder, standard input, an unknown name)."""
    from authcheck.loaders.formats import claimed_by

    names: list[str] = []
    for extension in extensions:
        fmt = claimed_by(extension)
        if fmt is None:
            return tuple(DOCUMENTS)
        if fmt.name in DOCUMENTS:
            names.append(fmt.name)
    return tuple(dict.fromkeys(names))


def check(ruleset, formats: Iterable[str] = tuple(DOCUMENTS), stop: Callable[[], bool] | None = None) -> list:
    """Check the letter in each of `formats` (default settings, evidence boxes included) and return
    the results (`stop()` true: no further format).  A failure is ignored: the real file that meets
    the same problem reports it."""
    from authcheck.batch.pipeline import check_bytes
    from authcheck.settings import Settings

    settings = Settings()
    results = []
    for name in formats:
        if stop is not None and stop():
            break
        if name not in DOCUMENTS:
            continue
        file_name, make = DOCUMENTS[name]
        try:
            results.append(check_bytes(make(), file_name, settings, ruleset))
        except Exception:
            continue
        warmed.append(name)
    return results
