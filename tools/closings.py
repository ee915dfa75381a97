"""Letters whose closing blocks do not follow the textbook, for signature-block tests and benchmarks.

A `Closing` lists the rows that follow the last body paragraph, top to bottom: text lines
("text"), cells side by side separated by "|" ("pair"), a drawn signature ("image"), two
side by side ("images"), one that runs down over the next line ("image-over"), blank space
("gap", in lines), a page break ("newpage"), a line pinned to the page bottom ("footer")
and small print above it ("footnote"; a DOCX footnote).  `closing_pdf` and `closing_docx` render one letter with that closing;
`signature_cases()` yields a deterministic set of varied real-world layouts, each with a
signature image in its closing block (the benchmark in benchmarks/signature_blocks.py and
the tests use it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import cycle, islice

from tools.docxgen import Para, build_docx
from tools.metrics import text_width, wrap
from tools.pdfgen import Img, Text, build_pdf

LEFT, RIGHT, TOP, LEADING, SIG_X = 72, 540, 720, 14, 306
IMAGE_H = 110 * 32 / 96


@dataclass
class Closing:
    """One letter: heading lines, body paragraphs and the closing rows (kind, text, x)."""

    letterhead: list[str]
    date: str
    recipient: list[str]
    salutation: str | None
    body: list[str]
    rows: list[tuple[str, str, float]] = field(default_factory=list)
    logo: bool = False  #: a picture at the top of the page, beside the letterhead


def closing_pdf(spec: Closing) -> bytes:
    """The letter as PDF laid out top-down; the body flows onto new pages (raises when the closing does not fit)."""
    pages = [[Img(LEFT, TOP - 10, 60, 60)] if spec.logo else []]
    y = _pdf_head(spec, pages[0])
    for para in spec.body:
        for line in wrap(para, RIGHT - LEFT):
            if y < 90:
                pages.append([])
                y = TOP
            pages[-1].append(Text(LEFT, y, line))
            y -= LEADING
        y -= LEADING
    if y - _rows_height(spec.rows) < 60:  # keep the closing block together on the next page
        pages.append([])
        y = TOP
    for kind, text, x in spec.rows:
        if kind == "newpage":
            pages.append([])
            y = TOP
        else:
            y = _pdf_row(pages[-1], kind, text, x, y)
    if y < 48:
        raise ValueError("the closing block does not fit on its page")
    return build_pdf(pages, info={"Title": "Letter", "Producer": "closings"})


def _pdf_head(spec: Closing, items: list) -> float:
    """Letterhead, date, addressee and salutation; returns where the body starts."""
    y = TOP + 18
    for k, line in enumerate(spec.letterhead):
        size = 12 if k == 0 else 10
        items.append(Text((612 - text_width(line, "Times-Bold", size)) / 2, y, line, "Times-Bold", size))
        y -= 13
    y -= 2 * LEADING
    items.append(Text(RIGHT - text_width(spec.date), y, spec.date))
    y -= 2 * LEADING
    for line in spec.recipient:
        items.append(Text(LEFT, y, line))
        y -= LEADING
    y -= LEADING
    if spec.salutation:
        items.append(Text(LEFT, y, spec.salutation))
        y -= 2 * LEADING
    return y


def _pdf_row(items: list, kind: str, text: str, x: float, y: float) -> float:
    """Draw one closing row at height y; returns the height of the next row."""
    if kind == "text":
        items.append(Text(x, y, text))
        return y - LEADING
    if kind in ("image", "images"):
        for left in (LEFT, SIG_X) if kind == "images" else (x,):
            items.append(Img(left, y - IMAGE_H + 10, 110, IMAGE_H))
        return y - IMAGE_H - 4
    if kind == "image-over":  # a drawn signature that runs down over the typed name
        items.append(Img(x, y - IMAGE_H + 2, 110, IMAGE_H))
        return y - IMAGE_H + 12
    if kind == "pair":  # cells side by side: two at the margin and the signature line, more spread evenly
        parts = text.split("|")
        xs = (LEFT, SIG_X) if len(parts) == 2 else [LEFT + k * (RIGHT - LEFT) / len(parts) for k in range(len(parts))]
        items.extend(Text(cell_x, y, cell) for cell_x, cell in zip(xs, parts))
        return y - LEADING
    if kind == "gap":
        return y - LEADING * float(text or 1)
    if kind == "footer":
        items.append(Text((612 - text_width(text, "Helvetica", 9)) / 2, 36, text, "Helvetica", 9))
    elif kind == "footnote":
        items.append(Text(LEFT, 54, text, "Times-Roman", 8))
    return y


def _rows_height(rows: list[tuple[str, str, float]]) -> float:
    """Page height the closing rows take up to the next page break."""
    height = 0.0
    for kind, text, _ in rows:
        if kind == "newpage":
            break
        if kind == "gap":
            height += LEADING * float(text or 1)
        else:
            height += {
                "text": LEADING,
                "pair": LEADING,
                "image": IMAGE_H + 4,
                "images": IMAGE_H + 4,
                "image-over": IMAGE_H - 12,
            }.get(kind, 0.0)
    return height


def closing_docx(spec: Closing) -> bytes:
    """The letter as DOCX: heading and body paragraphs, the picture where the first image row is."""
    paras: list[Para] = [Para(spec.date, align="right", space_after=12)]
    paras += [Para(line) for line in spec.recipient]
    if spec.salutation:
        paras.append(Para(spec.salutation, space_before=12, space_after=12))
    paras += [Para(text, space_after=12) for text in spec.body]
    image_after, footer = None, []
    for kind, text, x in spec.rows:
        if kind in ("image", "images", "image-over") and image_after is None:
            image_after = len(paras) - 1
        elif kind in ("text", "pair"):
            paras.append(Para(text.replace("|", "\t\t\t"), indent=max(x - LEFT, 0)))
        elif kind == "footer":
            footer.append(text)
    notes = [text for kind, text, _ in spec.rows if kind == "footnote"]
    return (
        with_footnotes(_docx(spec, paras, image_after, footer), notes)
        if notes
        else _docx(spec, paras, image_after, footer)
    )


def _docx(spec: Closing, paras: list[Para], image_after: int | None, footer: list[str]) -> bytes:
    """Build the DOCX for `closing_docx`."""
    return build_docx(
        header_lines=spec.letterhead,
        paragraphs=paras,
        signature_image_after=image_after,
        core={"title": "Letter"},
        app=None,
        footer_lines=footer,
    )


_NOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_NOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def with_footnotes(data: bytes, notes: list[str]) -> bytes:
    """Add a word/footnotes.xml holding `notes` (after the two separator notes Word writes)."""
    import io
    import zipfile
    from xml.sax.saxutils import escape

    body = "".join(
        f'<w:footnote w:id="{k + 1}"><w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:footnote>'
        for k, text in enumerate(notes)
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{_W}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        f"{body}</w:footnotes>"
    )
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    types = entries["[Content_Types].xml"].decode()
    entries["[Content_Types].xml"] = types.replace(
        "</Types>", f'<Override PartName="/word/footnotes.xml" ContentType="{_NOTES_TYPE}"/></Types>'
    ).encode()
    rels = entries["word/_rels/document.xml.rels"].decode()
    entries["word/_rels/document.xml.rels"] = rels.replace(
        "</Relationships>", f'<Relationship Id="rIdNotes1" Type="{_NOTES_REL}" Target="footnotes.xml"/></Relationships>'
    ).encode()
    entries["word/footnotes.xml"] = xml.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, blob in entries.items():
            target.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), blob)
    return out.getvalue()


def table_docx(body: list[str], signatories: list[tuple[str, str]], close: str = "Yours sincerely,") -> bytes:
    """A DOCX letter whose signatories sign side by side in a table: close, drawn signature, name, title."""
    import io

    from docx import Document
    from docx.shared import Inches

    from tools.scribble import signature_png

    doc = Document()
    for text in ["3 March 2021", "Dear Ms Park,", *body]:
        doc.add_paragraph(text)
    table = doc.add_table(rows=1, cols=len(signatories))
    for cell, (name, title) in zip(table.rows[0].cells, signatories):
        cell.paragraphs[0].add_run(close)
        cell.add_paragraph().add_run().add_picture(io.BytesIO(signature_png()), width=Inches(1.5))
        cell.add_paragraph(name)
        cell.add_paragraph(title)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


_HEADS = (
    ["MINISTRY OF FOREIGN AFFAIRS", "Directorate of Consular Services", "12 Harbour Road, Valmont"],
    ["HEADQUARTERS, 3RD SUSTAINMENT BRIGADE", "FORT MERIDIAN, TX 76544"],
    ["NORTHWIND LOGISTICS LTD", "Unit 4, Riverside Park, Leeds LS1 4AP"],
    ["CITY OF ASHFORD", "Office of the Mayor"],
    ["EMBASSY OF THE REPUBLIC OF KESTRIA", "Legal Section"],
)
_BODY = (
    "Thank you for your letter of 2 February concerning the renewal of the maintenance contract for the "
    "regional depot. We have reviewed the schedule you proposed and can confirm the dates.",
    "The inspection team will arrive on the morning of 14 March and will need access to the loading bays "
    "and the records office for two days. Please let my office know the name of your point of contact.",
    "I am grateful for the cooperation your staff have shown throughout the year and look forward to "
    "continuing our work together.",
)
_PEOPLE = (
    ("Maria Gonzalez", "Director of Consular Services"),
    ("JOHN A. SMITH", "Colonel, U.S. Army"),
    ("Jean-Luc Moreau", "Head of Legal Section"),
    ("Ursula von der Heide", "Chief Executive Officer"),
    ("José Álvarez Núñez", "Deputy Mayor"),
    ("Dr. Aisha Rahman", "Chief Medical Officer"),
    ("Robert T. O'Neill Jr.", "Commanding Officer"),
    ("Kwame Mensah, PhD", "Registrar"),
    ("Li Wei", "Procurement Manager"),
    ("Catherine de la Croix", "Ambassador"),
    ("WILLIAM H. SEELY III", "Brigadier General, US Marine Corps"),
    ("Anna Lindqvist", "Prime Minister"),
)
_CLOSES = ("Sincerely,", "Yours faithfully,", "Respectfully,", "Kind regards,", "Yours sincerely", "Best regards,")
_FOOTERS = ("UNCLASSIFIED", "Page 1 of 1", "www.northwind-logistics.example", "OFFICIAL", "1")


def _layouts(name: str, title: str, close: str, footer: str) -> list[tuple[str, list[tuple[str, str, float]]]]:
    """Closing-block layouts seen on real letters, for one signatory."""
    x = SIG_X
    return [
        ("textbook", [("text", close, x), ("image", "", x), ("text", name, x), ("text", title, x)]),
        ("no-closing", [("image", "", x), ("text", name, x), ("text", title, x)]),
        ("image-no-name", [("text", close, x), ("image", "", x)]),
        ("name-then-footer", [("text", close, x), ("image", "", x), ("text", name, x), ("footer", footer, 0)]),
        ("title-first", [("text", close, x), ("image", "", x), ("text", title, x), ("text", name, x)]),
        (
            "for-the-commander",
            [("text", "FOR THE COMMANDER:", x), ("image", "", x), ("text", name.upper(), x), ("text", title, x)],
        ),
        ("name-comma-title", [("text", close, x), ("image", "", x), ("text", f"{name}, {title}", x)]),
        ("left-aligned", [("text", close, LEFT), ("image", "", LEFT), ("text", name, LEFT), ("text", title, LEFT)]),
        (
            "with-cc",
            [
                ("text", close, x),
                ("image", "", x),
                ("text", name, x),
                ("text", title, x),
                ("gap", "1", 0),
                ("text", "cc: Regional Office, File", LEFT),
            ],
        ),
        ("no-closing-image-only", [("image", "", x), ("footer", footer, 0)]),
        (
            "classification-line",
            [
                ("text", close, x),
                ("image", "", x),
                ("text", name, x),
                ("text", title, x),
                ("gap", "1", 0),
                ("text", footer, LEFT),
            ],
        ),
        (
            "contact-lines",
            [
                ("text", close, x),
                ("image", "", x),
                ("text", name, x),
                ("text", title, x),
                ("text", "Tel: +44 20 7946 0000", x),
                ("text", "registry@example.org", x),
            ],
        ),
        (
            "rank-and-name",
            [
                ("text", close, x),
                ("image", "", x),
                ("text", f"Brigadier General {name}", x),
                ("text", "Commanding General", x),
            ],
        ),
        (
            "enclosures",
            [
                ("text", close, x),
                ("image", "", x),
                ("text", name, x),
                ("text", title, x),
                ("gap", "1", 0),
                ("text", "Enclosures (2)", LEFT),
                ("text", "1. Schedule", LEFT),
            ],
        ),
        ("signature-over-name", [("text", close, x), ("image-over", "", x), ("text", name, x), ("text", title, x)]),
        (
            "block-on-next-page",
            [
                ("newpage", "", 0),
                ("text", close, x),
                ("image", "", x),
                ("text", name, x),
                ("text", title, x),
                ("footer", "Page 2 of 2", 0),
            ],
        ),
        (
            "two-signatories",
            [
                ("pair", f"{close}|{close}", 0),
                ("images", "", 0),
                ("pair", f"{name}|Thomas Berger", 0),
                ("pair", f"{title}|Director of Finance", 0),
            ],
        ),
    ]


def signature_cases(count: int = 60):
    """(case name, Closing) pairs: `count` letters, each signed with an image in its closing block."""
    people, heads, closes, footers = cycle(_PEOPLE), cycle(_HEADS), cycle(_CLOSES), cycle(_FOOTERS)
    made = 0
    while made < count:
        name, title = next(people)
        for label, rows in _layouts(name, title, next(closes), next(footers)):
            head = next(heads)
            spec = Closing(
                head,
                "3 March 2021",
                ["Ms Helen Park", "Operations Manager"],
                "Dear Ms Park," if made % 4 else None,
                list(islice(cycle(_BODY), made % 3 + 1 + (8 if made % 7 == 0 else 0))),
                rows,
            )
            yield f"{made:02d}-{label}", spec
            made += 1
            if made >= count:
                return
