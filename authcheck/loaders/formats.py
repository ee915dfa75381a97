"""The input formats authcheck reads: one immutable table, the one place a format is declared.

Every stage that depends on the type of an input reads `FORMATS` instead of keeping an if/elif
of its own: sniffing (`loaders.sniff.sniff`), loading and its follow-up step (`loaders.load`),
forensics (`forensics.examine`), folder discovery (`batch.discover`) and the parsers a batch
imports before it starts its workers (`batch.run`).  Code is named by "module:function" strings
imported on first use (`resolve`), so importing this table imports no parser, and the loaders
floor never imports forensics: `forensics.examine` resolves the `forensics` reference itself.

How to add a format (say OpenDocument text, "odt")
--------------------------------------------------
1. Write one loader module, ``authcheck/loaders/odt.py``, with
   ``load_odt(data, *, path, sha256, extension, limits) -> Document`` (setting
   ``Document.format="odt"``; raise ``CheckError`` for an input it cannot read) and a magic
   test ``is_odt(data) -> bool`` (it may raise ``CheckError`` for a damaged file of its kind).
2. Add one line to `FORMATS`:
   ``Format("odt", "an OpenDocument text", (".odt",), load="authcheck.loaders.odt:load_odt",
   magic="authcheck.loaders.odt:is_odt")``.
That is all: sniffing, loading, the type-mismatch note, discovery, forensics and the prewarm
read the line.  The optional fields say the rest: `guess` for a weak test tried only after
every `magic` and the refusals of `sniff.py` (text is recognised this way), `takes` for the
run options the loader wants besides the four above ("password", "engine" = the OCR engine),
`follow_up` for a step after loading (the OCR of a scanned PDF), `forensics` for an examiner,
`discover` when a folder walk should pick up fewer extensions than the name claims, `notes`
for notes about the bytes themselves, `prewarm` for modules a batch imports once.
A format with forensic facts declares their keys in ``forensics/keys.py`` (rule validation
reads them without loading a parser); the result's JSON schema lists format names in
``schemas/result-v1.json`` (``tests/test_formats.py`` checks it matches this table).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from authcheck.util.lazyref import resolve
from authcheck.util.records import frozen

__all__ = [
    "FORMATS",
    "Format",
    "by_name",
    "claimed_by",
    "discovered_extensions",
    "prewarm",
    "prewarm_modules",
    "resolve",
]

_SNIFF = "authcheck.loaders.sniff"


@frozen
class Format:
    """One input format.  Every reference is a "module:function" string, imported on first use.

    `magic(data) -> bool`: a strong signature, tried in table order before anything else.
    `guess(data) -> bool`: a weak one, tried in table order after every magic and the refusals.
    `load(data, *, path, sha256, extension, limits, **takes) -> Document`.
    `follow_up(data, doc, *, limits, engine) -> Document`: run after every load (it decides).
    `forensics(data, doc, settings) -> Mapping[str, Signal] | (Mapping, notes)`, under a budget.
    `notes(data) -> tuple[Note, ...]`: notes about the bytes, placed first in the document's notes.
    """

    name: str  #: `Document.format`, the `document.format` rule field and the JSON "format"
    label: str  #: how a note names it: "the file is named .docx but its content is <label>"
    extensions: tuple[str, ...]  #: lower-case names that claim it (a mismatch gets a note)
    load: str
    magic: str | None = None
    guess: str | None = None
    takes: tuple[str, ...] = ()  #: the run options the loader takes: "password", "engine"
    follow_up: str | None = None
    forensics: str | None = None
    discover: tuple[str, ...] | None = None  #: extensions a folder walk picks up (None: `extensions`)
    notes: str | None = None
    #: what a batch readies before starting its workers: modules to import, and "module:function"
    #: entries to call once (a native library to load)
    prewarm: tuple[str, ...] = ()

    @property
    def discovered(self) -> tuple[str, ...]:
        """The extensions a folder walk picks up for this format."""
        return self.extensions if self.discover is None else self.discover


FORMATS: tuple[Format, ...] = (
    Format(
        "pdf",
        "a PDF",
        (".pdf",),
        load="authcheck.loaders.pdf:load_pdf",
        magic=f"{_SNIFF}:has_pdf_header",
        guess=f"{_SNIFF}:has_pdf_syntax",
        takes=("password",),
        follow_up="authcheck.loaders.pdfscan:ocr_if_scanned",
        forensics="authcheck.forensics.pdffacts:examine_with_notes",
        notes=f"{_SNIFF}:header_notes",
        prewarm=("authcheck.loaders.pdf", "authcheck.forensics.pdffacts", "pypdf", "authcheck.loaders.pdfiumlite:load"),
    ),
    Format(
        "docx",
        "a Word document (docx)",
        (".docx",),
        load="authcheck.loaders.docx:load_docx",
        magic=f"{_SNIFF}:is_word_zip",
        follow_up="authcheck.loaders.docxscan:ocr_if_pictures",
        forensics="authcheck.forensics.docxfacts:examine",
        prewarm=("authcheck.loaders.docx", "authcheck.forensics.docxfacts"),
    ),
    Format(
        "text",
        "plain text",
        (".txt", ".text", ".md"),
        load="authcheck.loaders.text:load_text",
        guess="authcheck.loaders.text:looks_like_text",
        discover=(".txt",),
    ),
    Format(
        "image",
        "an image",
        (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".heic", ".heif"),
        load="authcheck.loaders.image:load_image",
        magic=f"{_SNIFF}:image_kind",
        takes=("engine",),
        forensics="authcheck.forensics.imagefacts:examine",
    ),
)


def table() -> tuple[Format, ...]:
    """The table as it is now (read at each call, so a test may swap in its own)."""
    return FORMATS


def by_name(name: str | None) -> Format | None:
    """The format called `name`, or None."""
    return next((fmt for fmt in table() if fmt.name == name), None)


def claimed_by(extension: str) -> Format | None:
    """The format a lower-case extension (".pdf") claims, or None."""
    return next((fmt for fmt in table() if extension in fmt.extensions), None)


def discovered_extensions() -> frozenset[str]:
    """Every extension a folder walk picks up."""
    return frozenset(ext for fmt in table() for ext in fmt.discovered)


def prewarm_modules(extensions: Iterable[str]) -> tuple[str, ...]:
    """The prewarm entries for a batch of files with these extensions (see `prewarm`): those of each
    format an extension claims, and of every format when one claims none (that file may be any type)."""
    claimed = [claimed_by(ext) for ext in set(extensions)]
    wanted = table() if None in claimed else [fmt for fmt in table() if fmt in claimed]
    return tuple(dict.fromkeys(module for fmt in wanted for module in fmt.prewarm))


def prewarm(entries: Iterable[str]) -> None:
    """Import each module, and call each "module:function" entry, once; an optional part that is
    missing or fails is skipped (the file that needs it reports it when it is checked)."""
    for entry in dict.fromkeys(entries):
        try:
            if ":" in entry:
                resolve(entry)()
            else:
                importlib.import_module(entry)
        except Exception:
            pass
