"""PDF forensics: what the file's structure says about signing, editing, hiding and origin.

`examine(data, doc, settings)` returns `Signal`s keyed as in `pdfkeys.PDF_KEYS`.  The work is
bounded (cross-reference sections followed, revisions rebuilt, pages scanned, wall-clock time)
and never raises for a malformed file: each part that fails or is cut short is named in
`pdf_forensics_incomplete` and the facts found so far are kept.  pypdf is imported here
lazily; pyHanko only when a filled signature exists (`pdfsigs.validate`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from io import BytesIO
from typing import Any

from authcheck.forensics import pdfactions, pdfcontent, pdfscanpages, pdfsigs
from authcheck.forensics.pdfdiff import Budget, diff_revisions
from authcheck.forensics.pdfmeta import metadata_facts
from authcheck.forensics.pdfrevisions import MAX_SECTIONS, Structure, walk
from authcheck.forensics.pdfsignals import revision_facts, signature_facts, structure_facts
from authcheck.loaders.pdf import reader_for
from authcheck.model import Document, Evidence, Location, Note, Signal
from authcheck.util.patterns import compiled

MAX_SECONDS = 12.0
_HEADER = compiled(rb"%PDF-(\d\.\d)")


def examine(data: bytes, doc: Document, settings: Any) -> dict[str, Signal]:
    """Forensic signals for one PDF (raw bytes plus what the loader read)."""
    return examine_with_notes(data, doc, settings)[0]


def examine_with_notes(data: bytes, doc: Document, settings: Any) -> tuple[dict[str, Signal], tuple[Note, ...]]:
    """The signals, and a "truncated" note when the revision history was not fully examined (the
    walk or the comparison of revisions stopped on time or size) or a scan's OCR layer was compared
    with only some of its page images: `file.truncated-analysis` then holds the file at review at
    least, so an edit hidden under many empty updates, or in a layer nobody sees, is never a silent pass."""
    limits = getattr(settings, "limits", None)
    budget = Budget(min(MAX_SECONDS, float(getattr(limits, "timeout", 30.0)) / 3))
    facts: dict[str, Signal] = {}
    incomplete: list[str] = []
    truncated: list[str] = []
    structure = _guarded("cross-reference chain", incomplete, walk, data, MAX_SECTIONS, budget.left) or Structure()
    if structure.truncated:
        truncated.append(structure.truncated)
    facts.update(structure_facts(structure))
    facts.update(_guarded("metadata", incomplete, metadata_facts, doc, data) or {})
    reader = reader_for(data)
    plain = getattr(reader, "plain", False) and len(structure.revisions) < 2 and not _replayed(reader)
    with contextlib.nullcontext(None) if plain else _pypdf(limits) as pypdf:
        if not plain and getattr(reader, "plain", False):
            reader = None  # a page's operators must be replayed (pypdf's text reader): pypdf reads the file
        reader = reader or _open(pypdf, data, getattr(settings, "password", None))
        if reader is None:
            incomplete.append("content (the file could not be opened or decrypted)")
        else:
            facts.update(_guarded("page content", incomplete, _content_facts, reader, doc, budget, incomplete) or {})
            if "pdf_ocr_layer" in facts:  # a fresh reading of the scanned pages against their text layer
                from authcheck.forensics import ocrlayer  # here: only a scan with a text layer needs it

                stopped: list[str] = []
                facts.update(
                    _guarded(
                        "OCR layer", incomplete, ocrlayer.compare, data, doc, facts["pdf_ocr_layer"], settings, stopped
                    )
                    or {}
                )
                incomplete += [f"OCR layer compared in part ({why})" for why in stopped]
                truncated += [f"OCR text layer compared with the page images only in part: {why}" for why in stopped]
            facts.update(_guarded("scanned pages", incomplete, pdfscanpages.scan_page_facts, reader, doc) or {})
            facts.update(_guarded("catalog", incomplete, _catalog_facts, reader, data) or {})
        changes, problems = _guarded(
            "revisions", incomplete, diff_revisions, pypdf, data, structure, budget, getattr(settings, "password", None)
        ) or ([], [])
        incomplete += problems
        truncated += [f"revision history not fully compared: {p}" for p in problems if "not compared" in p]
        sigs = _guarded("signatures", incomplete, pdfsigs.read_signatures, reader, data) if reader else None
    facts.update(revision_facts(structure, changes))
    if sigs:
        pdfsigs.name_signers(sigs)
        validations, have_roots = _validate(sigs, data, settings, incomplete)
        facts.update(signature_facts(sigs, structure, changes, len(data), validations, have_roots))
    if not budget.left():
        incomplete.append("time limit reached")
        truncated.append("the file's structure was examined only in part: the time limit was reached")
    if incomplete:
        facts["pdf_forensics_incomplete"] = Signal(
            list(dict.fromkeys(incomplete)),
            tuple(Evidence(i, Location("file")) for i in dict.fromkeys(incomplete)),
            "Part of the file's structure could not be examined, so the forensic facts may be incomplete.",
        )
    notes = tuple(Note("truncated", t, {"reason": "time" if "time" in t else "size"}) for t in dict.fromkeys(truncated))
    return facts, notes


def _guarded(what: str, incomplete: list[str], func: Callable, *args: Any) -> Any:
    """Call one examiner; a failure is recorded in `incomplete` instead of raised."""
    try:
        return func(*args)
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:
        incomplete.append(f"{what} ({type(exc).__name__})")
        return None


@contextlib.contextmanager
def _pypdf(limits: Any):
    """pypdf with its log kept quiet and the loader's hostile-input limits (no external decoders)."""
    from authcheck.loaders.pdf import import_pypdf, pypdf_configured
    from authcheck.settings import Limits

    pypdf = import_pypdf()

    with pdfsigs.quiet(("pypdf",)), pypdf_configured(pypdf, limits or Limits()):
        yield pypdf


def _replayed(reader: Any) -> bool:
    """True when a page's content is replayed for hidden text (`pdfcontent.scan_pages`), which
    takes pypdf's text reader: a reader without it (`plainpdf`) gives way to pypdf's."""
    try:
        return any(pdfcontent.suspect(page) for page in reader.pages[: pdfcontent.MAX_PAGES])
    except MemoryError:
        raise
    except Exception:
        return True


def _open(pypdf: Any, data: bytes, password: str | None) -> Any:
    """A readable PdfReader over the whole file, or None."""
    try:
        reader = pypdf.PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(password or ""):
            return None
        reader.trailer["/Root"].get_object()
        return reader
    except MemoryError:
        raise
    except Exception:
        return None


def _content_facts(reader: Any, doc: Document, budget: Budget, incomplete: list[str]) -> dict[str, Signal]:
    """Hidden text, the OCR layer, hidden annotations and unread form values."""
    facts: dict[str, Signal] = {}
    pages, skipped = pdfcontent.scan_pages(reader, _decoder(), budget)
    if skipped:
        incomplete.append(f"hidden-text scan skipped page(s) {', '.join(map(str, skipped[:10]))} (content too large)")
    ocr = [p for p in pages if p.ocr]
    hidden = [(p, kind, parts) for p in pages if not p.ocr for kind, parts in sorted(p.hidden.items())]
    if hidden:
        items = [f"{kind}: {pdfcontent.snippet(parts)}" for _, kind, parts in hidden]
        facts["pdf_hidden_text"] = Signal(
            items,
            tuple(
                Evidence(pdfcontent.snippet(parts), Location("page", p.page, key=f"{kind} text"))
                for p, kind, parts in hidden
            ),
            "Some text on the page cannot be seen (invisible, white, tiny or off the page), yet text "
            "extraction and search read it.",
        )
    if ocr:
        facts["pdf_ocr_layer"] = Signal(
            len(ocr),
            tuple(
                Evidence(pdfcontent.snippet(p.hidden.get("invisible", [])), Location("page", p.page, key="OCR text"))
                for p in ocr[:5]
            ),
            "Invisible text lies over a page image: an OCR layer, as scanners write it.",
        )
    notes = pdfactions.hidden_annotations(reader)
    if notes:
        facts["pdf_hidden_annotations"] = Signal(
            [d for _, d in notes],
            tuple(Evidence(d, Location("annotation", p)) for p, d in notes[:10]),
            "Annotations carry text but are flagged hidden or placed off the page.",
        )
    values = pdfactions.form_values(reader, doc.text)
    if values:
        facts["pdf_form_text"] = Signal(
            values,
            tuple(Evidence(v, Location("form")) for v in values[:10]),
            "Form fields hold text that is not in the page text the rules read.",
        )
    return facts


def _catalog_facts(reader: Any, data: bytes) -> dict[str, Signal]:
    """Active content and the header-versus-catalog version."""
    facts: dict[str, Signal] = {}
    active = pdfactions.active_content(reader)
    if active:
        facts["pdf_active_content"] = Signal(
            active,
            tuple(Evidence(a, Location("file", key="action")) for a in active[:10]),
            "The file can run scripts, launch programs, submit data or carries "
            "embedded files; official letters do not need any of that.",
        )
    header = _HEADER.search(data[:1024])
    version = pdfsigs.text(pdfsigs.resolve(reader.trailer["/Root"]).get("/Version"))
    if header and version and version.lstrip("/") != header.group(1).decode():
        text = f"header {header.group(1).decode()}, catalog /Version {version.lstrip('/')}"
        facts["pdf_version_mismatch"] = Signal(
            text,
            (Evidence(text, Location("file", key="/Version")),),
            "The version in the file header differs from the catalog's: a later "
            "tool updated the file (common after signing or editing).",
        )
    return facts


def _decoder() -> Callable[[Any, bytes], str]:
    """Decode shown strings with pypdf's font reader (cached per font), falling back to cp1252."""
    cache: dict[int, Any] = {}

    def decode(font: Any, raw: bytes) -> str:
        """Text of the raw string operand in `font`."""
        if font is not None and id(font) not in cache:
            cache[id(font)] = _font(font)
        info = cache.get(id(font)) if font is not None else None
        if info is None:
            return raw.decode("cp1252", "replace")
        encoding, cmap = info
        if isinstance(encoding, str):
            chars = raw.decode(encoding, "replace")
        else:
            chars = "".join(encoding.get(b, chr(b)) for b in raw)
        return "".join(cmap.get(c, c) for c in chars)

    return decode


def _font(font: Any) -> tuple | None:
    """(encoding, character map) from pypdf's private font reader, or None when it fails."""
    try:
        from pypdf.generic._font import Font

        parsed = Font.from_font_resource(font)
        return parsed.encoding, parsed.character_map
    except Exception:
        return None


def _validate(sigs: list, data: bytes, settings: Any, incomplete: list[str]) -> tuple[list | None, bool]:
    """pyHanko's validations when the extra is installed and a filled signature exists; (None, False) otherwise."""
    if not any(s.filled and s.kind == "signature" for s in sigs):
        return None, False
    try:
        return pdfsigs.validate(data, settings)
    except ImportError:
        return None, False
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:
        incomplete.append(f"signature validation ({type(exc).__name__})")
        return [], False
