"""A plain PDF read without pypdf (`loaders/plainpdf`) reads as pypdf reads it, or not at all (issue 15).

Each object, string, page and font is compared with what pypdf itself makes of the same bytes;
every file the reader refuses is read by pypdf as before; and a letter or check read both ways
gives the same `Document`, the same forensic facts and the same report.
"""

from __future__ import annotations

import json
import logging
import random
import re
import subprocess
import sys
import time
import warnings
import zlib
from io import BytesIO
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    StreamObject,
    TextStringObject,
    create_string_object,
)
from pypdf.generic._font import Font

from authcheck.errors import CheckError
from authcheck.forensics.pdffacts import examine_with_notes
from authcheck.loaders import pdf, plainpdf
from authcheck.loaders.budget import Budget
from authcheck.loaders.plainpdf import NotPlain, open_plain
from authcheck.settings import Limits, Settings
from tools import pdf_forensic_fixtures as fx

ROOT = Path(__file__).resolve().parents[1]
LIMITS = Limits()
TEXT_OPS = "BT /F1 12 Tf 72 700 Td (Dear Minister,) Tj ET"


def _budget() -> Budget:
    return Budget.for_limits(LIMITS)


def _open(data: bytes) -> plainpdf.PlainReader:
    return open_plain(data, LIMITS.max_stream_bytes, LIMITS.max_page_content_bytes)


def _pypdf(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(BytesIO(data), strict=False)


class _Log(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


@pytest.fixture
def pypdf_log():
    """pypdf's log records while the test runs (a file inside the plain space must give none)."""
    handler, logger = _Log(), logging.getLogger("pypdf")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def _same(ours, theirs, depth: int = 0) -> None:
    """`ours` (plainpdf) is the object pypdf made of the same bytes: kind, value, items."""
    kinds = [
        (plainpdf.Ref, IndirectObject),
        (plainpdf.Stream, StreamObject),
        (plainpdf.Dict, DictionaryObject),
        (plainpdf.Array, ArrayObject),
        (plainpdf.Name, NameObject),
        (plainpdf.Text, TextStringObject),
        (plainpdf.Bytes, ByteStringObject),
        (plainpdf.Real, FloatObject),
        (plainpdf.Bool, BooleanObject),
        (plainpdf.Null, NullObject),
        (plainpdf.Int, NumberObject),
    ]
    expected = next(p for o, p in kinds if isinstance(ours, o))
    assert isinstance(theirs, expected), (ours, theirs)
    if isinstance(ours, plainpdf.Ref):
        assert (ours.idnum, ours.generation) == (theirs.idnum, theirs.generation)
    elif isinstance(ours, dict):
        assert list(dict.keys(ours)) == list(dict.keys(theirs))
        for key in ours:
            _same(dict.__getitem__(ours, key), dict.__getitem__(theirs, key), depth + 1)
        if isinstance(ours, plainpdf.Stream):
            assert ours.get_data() == theirs.get_data()
    elif isinstance(ours, list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b, depth + 1)
    elif isinstance(ours, plainpdf.Null):
        assert repr(ours) == repr(theirs) and bool(ours) is bool(theirs)
        assert [ours == other for other in (plainpdf.Null(), None, 0)] == [theirs == o for o in (NullObject(), None, 0)]
    elif isinstance(ours, plainpdf.Bool):
        assert ours == theirs.value and repr(ours) == repr(theirs)
        assert [ours == other for other in (True, False, 1, 0, None)] == [
            theirs == o for o in (True, False, 1, 0, None)
        ]
    else:
        assert ours == theirs and str(ours) == str(theirs) and type(ours).__mro__[1] is type(theirs).__mro__[1]
    if isinstance(ours, plainpdf.Text):
        assert ours.original_bytes == theirs.original_bytes


def test_strings_become_text_or_bytes_as_pypdf_decides():
    rng = random.Random(15)
    starts = [b"", b"\xfe\xff", b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"A\x00"]
    for _ in range(20_000):
        body = bytes(
            rng.choice(range(256)) if rng.random() < 0.5 else rng.choice(b"Dear Sir, \r\n\t")
            for _ in range(rng.randint(0, 9))
        )
        raw = rng.choice(starts) + body
        _same(plainpdf._string(raw), create_string_object(raw))
    for byte in range(256):  # every byte alone and in text: the PDFDocEncoding table itself
        for raw in (bytes([byte]), b"Re: " + bytes([byte]) + b" notice"):
            _same(plainpdf._string(raw), create_string_object(raw))


def _literal(rng: random.Random) -> tuple[str, bytes]:
    """A literal string with nesting, escapes, octal codes and escaped line ends."""
    parts = []
    for _ in range(rng.randint(0, 6)):
        parts.append(
            rng.choice(
                [
                    "Ministry of Defence",
                    "(nested (twice))",
                    "\\(",
                    "\\)",
                    "\\\\",
                    "\\n",
                    "\\t",
                    "\\r\\b\\f",
                    "\\/\\%\\#\\[\\]\\<\\>\\_\\&\\$\\ ",
                    f"\\{rng.randint(0, 255):o}",
                    f"\\{rng.randint(0, 7)}9",
                    f"\\0{rng.randint(0, 63):o}7",
                    "\\\n",
                    "\\\r\n",
                    "\\\n\n",
                    "line\r\nbreak",
                    "caf\xe9 \xa7 2",
                    "\x95 \x80",
                ]
            )
        )
    text = "".join(parts)
    return "(" + text + ")", text.encode("latin-1")


def _value(rng: random.Random, refs: list[int], depth: int = 0) -> str:
    """Random PDF syntax for one object value (no escaped name: those are refused)."""
    kind = rng.choice(
        ["name", "int", "real", "lit", "hex", "bool", "null", "ref"] + (["array", "dict"] * 2 if depth < 3 else [])
    )
    if kind == "name":
        return rng.choice(["/Type", "/Font", "/A-B.c_d", "/K1", "/", "/Ann*tation"])
    if kind == "int":
        return rng.choice(["0", "-17", "+4", "612", "0007"])
    if kind == "real":
        return rng.choice(["0.5", "-.25", "3.", "+12.75", "1e", "123456.789", "0.000001", "-0.0"])[
            : None if rng.random() < 0.9 else -1
        ].replace("1e", "1.0")
    if kind == "lit":
        return _literal(rng)[0]
    if kind == "hex":
        digits = "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(rng.randint(0, 9)))
        return (
            "<"
            + rng.choice(["", "FEFF", "feff00", "00"])
            + " ".join(digits[i : i + 3] for i in range(0, len(digits), 3))
            + ">"
        )
    if kind == "bool":
        return rng.choice(["true", "false"])
    if kind == "null":
        return "null"
    if kind == "ref":
        return f"{rng.choice(refs)} 0 R"
    if kind == "array":
        return "[" + _joined(rng, [_value(rng, refs, depth + 1) for _ in range(rng.randint(0, 5))]) + "]"
    keys = rng.sample(["/A", "/B", "/Type", "/Kids", "/Length2", "/Zz"], rng.randint(0, 4))
    return "<<" + _joined(rng, [part for k in keys for part in (k, _value(rng, refs, depth + 1))]) + ">>"


def _joined(rng: random.Random, parts: list[str]) -> str:
    """`parts` with random white space or comments between them, or none where a delimiter
    separates them (a comment ends at a line end, as pypdf needs; never before an array's end,
    which pypdf fails on: the refusals below)."""
    out = ""
    for part in parts:
        bare = out and out[-1] not in ")]>" and part[0] not in "/[<("
        out += rng.choice([" ", "\n", "\r\n", "  \t", " % note (x) [ >>\n", "%\r"] + ([] if bare else [""])) + part
    return out


def _with_objects(bodies: list[bytes]) -> tuple[bytes, list[int]]:
    """A plain one-page letter with `bodies` added as objects (their numbers returned)."""
    base = fx.page_with_ops(TEXT_OPS)
    first = max(fx.objects_of(base)) + 1
    numbers = list(range(first, first + len(bodies)))
    return fx.rewrite(base, dict(zip(numbers, bodies))), numbers


def test_objects_read_as_pypdf_reads_them(pypdf_log):
    rng = random.Random(7)
    for round_ in range(60):
        count = rng.randint(1, 12)
        first = max(fx.objects_of(fx.page_with_ops(TEXT_OPS))) + 1
        refs = list(range(1, first + count))
        bodies = []
        for _ in range(count):
            body = b"1 0 R"
            while body.endswith(b" R"):  # an object that is only a reference is refused (pypdf fails on it)
                body = _value(rng, refs).encode("latin-1")
            if rng.random() < 0.3:  # a stream, raw or Flate, with a direct length
                raw = rng.randbytes(rng.randint(1, 40)) if rng.random() < 0.5 else b"q 1 0 0 1 0 0 cm Q"
                flate = rng.random() < 0.5
                payload = zlib.compress(raw) if flate else raw
                head = f"<< /Length {len(payload)}{' /Filter /FlateDecode' if flate else ''} >>"
                body = (
                    head.encode()
                    + rng.choice([b"\nstream\n", b" stream\r\n", b"\nstream  \n"])
                    + payload
                    + rng.choice([b"\nendstream", b"endstream", b"\r\n endstream"])
                )
            bodies.append(body)
        data, numbers = _with_objects(bodies)
        ours, theirs = _open(data), _pypdf(data)
        for number in range(1, numbers[-1] + 1):
            _same(ours.objects[number], theirs.get_object(number))
        _same(ours.trailer, theirs.trailer)
        assert pypdf_log == [], (round_, pypdf_log)


def _tree(rng: random.Random) -> bytes:
    """A letter whose pages sit in a random tree of /Pages nodes, each level maybe setting an
    inherited attribute, with contents in one stream or an array of (raw or Flate) streams."""
    objects: dict[int, bytes] = {}
    font = 3
    objects[font] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>"
    counter = [4]

    def new(body: bytes = b"") -> int:
        number = counter[0]
        counter[0] += 1
        objects[number] = body
        return number

    def inherited() -> str:
        out = []
        if rng.random() < 0.4:
            out.append(f"/MediaBox [0 0 {rng.choice(['612', '595.28', '842'])} {rng.choice(['792', '841.89', '595'])}]")
        if rng.random() < 0.2:
            out.append("/CropBox [10 10 600.5 780]")
        if rng.random() < 0.3:
            out.append(f"/Rotate {rng.choice([0, 90, 180, 270])}")
        if rng.random() < 0.4:
            out.append(f"/Resources << /Font << /F1 {font} 0 R >> >>")
        return " ".join(out)

    def stream(text: str) -> int:
        raw = f"BT /F1 12 Tf 72 700 Td ({text}) Tj ET".encode()
        if rng.random() < 0.5:
            payload, head = zlib.compress(raw), " /Filter /FlateDecode"
        else:
            payload, head = raw + rng.choice([b"", b"\n"]), ""
        return new(f"<< /Length {len(payload)}{head} >>\nstream\n".encode() + payload + b"\nendstream")

    def node(parent: int, depth: int) -> int:
        number = new()
        if depth < 3 and rng.random() < 0.5:
            kids = [node(number, depth + 1) for _ in range(rng.randint(1, 3))]
            listed = " ".join(f"{k} 0 R" for k in kids)
            objects[number] = (
                f"<< /Type /Pages /Parent {parent} 0 R /Kids [{listed}] /Count {len(kids)} {inherited()} >>".encode()
            )
        else:
            parts = [stream(f"page part {i}") for i in range(rng.randint(1, 3))]
            contents = (
                f"{parts[0]} 0 R"
                if len(parts) == 1 and rng.random() < 0.5
                else "[" + " ".join(f"{p} 0 R" for p in parts) + "]"
            )
            objects[number] = f"<< /Type /Page /Parent {parent} 0 R /Contents {contents} {inherited()} >>".encode()
        return number

    kids = [node(2, 1) for _ in range(rng.randint(1, 3))]
    listed = " ".join(f"{k} 0 R" for k in kids)
    objects[2] = (
        f"<< /Type /Pages /Kids [{listed}] /Count {len(kids)} /MediaBox [0 0 612 792] /Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
    )
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offsets[n]:010d} 00000 n \n".encode() for n in sorted(objects))
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{at}\n%%EOF\n".encode()
    return bytes(out)


def test_pages_inherit_and_join_their_content_as_pypdf_does(pypdf_log):
    rng = random.Random(20)
    for _ in range(80):
        data = _tree(rng)
        ours, theirs = _open(data), _pypdf(data)
        assert len(ours.pages) == len(theirs.pages)
        for mine, page in zip(ours.pages, theirs.pages):
            _same(plainpdf.Dict(dict(dict.items(mine))), DictionaryObject(dict(dict.items(page))))
            assert mine.indirect_reference.idnum == page.indirect_reference.idnum
            assert list(map(float, mine.mediabox)) == list(map(float, page.mediabox))
            assert list(map(float, mine.cropbox)) == list(map(float, page.cropbox))
            assert (mine.mediabox.width, mine.cropbox.height) == (page.mediabox.width, page.cropbox.height)
            assert mine.rotation == page.rotation
            assert mine.get_contents().get_data() == page.get_contents().get_data()
        assert pypdf_log == []


def _good() -> bytes:
    return fx.page_with_ops(TEXT_OPS)


def _swap(old: bytes, new: bytes):
    """Replace `old` in the object that holds it, the file rebuilt (so the table stays right)."""

    def change(data: bytes) -> bytes:
        objects = fx.objects_of(data)
        number = next(n for n, body in objects.items() if old in body)
        return fx.rewrite(data, {number: objects[number].replace(old, new, 1)})

    return change


def _raw(old: bytes, new: bytes):
    """Replace `old` by bytes of the same length anywhere in the file."""
    assert len(old) == len(new)

    def change(data: bytes) -> bytes:
        assert old in data
        return data.replace(old, new, 1)

    return change


def _content(ops: bytes, head: str = ""):
    def change(data: bytes) -> bytes:
        number = next(n for n, body in fx.objects_of(data).items() if b"stream" in body)
        return fx.rewrite(data, {number: f"<< /Length {len(ops)}{head} >>\nstream\n".encode() + ops + b"\nendstream"})

    return change


def _xref_stream(data: bytes) -> bytes:
    return data.replace(b"startxref\n" + data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0], b"startxref\n9")


#: what the reader refuses: (the change to a plain letter, what it says)
REFUSED = {
    "a comment before an array's end": (_swap(b"/Type /Catalog", b"/Type /Catalog /Z [1 %c\n]"), "array's end"),
    "a comment at the file's end": (_swap(b"/Type /Catalog", b"/Type /Catalog /Z 1 %c"), "unexpected bytes"),
    "a comment between a stream's dictionary and its data": (
        lambda d: _raw(b">>\nstream", b">>%\nstrea")(d),
        "no endobj",
    ),
    "a name with # escapes": (_swap(b"/Type /Catalog", b"/Type /Cat#61log"), "name with escapes"),
    "a duplicate key": (_swap(b"/Type /Catalog", b"/Type /Catalog /Type /Catalog"), "dictionary key"),
    "an unknown string escape": (_swap(b"/Type /Catalog", b"/Type /Catalog /Lang (en\\q)"), "unknown escape"),
    "an octal escape over 255": (_swap(b"/Type /Catalog", b"/Type /Catalog /Lang (\\777)"), "octal escape"),
    "a form feed between tokens": (_swap(b"/Type /Catalog", b"/Type\f/Catalog"), "unexpected bytes"),
    "a number pypdf reads on": (_swap(b"/Type /Catalog", b"/Type /Catalog /Z 1-2"), "number"),
    "a reference longer than pypdf looks": (
        _swap(b"/Type /Catalog", b"/Type /Catalog /Z 1                 0 R"),
        "more than pypdf looks at",
    ),
    "a missing object": (_swap(b"/Type /Catalog", b"/Type /Catalog /Z 999 0 R"), "missing object"),
    "an object that is only a reference": (
        lambda d: fx.rewrite(d, {max(fx.objects_of(d)) + 1: b"1 0 R"}),
        "is a reference",
    ),
    "a non-standard content filter": (_content(b"48656c6c6f>", " /Filter /ASCIIHexDecode"), "a filter other"),
    "a Flate filter with parameters": (
        _content(zlib.compress(b"BT ET"), " /Filter /FlateDecode /DecodeParms << /Predictor 1 >>"),
        "a filter other",
    ),
    "a Flate stream zlib cannot read": (_content(b"not zlib at all", " /Filter /FlateDecode"), "zlib cannot read"),
    "a stream of length 0 (pypdf reads to endstream)": (_content(b""), "stream length"),
    "a wrong stream length": (
        lambda d: _raw(b"/Length 5 ", b"/Length 3 ")(_content(b"BT ET")(d)),
        "does not end at endstream",
    ),
    "an object not where the table says": (
        lambda d: re.sub(rb"(\d{10})( 00000 n)", lambda m: b"%010d" % (int(m.group(1)) + 1) + m.group(2), d, count=1),
        "not where the table says",
    ),
    "a table that does not start at 0": (_raw(b"xref\n0 ", b"xref\n1 "), "not zero-based"),
    "a startxref pointing elsewhere": (_xref_stream, "does not point at a cross-reference table"),
    "a page without a box": (_swap(b"/MediaBox", b"/NoBox"), "page box"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_the_reader_does_not_read_as_pypdf_goes_to_pypdf(name):
    good = _good()
    _open(good)  # the file before the change is read
    change, reason = REFUSED[name]
    data = change(good)
    assert data != good
    with pytest.raises(NotPlain, match=reason):
        _open(data)
    assert pdf._plain_document(data, path="x.pdf", sha256="", extension="pdf", limits=LIMITS, budget=_budget()) is None


def _fonts(rng: random.Random) -> str:
    """A random font dictionary inside what `plain_font` accepts."""
    subtype = rng.choice(["/Type1", "/TrueType"])
    parts = [
        f"/Type /Font /Subtype {subtype}",
        f"/BaseFont /{rng.choice(['Times-Roman', 'Helvetica-Bold', 'ABCDEF+Calibri', 'Symbol', 'Arial,Bold'])}",
    ]
    if rng.random() < 0.7:
        parts.append(f"/Encoding {rng.choice(plainpdf._ENCODINGS)}")
    if rng.random() < 0.6:
        first = rng.randint(0, 200)
        widths = [rng.choice(["250", "500.5", "0", "722"]) for _ in range(rng.randint(0, 256 - first))]
        parts.append(f"/FirstChar {first} /LastChar {first + len(widths) - 1} /Widths [{' '.join(widths)}]")
    if rng.random() < 0.6:
        entries = [f"/FontName /X /Flags {rng.choice([32, 34, 4, 0, 262178])}"]
        entries += [f"{k} {rng.choice(['0', '-12.5', '700'])}" for k in rng.sample(plainpdf._DESCRIPTOR_NUMBERS[1:], 4)]
        if rng.random() < 0.5:
            entries.append("/FontBBox [-568 -216 2046 693]")
        if subtype == "/TrueType" and rng.random() < 0.5:
            entries.append("/FontFile2 FILE")
        parts.append("/FontDescriptor << " + " ".join(entries) + " >>")
    return "<< " + " ".join(parts) + " >>"


def test_every_font_the_reader_accepts_pypdf_builds_without_a_word(pypdf_log):
    rng = random.Random(3)
    for _ in range(150):
        body = _fonts(rng)
        font = max(fx.objects_of(_good())) + 1
        data, _ = _with_objects(
            [body.replace("FILE", f"{font + 1} 0 R").encode(), b"<< /Length 3 >>\nstream\nabc\nendstream"]
        )
        ours, theirs = _open(data), _pypdf(data)
        assert plainpdf.plain_font(ours.objects[font]), body
        Font.from_font_resource(theirs.get_object(font))
        assert pypdf_log == [], body


@pytest.mark.parametrize(
    "body",
    [
        "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [] >>",
        "<< /Type /Font /Subtype /TrueType /BaseFont /X /ToUnicode 99 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /X /Encoding << /Differences [32 /space] >> >>",
        "<< /Type /Font /Subtype /Type3 /BaseFont /X >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /X /Encoding /Identity-H >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /X /FirstChar 250 /Widths [1 2 3 4 5 6 7] >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /X /FontDescriptor << /FontFile 99 0 R >> >>",
        "<< /Type /Font /Subtype /TrueType /BaseFont /X /FontDescriptor << /FontFile2 99 0 R /FontFile3 99 0 R >> >>",
        "<< /Type /Font /Subtype /TrueType /BaseFont /X /FontDescriptor << /Flags 3.5 >> >>",
    ],
)
def test_fonts_pypdf_may_complain_about_are_left_to_pypdf(body):
    number = max(fx.objects_of(_good())) + 1
    font = body.replace("99 0 R", f"{number + 1} 0 R").encode()
    data, _ = _with_objects([font, b"<< /Length 3 >>\nstream\nabc\nendstream"])
    assert not plainpdf.plain_font(_open(data).objects[number])


def _letters() -> dict[str, bytes]:
    """Plain letters of several shapes (fields, annotations, images, several pages, Unicode metadata)."""
    genuine = fx.genuine(signature=None)
    flat = lambda updated: fx.rewrite(updated, {})  # noqa: E731 - an update folded into one revision
    return {
        "genuine": genuine,
        "signature image": fx.genuine(),
        "empty signature field": fx.form_field(value=""),
        "form field": fx.form_field(),
        "annotation": flat(fx.add_annotation(genuine, "Approved by the minister", flags=0)),
        "active content": fx.active_content(),
        "images": fx.page_with_images("q 120 0 0 40 72 600 cm /Im1 Do Q " + TEXT_OPS),
        "two pages": flat(fx.add_page(genuine, "Second page of the letter.")),
        "unicode info": flat(
            fx.set_info(
                genuine, Title="Lettre \u00e0 l'\u00e9tat-major \u2013 r\u00e9f. 12", Author="\u0410\u043d\u043d\u0430"
            )
        ),
        "samples": (ROOT / "samples" / "withdrawal-letter-2020.pdf").read_bytes(),
        "signed sample": (ROOT / "samples" / "signed-deployment-notification-digital.pdf").read_bytes(),
        "placeholder signature": fx.placeholder_signed(),
    }


def _both(data: bytes, monkeypatch) -> tuple:
    """The Document read as plain (asserting it was) and read through pypdf."""
    assert pdf._plain_reader(data, LIMITS) is not None
    plain = pdf._plain_document(data, path="l.pdf", sha256="0", extension="pdf", limits=LIMITS, budget=_budget())
    assert plain is not None
    with monkeypatch.context() as patch:
        patch.setattr(pdf, "_plain_document", lambda *a, **k: None)
        through = pdf.load_pdf(data, path="l.pdf", sha256="0", extension="pdf", password=None, limits=LIMITS)
    return plain, through


@pytest.mark.parametrize("name", sorted(_letters()))
def test_a_plain_letter_reads_the_same_without_pypdf(name, monkeypatch):
    data = _letters()[name]
    plain, through = _both(data, monkeypatch)
    assert plain == through
    assert any(line.text.strip() for line in plain.lines)  # the letter's text was read, both ways


@pytest.mark.parametrize("kind", ["invisible", "white"])
def test_forensics_give_way_to_pypdf_where_a_page_is_replayed(kind, monkeypatch):
    data = fx.hidden_text_letter(kind)
    plain, through = _both(data, monkeypatch)
    assert plain == through
    settings = Settings()
    pdf._READ.put(data, pdf._plain_reader(data, LIMITS))
    ours = examine_with_notes(data, plain, settings)
    pdf._READ.put(data, None)
    theirs = examine_with_notes(data, through, settings)
    assert ours == theirs and "pdf_hidden_text" in ours[0]


@pytest.mark.parametrize(
    "name",
    ["genuine", "form field", "annotation", "active content", "images", "signed sample", "placeholder signature"],
)
def test_forensics_read_a_plain_letter_without_pypdf_to_the_same_facts(name, monkeypatch):
    data = _letters()[name]
    plain, through = _both(data, monkeypatch)
    settings = Settings()
    imported = []
    monkeypatch.setattr("authcheck.forensics.pdffacts._pypdf", lambda *a: imported.append(1))
    pdf._READ.put(data, pdf._plain_reader(data, LIMITS))
    ours = examine_with_notes(data, plain, settings)
    monkeypatch.undo()
    assert imported == []
    theirs = examine_with_notes(data, through, settings)
    assert ours == theirs


def test_a_page_pdfium_reads_nothing_from_sends_the_whole_file_to_pypdf(monkeypatch):
    data = fx.page_with_ops("BT ET")  # shows text to the byte test, and PDFium finds none
    assert pdf._plain_reader(data, LIMITS) is not None
    assert pdf._plain_document(data, path="l.pdf", sha256="0", extension="pdf", limits=LIMITS, budget=_budget()) is None
    with monkeypatch.context() as patch:
        patch.setattr(pdf, "_plain_document", lambda *a, **k: None)
        through = pdf.load_pdf(data, path="l.pdf", sha256="0", extension="pdf", password=None, limits=LIMITS)
    assert pdf.load_pdf(data, path="l.pdf", sha256="0", extension="pdf", password=None, limits=LIMITS) == through


def test_updated_files_are_read_by_pypdf():
    genuine = fx.genuine(signature=None)
    assert pdf._plain_reader(genuine, LIMITS) is not None
    for data in (fx.set_info(genuine, Title="Revised"), fx.append_junk(genuine), fx.empty_updates(genuine, 1)):
        assert pdf._plain_reader(data, LIMITS) is None


CHECK = """
import json, sys
from authcheck.batch.pipeline import check_path
from authcheck.engine.rulepack import load_ruleset
from authcheck.reporters.jsonout import render_json
from authcheck.settings import Settings
if sys.argv[2] == "pypdf":
    import authcheck.loaders.pdf as loader
    loader._plain_document = lambda *args, **kwargs: None
result = check_path(sys.argv[1], Settings(), load_ruleset())
print(json.dumps({"pypdf": "pypdf" in sys.modules, "logging": "logging" in sys.modules, "report": render_json(result)}))
"""


def test_checking_a_plain_letter_never_imports_pypdf_and_reports_the_same(tmp_path):
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(_letters()["form field"])
    runs = {}
    for reader in ("plain", "pypdf"):
        done = subprocess.run(
            [sys.executable, "-c", CHECK, str(letter), reader],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            timeout=120,
        )
        runs[reader] = json.loads(done.stdout.strip().splitlines()[-1])
    assert runs["plain"]["pypdf"] is False and runs["pypdf"]["pypdf"] is True
    assert runs["plain"]["logging"] is False  # pypdf's log is captured only where pypdf is imported
    assert runs["plain"]["report"] == runs["pypdf"]["report"]


def test_the_log_of_a_read_without_pypdf_counts_warnings_and_sends_the_file_to_pypdf_if_it_is_imported(monkeypatch):
    modules: dict = {}  # a process that has imported neither logging nor pypdf
    monkeypatch.setattr(pdf, "sys", type("Sys", (), {"modules": modules}))
    with pdf._captured_log() as log:
        warnings.warn("odd object", stacklevel=1)
    assert (log.count, [note.detail for note in log.notes()]) == (
        1,
        ["pypdf reported 1 problems while reading (first: odd object)"],
    )
    with pytest.raises(NotPlain), pdf._captured_log():
        modules["pypdf"] = object()  # imported on the way: its records would have gone uncounted
    modules["logging"] = logging  # imported: pypdf's logger is captured as always
    with pdf._captured_log() as log:
        logging.getLogger("pypdf").warning("bad xref %s", 7)
    assert (log.count, log.first) == (1, ["bad xref 7"])


def test_a_plain_file_not_read_in_time_is_a_timeout_as_through_pypdf(monkeypatch):
    def slow(*args):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(plainpdf, "open_plain", slow)
    data = (ROOT / "samples" / "withdrawal-letter-2020.pdf").read_bytes()
    start = time.monotonic()
    with pytest.raises(CheckError) as info:
        pdf.load_pdf(data, path="slow.pdf", sha256="0", extension=".pdf", password=None, limits=Limits(timeout=0.8))
    assert info.value.type == "timeout" and info.value.stage == "load"
    assert "0.4 s (50% of the 0.8 s --timeout)" in info.value.message
    assert time.monotonic() - start < 4


def test_files_over_what_the_reader_keeps_go_to_pypdf(monkeypatch):
    data = fx.add_page(fx.genuine(signature=None), "A second page.")
    data = fx.rewrite(data, {})
    reader = _open(data)
    sizes = [len(page.get_contents().get_data()) for page in reader.pages]
    assert len(sizes) == 2
    with pytest.raises(NotPlain, match="more decoded"):  # each page's content fits, the two do not
        open_plain(data, max(sizes) + 1, LIMITS.max_page_content_bytes)
    monkeypatch.setattr(plainpdf, "MAX_FILE_BYTES", len(data) - 1)
    with pytest.raises(NotPlain, match="larger"):
        _open(data)
    monkeypatch.setattr(plainpdf, "MAX_FILE_BYTES", len(data))
    monkeypatch.setattr(plainpdf, "MAX_OBJECTS", len(reader.objects) - 1)
    with pytest.raises(NotPlain, match="cross-reference entry"):
        _open(data)
