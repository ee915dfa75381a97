"""Build the PDFs the forensic tests need, from tools.docgen letters, in memory.

Every builder returns bytes; nothing binary is committed.  Edits are written the way real
tools write them: incremental updates appended after the original (`append_update`, with
an ExifTool-style block on request), a real pyHanko signature with a throwaway self-signed
certificate (`sign`, needs the `signatures` extra), qpdf's linearization when qpdf is
installed (`linearize`, else a hand-built /Linearized layout), and full rewrites of a
docgen file for content tricks (`rewrite`).  Object bodies are serialized with pypdf.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from tools.docgen import Img, LetterSpec, Text, build_pdf, letter_pdf
from tools.pdfgen import pdf_string

BAGHDAD = timezone(timedelta(hours=3))
SIGNER = "James T. Whitfield"
CREATED = datetime(2020, 1, 14, 7, 48, tzinfo=BAGHDAD)


def genuine_spec(signature: str | None = "image", **metadata) -> LetterSpec:
    """A routine, genuine letter written in Word; `metadata` overrides its Info/XMP values."""
    md = {
        "title": "Air Movement Coordination Meetings",
        "author": "Whitfield, James T. COL USARMY",
        "creator": "Microsoft Word",
        "producer": "Microsoft Word 2016",
        "created": CREATED,
        "modified": CREATED + timedelta(minutes=37),
        "xmp": True,
    }
    md.update(metadata)
    return LetterSpec(
        letterhead=["HEADQUARTERS", "TASK FORCE IRAQ", "BAGHDAD, IRAQ"],
        date="14 January 2020",
        blocks=[
            "MEMORANDUM FOR Iraqi Ministry of Defense, Director of Air Operations",
            "FROM: Chief, Air Movement Coordination Cell, Task Force Iraq",
            "SUBJECT: Air Movement Coordination Meetings",
            "Sir,",
            "1. Task Force Iraq requests weekly air movement coordination meetings with your staff, "
            "every Tuesday at 1000 hours in the Joint Operations Center.",
            "2. Please confirm attendance and nominate a liaison officer.",
        ],
        closing="Respectfully,",
        signature_name="JAMES T. WHITFIELD",
        signature_titles=["Colonel, US Army", "Chief, Air Movement Coordination Cell"],
        signature=signature,
        metadata={k: v for k, v in md.items() if v is not None},
    )


def genuine(signature: str | None = "image", **metadata) -> bytes:
    """The genuine letter as PDF bytes."""
    return letter_pdf(genuine_spec(signature, **metadata))


def print_to_pdf_copy() -> bytes:
    """The genuine letter as a leaked "Microsoft: Print To PDF" copy: new producer and dates, no
    author, no XMP, the signature image kept."""
    later = datetime(2020, 2, 20, 18, 3, tzinfo=timezone.utc)
    spec = genuine_spec(
        "image",
        title="Microsoft Word - coordination.docx",
        author=None,
        creator=None,
        producer="Microsoft: Print To PDF",
        created=later,
        modified=later,
        xmp=None,
    )
    return letter_pdf(spec)


# -- incremental updates -------------------------------------------------------------------------


def _reader(data: bytes):
    """A pypdf reader over `data`."""
    from pypdf import PdfReader

    return PdfReader(BytesIO(data), strict=False)


def serialize(obj) -> bytes:
    """A pypdf object as PDF source bytes."""
    out = BytesIO()
    obj.write_to_stream(out)
    return out.getvalue()


def append_update(data: bytes, objects: dict[int, bytes], *, info: int | None = None, exiftool: bool = False) -> bytes:
    """Append an incremental update holding `objects` (number -> body), as Acrobat or ExifTool do.

    The new trailer copies /Root, /Info (or uses `info`) and the first /ID of the previous one,
    and points /Prev at the previous cross-reference section.
    """
    reader = _reader(data)
    trailer = reader.trailer
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    if exiftool:
        out += b"%BeginExifToolUpdate\n"
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += f"{num} 0 obj\n".encode() + objects[num] + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n" + _subsections(offsets)
    size = max(int(trailer.get("/Size", 0)), max(offsets) + 1)
    root = trailer.raw_get("/Root").idnum
    info_num = info or (trailer.raw_get("/Info").idnum if "/Info" in trailer else None)
    first_id = _id_hex(trailer["/ID"][0]) if "/ID" in trailer else hashlib.md5(data).hexdigest()
    new_id = hashlib.md5(bytes(out)).hexdigest()
    info_ref = f" /Info {info_num} 0 R" if info_num else ""
    out += (
        f"trailer\n<< /Size {size} /Root {root} 0 R{info_ref} /ID [<{first_id}> <{new_id}>] /Prev {prev} >>\n"
    ).encode()
    if exiftool:
        out += f"%EndExifToolUpdate {len(data)}\n".encode()
    out += f"startxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


def empty_updates(data: bytes, count: int) -> bytes:
    """`count` do-nothing incremental updates: each re-saves the catalog unchanged (padding that
    pushes a real edit far down the /Prev chain)."""
    root = _reader(data).trailer.raw_get("/Root").idnum
    body = objects_of(data)[root]
    for _ in range(count):
        data = append_update(data, {root: body})
    return data


def _id_hex(value) -> str:
    """A trailer /ID string as hex, whether pypdf read it as bytes or as text."""
    raw = getattr(value, "original_bytes", None)
    return (raw if raw is not None else bytes(value)).hex()


def _subsections(offsets: dict[int, int]) -> bytes:
    """Classic xref subsections for the given object offsets (consecutive numbers grouped)."""
    out, nums = b"", sorted(offsets)
    while nums:
        run = [nums.pop(0)]
        while nums and nums[0] == run[-1] + 1:
            run.append(nums.pop(0))
        out += f"{run[0]} {len(run)}\n".encode() + b"".join(f"{offsets[n]:010d} 00000 n \n".encode() for n in run)
    return out


def _next_number(data: bytes) -> int:
    """The first unused object number."""
    return max(int(_reader(data).trailer.get("/Size", 1)), 1)


def add_text(data: bytes, text: str, *, page: int = 0, x: float = 72, y: float = 96, gray: float = 0) -> bytes:
    """An incremental update that draws `text` on `page` (in the page's first font)."""
    font = sorted(_reader(data).pages[page]["/Resources"]["/Font"].keys())[0]
    return add_ops(data, f"q {gray:g} g BT {font} 12 Tf 1 0 0 1 {x:g} {y:g} Tm {pdf_string(text)} Tj ET Q", page=page)


def add_ops(data: bytes, ops: str, *, page: int = 0) -> bytes:
    """An incremental update appending a content stream of operators `ops` to `page`."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    reader = _reader(data)
    page_obj = reader.pages[page]
    num = _next_number(data)
    raw = (ops + "\n").encode("latin-1")
    stream = f"<< /Length {len(raw)} >>\nstream\n".encode() + raw + b"\nendstream"
    old = page_obj.raw_get("/Contents")
    contents = ArrayObject(list(old) if isinstance(old, ArrayObject) else [old])
    contents.append(IndirectObject(num, 0, reader))
    new_page = DictionaryObject(page_obj)
    new_page[NameObject("/Contents")] = contents
    return append_update(data, {num: stream, page_obj.indirect_reference.idnum: serialize(new_page)})


def add_annotation(data: bytes, text: str, *, page: int = 0, flags: int = 4) -> bytes:
    """An incremental update adding a FreeText annotation that shows `text` (/F `flags`: 4 print, 2 hidden)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    reader = _reader(data)
    page_obj = reader.pages[page]
    num = _next_number(data)
    annot = (
        f"<< /Type /Annot /Subtype /FreeText /Rect [72 60 540 80] /Contents {pdf_string(text)} "
        f"/DA (/Helv 12 Tf 0 g) /F {flags} /T (reviewer) >>"
    ).encode("latin-1")
    annots = ArrayObject(list(page_obj.get("/Annots", ArrayObject())))
    annots.append(IndirectObject(num, 0, reader))
    new_page = DictionaryObject(page_obj)
    new_page[NameObject("/Annots")] = annots
    return append_update(data, {num: annot, page_obj.indirect_reference.idnum: serialize(new_page)})


def add_page(data: bytes, text: str) -> bytes:
    """An incremental update appending a page that shows `text` (same font as page 1)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject

    reader = _reader(data)
    first = reader.pages[0]
    pages_ref = reader.trailer["/Root"].raw_get("/Pages")
    pages = DictionaryObject(pages_ref.get_object())
    content, page = _next_number(data), _next_number(data) + 1
    font = sorted(first["/Resources"]["/Font"].keys())[0]
    ops = f"BT {font} 12 Tf 1 0 0 1 72 700 Tm {pdf_string(text)} Tj ET\n".encode("latin-1")
    page_body = (
        f"<< /Type /Page /Parent {pages_ref.idnum} 0 R /MediaBox [0 0 612 792] /Resources "
        f"{serialize(first['/Resources']).decode('latin-1')} /Contents {content} 0 R >>"
    ).encode("latin-1")
    kids = ArrayObject([*list(pages["/Kids"]), IndirectObject(page, 0, reader)])
    pages[NameObject("/Kids")], pages[NameObject("/Count")] = kids, NumberObject(len(kids))
    stream = f"<< /Length {len(ops)} >>\nstream\n".encode() + ops + b"\nendstream"
    return append_update(data, {content: stream, page: page_body, pages_ref.idnum: serialize(pages)})


def version_bumped() -> bytes:
    """The genuine letter with a %PDF-1.3 header and a catalog /Version /1.7, as a later tool leaves it."""
    data = genuine()
    return rewrite(data, _catalog_with(data, " /Version /1.7"), header=b"%PDF-1.3")


def set_info(data: bytes, *, exiftool: bool = False, **entries: str) -> bytes:
    """An incremental update rewriting the /Info dictionary with `entries` changed (e.g. Author="x")."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    reader = _reader(data)
    ref = reader.trailer.raw_get("/Info") if "/Info" in reader.trailer else None
    info = DictionaryObject(reader.trailer["/Info"]) if ref is not None else DictionaryObject()
    for key, value in entries.items():
        info[NameObject("/" + key)] = TextStringObject(value)
    num = ref.idnum if ref is not None else _next_number(data)
    return append_update(data, {num: serialize(info)}, info=num, exiftool=exiftool)


def append_junk(data: bytes, junk: bytes = b"% appended after signing\n") -> bytes:
    """The file with bytes appended after its last %%EOF."""
    return data + junk


# -- signatures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """A throwaway signing identity: DER certificate and PKCS#8 DER private key."""

    cert_der: bytes
    key_der: bytes

    def write_cert(self, folder: Path) -> Path:
        """Write the certificate as a trust root file and return its path."""
        path = Path(folder) / "root.der"
        path.write_bytes(self.cert_der)
        return path


@lru_cache(maxsize=8)
def identity(name: str = SIGNER) -> Identity:
    """A self-signed certificate (CN = `name`) and its key, made with `cryptography`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Task Force Iraq"),
        ]
    )
    start = datetime(2019, 1, 1, tzinfo=timezone.utc)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return Identity(
        cert.public_bytes(serialization.Encoding.DER),
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )


def sign(data: bytes, who: Identity | None = None, *, field: str = "Signature1", name: str | None = None) -> bytes:
    """Sign `data` with pyHanko (an invisible approval signature in a new field)."""
    from asn1crypto import keys, x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    who = who or identity()
    cert = x509.Certificate.load(who.cert_der)
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=keys.PrivateKeyInfo.load(who.key_der),
        cert_registry=SimpleCertificateStore.from_certs([cert]),
    )
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(field_name=field, name=name)
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def placeholder_signed(**metadata) -> bytes:
    """The genuine letter with a docgen "digital" field: a filled /Sig whose /Contents is all zeros."""
    return genuine("digital", **metadata)


# -- whole-file rewrites of a docgen PDF ---------------------------------------------------------

_OBJ = re.compile(rb"(\d+) 0 obj\n(.*?)\nendobj\n", re.S)


def objects_of(data: bytes) -> dict[int, bytes]:
    """The object bodies of a single-revision docgen PDF (uncompressed, one object per block)."""
    return {int(m.group(1)): m.group(2) for m in _OBJ.finditer(data)}


def _trailer_refs(data: bytes) -> tuple[int, int | None, str]:
    """(/Root number, /Info number or None, first /ID hex) of a docgen PDF."""
    trailer = data[data.rindex(b"trailer") :]
    root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
    info = re.search(rb"/Info (\d+) 0 R", trailer)
    doc_id = re.search(rb"/ID \[<([0-9A-Fa-f]+)>", trailer)
    return root, int(info.group(1)) if info else None, doc_id.group(1).decode() if doc_id else "00"


def rewrite(data: bytes, objects: dict[int, bytes], *, header: bytes = b"%PDF-1.7") -> bytes:
    """A fresh single-revision file from `data`'s objects with `objects` replacing or adding bodies."""
    bodies = {**objects_of(data), **objects}
    root, info, doc_id = _trailer_refs(data)
    out = bytearray(header + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in range(1, max(bodies) + 1):
        offsets[num] = len(out)
        out += f"{num} 0 obj\n".encode() + bodies.get(num, b"null") + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offsets[n]:010d} 00000 n \n".encode() for n in sorted(offsets))
    info_ref = f" /Info {info} 0 R" if info else ""
    out += (
        f"trailer\n<< /Size {len(offsets) + 1} /Root {root} 0 R{info_ref} /ID [<{doc_id}> <{doc_id}>] >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


def _catalog_with(data: bytes, extra: str) -> dict[int, bytes]:
    """The catalog object of a docgen PDF with `extra` entries added."""
    root, _, _ = _trailer_refs(data)
    body = objects_of(data)[root]
    return {root: body[: body.rindex(b">>")] + extra.encode("latin-1") + b" >>"}


def _page_number(data: bytes) -> int:
    """The object number of the first page of a docgen PDF."""
    return next(n for n, body in objects_of(data).items() if body.startswith(b"<< /Type /Page "))


def _page_with_annots(data: bytes, refs: list[int]) -> dict[int, bytes]:
    """The first page object of a docgen PDF with /Annots added (or extended)."""
    num = _page_number(data)
    body = objects_of(data)[num]
    listed = " ".join(f"{r} 0 R" for r in refs)
    if b"/Annots [" in body:
        return {num: body.replace(b"/Annots [", f"/Annots [{listed} ".encode(), 1)}
    return {num: body[: body.rindex(b">>")] + f"/Annots [{listed}] >>".encode()}


def active_content() -> bytes:
    """The genuine letter with JavaScript run on open, a /JavaScript name tree, a /Launch link and
    an embedded file."""
    data = genuine()
    base = max(objects_of(data)) + 1
    js, js2, launch_annot, ef, spec = base, base + 1, base + 2, base + 3, base + 4
    payload = b"Hidden attachment\n"
    objects = {
        js: b"<< /S /JavaScript /JS (app.alert\\('Opened'\\);) >>",
        js2: b"<< /S /JavaScript /JS (this.print\\(\\);) >>",
        ef: f"<< /Type /EmbeddedFile /Length {len(payload)} >>\nstream\n".encode() + payload + b"\nendstream",
        spec: f"<< /Type /Filespec /F (orders.txt) /UF (orders.txt) /EF << /F {ef} 0 R >> >>".encode(),
        launch_annot: (b"<< /Type /Annot /Subtype /Link /Rect [72 60 200 80] /A << /S /Launch /F (cmd.exe) >> >>"),
    }
    objects.update(
        _catalog_with(
            data,
            f" /OpenAction {js} 0 R /Names << /JavaScript << /Names [(init) {js2} 0 R] >> "
            f"/EmbeddedFiles << /Names [(orders.txt) {spec} 0 R] >> >>",
        )
    )
    objects.update(_page_with_annots(data, [launch_annot]))
    return rewrite(data, objects)


def form_field(value: str = "J. Q. Example", name: str = "Approver") -> bytes:
    """The genuine letter with a filled text form field (its value is drawn by the viewer, not in the page text)."""
    data = genuine()
    widget = max(objects_of(data)) + 1
    objects = {
        widget: (
            f"<< /Type /Annot /Subtype /Widget /FT /Tx /T {pdf_string(name)} /V {pdf_string(value)} "
            f"/Rect [306 90 540 110] /F 4 /P {_page_number(data)} 0 R >>"
        ).encode("latin-1")
    }
    objects.update(_catalog_with(data, f" /AcroForm << /Fields [{widget} 0 R] >>"))
    objects.update(_page_with_annots(data, [widget]))
    return rewrite(data, objects)


def page_with_ops(ops: str, *, info: dict | None = None) -> bytes:
    """A one-page PDF (Times-Roman as /F1) whose content stream is exactly `ops`."""
    data = build_pdf([[Text(72, 700, "MARKER", "Times-Roman", 12)]], info=info or {"Producer": "Microsoft Word 2016"})
    content = next(n for n, body in objects_of(data).items() if b"MARKER" in body)
    raw = ops.encode("latin-1")
    return rewrite(data, {content: f"<< /Length {len(raw)} >>\nstream\n".encode() + raw + b"\nendstream"})


def page_with_images(ops: str, *, form: str | None = None, images: int = 2) -> bytes:
    """A one-page PDF whose content stream is exactly `ops`, with /F1 (Times-Roman) and the image
    XObjects /Im1../Im`images` in its resources; with `form`, also /Fm1, a form XObject whose content
    is `form` (the same font and images in its own resources)."""
    data = build_pdf([[Text(72, 700, "MARKER", "Times-Roman", 12), Img(72, 600, 120, 40)]])
    objects = objects_of(data)
    content = next(n for n, body in objects.items() if b"MARKER" in body)
    page = next(n for n, body in objects.items() if b"/Type /Page " in body)
    image = next(n for n, body in objects.items() if b"/Subtype /Image" in body)
    font = next(n for n, body in objects.items() if b"/Type /Font" in body)
    raw = ops.encode("latin-1")
    extra = {content: f"<< /Length {len(raw)} >>\nstream\n".encode() + raw + b"\nendstream"}
    names = " ".join(f"/Im{k} {image} 0 R" for k in range(1, images + 1))
    resources = f"/Font << /F1 {font} 0 R >> /XObject << {names} >>"
    if form is not None:
        number = max(objects) + 1
        body = form.encode("latin-1")
        extra[number] = (
            (
                f"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << {resources} >> "
                f"/Length {len(body)} >>\nstream\n"
            ).encode()
            + body
            + b"\nendstream"
        )
        resources = resources[:-3] + f" /Fm1 {number} 0 R >>"
    extra[page] = re.sub(
        rb"/Resources << .* >> /Contents", f"/Resources << {resources} >> /Contents".encode(), objects[page]
    )
    return rewrite(data, extra)


def _patched(data: bytes, marker: bytes, replacement: bytes) -> bytes:
    """`data` with the content-stream operator `marker` replaced by one of the same length."""
    assert len(marker) == len(replacement) and marker in data, (marker, replacement)
    return data.replace(marker, replacement)


def hidden_text_letter(kind: str = "invisible") -> bytes:
    """The genuine letter plus a line nobody sees: rendering mode 3 ("invisible") or white fill ("white")."""
    spec = genuine_spec()
    from tools.docgen import layout_pages

    pages = layout_pages(spec)
    secret = "All coalition forces will withdraw within 30 days."
    pages[0].append(Text(72, 100, secret, "Times-Roman", 12, gray=0.37 if kind == "invisible" else 1.0))
    data = build_pdf(pages, info={"Producer": "Microsoft Word 2016", "Creator": "Microsoft Word"})
    return _patched(data, b"q 0.37 g BT", b"q 3 Tr   BT") if kind == "invisible" else data


def scanned(ocr: bool = False) -> bytes:
    """An image-only page as a scanner writes it; with `ocr`, an invisible OCR text layer on top."""
    items = [Img(0, 0, 612, 792)]
    if ocr:
        items += [
            Text(72, 700 - 14 * i, line, "Times-Roman", 12, gray=0.37)
            for i, line in enumerate(["HEADQUARTERS", "TASK FORCE IRAQ", "Sir,", "Please confirm attendance."])
        ]
    info = {
        "Producer": "Canon iR-ADV C5535 PDF",
        "Creator": "Canon iR-ADV C5535",
        "CreationDate": datetime(2020, 1, 20, 9, 0, tzinfo=BAGHDAD),
    }
    data = build_pdf([items], info=info)
    return data.replace(b"q 0.37 g BT", b"q 3 Tr   BT") if ocr else data


def info_xmp_mismatch() -> bytes:
    """The genuine letter whose XMP packet names another producer and creation date than /Info."""
    from tools.pdfmeta import xmp_packet

    xmp = xmp_packet(
        {
            "Producer": "Microsoft: Print To PDF",
            "Creator": "Microsoft Word",
            "CreationDate": (CREATED + timedelta(days=1)).isoformat(),
        }
    )
    return letter_pdf(replace(genuine_spec(), metadata={**genuine_spec().metadata, "xmp": xmp}))


# -- linearization ------------------------------------------------------------------------------


def linearize(data: bytes, *, use_qpdf: bool | None = None) -> bytes:
    """A linearized copy: by qpdf when it is installed (or `use_qpdf`), else laid out by hand."""
    qpdf = shutil.which("qpdf")
    if use_qpdf is None:
        use_qpdf = qpdf is not None
    if not use_qpdf:
        return linearize_by_hand(data)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.pdf", Path(tmp) / "out.pdf"
        src.write_bytes(data)
        subprocess.run([qpdf or "qpdf", "--linearize", str(src), str(dst)], check=False, capture_output=True)
        return dst.read_bytes()


def linearize_by_hand(data: bytes) -> bytes:
    """A docgen PDF rearranged like a linearized file: the /Linearized dictionary first, a
    first-page xref section whose trailer /Prev points at the main section at the end, and the
    final startxref pointing back at the first-page section.  (Hint tables are left out.)"""
    bodies = objects_of(data)
    root, info, doc_id = _trailer_refs(data)
    count, lin = max(bodies), max(bodies) + 1
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

    def build(main_xref: int, length: int) -> tuple[bytes, int]:
        out = bytearray(head)
        lin_at = len(out)
        out += (f"{lin} 0 obj\n<< /Linearized 1 /L {length:010d} /N 1 /T {main_xref:010d} >>\nendobj\n").encode()
        first_xref = len(out)
        info_ref = f" /Info {info} 0 R" if info else ""
        out += (
            f"xref\n{lin} 1\n{lin_at:010d} 00000 n \ntrailer\n<< /Size {lin + 1} /Root {root} 0 R{info_ref} "
            f"/ID [<{doc_id}> <{doc_id}>] /Prev {main_xref:010d} >>\nstartxref\n0\n%%EOF\n"
        ).encode()
        offsets = {}
        for num in range(1, count + 1):
            offsets[num] = len(out)
            out += f"{num} 0 obj\n".encode() + bodies.get(num, b"null") + b"\nendobj\n"
        xref_at = len(out)
        out += f"xref\n0 {count + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{offsets[n]:010d} 00000 n \n".encode() for n in range(1, count + 1))
        out += f"trailer\n<< /Size {lin + 1} >>\nstartxref\n{first_xref}\n%%EOF\n".encode()
        return bytes(out), xref_at

    first, xref_at = build(0, 0)
    final, _ = build(xref_at, len(first))
    return final


__all__ = [
    "Identity",
    "active_content",
    "add_annotation",
    "add_ops",
    "add_page",
    "add_text",
    "append_junk",
    "append_update",
    "form_field",
    "genuine",
    "genuine_spec",
    "hidden_text_letter",
    "identity",
    "info_xmp_mismatch",
    "linearize",
    "linearize_by_hand",
    "objects_of",
    "page_with_ops",
    "placeholder_signed",
    "print_to_pdf_copy",
    "rewrite",
    "scanned",
    "set_info",
    "sign",
    "version_bumped",
]


def scanned_pages(dpis: list[int], filters: list[str] | None = None) -> bytes:
    """A PDF of Letter-size pages, each only a picture of the page scanned at its own resolution
    (`dpis`) and stored with its own compression ("jpeg" or "flate"; all "jpeg" by default)."""
    import io
    import zlib

    from PIL import Image as PILImage
    from PIL import ImageDraw

    filters = filters or ["jpeg"] * len(dpis)
    objects: list[bytes] = []
    kids = []
    for n, (dpi, filt) in enumerate(zip(dpis, filters)):
        w, h = round(8.5 * dpi), round(11 * dpi)
        picture = PILImage.new("L", (w, h), 250)
        ImageDraw.Draw(picture).rectangle((w // 8, h // 8, w // 2, h // 7), fill=20)
        if filt == "jpeg":
            out = io.BytesIO()
            picture.save(out, format="JPEG", quality=80)
            stream, name = out.getvalue(), "/DCTDecode"
        else:
            stream, name = zlib.compress(picture.tobytes()), "/FlateDecode"
        image_no, content_no, page_no = 3 + 3 * n, 4 + 3 * n, 5 + 3 * n
        head = f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray"
        objects.append(
            f"{head} /BitsPerComponent 8 /Filter {name} /Length {len(stream)} >>\nstream\n".encode()
            + stream
            + b"\nendstream"
        )
        draw = b"q 612 0 0 792 0 0 cm /Im0 Do Q"
        objects.append(f"<< /Length {len(draw)} >>\nstream\n".encode() + draw + b"\nendstream")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_no} 0 R "
            f"/Resources << /XObject << /Im0 {image_no} 0 R >> >> >>".encode()
        )
        kids.append(f"{page_no} 0 R")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode(),
        *objects,
    ]
    body, offsets = b"%PDF-1.7\n", []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    return body + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


#: Latin letters X, Y, Z, W read as the Hebrew letters alef, bet, gimel, dalet (a ToUnicode map)
_HEBREW_CMAP = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<00> <FF>
endcodespacerange
4 beginbfchar
<58> <05D0>
<59> <05D1>
<5A> <05D2>
<57> <05D3>
endbfchar
endcmap
CMapName currentdict /CMap defineresource pop
end
end"""


def page_with_hebrew(ops: str) -> bytes:
    """`page_with_images(ops, images=0)` whose font /F1 reads X, Y, Z and W as Hebrew letters (through
    a ToUnicode map), for text that PDFium reorders right to left."""
    data = page_with_images(ops, images=1)
    objects = objects_of(data)
    font = next(n for n, body in objects.items() if b"/Type /Font" in body)
    cmap = max(objects) + 1
    body = objects[font].rstrip()
    assert body.endswith(b">>"), body
    return rewrite(
        data,
        {
            font: body[:-2] + f" /ToUnicode {cmap} 0 R >>".encode(),
            cmap: f"<< /Length {len(_HEBREW_CMAP)} >>\nstream\n".encode() + _HEBREW_CMAP + b"\nendstream",
        },
    )
