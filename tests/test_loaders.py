"""Loaders: sniffing, text decoding, PDF and DOCX reading, and hostile input.

Fixtures are generated with tools/docgen.py (deterministic letters) and then edited
byte-wise where a case needs something the generator does not make (tracked insertions,
signature lines, DTDs, zip bombs, broken xref pointers, encryption).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import re
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from authcheck.errors import CheckError  # noqa: E402
from authcheck.loaders import load, sniff  # noqa: E402
from authcheck.loaders.metadates import parse_iso_date, parse_pdf_date  # noqa: E402
from authcheck.settings import Limits  # noqa: E402
from tools.docgen import (  # noqa: E402
    Img,
    LetterSpec,
    Text,
    build_docx,
    build_pdf,
    letter_docx,
    letter_pdf,
    letter_text,
)

LETTERHEAD = ["DEPARTMENT OF THE ARMY", "HEADQUARTERS, 1ST INFANTRY DIVISION", "FORT RILEY, KANSAS 66442"]


def spec(**changes) -> LetterSpec:
    """A complete memo-style letter; keyword arguments replace fields."""
    fields = dict(
        letterhead=LETTERHEAD,
        date="12 March 2024",
        blocks=[
            "MEMORANDUM FOR RECORD",
            "SUBJECT: Loader test",
            "1. This first paragraph is long enough to wrap onto a second line of the page in the PDF "
            "rendering, so that line grouping and paragraph gaps are both exercised.",
            "2. Second paragraph.",
        ],
        closing="Sincerely,",
        signature_name="JOHN Q. PUBLIC",
        signature_titles=["COL, IN", "Commanding"],
    )
    fields.update(changes)
    return LetterSpec(**fields)


def read(data: bytes, path: str = "letter", password=None, limits: Limits = Limits()):
    """Load bytes the way the pipeline does."""
    return load(data, path=path, sha256=hashlib.sha256(data).hexdigest(), password=password, limits=limits)


def texts(doc, source: str = "page") -> list[str]:
    """The non-blank line texts from one source."""
    return [line.text for line in doc.lines if line.source == source and line.text]


def assert_offsets(doc) -> None:
    """Every line's offsets index Document.text, numbers run 1..n, lines follow each other."""
    text = doc.text
    for k, line in enumerate(doc.lines):
        assert line.number == k + 1
        assert text[line.start : line.end] == line.text
        assert line.start == (doc.lines[k - 1].end + 1 if k else 0)
        assert line.text == line.text.rstrip() and not re.search(r"[\x00-\x08\x0a-\x1f]", line.text)


def edit_zip(data: bytes, edits: dict | None = None, add: dict | None = None, drop: tuple = ()) -> bytes:
    """Rewrite a ZIP: `edits` maps part name -> function(str) -> str; `add` adds parts; `drop` removes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            if name in drop:
                continue
            blob = src.read(name)
            if edits and name in edits:
                blob = edits[name](blob.decode("utf-8")).encode("utf-8")
            dst.writestr(name, blob)
        for name, blob in (add or {}).items():
            dst.writestr(name, blob)
    return out.getvalue()


def simple_docx(**changes) -> bytes:
    """A small DOCX from the low-level builder."""
    fields = dict(
        header_lines=["ACME CORPORATION", "1 Main Street"],
        paragraphs=["Dear Sir,", "We write to confirm the order.", "Sincerely,", "Jane Roe"],
        core={"author": "jroe", "created": datetime(2024, 3, 12, 8, 0, tzinfo=timezone.utc)},
        app={"Application": "Microsoft Office Word", "Company": "ACME"},
    )
    fields.update(changes)
    return build_docx(**fields)


# ---------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    "data, kind",
    [
        (letter_pdf(spec()), "pdf"),
        (b"junk before the header\n" + letter_pdf(spec()), "pdf"),
        (letter_docx(spec()), "docx"),
        (letter_text(spec()).encode(), "text"),
        (letter_text(spec()).encode("utf-16"), "text"),
    ],
)
def test_sniff_by_content(data, kind):
    assert sniff(data) == kind


@pytest.mark.parametrize(
    "data, error, words",
    [
        (b"", "corrupt", "empty file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "unsupported", ".doc"),
        (b"GIF89a" + bytes(100), "unsupported", "GIF"),
        (bytes(range(256)) * 40, "unsupported", "binary data"),
    ],
)
def test_sniff_refuses(data, error, words):
    with pytest.raises(CheckError) as info:
        sniff(data)
    assert info.value.type == error and words in info.value.message
    assert info.value.stage == "sniff"


def test_sniff_refuses_other_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(CheckError, match="not a Word document") as info:
        sniff(out.getvalue())
    assert info.value.type == "unsupported"


@pytest.mark.parametrize(
    "data, path, content",
    [
        (letter_docx(spec()), "letter.pdf", "docx"),
        (letter_pdf(spec()), "letter.txt", "pdf"),
        (letter_text(spec()).encode(), "scan.PDF", "text"),
    ],
)
def test_lying_extension_is_noted_and_content_wins(data, path, content):
    doc = read(data, path)
    assert doc.format == content
    mismatch = [n for n in doc.notes if n.code == "type-mismatch"]
    assert len(mismatch) == 1
    assert mismatch[0].data == {"extension": Path(path).suffix.lower(), "content": content}
    assert "JOHN Q. PUBLIC" in doc.text


@pytest.mark.parametrize("path", ["letter.pdf", "letter", "-", "letter.eml"])
def test_no_mismatch_when_extension_agrees_or_claims_nothing(path):
    doc = read(letter_pdf(spec()), path)
    assert not doc.has_note("type-mismatch")
    assert doc.extension == ("" if path in ("-", "letter") else Path(path).suffix)


def test_empty_file_is_corrupt():
    with pytest.raises(CheckError) as info:
        read(b"", "empty.pdf")
    assert (info.value.type, info.value.message) == ("corrupt", "empty file")


# ---------------------------------------------------------------- text


@pytest.mark.parametrize(
    "raw, encoding",
    [
        ("Caf\u00e9 \u2013 \u201cquoted\u201d\n".encode("utf-8"), "utf-8"),
        ("Caf\u00e9 \u2013 \u201cquoted\u201d\n".encode("utf-8-sig"), "utf-8-sig"),
        ("\ufeffCaf\u00e9 \u2013 \u201cquoted\u201d\n".encode("utf-16-le"), "utf-16-le"),
        ("\ufeffCaf\u00e9 \u2013 \u201cquoted\u201d\n".encode("utf-16-be"), "utf-16-be"),
        ("Caf\u00e9 \u2013 \u201cquoted\u201d\n".encode("utf-16-be"), "utf-16-be"),
        ("Caf\u00e9 \u2013 \u201cquoted\u201d\n".encode("utf-16-le"), "utf-16-le"),
        ("Caf\u00e9 \u2013 \u201cquoted\u201d\n".encode("cp1252"), "cp1252"),
    ],
)
def test_text_encodings(raw, encoding):
    doc = read(raw, "letter.txt")
    assert doc.metadata.raw["encoding"] == encoding
    assert doc.lines[0].text == "Caf\u00e9 \u2013 \u201cquoted\u201d"
    assert doc.metadata.author is None and doc.metadata.created is None


def test_text_latin1_fallback_never_fails():
    doc = read(b"Gr\xfc\xdfe aus K\xf6ln, mit einem kaputten Byte \x81 in einem langen Satz.\n", "letter.txt")
    assert doc.metadata.raw["encoding"] == "latin-1"
    assert doc.lines[0].text.startswith("Gr\u00fc\u00dfe")


def test_text_newlines_pages_controls_and_offsets():
    raw = b"Line one\r\nLine two  \r\rafter blank\x00with nul\fPage two\n\x0cPage three\n"
    doc = read(raw, "letter.txt")
    assert [(line.text, line.page) for line in doc.lines] == [
        ("Line one", 1),
        ("Line two", 1),
        ("", 1),
        ("after blank with nul", 1),
        ("Page two", 2),
        ("Page three", 3),
    ]
    assert doc.pages == 3 and doc.metadata.page_count == 3
    assert_offsets(doc)


def test_text_is_capped_with_a_note():
    doc = read(("word " * 50 + "\n").encode() * 100, "big.txt", limits=Limits(max_text_chars=1000))
    assert len(doc.text) <= 1000 and doc.has_note("truncated")
    assert_offsets(doc)


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "raw, iso",
    [
        ("D:20240312101500+01'00'", "2024-03-12T10:15:00+01:00"),
        ("D:20240312101500Z00'00'", "2024-03-12T10:15:00+00:00"),
        ("D:20240312101500-05'30", "2024-03-12T10:15:00-05:30"),
        ("D:20240312101500", "2024-03-12T10:15:00"),
        ("D:20240312", "2024-03-12"),
        ("20240312101500", "2024-03-12T10:15:00"),
        ("D:2024", "2024-01-01"),
        ("D:2020-01-05", None),
        ("D:20241301000000", None),
        ("D:00000000000000", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_pdf_dates(raw, iso):
    assert parse_pdf_date(raw) == iso


@pytest.mark.parametrize(
    "raw, iso",
    [
        ("2024-03-12T10:15:00Z", "2024-03-12T10:15:00+00:00"),
        ("2024-03-12T10:15:00.123+02:00", "2024-03-12T10:15:00+02:00"),
        ("2024-03-12T10:15", "2024-03-12T10:15:00"),
        ("2024-03-12", "2024-03-12"),
        ("2024-02-30T00:00:00Z", None),
        ("12/03/2024", None),
    ],
)
def test_iso_dates(raw, iso):
    assert parse_iso_date(raw) == iso


# ---------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def image_letter():
    """The standard letter signed with a drawn image, and a DRAFT watermark."""
    return read(letter_pdf(spec(signature="image", watermark="DRAFT")), "letter.pdf")


def test_pdf_lines_in_reading_order_with_baselines(image_letter):
    doc = image_letter
    body = texts(doc)
    assert body[:3] == LETTERHEAD
    assert body[3:6] == ["12 March 2024", "MEMORANDUM FOR RECORD", "SUBJECT: Loader test"]
    assert body[-4:] == ["Sincerely,", "JOHN Q. PUBLIC", "COL, IN", "Commanding"]
    ys = [line.y for line in doc.lines if line.source == "page" and line.text]
    assert ys == sorted(ys, reverse=True) and all(y is not None for y in ys)
    assert_offsets(doc)


def test_pdf_paragraph_gaps_become_blank_lines_but_wrapped_lines_stay_together(image_letter):
    lines = [line.text for line in image_letter.lines if line.source == "page"]
    first = next(k for k, text in enumerate(lines) if text.startswith("1. This first paragraph"))
    assert lines[first + 1] and lines[first + 2] == ""  # the wrapped line follows, then a gap
    assert lines[first - 1] == "" and lines[lines.index("Commanding") - 1] == "COL, IN"


def test_pdf_words_match_pypdf_plain_extraction(image_letter):
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(letter_pdf(spec(signature="image", watermark="DRAFT"))))
    plain = reader.pages[0].extract_text().split()
    ours = " ".join(line.text for line in image_letter.lines if line.source in ("page", "watermark")).split()
    assert sorted(ours) == sorted(plain)


def test_pdf_rotated_watermark_is_its_own_line(image_letter):
    assert texts(image_letter, "watermark") == ["DRAFT"]
    assert not any("DRAFT" in text for text in texts(image_letter))


def test_pdf_signature_image_sits_between_closing_and_typed_name(image_letter):
    by_text = {line.text: line for line in image_letter.lines if line.text}
    closing, name = by_text["Sincerely,"], by_text["JOHN Q. PUBLIC"]
    [image] = image_letter.images
    assert image.page == 1 and image.width > 50 and image.height > 10
    assert closing.y > image.top > image.bottom > name.y


@pytest.mark.parametrize("kind, filled", [("digital", True), ("empty-field", False)])
def test_pdf_signature_fields(kind, filled):
    doc = read(letter_pdf(spec(signature=kind, metadata={"modified": datetime(2024, 3, 12, 9, 30)})), "l.pdf")
    [field] = doc.signature_fields
    assert (field.kind, field.filled, field.page, field.name) == ("pdf", filled, 1, "Signature1")
    if filled:
        assert field.signer == "JOHN Q. PUBLIC" and field.signed_at == "2024-03-12T09:30:00"
        assert len(field.byte_range) == 4 and field.byte_range[0] == 0
    else:
        assert field.signer is None and field.byte_range is None


def test_pdf_metadata_info_wins_xmp_fills_and_junk_dates_stay_raw():
    xmp = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmp:CreatorTool="XMP Tool" '
        'xmp:CreateDate="2024-03-12T10:00:00Z"><dc:creator><rdf:Seq><rdf:li>XMP Author</rdf:li></rdf:Seq>'
        '</dc:creator><dc:title><rdf:Alt><rdf:li xml:lang="x-default">XMP Title</rdf:li></rdf:Alt></dc:title>'
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
    info = {"Author": "Info Author", "CreationDate": "D:2024-13-45 junk", "ModDate": "D:20240313120000Z00'00'"}
    doc = read(build_pdf([[Text(72, 700, "Hello")]], info=info, xmp=xmp), "m.pdf")
    md = doc.metadata
    assert (md.author, md.title, md.creator_tool) == ("Info Author", "XMP Title", "XMP Tool")
    assert md.created == "2024-03-12T10:00:00+00:00" and md.modified == "2024-03-13T12:00:00+00:00"
    assert md.sources == {
        "author": "/Author",
        "title": "dc:title",
        "creator_tool": "xmp:CreatorTool",
        "created": "xmp:CreateDate",
        "modified": "/ModDate",
    }
    assert md.raw["/CreationDate"] == "D:2024-13-45 junk" and md.raw["dc:creator"] == "XMP Author"
    assert (md.page_count, md.encrypted) == (1, False)


def test_pdf_xmp_with_a_doctype_is_refused_but_the_text_is_kept():
    xmp = '<!DOCTYPE x [<!ENTITY a "aaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&a;</x:xmpmeta>'
    doc = read(build_pdf([[Text(72, 700, "Hello")]], info={"Author": "A"}, xmp=xmp), "m.pdf")
    assert texts(doc) == ["Hello"] and doc.metadata.author == "A"
    assert [n.data for n in doc.notes if n.code == "metadata-unreadable"] == [{"part": "xmp"}]


def test_pdf_image_only_page_has_no_text_layer():
    doc = read(build_pdf([[Img(72, 400, 400, 300)]]), "scan.pdf")
    assert not doc.has_text_layer and doc.has_note("no-text-layer") and len(doc.images) == 1
    assert (doc.images[0].top, doc.images[0].bottom, doc.images[0].width) == (700, 400, 400)


def test_pdf_pages_beyond_the_limit_are_noted():
    pages = [[Text(72, 700, f"Page {n} text")] for n in range(1, 4)]
    doc = read(build_pdf(pages), "long.pdf", limits=Limits(max_pages=2))
    assert texts(doc) == ["Page 1 text", "Page 2 text"] and [line.page for line in doc.lines] == [1, 2]
    assert [n.data for n in doc.notes if n.code == "truncated"] == [{"pages_total": 3, "pages_read": 2}]
    assert doc.pages == 3


def _with_annotation_and_password(user: str):
    """A one-page PDF with a FreeText annotation, RC4-encrypted with `user` as the user password."""
    import pypdf
    from pypdf.annotations import FreeText

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(build_pdf([[Text(72, 700, "Body text")]]))))
    writer.add_annotation(0, FreeText(text="withdraw all forces", rect=(50, 50, 200, 100)))
    writer.encrypt(user_password=user, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_annotation_text_follows_the_page_text():
    doc = read(_with_annotation_and_password(""), "a.pdf")
    assert [(line.source, line.text) for line in doc.lines] == [
        ("page", "Body text"),
        ("annotation", "withdraw all forces"),
    ]
    assert doc.metadata.encrypted and not doc.has_note("encrypted")


@pytest.mark.parametrize("password, detail", [(None, "no password given"), ("wrong", "does not open")])
def test_pdf_user_password_without_the_right_password(password, detail):
    doc = read(_with_annotation_and_password("secret"), "locked.pdf", password=password)
    assert doc.lines == () and doc.metadata.encrypted
    assert detail in next(n.detail for n in doc.notes if n.code == "encrypted")


def test_pdf_user_password_given():
    doc = read(_with_annotation_and_password("secret"), "locked.pdf", password="secret")
    assert texts(doc) == ["Body text"] and doc.metadata.encrypted


def test_pdf_aes_without_cryptography_asks_for_the_extra():
    enc = (
        b"/Encrypt << /Filter /Standard /V 5 /R 6 /Length 256 /P -4 /O <"
        + b"11" * 48
        + b"> /U <"
        + b"22" * 48
        + b"> /OE <"
        + b"33" * 32
        + b"> /UE <"
        + b"44" * 32
        + b"> /Perms <"
        + b"55" * 16
        + b"> /CF << /StdCF << /CFM /AESV3 /AuthEvent /DocOpen /Length 32 >> >> /StmF /StdCF /StrF /StdCF >> "
    )
    data = build_pdf([[Text(72, 700, "Secret")]]).replace(b"trailer\n<< ", b"trailer\n<< " + enc)
    doc = read(data, "aes.pdf")
    assert doc.lines == () and doc.metadata.encrypted and doc.has_note("encrypted")
    try:
        import cryptography  # noqa: F401
    except ImportError:
        assert doc.has_note("needs-crypto-extra")
        assert "authcheck[crypto]" in next(n.detail for n in doc.notes if n.code == "needs-crypto-extra")


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, "eof"])
def test_truncated_pdf_is_corrupt_or_a_noted_partial_document(cut):
    data = letter_pdf(spec())
    data = data[: data.rindex(b"%%EOF")] if cut == "eof" else data[: int(len(data) * cut)]
    try:
        doc = read(data, "cut.pdf")
    except CheckError as exc:
        assert exc.type == "corrupt" and exc.stage == "load"
    else:
        assert doc.has_note("damaged") or doc.has_note("parser-warnings")


def test_pypdf_warnings_are_counted_not_printed(capfd, caplog):
    data = letter_pdf(spec())
    start = data.rindex(b"startxref\n") + len(b"startxref\n")
    end = data.index(b"\n", start)
    broken = data[:start] + str(int(data[start:end]) + 7).encode() + data[end:]
    logger = logging.getLogger("pypdf")
    handlers, propagate = list(logger.handlers), logger.propagate
    with caplog.at_level(logging.DEBUG):
        doc = read(broken, "repaired.pdf")
    [note] = [n for n in doc.notes if n.code == "parser-warnings"]
    assert note.data["count"] >= 1 and "pypdf reported" in note.detail
    assert "JOHN Q. PUBLIC" in doc.text
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    assert capfd.readouterr().err == ""
    assert (logger.handlers, logger.propagate) == (handlers, propagate)


def test_pdf_loading_never_allows_jbig2dec(monkeypatch):
    monkeypatch.setattr(
        "authcheck.loaders.pdf._plain_reader", lambda *args: None
    )  # the pypdf path (a plain file skips pypdf)
    import pypdf

    from authcheck.loaders import pdf

    seen = []
    original = pdf._open

    def spy(*args):
        seen.append(pypdf.get_configuration().jbig2dec_binary)
        return original(*args)

    monkeypatch.setattr(pdf, "_open", spy)
    read(letter_pdf(spec()), "x.pdf")
    assert seen == [None]


# ---------------------------------------------------------------- DOCX


def test_docx_letterhead_first_then_body_then_footer():
    doc = read(letter_docx(spec(signature="image", banner="UNCLASSIFIED")), "letter.docx")
    first = [line for line in doc.lines if line.text][:4]
    assert [(line.source, line.text) for line in first] == [("header", "UNCLASSIFIED")] + [
        ("header", text) for text in LETTERHEAD
    ]
    assert all(line.page == 1 for line in first)
    assert texts(doc)[:2] == ["12 March 2024", "MEMORANDUM FOR RECORD"]
    assert [line.source for line in doc.lines if line.text][-1] == "footer"
    assert_offsets(doc)


def test_docx_signature_picture_is_anchored_to_its_line():
    doc = read(letter_docx(spec(signature="image")), "letter.docx")
    [image] = doc.images
    numbers = {line.text: line.number for line in doc.lines if line.text}
    assert numbers["Sincerely,"] < image.line < numbers["JOHN Q. PUBLIC"]
    assert image.page == 1 and image.top is None


def test_docx_header_textbox_watermark_and_inserted_text():
    data = simple_docx(header_textbox="Office of the CEO\nRoom 12", watermark="CONFIDENTIAL")
    data = edit_zip(
        data,
        {
            "word/document.xml": lambda xml: xml.replace(
                "We write to confirm the order.</w:t></w:r>",
                'We write to confirm the order.</w:t></w:r><w:ins w:id="9" w:author="x" w:date="2024-01-01T00:00:00Z">'
                '<w:r><w:t xml:space="preserve"> All forces will depart.</w:t></w:r></w:ins>'
                '<w:del w:id="10" w:author="x"><w:r><w:delText>Nothing changes.</w:delText></w:r></w:del>',
            )
        },
    )
    doc = read(data, "a.docx")
    assert texts(doc, "header") == ["ACME CORPORATION", "1 Main Street"]
    assert texts(doc, "textbox") == ["Office of the CEO", "Room 12"]
    assert texts(doc, "watermark") == ["CONFIDENTIAL"]
    assert "We write to confirm the order. All forces will depart." in texts(doc)
    assert "Nothing changes." not in doc.text
    assert [n.data for n in doc.notes if n.code == "tracked-changes"] == [{"insertions": 1, "deletions": 1}]
    header_end = max(line.number for line in doc.lines if line.source in ("header", "textbox", "watermark"))
    assert header_end < min(line.number for line in doc.lines if line.source == "page")


def test_docx_runs_are_read_once_with_tabs_and_breaks():
    data = edit_zip(
        simple_docx(),
        {
            "word/document.xml": lambda xml: xml.replace(
                "<w:t>Dear Sir,</w:t>",
                '<w:t>Dear</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">Sir,</w:t><w:br/><w:t>second line</w:t>',
            )
        },
    )
    doc = read(data, "a.docx")
    assert texts(doc)[:2] == ["Dear\tSir,", "second line"]


def test_docx_page_breaks_move_the_page_counter():
    def breaks(xml: str) -> str:
        xml = xml.replace(
            "<w:t>We write to confirm the order.</w:t>",
            '<w:t>We write to confirm the order.</w:t><w:br w:type="page"/>',
        )
        # Word also marks where the page began on its last render: the same break, counted once
        return xml.replace("<w:t>Sincerely,</w:t>", "<w:lastRenderedPageBreak/><w:t>Sincerely,</w:t>")

    doc = read(edit_zip(simple_docx(), {"word/document.xml": breaks}), "a.docx")
    pages = {line.text: line.page for line in doc.lines if line.text}
    assert (pages["We write to confirm the order."], pages["Sincerely,"], pages["Jane Roe"]) == (1, 2, 2)
    assert doc.pages == 2 and pages["ACME CORPORATION"] == 1


@pytest.mark.parametrize("signed", [False, True])
def test_docx_signature_line_filled_only_with_xml_signatures(signed):
    line = (
        '<w:p><w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" id="sig" style="width:192pt;height:96pt">'
        '<v:imagedata o:title=""/><o:signatureline v:ext="edit" id="{0001}" provid="{0002}" '
        'o:suggestedsigner="Jane Roe" o:suggestedsigner2="CEO" issignatureline="t"/></v:shape>'
        "</w:pict></w:r></w:p>"
    )
    signatures = {"_xmlsignatures/sig1.xml": "<Signature/>", "_xmlsignatures/origin.sigs": ""}
    data = edit_zip(
        simple_docx(),
        {"word/document.xml": lambda xml: xml.replace("<w:sectPr", line + "<w:sectPr", 1)},
        add=signatures if signed else None,
    )
    [field] = read(data, "s.docx").signature_fields
    assert (field.kind, field.filled, field.name, field.page) == ("docx-signature-line", signed, "Jane Roe", 1)
    assert field.signer == ("Jane Roe" if signed else None)


def test_docx_metadata_from_core_and_app():
    md = read(
        letter_docx(
            spec(
                metadata={
                    "author": "jdoe",
                    "last_modified_by": "someone else",
                    "revision": 7,
                    "title": "Memo",
                    "created": datetime(2024, 3, 12, 9, 0, tzinfo=timezone(timedelta(hours=1))),
                    "creator": "Microsoft Office Word",
                    "company": "ACME",
                    "template": "Normal.dotm",
                }
            )
        ),
        "m.docx",
    ).metadata
    assert (md.author, md.last_modified_by, md.revision, md.title) == ("jdoe", "someone else", "7", "Memo")
    assert (md.creator_tool, md.company, md.template) == ("Microsoft Office Word", "ACME", "Normal.dotm")
    assert md.created == "2024-03-12T08:00:00+00:00" and md.modified is None
    assert md.sources["author"] == "core.xml:dc:creator" and md.raw["core.xml:dc:creator"] == "jdoe"


def test_docx_without_core_xml_invents_nothing():
    doc = read(simple_docx(core=None, app=None), "nocore.docx")
    md = doc.metadata
    assert (md.author, md.title, md.last_modified_by, md.revision, md.created, md.modified) == (None,) * 6
    assert doc.has_note("no-core-properties") and not any(k.startswith("core.xml") for k in md.raw)


@pytest.mark.parametrize("part", ["word/document.xml", "docProps/core.xml", "[Content_Types].xml"])
def test_docx_part_with_a_doctype_is_refused(part):
    def add_dtd(xml: str) -> str:
        body = re.sub(r"^<\?xml[^>]*\?>\s*", "", xml)
        return '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY lol "lol">]>' + body

    with pytest.raises(CheckError, match="DOCTYPE") as info:
        read(edit_zip(simple_docx(), {part: add_dtd}), "dtd.docx")
    assert info.value.type == "corrupt"


def test_docx_zip_bomb_is_refused_before_inflating():
    data = edit_zip(simple_docx(), add={"word/media/bomb.bin": bytes(8 * 1024 * 1024)})
    with pytest.raises(CheckError, match="zip bomb") as info:
        read(data, "bomb.docx")
    assert info.value.type == "too-large"


@pytest.mark.parametrize(
    "limits, words",
    [
        (Limits(zip_max_total=10_000), "uncompressed bytes"),
        (Limits(zip_max_entries=5), "entries"),
    ],
)
def test_docx_directory_budgets(limits, words):
    with pytest.raises(CheckError, match=words) as info:
        read(simple_docx(), "big.docx", limits=limits)
    assert info.value.type == "too-large"


def test_docx_duplicate_part_names_are_refused():
    data = simple_docx()
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive, pytest.warns(UserWarning):
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(CheckError, match="duplicate") as info:
        read(out.getvalue(), "dup.docx")
    assert info.value.type == "corrupt"


@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.9])
def test_truncated_docx_is_corrupt(fraction):
    data = simple_docx()
    with pytest.raises(CheckError) as info:
        read(data[: int(len(data) * fraction)], "cut.docx")
    assert info.value.type == "corrupt"


def test_docx_macro_enabled_is_unsupported():
    data = edit_zip(
        simple_docx(),
        {
            "[Content_Types].xml": lambda xml: xml.replace(
                "wordprocessingml.document.main+xml", "ms-word.document.macroEnabled.main+xml"
            )
        },
    )
    with pytest.raises(CheckError) as info:
        read(data, "m.docm")
    assert info.value.type == "unsupported"


# ---------------------------------------------------------------- budgets (hostile input ends partial)


def _long_text_pdf(content: bytes, filters: int = 1) -> bytes:
    """A one-page letter whose content stream is replaced by `content`, flate-compressed `filters` times."""
    import zlib

    import pypdf
    from pypdf.generic import ArrayObject, NameObject, StreamObject

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(build_pdf([[Text(72, 700, "Body text")]]))))
    stream = StreamObject()
    data = content
    for _ in range(filters):
        data = zlib.compress(data, 9)
    stream._data = data
    stream[NameObject("/Filter")] = ArrayObject([NameObject("/FlateDecode")] * filters)
    writer.pages[0][NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_sniffing_a_long_run_of_digits_is_linear():
    import time

    start = time.monotonic()
    assert sniff(b"1" * 300_000) == "text"
    assert time.monotonic() - start < 2


def test_long_text_is_decoded_only_as_far_as_the_budget_reaches():
    data = ("é" * 50 + "\n").encode("utf-8") * 1000
    doc = read(data, "big.txt", limits=Limits(max_text_chars=100))
    assert doc.text.startswith("é" * 50) and "\ufffd" not in doc.text and doc.has_note("truncated")
    utf16 = codecs.BOM_UTF16_LE + ("ab\n" * 1000).encode("utf-16-le")
    doc = read(utf16, "u16.txt", limits=Limits(max_text_chars=30))
    assert doc.text.startswith("ab\nab") and doc.has_note("truncated")


def test_pdf_page_over_the_content_budget_is_skipped_with_a_note():
    body = b"BT /F1 12 Tf 72 700 Td (Hidden behind bulk) Tj ET\n" + b"0 0 m 1 1 l S\n" * 2_000
    doc = read(_long_text_pdf(body), "bulk.pdf", limits=Limits(max_page_content_bytes=10_000))
    [note] = [n for n in doc.notes if n.code == "truncated"]
    assert note.data == {"page": 1, "content_bytes": len(body), "max_page_content_bytes": 10_000}
    assert "page 1" in note.detail and doc.lines == () and not doc.has_text_layer
    assert "within the limits" in next(n.detail for n in doc.notes if n.code == "no-text-layer")
    doc = read(_long_text_pdf(body), "bulk.pdf")  # under the default budget it is read
    assert "Hidden behind bulk" in doc.text and not doc.has_note("truncated")


@pytest.mark.parametrize("filters", [1, 3])
def test_pdf_flate_bomb_stops_at_max_stream_bytes(filters):
    body = b"BT /F1 12 Tf 72 700 Td (Bomb) Tj ET\n" + b" " * 3_000_000
    doc = read(_long_text_pdf(body, filters), "bomb.pdf", limits=Limits(max_stream_bytes=1_000_000))
    [note] = [n for n in doc.notes if n.code == "truncated"]
    assert note.data["page"] == 1 and "limit" in note.detail and "Bomb" not in doc.text


def test_pypdf_limits_follow_our_limits(monkeypatch):
    monkeypatch.setattr(
        "authcheck.loaders.pdf._plain_reader", lambda *args: None
    )  # the pypdf path (a plain file skips pypdf)
    import pypdf

    from authcheck.loaders import pdf

    seen = []
    original = pdf._open

    def spy(*args):
        seen.append(pypdf.get_configuration())
        return original(*args)

    monkeypatch.setattr(pdf, "_open", spy)
    read(letter_pdf(spec()), "x.pdf", limits=Limits(max_stream_bytes=5_000_000, max_page_content_bytes=700_000))
    [config] = seen
    assert config.zlib_maximum_output_length == config.lzw_maximum_output_length == 5_000_000
    assert config.array_based_stream_maximum_output_length == 5_000_000
    assert config.stream_parsing_work_maximum_count == 700_000 and config.jbig2dec_binary is None
    assert pypdf.get_configuration().zlib_maximum_output_length != 5_000_000  # restored afterwards


def _spend_budget_after(monkeypatch, pages_done: int):
    """Make the reading budget run out once `pages_done` pages have been read."""
    import time

    from authcheck.loaders import pdf

    original = pdf._read_page

    def read_page(reader, index, builder, notes, limits, budget, **reader_options):
        out = original(reader, index, builder, notes, limits, budget, **reader_options)
        if index + 1 >= pages_done:
            budget.deadline = time.monotonic()
        return out

    monkeypatch.setattr(pdf, "_read_page", read_page)


def test_pdf_reading_stops_between_pages_when_the_time_budget_is_spent(monkeypatch):
    _spend_budget_after(monkeypatch, 1)
    pages = [[Text(72, 700, f"Page {n} text")] for n in range(1, 4)]
    doc = read(build_pdf(pages), "slow.pdf")
    assert texts(doc) == ["Page 1 text"]
    [note] = [n for n in doc.notes if n.code == "truncated"]
    assert note.data == {"pages_total": 3, "pages_read": 1, "reason": "time"} and "before page 2" in note.detail
    assert doc.metadata.page_count == 3 and doc.pages == 3  # metadata still read after the stop


def test_pdf_hard_stop_inside_one_page_keeps_what_was_read(monkeypatch):
    """A page whose extraction never ends (here: a visitor that spins) is cut off by the alarm."""
    import time

    from authcheck.loaders import pdflayout

    original = pdflayout.Collector.text

    def text(self, value, *args):
        original(self, value, *args)
        if "spin" in value:
            while True:
                pass

    monkeypatch.setattr(pdflayout.Collector, "text", text)
    monkeypatch.setattr("authcheck.loaders.pdf.TEXT_READER", "pypdf")  # the visitor that spins is pypdf's
    pages = [[Text(72, 700, "Page one")], [Text(72, 700, "Page two"), Text(72, 600, "spin here")]]
    start = time.monotonic()
    doc = read(build_pdf(pages), "spin.pdf", limits=Limits(timeout=1.0))
    assert time.monotonic() - start < 5
    assert texts(doc)[:2] == ["Page one", "Page two"]
    [note] = [n for n in doc.notes if n.code == "truncated"]
    assert note.data == {"pages_total": 2, "pages_read": 1, "reason": "time"} and "inside page 2" in note.detail


def test_pdf_that_cannot_be_opened_in_time_is_a_timeout_error(monkeypatch):
    monkeypatch.setattr(
        "authcheck.loaders.pdf._plain_reader", lambda *args: None
    )  # the pypdf path (a plain file skips pypdf)
    import time

    import pypdf

    def slow_reader(*args, **kwargs):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(pypdf, "PdfReader", slow_reader)
    start = time.monotonic()
    with pytest.raises(CheckError) as info:
        read(letter_pdf(spec()), "slow.pdf", limits=Limits(timeout=0.6))
    assert info.value.type == "timeout" and info.value.stage == "load"
    assert time.monotonic() - start < 4


def test_docx_reading_stops_at_the_time_budget_and_keeps_the_header(monkeypatch):
    from authcheck.loaders import wordxml

    original = wordxml.Walker.body

    def body(self, element):
        original(self, element)
        while True:
            pass

    monkeypatch.setattr(wordxml.Walker, "body", body)
    doc = read(simple_docx(), "slow.docx", limits=Limits(timeout=1.0))
    assert texts(doc, "header") == ["ACME CORPORATION", "1 Main Street"] and "Dear Sir," in texts(doc)
    [note] = [n for n in doc.notes if n.code == "truncated"]
    assert note.data["reason"] == "time" and doc.metadata.author == "jroe"


def test_budget_without_threading_imported_still_runs_off_the_main_thread(monkeypatch):
    """`_alarm_available` asks about threads only when `threading` was imported (a plain PDF's check
    does not import it); a thread started without it finds `signal.signal` refusing, and the budget
    then runs without its alarm, as on any other thread."""
    import _thread
    import signal

    from authcheck.loaders.budget import Budget

    before = signal.getsignal(signal.SIGALRM)
    monkeypatch.delitem(sys.modules, "threading")
    done: list = []
    finished = _thread.allocate_lock()
    finished.acquire()

    def work():
        try:
            with Budget(5.0).enforced() as budget:
                done.append(budget.call(sum, [2, 3]))
        except BaseException as exc:  # reported by the assertion below
            done.append(exc)
        finally:
            finished.release()

    _thread.start_new_thread(work, ())
    assert finished.acquire(timeout=10)
    assert done == [5]
    assert signal.getsignal(signal.SIGALRM) == before and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_budget_alarm_is_only_ours_while_it_runs():
    import signal
    import threading

    from authcheck.loaders.budget import Budget, OutOfTime

    before = signal.getsignal(signal.SIGALRM)
    budget = Budget(0.3)
    with budget.enforced():
        assert budget.call(sum, [1, 2]) == 3
        with pytest.raises(OutOfTime):
            budget.call(lambda: [None for _ in iter(int, 1)])  # an endless pure-Python loop
        with pytest.raises(OutOfTime):
            budget.call(sum, [1])  # already spent
    assert signal.getsignal(signal.SIGALRM) == before and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)

    done = []
    thread = threading.Thread(target=lambda: done.append(Budget(0.01).call(sum, [2])))  # no alarm off the main thread
    thread.start()
    thread.join()
    assert done == [2]
    assert Budget(None).call(sum, [3]) == 3 and not Budget(0).expired()


# ---------------------------------------------------------------- encryption


def _encrypted_pdf(algorithm: str, user: str, owner: str = "owner") -> bytes:
    """A one-page letter encrypted by pypdf's writer (AES needs cryptography to write)."""
    import pypdf

    if algorithm.startswith("AES"):
        pytest.importorskip("cryptography")
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(build_pdf([[Text(72, 700, "Secret body text")]]))))
    writer.encrypt(user_password=user, owner_password=owner, algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def without_aes(monkeypatch):
    """pypdf as installed without cryptography: AES raises DependencyError, RC4 and MD5 still work."""
    import pypdf._encryption as encryption
    from pypdf._crypt_providers import _fallback

    for name in ("CryptAES", "aes_cbc_decrypt", "aes_cbc_encrypt", "aes_ecb_decrypt", "aes_ecb_encrypt"):
        monkeypatch.setattr(encryption, name, getattr(_fallback, name))


@pytest.mark.parametrize("algorithm", ["AES-256", "AES-128"])
@pytest.mark.parametrize("password", [None, "x"])
def test_pdf_aes_without_cryptography_is_reported_and_not_read(algorithm, password, request):
    data = _encrypted_pdf(algorithm, "x")
    request.getfixturevalue("without_aes")
    doc = read(data, "aes.pdf", password=password)
    assert doc.has_note("needs-crypto-extra") and doc.has_note("encrypted")
    assert doc.lines == () and doc.text == "" and doc.metadata.encrypted
    assert "authcheck[crypto]" in next(n.detail for n in doc.notes if n.code == "needs-crypto-extra")


@pytest.mark.parametrize("algorithm", ["AES-256", "AES-128"])
def test_pdf_aes_opens_with_the_password_when_cryptography_is_present(algorithm):
    data = _encrypted_pdf(algorithm, "x")
    doc = read(data, "aes.pdf", password="x")
    assert texts(doc) == ["Secret body text"] and doc.metadata.encrypted and not doc.has_note("encrypted")
    locked = read(data, "aes.pdf")
    assert locked.lines == () and "no password given" in next(n.detail for n in locked.notes if n.code == "encrypted")
    assert not locked.has_note("needs-crypto-extra")


@pytest.mark.parametrize("algorithm", ["AES-256", "RC4-128"])
@pytest.mark.parametrize("password", [None, "unrelated"])
def test_pdf_owner_password_only_opens_normally(algorithm, password):
    doc = read(_encrypted_pdf(algorithm, user=""), "owner.pdf", password=password)
    assert texts(doc) == ["Secret body text"] and doc.metadata.encrypted
    assert not doc.has_note("encrypted") and not doc.has_note("needs-crypto-extra")


def test_pypdf_problems_are_counted_exactly_up_to_a_thousand_then_as_more():
    from authcheck.loaders.pdf import COUNTED_PROBLEMS, _LogCounter

    def note_of(count: int):
        counter = _LogCounter()
        for i in range(count):
            counter.add(f"problem {i}")
        return counter.notes()

    assert note_of(0) == []
    [exact] = note_of(COUNTED_PROBLEMS)
    assert exact.data == {"count": 1000} and exact.detail.startswith("pypdf reported 1000 problems")
    [more] = note_of(COUNTED_PROBLEMS + 1)
    assert more.data == {"count": 1000, "more": True}
    assert more.detail == "pypdf reported more than 1,000 problems while reading (first: problem 0)"


DEEP_TWICE = """
import json, sys
from tools import pdf_forensic_fixtures as fx
from authcheck.batch.pipeline import check_bytes
from authcheck.engine.rulepack import load_ruleset
from authcheck.scoring.record import result_record
from authcheck.settings import Settings
data = fx.page_with_ops("BT /F1 12 Tf 72 700 Td (We will meet on Tuesday.) Tj ET")
objects = fx.objects_of(data)
page = next(n for n, body in objects.items() if b"/Contents" in body)
deep = b" /Deep " + b"<< /A " * 50000 + b"1" + b" >>" * 50000
body = objects[page]
data = fx.rewrite(data, {page: body[: body.rindex(b">>")] + deep + b" >>"})
rules = load_ruleset()
records = [result_record(check_bytes(data, "deep.pdf", Settings(), rules)) for _ in range(2)]
print(json.dumps(records))
"""


def test_a_dictionary_nested_past_the_recursion_limit_gives_the_same_record_in_any_process_state():
    """pypdf complains about such a file thousands of times, how often depending on how much of
    Python's recursion limit the process has left (the first check in a process and a later one
    differ): the record says "more than 1,000" either way."""
    import json
    import subprocess

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", DEEP_TWICE], capture_output=True, text=True, cwd=root, timeout=300)
    first, later = json.loads(out.stdout)
    assert first == later
    [note] = [n for n in first["notes"] if n["code"] == "parser-warnings"]
    assert note["data"] == {"count": 1000, "more": True} and first["error"] is None


def test_a_docx_nested_deeper_than_a_reader_goes_is_corrupt_whatever_the_recursion_limit():
    """Tables nested 150 deep: refused at the walker's depth limit (wordxml.MAX_DEPTH), not at
    Python's recursion limit, so a process that raised that limit (a test runner, a library caller)
    gets the same answer; a little less deep is read."""
    from authcheck.batch import warmup
    from authcheck.errors import CheckError
    from authcheck.loaders import wordxml

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    def nested(levels: int) -> bytes:
        body = "<w:tbl><w:tr><w:tc>" * levels + "<w:p><w:r><w:t>deep</w:t></w:r></w:p>"
        body += "</w:tc></w:tr></w:tbl>" * levels
        document = f'<w:document xmlns:w="{w}"><w:body>{body}<w:sectPr/></w:body></w:document>'
        source, out = zipfile.ZipFile(io.BytesIO(warmup.docx())), io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                target.writestr(info, document if info.filename == "word/document.xml" else source.read(info))
        return out.getvalue()

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20000)
    try:
        with pytest.raises(CheckError) as refused:
            load(nested(150), path="deep.docx", sha256="-", password=None, limits=Limits())
        doc = load(nested(wordxml.MAX_DEPTH // 2), path="ok.docx", sha256="-", password=None, limits=Limits())
    finally:
        sys.setrecursionlimit(limit)
    assert (refused.value.type, refused.value.message) == ("corrupt", "the document's XML is nested too deeply")
    assert "deep" in [ln.text for ln in doc.lines]
