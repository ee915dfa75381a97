"""PDF metadata consistency and the tools that made the file, from what the loader read.

Info and XMP should tell one story: the same producer, creator tool and dates (compared as
instants when both carry a time zone, else allowing for an unknown zone).  The producer and
creator name the last tools in the file's life: a scanner or a print-to-PDF/converter makes
the file a *reproduction* whose metadata describes the last hop, not the issuer; an online
editor, PDF editor, image editor or programming library is *unusual* for an official letter
(a weak signal without a baseline of the issuer's own tools).
"""

from __future__ import annotations

from collections.abc import Mapping

from authcheck.loaders.metadates import parse_iso_date, parse_pdf_date, parse_when
from authcheck.model import Document, Evidence, Location, Signal
from authcheck.util.dates import datetime, timedelta

TOOLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "scanner",
        (
            "canon ir",
            "canon dr",
            "xerox",
            "ricoh",
            "konica",
            "kyocera",
            "sharp mx",
            "e-studio",
            "lexmark",
            "brother",
            "epson scan",
            "hp digital sending",
            "hp scan",
            "scansnap",
            "naps2",
            "paperport",
            "omnipage",
            "abbyy",
            "finereader",
            "adobe scan",
            "paper capture",
            "camscanner",
            "genius scan",
            "office lens",
            "microsoft lens",
            "scanner pro",
            "tiny scanner",
            "vflat",
            "image capture",
        ),
    ),
    (
        "online-editor",
        (
            "ilovepdf",
            "smallpdf",
            "sejda",
            "pdfescape",
            "dochub",
            "pdffiller",
            "soda pdf",
            "sodapdf",
            "pdf candy",
            "pdfcandy",
            "hipdf",
            "pdf2go",
            "online2pdf",
            "convertio",
            "cloudconvert",
            "zamzar",
            "pdfzorro",
            "pdf buddy",
            "pdfbuddy",
            "lightpdf",
            "docfly",
            "formswift",
            "pdfsimpli",
        ),
    ),
    (
        "pdf-editor",
        (
            "pdf-xchange",
            "foxit phantompdf",
            "foxit pdf editor",
            "nitro pro",
            "nitro pdf",
            "pdfelement",
            "wondershare",
            "master pdf editor",
            "infix",
            "pdf studio",
            "able2extract",
            "pdf architect",
            "icecream",
        ),
    ),
    (
        "image-editor",
        (
            "photoshop",
            "gimp",
            "inkscape",
            "canva",
            "illustrator",
            "coreldraw",
            "affinity",
            "paint.net",
            "pixelmator",
            "photopea",
        ),
    ),
    (
        "library",
        (
            "pypdf",
            "reportlab",
            "fpdf",
            "tcpdf",
            "mpdf",
            "dompdf",
            "pdfsharp",
            "itext",
            "pdfkit",
            "jspdf",
            "pdf-lib",
            "pdfbox",
            "prawn",
            "hummus",
            "pymupdf",
            "mupdf",
            "pikepdf",
            "qpdf",
            "pdftk",
        ),
    ),
    (
        "converter",
        (
            "print to pdf",
            "microsoft print",
            "ghostscript",
            "dopdf",
            "pdfcreator",
            "cutepdf",
            "bullzip",
            "pdf24",
            "novapdf",
            "primopdf",
            "pdf printer",
            "quartz pdfcontext",
            "wkhtmltopdf",
            "headlesschrome",
            "chromium",
            "skia/pdf",
            "save as pdf",
            "cairo",
        ),
    ),
    (
        "office",
        (
            "microsoft",
            "word",
            "acrobat",
            "adobe pdf library",
            "distiller",
            "libreoffice",
            "openoffice",
            "wordperfect",
            "pages",
            "google docs",
            "writer",
            "pdfmaker",
        ),
    ),
)
UNUSUAL = ("online-editor", "pdf-editor", "image-editor", "library")
REPRODUCTION = ("scanner", "converter")
SIGNING_SUFFIXES = ("pyhanko",)
PAIRS = (
    ("Producer", "/Producer", "pdf:Producer", "text"),
    ("Creator tool", "/Creator", "xmp:CreatorTool", "text"),
    ("Created", "/CreationDate", "xmp:CreateDate", "date"),
    ("Modified", "/ModDate", "xmp:ModifyDate", "date"),
    ("Title", "/Title", "dc:title", "text"),
    ("Author", "/Author", "dc:creator", "text"),
)


def classify(tool: str) -> str:
    """The kind of tool a producer/creator string names ("unknown" when none matches)."""
    low = tool.casefold()
    for kind, needles in TOOLS:
        if any(n in low for n in needles):
            return kind
    return "unknown"


def metadata_facts(doc: Document, data: bytes) -> dict[str, Signal]:
    """Info-versus-XMP disagreements, the producing tools, reproduction and unusual-tool facts."""
    raw = doc.metadata.raw
    facts: dict[str, Signal] = {}
    mismatches = [m for m in (_mismatch(label, raw, a, b, how) for label, a, b, how in PAIRS) if m]
    if mismatches:
        facts["pdf_info_xmp_mismatch"] = Signal(
            [m[0] for m in mismatches],
            tuple(m[1] for m in mismatches),
            "The Info dictionary and the XMP packet disagree, so one of them was written or edited separately.",
        )
    tools = _tools(raw)
    if tools:
        kinds = [kind for _, _, kind in tools]
        main = next((k for k in UNUSUAL + REPRODUCTION + ("office",) if k in kinds), "unknown")
        facts["pdf_producer_kind"] = Signal(
            main,
            tuple(Evidence(t, Location("metadata", key=k)) for k, t, _ in tools),
            "The kind of program that made or last re-saved the file.",
        )
        unusual = [(k, t, kind) for k, t, kind in tools if kind in UNUSUAL]
        if unusual:
            facts["pdf_producer_unusual"] = Signal(
                f"{unusual[0][1]} ({unusual[0][2]})",
                tuple(Evidence(t, Location("metadata", key=k)) for k, t, _ in unusual),
                "The file was made or re-saved with a tool official letters are rarely made with (weak alone).",
            )
    copy = _reproduction(doc, tools)
    if copy:
        facts["pdf_reproduction"] = Signal(
            copy[0],
            copy[1],
            "This is a scan, image-only or printed/converted copy: "
            "its metadata describes the last copy, not the issuer's original.",
        )
    return facts


def _tools(raw: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(key, tool text, kind) for each producer/creator part, signing-tool suffixes left out."""
    found = []
    for key in ("/Producer", "pdf:Producer", "/Creator", "xmp:CreatorTool"):
        value = " ".join((raw.get(key) or "").split())
        for part in filter(None, (p.strip() for p in value.split(";"))):
            if any(s in part.casefold() for s in SIGNING_SUFFIXES):
                continue
            found.append((key, part, classify(part)))
    return found


def _reproduction(doc: Document, tools: list) -> tuple[str, tuple[Evidence, ...]] | None:
    """("scanner: …" / "converter: …" / "image-only", evidence), or None for an original-looking file."""
    for key, tool, kind in tools:
        if kind in REPRODUCTION:
            return f"{kind}: {tool}", (Evidence(tool, Location("metadata", key=key)),)
    if not doc.has_text_layer and doc.images:
        text = f"image-only: {len(doc.images)} image(s), no text layer"
        return "image-only", (Evidence(text, Location("file", key="pages")),)
    return None


def _mismatch(label: str, raw: Mapping[str, str], info_key: str, xmp_key: str, how: str) -> tuple[str, Evidence] | None:
    """A description and evidence when the Info and XMP values of one property disagree."""
    a, b = (raw.get(info_key) or "").strip(), (raw.get(xmp_key) or "").strip()
    if not a or not b:
        return None
    same = _same_date(a, b) if how == "date" else _same_text(a, b)
    if same is not False:
        return None
    text = f"{label}: Info {info_key} '{a}' vs XMP {xmp_key} '{b}'"
    return text, Evidence(text, Location("metadata", key=f"{info_key} / {xmp_key}"))


def _same_text(a: str, b: str) -> bool | None:
    """Equal after case, spacing and signing-tool parts ("; pyHanko 0.38"), or one extends the other."""
    x, y = (_without_signing_tools(v) for v in (a, b))
    if not x or not y:
        return None
    return x == y or x.startswith(y) or y.startswith(x)


def _without_signing_tools(value: str) -> str:
    """A producer string without the parts a signing tool appends, normalised for comparison."""
    parts = [p for p in value.split(";") if not any(s in p.casefold() for s in SIGNING_SUFFIXES)]
    return " ".join(";".join(parts).split()).casefold()


def _same_date(info: str, xmp: str) -> bool | None:
    """Whether two dates agree within a minute; a zone-less one may be in any zone (None: unparseable)."""
    a, b = parse_pdf_date(info), parse_iso_date(xmp) or parse_pdf_date(xmp)
    if not a or not b:
        return None
    first, second = _naive_or_aware(a), _naive_or_aware(b)
    if first is None or second is None:
        return None
    if (first.tzinfo is None) == (second.tzinfo is None):
        gap = abs(first - second) if first.tzinfo else abs(first.replace(tzinfo=None) - second.replace(tzinfo=None))
        return gap <= timedelta(minutes=1)
    aware, naive = (first, second) if first.tzinfo else (second, first)
    as_local = abs(aware.replace(tzinfo=None) - naive) <= timedelta(minutes=1)
    aware_utc, naive_utc = parse_when(aware.isoformat()), parse_when(naive.isoformat())
    as_utc = aware_utc is not None and naive_utc is not None and abs(aware_utc - naive_utc) <= timedelta(minutes=1)
    return as_local or as_utc


def _naive_or_aware(text: str) -> datetime | None:
    """An ISO string as a datetime, keeping it naive when it has no offset."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
