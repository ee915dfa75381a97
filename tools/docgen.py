"""Generate realistic, deterministic letters as PDF, DOCX or plain text from one LetterSpec.

This is the entry point tests and `samples/make_samples.py` use: describe a letter
(letterhead, date, blocks, signature block, signature kind, banner, watermark,
metadata) and render it with `letter_pdf`, `letter_docx` or `letter_text`.  The PDF is
laid out like a US military memo (centred bold letterhead, right-aligned date, 1-inch
margins, signature block at the page centre line) and flows onto further pages.
Lower-level builders for odd files are re-exported: `build_pdf`, `Text`, `Img`,
`build_docx`, `Para`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tools.docxgen import Para, build_docx
from tools.metrics import text_width, wrap
from tools.pdfgen import Img, PdfItem, Text, build_pdf
from tools.pdfmeta import xmp_packet

__all__ = [
    "SIGNATURES",
    "Img",
    "LetterSpec",
    "Para",
    "Text",
    "build_docx",
    "build_pdf",
    "filler_paragraphs",
    "letter_docx",
    "letter_pdf",
    "letter_text",
]

SIGNATURES = (None, "image", "digital", "empty-field", "conformed", "marker")
PAGE_W, PAGE_H = 612, 792
LEFT, RIGHT, TOP, BOTTOM = 72, 540, 720, 72
LEADING, SIG_X, BODY_FONT, HEAD_FONT = 14, 306, "Times-Roman", "Times-Bold"
_SIG_GAP = 4 * LEADING  # closing baseline to typed-name baseline
_METADATA_KEYS = {
    "title",
    "author",
    "subject",
    "creator",
    "producer",
    "created",
    "modified",
    "last_modified_by",
    "company",
    "revision",
    "template",
    "app_version",
    "xmp",
}
_FILLER = (
    "This paragraph is neutral filler text that lengthens the letter for layout tests.",
    "It records routine administrative detail about schedules, contacts and files.",
    "Nothing in it changes the substance, the authority or the origin of the letter.",
    "Staff officers should read it as background material only and take no action.",
    "The same wording repeats so that every generated document stays deterministic.",
)


@dataclass
class LetterSpec:
    """Everything needed to render one letter in any of the three formats.

    `signature` is one of SIGNATURES: None (unsigned), "image" (drawn signature between
    closing and typed name), "digital" (filled PDF /Sig field), "empty-field" (unfilled
    /Sig field), "conformed" ("/s/ NAME" line) or "marker" ("//SIGNED//" line).
    `metadata` keys: title, author, subject, creator, producer, created, modified
    (datetimes), last_modified_by, company, revision, template, plus app_version (DOCX)
    and xmp (PDF: True to derive an XMP packet from the other keys, or a raw packet).
    """

    letterhead: list[str]
    date: str | None
    blocks: list[str]
    closing: str | None = None
    signature_name: str | None = None
    signature_titles: list[str] = field(default_factory=list)
    signature: str | None = None
    banner: str | None = None
    watermark: str | None = None
    metadata: dict = field(default_factory=dict)
    filler_pages: int = 0
    filler_seed: int | None = None  #: paragraphs that do not repeat (a real letter's), from this seed

    def __post_init__(self) -> None:
        """Reject unknown signature kinds and metadata keys early."""
        if self.signature not in SIGNATURES:
            raise ValueError(f"signature must be one of {SIGNATURES}, not {self.signature!r}")
        unknown = set(self.metadata) - _METADATA_KEYS
        if unknown:
            raise ValueError(f"unknown metadata keys: {sorted(unknown)}")


def filler_paragraphs(pages: int, seed: int | None = None) -> list[str]:
    """Neutral paragraphs that fill about `pages` PDF pages of body text: the same few sentences
    rotated, or with a `seed` paragraphs that do not repeat (see `varied_sentence`)."""
    budget, paragraphs = pages * ((TOP - BOTTOM) // LEADING), []
    rng = random.Random(seed) if seed is not None else None
    while budget > 0:
        if rng is None:
            start = len(paragraphs) % len(_FILLER)
            text = " ".join((_FILLER * 2)[start : start + 4])
        else:
            text = " ".join(varied_sentence(rng) for _ in range(4))
        paragraphs.append(text)
        budget -= len(wrap(text, RIGHT - LEFT)) + 1
    return paragraphs


#: Parts of the neutral sentences of varied filler: routine administration, no action on anyone's
#: part, no date, no name, nothing a rule looks for (commitments, withdrawals, approvals).
_WHO = (
    "The registry office",
    "The archive section",
    "The liaison cell",
    "The duty clerk",
    "The records team",
    "The travel desk",
    "The visitor office",
    "The training branch",
    "The supply section",
    "The mail room",
    "The logistics desk",
    "The protocol office",
)
_DOES = (
    "keeps",
    "files",
    "indexes",
    "lists",
    "sorts",
    "reviews",
    "updates",
    "copies",
    "numbers",
    "checks",
)
_WHAT = (
    "the contact roster",
    "the minutes of routine meetings",
    "the visitor log",
    "the room bookings",
    "the stationery orders",
    "the parking permits",
    "the telephone directory",
    "the reading list",
    "the filing index",
    "the canteen menus",
    "the inventory sheets",
    "the badge register",
)
_WHEN = (
    "in the usual way",
    "as part of its routine work",
    "on the shared drive",
    "in alphabetical order",
    "with the other office papers",
    "for the internal notice board",
    "in the reference binder",
    "together with the old copies",
)


def varied_sentence(rng: random.Random) -> str:
    """One neutral sentence of routine administration (12 x 10 x 12 x 8 combinations)."""
    return f"{rng.choice(_WHO)} {rng.choice(_DOES)} {rng.choice(_WHAT)} {rng.choice(_WHEN)}."


def _all_blocks(spec: LetterSpec) -> list[str]:
    """The spec's blocks followed by its filler paragraphs."""
    return list(spec.blocks) + filler_paragraphs(spec.filler_pages, spec.filler_seed)


def _sig_line(spec: LetterSpec) -> str | None:
    """The typed signature line for conformed and marker signatures, else None."""
    if spec.signature == "conformed":
        return f"/s/ {spec.signature_name}" if spec.signature_name else "/s/"
    return "//SIGNED//" if spec.signature == "marker" else None


class _Flow:
    """Places lines top-down on pages, starting a new page when the bottom is reached."""

    def __init__(self, spec: LetterSpec) -> None:
        self.spec, self.pages, self.y = spec, [], TOP
        self.new_page()

    def new_page(self) -> None:
        """Start a page: top banner first, then the page-1 watermark."""
        self.pages.append([])
        self.y = TOP
        if self.spec.banner:
            self.centred(self.spec.banner, PAGE_H - 28, "Helvetica-Bold", 10)
        if self.spec.watermark and len(self.pages) == 1:
            self.put(_watermark(self.spec.watermark))

    def put(self, item: PdfItem) -> None:
        """Add an item to the current page."""
        self.pages[-1].append(item)

    def centred(self, text: str, y: float, font: str, size: float) -> None:
        """Add a line centred on the page at height y."""
        self.put(Text((PAGE_W - text_width(text, font, size)) / 2, y, text, font, size))

    def ensure(self, height: float) -> None:
        """Break the page unless `height` points still fit above the bottom margin."""
        if self.y - height < BOTTOM:
            self.new_page()

    def line(self, text: str, x: float = LEFT) -> None:
        """Add one body line at the cursor and move down."""
        self.ensure(0)
        self.put(Text(x, self.y, text, BODY_FONT, 12))
        self.y -= LEADING

    def finish(self) -> list[list[PdfItem]]:
        """Add the bottom banners and return the pages."""
        for page in self.pages if self.spec.banner else ():
            width = text_width(self.spec.banner, "Helvetica-Bold", 10)
            page.append(Text((PAGE_W - width) / 2, 24, self.spec.banner, "Helvetica-Bold", 10))
        return self.pages


def _watermark(text: str) -> Text:
    """A large light-grey 45-degree text centred on the page."""
    size = 120 if len(text) <= 6 else max(36, 720 // len(text))
    half = text_width(text, "Helvetica-Bold", size) / 2 * 0.7071
    return Text(
        PAGE_W / 2 - half + size * 0.25,
        PAGE_H / 2 - half - size * 0.25,
        text,
        "Helvetica-Bold",
        size,
        gray=0.85,
        angle=45,
    )


def _layout_head(flow: _Flow, spec: LetterSpec) -> None:
    """Letterhead (centred bold, first line larger), then the right-aligned date."""
    y = TOP + 18
    for index, line in enumerate(spec.letterhead):
        size = 12 if index == 0 else 10
        flow.centred(line, y, HEAD_FONT, size)
        y -= 13
    flow.y = min(TOP, y) - 2 * LEADING if spec.letterhead else TOP
    if spec.date:
        flow.put(Text(RIGHT - text_width(spec.date), flow.y, spec.date, BODY_FONT, 12))
        flow.y -= 2 * LEADING


def _layout_blocks(flow: _Flow, blocks: list[str]) -> None:
    """Body blocks wrapped to the margins, separated by blank lines."""
    for block in blocks:
        for text in wrap(block, RIGHT - LEFT):
            flow.line(text)
        flow.y -= LEADING


def _layout_signature(flow: _Flow, spec: LetterSpec) -> None:
    """Closing, signature evidence, typed name and titles, kept together at x=SIG_X."""
    if not (spec.closing or spec.signature_name or spec.signature_titles):
        return
    flow.ensure(_SIG_GAP + LEADING * (1 + len(spec.signature_titles)))
    name_y = flow.y - _SIG_GAP if spec.closing else flow.y - 2 * LEADING
    if spec.closing:
        flow.put(Text(SIG_X, flow.y, spec.closing, BODY_FONT, 12))
    if spec.signature == "image":
        flow.put(Img(SIG_X, name_y + 12, 110, 110 * 32 / 96))
    sig_line = _sig_line(spec)
    if sig_line:
        flow.put(Text(SIG_X, name_y + LEADING, sig_line, BODY_FONT, 12))
    flow.y = name_y
    for text in filter(None, [spec.signature_name, *spec.signature_titles]):
        flow.line(text, SIG_X)


def layout_pages(spec: LetterSpec) -> list[list[PdfItem]]:
    """Lay the letter out as PDF pages of Text/Img items."""
    flow = _Flow(spec)
    _layout_head(flow, spec)
    _layout_blocks(flow, _all_blocks(spec))
    _layout_signature(flow, spec)
    return flow.finish()


def _pdf_info(md: dict) -> dict | None:
    """Map spec metadata to /Info entries (None when there are none)."""
    names = (
        ("title", "Title"),
        ("author", "Author"),
        ("subject", "Subject"),
        ("creator", "Creator"),
        ("producer", "Producer"),
        ("created", "CreationDate"),
        ("modified", "ModDate"),
        ("company", "Company"),
    )
    info = {pdf_key: md[key] for key, pdf_key in names if md.get(key) is not None}
    return info or None


def letter_pdf(spec: LetterSpec) -> bytes:
    """Render the letter as PDF bytes (deterministic)."""
    info = _pdf_info(spec.metadata)
    xmp = spec.metadata.get("xmp")
    if xmp is True:
        xmp = xmp_packet(info or {})
    sig_field = spec.signature if spec.signature in ("digital", "empty-field") else None
    return build_pdf(layout_pages(spec), info=info, sig_field=sig_field, sig_name=spec.signature_name, xmp=xmp or None)


def _docx_core(md: dict) -> dict | None:
    """Map spec metadata to core.xml properties (None: write no core.xml)."""
    keys = ("title", "subject", "author", "last_modified_by", "revision", "created", "modified")
    core = {key: md[key] for key in keys if md.get(key) is not None}
    return core or None


def _docx_app(md: dict) -> dict | None:
    """Map spec metadata to app.xml elements (None: write no app.xml)."""
    names = (
        ("template", "Template"),
        ("creator", "Application"),
        ("company", "Company"),
        ("app_version", "AppVersion"),
    )
    app = {element: md[key] for key, element in names if md.get(key) is not None}
    return app or None


def _docx_paragraphs(spec: LetterSpec) -> tuple[list[Para], int | None]:
    """Body paragraphs for the DOCX and the index the signature picture follows."""
    paras = [Para(spec.date, align="right", space_after=12)] if spec.date else []
    paras += [Para(block, space_after=12) for block in _all_blocks(spec)]
    if spec.closing:
        paras.append(Para(spec.closing, indent=SIG_X - LEFT))
    image_after = len(paras) - 1 if spec.signature == "image" and paras else None
    sig_line = _sig_line(spec)
    if sig_line:
        paras.append(Para(sig_line, indent=SIG_X - LEFT, space_before=24))
    gap = 0 if image_after is not None or sig_line else 3 * LEADING
    for index, text in enumerate(filter(None, [spec.signature_name, *spec.signature_titles])):
        paras.append(Para(text, indent=SIG_X - LEFT, space_before=gap if index == 0 else 0))
    return paras, image_after


def letter_docx(spec: LetterSpec) -> bytes:
    """Render the letter as DOCX bytes (deterministic).

    The letterhead (after the banner, if any) is the page header; the banner is also
    the footer.  "digital" and "empty-field" signatures have no DOCX form and are left out.
    """
    paragraphs, image_after = _docx_paragraphs(spec)
    banner = [spec.banner] if spec.banner else []
    return build_docx(
        header_lines=banner + list(spec.letterhead),
        paragraphs=paragraphs,
        signature_image_after=image_after,
        core=_docx_core(spec.metadata),
        app=_docx_app(spec.metadata),
        watermark=spec.watermark,
        footer_lines=banner,
    )


def letter_text(spec: LetterSpec) -> str:
    """Render the letter as plain text, one line per letterhead line or paragraph.

    Conformed ("/s/ NAME") and marker ("//SIGNED//") signatures appear as lines; image
    and PDF-field signatures and the watermark cannot exist in text and are left out.
    """
    lines = [spec.banner, ""] if spec.banner else []
    lines += [*list(spec.letterhead), ""] if spec.letterhead else []
    lines += [spec.date, ""] if spec.date else []
    for block in _all_blocks(spec):
        lines += [block, ""]
    lines += [spec.closing, ""] if spec.closing else []
    lines += filter(None, [_sig_line(spec), spec.signature_name, *spec.signature_titles])
    lines += ["", spec.banner] if spec.banner else []
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
