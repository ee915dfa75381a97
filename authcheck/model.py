"""The document model every stage shares: frozen values, no I/O, no third-party imports.

Data flows one way: a loader turns bytes into a `Document` (lines of extracted text
with page numbers and offsets, metadata, images, signature fields); extraction turns
that into a `Letter` (letterhead, issuer, recipient, dates, body sentences, signature
block and signature evidence); the engine turns a `Letter` into `Finding`s; scoring
turns findings into a `Result`.  Every extracted value is a `Fact`: its text plus the
`Location` it came from, so any finding can point back to page, line and characters.
`Location` is the one shape of "where": facts, dates, sentences, the signature block and
a finding's `Evidence` all carry one (`scoring.record.location_record` writes it as JSON).
Forensic findings about the file itself are `Signal`s, kept in `Document.signals` (rules
address them as `facts.<key>`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any

from authcheck.util.records import frozen

AXES = ("origin", "authority")
SEVERITIES = ("info", "low", "medium", "high", "critical")
VERDICTS = ("pass", "review", "fail")
ERROR_TYPES = ("not-found", "corrupt", "unsupported", "too-large", "timeout", "memory", "internal")


@frozen
class Location:
    """Where a value came from.

    `part` names the letter part (letterhead, body, signature_block, metadata, ...);
    `start`/`end` are character offsets into `Document.text`; `line` is 1-based over
    the whole extracted text; `key` names a metadata key or an XML part.
    """

    part: str
    page: int | None = None
    line: int | None = None
    start: int | None = None
    end: int | None = None
    key: str | None = None


@frozen
class Fact:
    """An extracted value and where it came from."""

    text: str
    loc: Location


@frozen
class Line:
    """One line of extracted text.

    `source` is where in the file it sits: "page" (PDF page or DOCX body), "header",
    "footer", "textbox", "watermark", "annotation", "footnote" (PDF small print at the page
    bottom opening with a note marker; DOCX footnotes and endnotes).  `y` is the PDF baseline in page
    units from the bottom (None for DOCX and text).  Text read from pixels has source "ocr", a
    `box` (page-relative fractions x0, y0, x1, y1, top-left origin), the engine's `confidence`
    (0-1) and its `words` with their own boxes; `y` is then in page units of a 612-wide page.
    `x` and `x_end` are where the line starts and (from estimated glyph widths) ends, in page
    units (PDF upright lines only, else None).
    """

    text: str
    page: int
    number: int
    start: int
    end: int
    source: str = "page"
    y: float | None = None
    box: tuple[float, float, float, float] | None = None
    confidence: float | None = None
    words: tuple[Word, ...] = ()
    x: float | None = None
    x_end: float | None = None


@frozen
class Word:
    """One word read by OCR: its text, its box (page-relative fractions) and the engine's confidence."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float


@frozen
class Image:
    """A picture placed on a page: PDF position in page units, or the DOCX line it is anchored to
    (with its drawn width and height in points when the drawing gives them)."""

    page: int
    name: str = ""
    line: int | None = None
    top: float | None = None
    bottom: float | None = None
    width: float | None = None
    height: float | None = None


@frozen
class PageSize:
    """One page's size in points: PDF crop box (`left`, `bottom` its origin) and /Rotate; DOCX section
    page size with its left margin (`margin_left`, points) from the section properties."""

    width: float
    height: float
    rotation: int = 0
    left: float = 0.0
    bottom: float = 0.0
    margin_left: float | None = None


@frozen
class SignatureField:
    """A digital signature field (PDF /FT /Sig) or a DOCX signature line."""

    name: str
    filled: bool
    kind: str = "pdf"
    signer: str | None = None
    signed_at: str | None = None
    reason: str | None = None
    byte_range: tuple[int, ...] | None = None
    page: int | None = None


METADATA_FIELDS = (
    "title",
    "author",
    "creator_tool",
    "producer",
    "created",
    "modified",
    "last_modified_by",
    "revision",
    "company",
    "template",
    "page_count",
    "encrypted",
)


@frozen
class Metadata:
    """Metadata normalised across formats, with the raw values and the key each came from.

    Dates are ISO 8601 strings (with offset when the file gave one); `raw` maps the
    file's own keys (e.g. "/Author", "core.xml:dc:creator") to their raw text.
    """

    title: str | None = None
    author: str | None = None
    creator_tool: str | None = None
    producer: str | None = None
    created: str | None = None
    modified: str | None = None
    last_modified_by: str | None = None
    revision: str | None = None
    company: str | None = None
    template: str | None = None
    page_count: int | None = None
    encrypted: bool = False
    raw: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The normalised fields, in a fixed order."""
        return {name: getattr(self, name) for name in METADATA_FIELDS}


@frozen
class Note:
    """Something the loader or extractor wants the rules (and the reader) to know.

    `code` is stable (e.g. "type-mismatch", "encrypted", "needs-crypto-extra",
    "no-text-layer", "truncated"); `detail` is a sentence for people.
    """

    code: str
    detail: str
    data: Mapping[str, Any] = field(default_factory=dict)


@frozen
class Signal:
    """A forensic fact about the file itself (revisions, signatures, hidden content, editing traces).

    `value` is what rules compare (bool, number, text or list); `evidence` points at where it was
    seen (page, object, XML part, metadata key, dates side by side); `explanation` says in one plain
    sentence what it means.
    """

    value: Any
    evidence: tuple[Evidence, ...] = ()
    explanation: str = ""


@frozen
class Document:
    """What a loader read from one file: text lines, metadata, images, signature fields."""

    path: str
    sha256: str
    size: int
    format: str
    extension: str
    lines: tuple[Line, ...]
    metadata: Metadata
    pages: int = 1
    images: tuple[Image, ...] = ()
    signature_fields: tuple[SignatureField, ...] = ()
    notes: tuple[Note, ...] = ()
    has_text_layer: bool = True
    signals: Mapping[str, Signal] = field(default_factory=dict)  #: forensic signals by key (rules: `facts.<key>`)
    form_fields: int = 0  #: fillable form fields other than signature fields (PDF AcroForm)
    landscape_pages: int = 0  #: pages wider than tall (slides)
    ocr: Mapping[str, Any] = field(default_factory=dict)  #: engine, version, confidence, pages: which engine read what
    page_sizes: tuple[PageSize, ...] = ()  #: per page read (PDF) or per section (DOCX); empty when unknown
    fonts: tuple[str, ...] = ()  #: font names in use, subset prefixes stripped, sorted (PDF /BaseFont, DOCX rFonts)

    @property
    def text(self) -> str:
        """All lines joined with newlines; offsets in `Line` index into this."""
        return "\n".join(line.text for line in self.lines)

    def has_note(self, code: str) -> bool:
        """True when a loader or pre-flight note with this code was recorded."""
        return any(note.code == code for note in self.notes)


@frozen
class Sentence:
    """A sentence of the body (or of another part): its text and its span in `Document.text` (`loc`
    always carries part, page, line, start and end)."""

    text: str
    loc: Location


@frozen
class DateFact:
    """A date written in the letter: its text, the ISO date it means, and where."""

    text: str
    value: str
    loc: Location


@frozen
class Party:
    """Issuer or recipient: person, title/rank, organisation, and which part said so."""

    name: Fact | None = None
    title: Fact | None = None
    organization: Fact | None = None
    source: str | None = None
    claims: tuple[Fact, ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing names this party."""
        return self.name is None and self.title is None and self.organization is None


@frozen
class Letterhead:
    """The top of page 1 (or the DOCX header): organisation, address, symbols, banners."""

    lines: tuple[Fact, ...] = ()
    organization: tuple[Fact, ...] = ()
    address: tuple[Fact, ...] = ()
    office_symbol: Fact | None = None
    references: tuple[Fact, ...] = ()
    markings: tuple[Fact, ...] = ()


@frozen
class SignatureBlock:
    """The closing of the letter: phrase, typed name, rank and title lines."""

    closing: Fact | None = None
    name: Fact | None = None
    titles: tuple[Fact, ...] = ()
    loc: Location | None = None  #: the block's page and its start/end offsets, when found


@frozen
class SignatureEvidence:
    """Is the letter signed?  `signed` is True, False, or None (nothing to sign / undecidable).

    `kinds` lists what signs it ("digital", "image", "conformed"); `strength` says how
    much an absence means ("strong" for PDF/DOCX, "weak" for plain text, which cannot
    carry a handwritten signature).
    """

    signed: bool | None
    kinds: tuple[str, ...] = ()
    evidence: tuple[Fact, ...] = ()
    reason: str = ""
    strength: str = "strong"


DOCUMENT_KINDS = (
    "letter",
    "memo",
    "email",
    "notice",
    "statement",
    "report",
    "form",
    "slides",
    "invoice",
    "image",
    "empty",
)
LETTER_LIKE = ("letter", "memo", "email", "notice", "statement")


@frozen
class KindCue:
    """One thing seen that speaks for a document kind (a salutation, a table of contents...), and where."""

    cue: str
    text: str = ""
    page: int | None = None
    line: int | None = None


@frozen
class DocumentKind:
    """What kind of document this is, how sure, and why; `forced` when the user named the kind.

    `letter_pages` is (first, last) when a letter was found inside a longer document.
    """

    kind: str = "statement"
    confidence: str = "low"
    evidence: tuple[KindCue, ...] = ()
    forced: bool = False
    letter_pages: tuple[int, int] | None = None

    @property
    def letter_like(self) -> bool:
        """True for letters, memos, e-mails, notices and bare statements: the letter rules apply."""
        return self.kind in LETTER_LIKE


@frozen
class Letter:
    """Everything the rules see: the document plus the letter's extracted parts."""

    document: Document
    letterhead: Letterhead
    issuer: Party
    recipient: Party
    date: DateFact | None
    dates: tuple[DateFact, ...]
    subject: Fact | None
    salutation: Fact | None
    sentences: tuple[Sentence, ...]
    signature_block: SignatureBlock
    signature: SignatureEvidence
    parts: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    kind: DocumentKind = field(default_factory=DocumentKind)
    knowledge: Mapping[str, Signal] = field(default_factory=dict)  #: registry/exemplar fields (engine/registrykeys.py)


@frozen
class Evidence:
    """One piece of text or metadata a finding rests on.

    `context` is the surrounding sentence or line and `highlight` the (start, end) of
    the matched words inside it, so reporters can show the match in its sentence.  `loc` is where the
    text is (part, page, line, offsets, metadata key).
    `box` is where the text sits on its PDF page: (x0, y0, x1, y1) as fractions of the page's
    width and height, origin at the top left of the page as displayed (None when unknown).
    """

    text: str
    loc: Location
    context: str | None = None
    highlight: tuple[int, int] | None = None
    pattern: str | None = None
    reason: Mapping[str, Any] | None = field(default=None, compare=False)  #: why it fired (action, object...)
    box: tuple[float, float, float, float] | None = None


@frozen
class Finding:
    """A rule that fired on a document, with its evidence and its share of the score."""

    rule: str
    title: str
    severity: str
    axis: str
    weight: float
    message: str
    evidence: tuple[Evidence, ...] = ()
    references: tuple[str, ...] = ()
    confidence: str = "medium"
    remediation: str = ""
    contribution: float = 0.0
    weight_reason: str = ""
    suppressed: Mapping[str, Any] | None = None  #: {"kind": "baseline"|"ignore", "reason": ...} when suppressed
    floor: str | None = None  #: lowest verdict the document can get while this finding counts ("review")


@frozen
class ErrorInfo:
    """Why a file could not be checked: a typed error and the stage that failed."""

    type: str
    message: str
    stage: str


@frozen
class Result:
    """The outcome for one input: a verdict with findings, or an error."""

    path: str
    sha256: str | None
    format: str | None
    verdict: str | None
    score: int | None
    axes: Mapping[str, int]
    reason: str
    findings: tuple[Finding, ...]
    fields: Mapping[str, Any]
    error: ErrorInfo | None = None
    notes: tuple[Note, ...] = ()
    next_steps: tuple[str, ...] = ()
    rules_not_applied: tuple[tuple[str, str], ...] = ()  #: (rule id, reason) for rules the kind turned off
    letter: Letter | None = field(default=None, compare=False, repr=False)
