"""DOCX letters carrying forensic traces, for tests: built with tools.docgen, then edited as a ZIP.

Each function returns the bytes of one .docx (deterministic; nothing is committed):
`tracked_changes_docx` (a pending insertion "All coalition forces will depart." by J. Doe,
a pending deletion, a formatting change, Track Changes on, and two comments, one resolved),
`no_core_docx`, `hidden_text_docx`, `signature_line_docx(signed=...)`,
`libreoffice_resave(data)` (a genuine letter re-saved by LibreOffice: real ZIP times and
LibreOffice's app.xml), `word_claim_real_times(data)` and `minute_docx` (TotalTime 0 on a
long letter).  `rewrite` is the ZIP editor they share.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import datetime, timezone

from tools.docgen import LetterSpec, letter_docx

W_DATE = "2020-01-05T14:32:00Z"
INSERTED = "All coalition forces will depart."
DELETED = " once the Government of Iraq has been consulted"
COMMENT = "Not cleared by the CG. Hold until the Ministry confirms."
RESOLVED = "Typo fixed."
HIDDEN = "Prepared by the information operations cell for release to the press."
LIBREOFFICE = "LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40$Build-2"
RESAVED_AT = (2021, 3, 5, 14, 22, 10)
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
_EXT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml"
_EXT_REL = "http://schemas.microsoft.com/office/2011/relationships/commentsExtended"
_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"'
)
Edit = Callable[[str], str]


def spec(**changes) -> LetterSpec:
    """A genuine, signed (signature image) letter written in Word."""
    fields = dict(
        letterhead=["HEADQUARTERS", "TASK FORCE IRAQ", "BAGHDAD, IRAQ"],
        date="6 January 2020",
        blocks=[
            "MEMORANDUM FOR Iraqi Ministry of Defense",
            "SUBJECT: Air Movement Coordination",
            "Sir,",
            "Task Force Iraq requests weekly coordination meetings with your staff every Tuesday.",
            "The meetings will review the published flight schedule for the following week.",
        ],
        closing="Respectfully,",
        signature_name="JAMES T. WHITFIELD",
        signature_titles=["Colonel, US Army"],
        signature="image",
        metadata={
            "title": "Coordination",
            "author": "Whitfield, James T. COL USARMY",
            "last_modified_by": "Whitfield, James T. COL USARMY",
            "revision": 2,
            "created": datetime(2020, 1, 6, 5, 0, tzinfo=timezone.utc),
            "modified": datetime(2020, 1, 6, 5, 40, tzinfo=timezone.utc),
            "creator": "Microsoft Office Word",
            "app_version": "16.0000",
            "template": "Normal.dotm",
        },
    )
    fields.update(changes)
    return LetterSpec(**fields)


def rewrite(
    data: bytes,
    edits: dict[str, Edit] | None = None,
    add: dict[str, str] | None = None,
    drop: tuple[str, ...] = (),
    times: tuple | None = None,
) -> bytes:
    """A copy of the package with parts edited (text -> text), added or dropped; entry times kept unless given."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            blob = src.read(info)
            if edits and info.filename in edits:
                blob = edits[info.filename](blob.decode("utf-8")).encode("utf-8")
            dst.writestr(zipfile.ZipInfo(info.filename, times or info.date_time), blob, zipfile.ZIP_DEFLATED)
        for name, text in (add or {}).items():
            dst.writestr(
                zipfile.ZipInfo(name, times or (1980, 1, 1, 0, 0, 0)), text.encode("utf-8"), zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


def in_paragraph(phrase: str, edit: Edit) -> Edit:
    """An edit of document.xml applied to the paragraph holding `phrase`."""

    def apply(xml: str) -> str:
        at = xml.index(phrase)
        start = max(xml.rfind("<w:p>", 0, at), xml.rfind("<w:p ", 0, at))
        end = xml.index("</w:p>", at) + len("</w:p>")
        return xml[:start] + edit(xml[start:end]) + xml[end:]

    return apply


def _then(*edits: Edit) -> Edit:
    """Several edits of one part, in order."""

    def apply(xml: str) -> str:
        for edit in edits:
            xml = edit(xml)
        return xml

    return apply


def _register(types: dict[str, str], rels: dict[str, str]) -> dict[str, Edit]:
    """Edits adding content-type overrides and document relationships for new parts."""

    def add_types(xml: str) -> str:
        return xml.replace(
            "</Types>", "".join(f'<Override PartName="/{p}" ContentType="{t}"/>' for p, t in types.items()) + "</Types>"
        )

    def add_rels(xml: str) -> str:
        return xml.replace(
            "</Relationships>",
            "".join(
                f'<Relationship Id="rIdF{i}" Type="{t}" Target="{target}"/>'
                for i, (target, t) in enumerate(rels.items())
            )
            + "</Relationships>",
        )

    return {"[Content_Types].xml": add_types, "word/_rels/document.xml.rels": add_rels}


def _comment(cid: int, author: str, initials: str, date: str, text: str, para: str) -> str:
    """One w:comment element."""
    return (
        f'<w:comment w:id="{cid}" w:author="{author}" w:initials="{initials}" w:date="{date}">'
        f'<w:p w14:paraId="{para}"><w:r><w:t>{text}</w:t></w:r></w:p></w:comment>'
    )


def _anchor(cid: int) -> Edit:
    """Wrap a paragraph's runs in a comment range with its reference."""

    def apply(p: str) -> str:
        at = p.index("<w:r>")
        return (
            p[:at]
            + f'<w:commentRangeStart w:id="{cid}"/>'
            + p[at : -len("</w:p>")]
            + f'<w:commentRangeEnd w:id="{cid}"/><w:r><w:commentReference w:id="{cid}"/></w:r></w:p>'
        )

    return apply


def tracked_changes_docx() -> bytes:
    """Pending insertion by J. Doe, deletion by A. Smith, a formatting change, Track Changes on, two comments."""
    inserted = (
        f'<w:p><w:pPr><w:rPr><w:ins w:id="90" w:author="J. Doe" w:date="{W_DATE}"/></w:rPr></w:pPr>'
        f'<w:ins w:id="91" w:author="J. Doe" w:date="{W_DATE}"><w:r><w:t>{INSERTED}</w:t></w:r></w:ins></w:p>'
    )
    deleted = (
        f'<w:del w:id="92" w:author="A. Smith" w:date="2020-01-05T15:01:00Z"><w:r>'
        f'<w:delText xml:space="preserve">{DELETED}</w:delText></w:r></w:del></w:p>'
    )
    fmt = (
        '<w:rPr><w:b/><w:rPrChange w:id="93" w:author="J. Doe" w:date="2020-01-05T14:40:00Z">'
        '<w:rPr><w:b w:val="0"/></w:rPr></w:rPrChange></w:rPr>'
    )
    body = _then(
        in_paragraph("Task Force Iraq requests", lambda p: p + inserted),
        in_paragraph("The meetings will review", lambda p: p[: -len("</w:p>")] + deleted),
        in_paragraph("The meetings will review", _anchor(0)),
        in_paragraph("SUBJECT:", _anchor(1)),
        in_paragraph("SUBJECT:", lambda p: p.replace('<w:rPr><w:b w:val="0"/></w:rPr>', fmt, 1)),
    )
    comments = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments {_NS}>'
        + _comment(0, "R. Analyst", "RA", "2020-01-05T15:10:00Z", COMMENT, "1A2B3C4D")
        + _comment(1, "J. Doe", "JD", "2020-01-05T15:12:00Z", RESOLVED, "5E6F7A8B")
        + "</w:comments>"
    )
    extended = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w15:commentsEx {_NS}>'
        '<w15:commentEx w15:paraId="1A2B3C4D" w15:done="0"/><w15:commentEx w15:paraId="5E6F7A8B" '
        'w15:done="1"/></w15:commentsEx>'
    )
    edits = _register(
        {"word/comments.xml": _COMMENTS_TYPE, "word/commentsExtended.xml": _EXT_TYPE},
        {"comments.xml": f"{_REL}/comments", "commentsExtended.xml": _EXT_REL},
    )
    edits["word/document.xml"] = body
    edits["word/settings.xml"] = lambda xml: xml.replace("<w:defaultTabStop", "<w:trackRevisions/><w:defaultTabStop", 1)
    return rewrite(
        letter_docx(spec()), edits, add={"word/comments.xml": comments, "word/commentsExtended.xml": extended}
    )


def no_core_docx() -> bytes:
    """The letter without docProps/core.xml (app.xml still claims Word)."""
    return letter_docx(spec(metadata={"creator": "Microsoft Office Word", "app_version": "16.0000"}))


def hidden_text_docx() -> bytes:
    """A hidden (w:vanish) run appended to a body paragraph."""
    run = f'<w:r><w:rPr><w:vanish/></w:rPr><w:t xml:space="preserve"> {HIDDEN}</w:t></w:r></w:p>'
    return rewrite(
        letter_docx(spec()),
        {"word/document.xml": in_paragraph("The meetings will review", lambda p: p[: -len("</w:p>")] + run)},
    )


def signature_line_docx(signed: bool = False) -> bytes:
    """An unsigned letter with a Word signature line; `signed` adds an XML signature part (not a valid one)."""
    line = (
        '<w:p><w:r><w:pict><v:shape id="SignatureLine1" style="width:192pt;height:96pt">'
        '<v:imagedata o:title=""/><o:signatureline v:ext="edit" id="{3F2D9A1C-0001}" provid="{00000000-0000}" '
        'o:suggestedsigner="James T. Whitfield" o:suggestedsigner2="Colonel, US Army" '
        'o:suggestedsigneremail="james.whitfield@example.mil" issignatureline="t"/></v:shape></w:pict></w:r></w:p>'
    )
    data = rewrite(
        letter_docx(spec(signature=None)), {"word/document.xml": in_paragraph("Respectfully,", lambda p: p + line)}
    )
    if not signed:
        return data
    sig = (
        '<?xml version="1.0" encoding="UTF-8"?><Signature xmlns="http://www.w3.org/2000/09/xmldsig#" '
        'Id="idPackageSignature"><SignedInfo/><SignatureValue>c2lnbmF0dXJl</SignatureValue><KeyInfo><X509Data>'
        "<X509SubjectName>CN=WHITFIELD.JAMES.T</X509SubjectName></X509Data></KeyInfo><Object><SignatureProperties>"
        '<SignatureProperty><mdssi:SignatureTime xmlns:mdssi="http://schemas.openxmlformats.org/package/2006/'
        'digital-signature"><mdssi:Value>2020-01-06T05:45:00Z</mdssi:Value></mdssi:SignatureTime>'
        "</SignatureProperty></SignatureProperties></Object></Signature>"
    )
    return rewrite(data, add={"_xmlsignatures/sig1.xml": sig, "_xmlsignatures/origin.sigs": ""})


def libreoffice_resave(data: bytes, by: str | None = None) -> bytes:
    """The package as LibreOffice writes it back: its own app.xml, core.xml touched (saved `by`), real ZIP times."""
    app = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxml'
        'formats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/'
        f'officeDocument/2006/docPropsVTypes"><Template></Template><TotalTime>1</TotalTime><Application>'
        f"{LIBREOFFICE}</Application><AppVersion>15.0000</AppVersion><Pages>1</Pages><Words>120</Words>"
        "</Properties>"
    )

    def core(xml: str) -> str:
        xml = re.sub(r"<cp:revision>\d+</cp:revision>", "<cp:revision>3</cp:revision>", xml)
        if by:
            xml = re.sub(r"<cp:lastModifiedBy>[^<]*", f"<cp:lastModifiedBy>{by}", xml)
        return re.sub(r"(<dcterms:modified[^>]*>)[^<]*", r"\g<1>2021-03-05T13:22:10Z", xml)

    return rewrite(data, {"docProps/app.xml": lambda _: app, "docProps/core.xml": core}, times=RESAVED_AT)


def word_claim_real_times(data: bytes) -> bytes:
    """The package untouched except for real ZIP entry times (app.xml still says Word)."""
    return rewrite(data, times=(2020, 1, 6, 9, 41, 2))


def minute_docx() -> bytes:
    """A long letter whose app.xml records 0 minutes of editing."""
    long = spec(blocks=spec().blocks + [("The schedule is attached and will be updated every week. " * 6).strip()] * 4)
    return rewrite(
        letter_docx(long),
        {"docProps/app.xml": lambda xml: xml.replace("</Template>", "</Template><TotalTime>0</TotalTime>", 1)},
    )
