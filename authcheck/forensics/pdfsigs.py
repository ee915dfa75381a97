"""PDF signature fields: what each one claims, whether its signed byte range is sane, who signed.

`read_signatures` walks /AcroForm (duck-typed pypdf objects, pypdf is not imported here) and
checks each filled field's /ByteRange against the raw file: it must start at 0, its gap must
be exactly the /Contents hex string, and it must end inside the file; whatever follows the
range was added after signing.  The signer's name comes from the certificate inside the
PKCS#7 /Contents when `cryptography` is installed (the `crypto` extra), else from /Name.
`validate` runs pyHanko (the `signatures` extra) for integrity, coverage, post-signing
modification level and trust; it is imported only when a filled signature exists.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import field
from typing import TYPE_CHECKING, Any

from authcheck.util.patterns import compiled
from authcheck.util.records import mutable

if TYPE_CHECKING:
    from pathlib import Path

MAX_FIELDS = 2000
TRUST_ENV = "AUTHCHECK_TRUST_ROOTS"  #: os.pathsep-separated certificate files or folders
_HEX = compiled(rb"<[0-9A-Fa-f\s]*>")
_CAC = compiled(r"^([A-Z][A-Z'-]+)\.([A-Z][A-Z'-]+)(?:\.([A-Z][A-Z'-]*))?\.\d{6,}$")


@mutable
class SigInfo:
    """One /FT /Sig field as the file states it, plus what the raw bytes say about it."""

    name: str
    filled: bool
    kind: str = "signature"  #: "signature" or "timestamp" (/DocTimeStamp)
    subfilter: str | None = None
    name_entry: str | None = None  #: /Name, typed by the signing software
    when: str | None = None  #: /M, raw
    reason: str | None = None
    byte_range: tuple[int, ...] | None = None
    covered_end: int | None = None  #: offset just past the signed bytes (c + d)
    problems: list[str] = field(default_factory=list)
    placeholder: bool = False  #: /Contents holds no signature data (all zeros)
    contents: bytes = b""
    signer: str | None = None
    signer_source: str | None = None  #: "certificate" or "name-entry"


@mutable
class Validation:
    """pyHanko's verdict on one signature; None where it could not say."""

    name: str
    integrity: str  #: intact | broken | unreadable
    coverage: str | None = None  #: entire_file | entire_revision | contiguous_block_from_start | unclear
    modification: str | None = None  #: none | lta_updates | form_filling | annotations | other
    docmdp_ok: bool | None = None
    trusted: bool | None = None  #: None when no trust roots were supplied
    signer: str | None = None
    detail: str = ""


def resolve(obj: Any) -> Any:
    """The object behind an indirect reference."""
    return obj.get_object() if obj is not None and hasattr(obj, "get_object") else obj


def text(value: Any) -> str | None:
    """A PDF string or name as text."""
    value = resolve(value)
    if value is None:
        return None
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def iter_fields(reader: Any) -> Iterator[tuple[str, Any, str | None]]:
    """(full name, terminal field dict, field type) for every /AcroForm field, bounded."""
    form = resolve(resolve(reader.trailer["/Root"]).get("/AcroForm"))
    if not hasattr(form, "get"):
        return
    todo: deque[tuple[Any, str, str | None]] = deque((ref, "", None) for ref in (resolve(form.get("/Fields")) or []))
    seen: set[int] = set()
    while todo and len(seen) < MAX_FIELDS:
        ref, parent, inherited = todo.popleft()
        node = resolve(ref)
        if not hasattr(node, "get") or id(node) in seen:
            continue
        seen.add(id(node))
        name = ".".join(p for p in (parent, text(node.get("/T")) or "") if p)
        kind = text(node.get("/FT")) or inherited
        kids = [k for k in (resolve(node.get("/Kids")) or []) if hasattr(resolve(k), "get") and "/T" in resolve(k)]
        if kids:
            todo.extend((k, name, kind) for k in kids)
        else:
            yield name or "unnamed", node, kind


def read_signatures(reader: Any, data: bytes) -> list[SigInfo]:
    """Every signature field, filled or empty, with its byte-range checks done."""
    found = []
    for name, node, kind in iter_fields(reader):
        if kind != "/Sig":
            continue
        value = resolve(node.get("/V"))
        if not hasattr(value, "get"):
            found.append(SigInfo(name, filled=False))
            continue
        info = SigInfo(
            name,
            True,
            "timestamp" if text(value.get("/Type")) == "/DocTimeStamp" else "signature",
            text(value.get("/SubFilter")),
            text(value.get("/Name")),
            text(value.get("/M")),
            text(value.get("/Reason")),
        )
        raw = resolve(value.get("/Contents"))
        info.contents = bytes(getattr(raw, "original_bytes", b"") or (raw if isinstance(raw, bytes) else b""))
        info.placeholder = not info.contents.strip(b"\x00")
        check_byte_range(info, resolve(value.get("/ByteRange")), data)
        found.append(info)
    return found


def check_byte_range(info: SigInfo, value: Any, data: bytes) -> None:
    """Fill `byte_range`, `covered_end` and `problems` from /ByteRange [a b c d] and the raw file."""
    try:
        numbers = tuple(int(v) for v in value) if value is not None else ()
    except (TypeError, ValueError):
        numbers = ()
    if len(numbers) != 4 or min(numbers) < 0:
        info.problems.append(f"{info.name}: /ByteRange is missing or malformed ({numbers or value!r})")
        return
    a, b, c, d = numbers
    info.byte_range, info.covered_end = numbers, c + d
    if a != 0:
        info.problems.append(f"{info.name}: the signed range starts at byte {a}, not at the start of the file")
    if c < a + b:
        info.problems.append(f"{info.name}: the two signed ranges overlap")
    if c + d > len(data):
        info.problems.append(
            f"{info.name}: the signed range ends at byte {c + d}, beyond the file's "
            f"{len(data)} bytes (the file was rewritten after signing)"
        )
        return
    gap = data[a + b : c]
    if not _HEX.fullmatch(gap):
        info.problems.append(
            f"{info.name}: the unsigned gap (bytes {a + b}-{c}) is not just the signature's /Contents string"
        )
    elif info.contents and bytes.fromhex(re.sub(rb"[<>\s]", b"", gap).decode()) != info.contents:
        info.problems.append(f"{info.name}: the unsigned gap holds another value than the field's /Contents")


def name_signers(sigs: list[SigInfo]) -> None:
    """Set each filled signature's signer: the certificate's name when readable, else /Name."""
    for sig in sigs:
        if not sig.filled or sig.kind != "signature":
            continue
        cert_name = certificate_name(sig.contents) if not sig.placeholder else None
        if cert_name:
            sig.signer, sig.signer_source = cert_name, "certificate"
        elif sig.name_entry:
            sig.signer, sig.signer_source = sig.name_entry, "name-entry"


def certificate_name(contents: bytes) -> str | None:
    """The common name of the end-entity certificate in a PKCS#7 blob (None without `cryptography`)."""
    try:
        from cryptography.hazmat.primitives.serialization import pkcs7
        from cryptography.x509.oid import NameOID
    except ImportError:
        return None
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            certs = pkcs7.load_der_pkcs7_certificates(_der_prefix(contents))
            leaves = [c for c in certs if not any(o is not c and o.issuer == c.subject for o in certs)] or certs
            names = leaves[0].subject.get_attributes_for_oid(NameOID.COMMON_NAME) if leaves else []
        except Exception:
            return None
    return person_from_cn(str(names[0].value)) if names else None


def _der_prefix(blob: bytes) -> bytes:
    """The DER object at the start of `blob` (signature /Contents are zero-padded)."""
    if len(blob) < 2 or blob[0] != 0x30:
        return blob
    first = blob[1]
    if first < 0x80:
        return blob[: 2 + first]
    count = first & 0x7F
    length = int.from_bytes(blob[2 : 2 + count], "big")
    return blob[: 2 + count + length]


def person_from_cn(cn: str) -> str:
    """A certificate common name as a person's name ("DOE.JOHN.Q.1234567890" -> "JOHN Q DOE")."""
    match = _CAC.match(cn.strip())
    if match:
        last, first, middle = match.groups()
        return " ".join(p for p in (first, middle, last) if p)
    return cn.strip()


# -- pyHanko -----------------------------------------------------------------------------------


def trust_root_paths(settings: Any) -> list[Path]:
    """Certificate files the user trusts: `settings.trust_roots` or $AUTHCHECK_TRUST_ROOTS (files or folders)."""
    from pathlib import Path  # only with pyHanko: pathlib costs a first command ≈ 2 ms

    given = getattr(settings, "trust_roots", None) or os.environ.get(TRUST_ENV, "")
    items = given.split(os.pathsep) if isinstance(given, str) else list(given)
    paths: list[Path] = []
    for item in filter(None, (str(i).strip() for i in items)):
        path = Path(item)
        if path.is_dir():
            paths.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in (".pem", ".crt", ".cer", ".der")))
        elif path.is_file():
            paths.append(path)
    return paths[:200]


@contextlib.contextmanager
def quiet(names: tuple[str, ...] = ("pyhanko", "pyhanko_certvalidator")):
    """Keep a library's log (pyHanko logs tracebacks for untrusted certificates) and warnings off the console."""
    import logging  # only here: a plain letter's check never imports logging (≈ 3 ms)
    import warnings

    saved = []
    for name in names:
        logger = logging.getLogger(name)
        saved.append((logger, logger.propagate, logger.handlers[:]))
        logger.handlers, logger.propagate = [logging.NullHandler()], False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, propagate, handlers in saved:
            logger.handlers, logger.propagate = handlers, propagate


def validate(data: bytes, settings: Any) -> tuple[list[Validation], bool]:
    """(one Validation per filled signature, whether trust roots were supplied); ImportError without pyHanko."""
    from io import BytesIO

    from pyhanko.keys import load_certs_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko_certvalidator import ValidationContext

    roots_paths = trust_root_paths(settings)
    with quiet():
        roots = list(load_certs_from_pemder([str(p) for p in roots_paths])) if roots_paths else []
        reader = PdfFileReader(BytesIO(data), strict=False)
        results = []
        for name, _value, field_ref in enumerate_sig_fields(reader, filled_status=True):
            try:
                embedded = EmbeddedPdfSignature(reader, field_ref, name)
            except Exception as exc:
                results.append(
                    Validation(
                        name, "unreadable", detail=f"the signature value cannot be parsed ({type(exc).__name__})"
                    )
                )
                continue
            context = ValidationContext(trust_roots=roots, allow_fetching=False)
            try:
                status = validate_pdf_signature(embedded, context)
            except Exception as exc:
                results.append(Validation(name, "unreadable", detail=f"validation failed ({type(exc).__name__})"))
                continue
            results.append(_validation(name, status, bool(roots)))
    return results, bool(roots)


def _validation(name: str, status: Any, have_roots: bool) -> Validation:
    """A Validation from pyHanko's PdfSignatureStatus."""
    coverage = getattr(status, "coverage", None)
    level = getattr(status, "modification_level", None)
    signer = None
    with contextlib.suppress(Exception):
        signer = person_from_cn(status.signing_cert.subject.native.get("common_name") or "") or None
    return Validation(
        name=name,
        integrity="intact" if status.intact else "broken",
        coverage=coverage.name.lower() if coverage is not None else None,
        modification=level.name.lower() if level is not None else None,
        docmdp_ok=getattr(status, "docmdp_ok", None),
        trusted=bool(status.trusted) if have_roots else None,
        signer=signer,
        detail=str(status.summary()) if hasattr(status, "summary") else "",
    )
