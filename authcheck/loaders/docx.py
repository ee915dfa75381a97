"""DOCX letters, read from the package's own parts (`ooxml.Package`, stdlib zipfile and expat).

The package is pre-flighted by `ooxml.Package` before anything is inflated, and its main part
parsed with `safe_xml` (once: the forensics read the same tree); `wordxml.Walker` reads the body in
order (paragraphs, table cells, content controls), building each paragraph's text from
its own ``w:t``/``w:tab``/``w:br`` so tracked insertions are kept and nothing is read
twice.  The other stories come from their parts too: the page-1 header (letterhead) first,
footers last, text boxes, VML watermarks, signature lines, and the core/app properties (nothing
invented when core.xml is missing, where python-docx, which this module once opened documents
with, made up defaults).
Reading stops at the loader's share of the timeout (`budget.Budget`): the lines read so far
are kept with a "truncated" note.
"""

from __future__ import annotations

from typing import Any

from authcheck.errors import CheckError
from authcheck.loaders.budget import Budget, OutOfTime
from authcheck.loaders.meta import DOCX_FIELDS, normalise, property_part
from authcheck.loaders.ooxml import Package
from authcheck.loaders.pagesetup import docx_setup
from authcheck.loaders.text import LineBuilder
from authcheck.loaders.wordxml import R, Spacing, W, Walker, text_styles
from authcheck.model import Document, Metadata, Note, SignatureField
from authcheck.settings import Limits

_HEADER = "/header"


def load_docx(data: bytes, *, path: str, sha256: str, extension: str, limits: Limits) -> Document:
    """Read a DOCX into a `Document`; raises CheckError when it is refused or cannot be opened."""
    package = Package.open(data, limits)
    budget = Budget.for_limits(limits)
    notes: list[Note] = []
    with budget.enforced():
        try:
            body = budget.call(_open_body, package)
        except OutOfTime:
            raise CheckError("timeout", f"opening the document took over {budget.describe()}", "load") from None
        walker = Walker(LineBuilder(limits.max_text_chars), Spacing(styles_tree(package)))
        try:
            try:
                budget.call(_walk, package, body, walker)
            except OutOfTime:
                notes.append(
                    Note(
                        "truncated",
                        f"stopped reading after {budget.elapsed():.1f} s, the reading budget "
                        f"({budget.describe()}); kept the first {len(walker.builder.lines)} lines",
                        {"lines_read": len(walker.builder.lines), "reason": "time"},
                    )
                )
            budget.extend(min(5.0, 0.1 * limits.timeout) if limits.timeout and limits.timeout > 0 else 5.0)
            metadata = budget.call(_metadata, package, walker.page, notes)
        except (MemoryError, CheckError):
            raise
        except OutOfTime:
            raise CheckError(
                "timeout", f"the document properties could not be read within {budget.describe()}", "load"
            ) from None
        except RecursionError:
            raise CheckError("corrupt", "the document's XML is nested too deeply", "load") from None
        except Exception as exc:
            reason = f"the document cannot be read ({type(exc).__name__}: {exc})"[:200]
            raise CheckError("corrupt", reason, "load") from None
    notes.extend(walker.builder.notes())
    notes.extend(walker.notes())
    notes.extend(_dangling(package))
    return Document(
        path=path,
        sha256=sha256,
        size=len(data),
        format="docx",
        extension=extension,
        lines=tuple(walker.builder.lines),
        metadata=metadata,
        pages=walker.page,
        images=tuple(walker.images),
        signature_fields=_signature_lines(package, walker),
        notes=tuple(notes),
        **_setup(package, body),
    )


def _setup(package: Package, body: Any) -> dict:
    """Section page sizes and margins, and the fonts in use (for the exemplar comparison); {} on damage."""
    try:
        theme = package.related(package.main, "/theme")
        return docx_setup(body, styles_tree(package), package.xml(theme) if theme else None)
    except MemoryError:
        raise
    except Exception:
        return {}


def _walk(package: Package, body: Any, walker: Walker) -> None:
    """Page-1 header, body, the other headers' watermarks, the footers, then footnotes and endnotes."""
    headers, footers, others = _story_parts(package, body)
    for name in headers:
        walker.story(package.xml(name), "header")
    walker.body(body)
    for name in others:
        walker.watermarks(package.xml(name))
    for name in footers:
        walker.story(package.xml(name), "footer")
    for kind in ("/footnotes", "/endnotes"):
        name = package.related(package.main, kind)
        if name:
            walker.notes_part(package.xml(name))


def _open_body(package: Package) -> Any:
    """The w:body element of the main part, parsed with `safe_xml` (and shared with the forensics,
    which read the same part); a main part that is not well-formed, or not a w:document with a
    body, is "corrupt"."""
    root = package.xml(package.main)
    body = root.find(f"{{{W}}}body") if root.tag == f"{{{W}}}document" else None
    if body is None:
        raise CheckError("corrupt", f"not a readable Word document ({package.main} has no w:document body)", "load")
    return body


def _dangling(package: Package) -> list[Note]:
    """A "damaged" note naming the parts the package's relationships point to but it does not hold,
    followed from the package's own relationships through every part's, as an OPC reader loads
    them (python-docx refused such a file outright; Word repairs it).  A malformed relationships
    part is "corrupt", as it was."""
    missing: dict[str, None] = {}
    seen, todo = {""}, [""]
    while todo:
        for _, _, name in package.relationships(todo.pop()):
            if not package.has(name):
                missing.setdefault(name)
            elif name not in seen:
                seen.add(name)
                todo.append(name)
    if not missing:
        return []
    names = list(missing)
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return [Note("damaged", f"the package refers to parts it does not hold: {shown}", {"missing": names[:50]})]


def styles_tree(package: Package) -> Any:
    """The styles part as the text is read from it (`wordxml.text_styles`: paragraph and character
    styles, and the document defaults), parsed once a package; None when the document has none."""
    name = package.related(package.main, "/styles")
    return package.xml_cut(name, text_styles) if name else None


def _story_parts(package: Package, body: Any) -> tuple[list[str], list[str], list[str]]:
    """(page-1 header, footers, other headers) part names, from the first section's references."""
    sect = _first_section(body)
    targets = {rid: name for rid, _, name in package.relationships(package.main) if package.has(name)}
    refs: dict[tuple[str, str], str] = {}
    for ref in sect.iter() if sect is not None else ():
        if ref.tag in (f"{{{W}}}headerReference", f"{{{W}}}footerReference"):
            kind = "header" if ref.tag.endswith("headerReference") else "footer"
            name = targets.get(ref.get(f"{{{R}}}id", ""))
            if name:
                refs[(kind, ref.get(f"{{{W}}}type", "default"))] = name
    first = "first" if _title_page(sect) else "default"
    header = refs.get(("header", first))
    footers = list(dict.fromkeys(n for n in (refs.get(("footer", first)), refs.get(("footer", "default"))) if n))
    all_headers = [name for _, kind, name in package.relationships(package.main) if kind.endswith(_HEADER)]
    others = [name for name in dict.fromkeys(all_headers) if name != header and package.has(name)]
    return ([header] if header else []), footers, others


def _first_section(body: Any) -> Any:
    """The w:sectPr that ends the first section (in a paragraph's properties, else the body's)."""
    return next(body.iter(f"{{{W}}}sectPr"), None)


def _title_page(sect: Any) -> bool:
    """True when the section has a different first-page header and footer."""
    if sect is None:
        return False
    flag = sect.find(f"{{{W}}}titlePg")
    return flag is not None and flag.get(f"{{{W}}}val", "true") not in ("0", "false", "off")


def _metadata(package: Package, pages: int, notes: list[Note]) -> Metadata:
    """core.xml and app.xml, raw and normalised; nothing invented when core.xml is missing."""
    raw: dict[str, str] = {}
    core = package.related("", "/core-properties") or ("docProps/core.xml" if package.has("docProps/core.xml") else "")
    app = package.related("", "/extended-properties") or ("docProps/app.xml" if package.has("docProps/app.xml") else "")
    if core:
        raw.update(property_part(package.xml(core), "core.xml"))
    else:
        notes.append(
            Note(
                "no-core-properties", "the package has no docProps/core.xml: no author, dates or revision were recorded"
            )
        )
    if app:
        raw.update(property_part(package.xml(app), "app.xml"))
    values, sources = normalise(raw, DOCX_FIELDS)
    count = raw.get("app.xml:Pages", "")
    page_count = pages
    if count.isdigit():
        page_count, sources["page_count"] = int(count), "app.xml:Pages"
    return Metadata(**values, page_count=page_count, encrypted=False, raw=raw, sources=sources)


def _signature_lines(package: Package, walker: Walker) -> tuple[SignatureField, ...]:
    """Signature lines (o:signatureline), filled when the package carries XML signatures."""
    signed = any(
        name.startswith("_xmlsignatures/") and "sig" in name.rsplit("/", 1)[-1].lower() and name.endswith(".xml")
        for name in package.names
    )
    return tuple(
        SignatureField(
            name=name, filled=signed, kind="docx-signature-line", signer=signer if signed else None, page=page
        )
        for name, signer, page in walker.signature_lines
    )
