"""Plain-text letters, and the line builder every loader uses.

`decode` guesses the encoding of raw bytes (BOM, strict UTF-8, BOM-less UTF-16 by its
NUL pattern, cp1252, latin-1 which never fails).  A text longer than the character budget
could need is decoded only as far as the budget reaches (`decode_prefix`).  `LineBuilder` turns text into `Line`s
with consistent offsets into `Document.text`, cleans control characters and enforces
the character budget; the PDF and DOCX loaders feed it too.
"""

from __future__ import annotations

import codecs

from authcheck.model import Document, Line, Metadata, Note
from authcheck.settings import Limits
from authcheck.util.patterns import compiled

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROLS = compiled(r"[\x00-\x08\x0a-\x1f]")
_NOT_TEXT = compiled(r"[\x00-\x08\x0b\x0e-\x1f\x7f\x80-\x9f]")


def detect_encoding(data: bytes, *, partial: bool = False) -> str:
    """The encoding to read `data` with; `partial` tolerates a character cut at the end."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=not partial)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_by_nuls(data)
    if utf16:
        return utf16
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _utf16_by_nuls(data: bytes) -> str | None:
    """UTF-16 without a BOM, told by NULs in every other byte (mostly-ASCII text)."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return None
    even = sample[0::2].count(0) / half
    odd = sample[1::2].count(0) / half
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """The text of `data` and the encoding used; never fails."""
    encoding = detect_encoding(data)
    errors = "replace" if encoding.startswith(("utf-16", "utf-32")) else "strict"
    return data.decode(encoding, errors=errors), encoding


def decode_prefix(data: bytes) -> tuple[str, str]:
    """Like `decode` for the first part of a longer input: a character cut at the end is dropped."""
    encoding = detect_encoding(data, partial=True)
    errors = "replace" if encoding.startswith(("utf-16", "utf-32")) else "strict"
    return codecs.getincrementaldecoder(encoding)(errors=errors).decode(data, final=False), encoding


def looks_like_text(data: bytes) -> bool:
    """True when the first 64 KiB decode to text with under 5% control characters."""
    sample = data[:65536]
    encoding = detect_encoding(sample, partial=True)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    if not text:
        return False
    return len(_NOT_TEXT.findall(text)) / len(text) < 0.05


class LineBuilder:
    """Collects `Line`s with offsets into "\\n".join(texts), within a character budget."""

    def __init__(self, max_chars: int) -> None:
        self.lines: list[Line] = []
        self.max_chars = max_chars
        self.truncated = False
        self._next_start = 0

    def add(
        self,
        text: str,
        page: int,
        source: str = "page",
        y: float | None = None,
        x: tuple[float, float] | None = None,
    ) -> Line | None:
        """Append one line (controls become spaces, trailing space goes); None once over budget.

        `x` is the line's (left, right) extent on a PDF page, when known."""
        if self.truncated:
            return None
        if not text.isprintable():  # a printable text has no control character (a quick scan; most lines)
            text = _CONTROLS.sub(" ", text)
        text = text.rstrip()
        room = self.max_chars - self._next_start
        if len(text) > room:
            self.truncated = True
            text = text[: max(room, 0)].rstrip()
            if not text:
                return None
        start = self._next_start
        x0, x1 = x or (None, None)
        line = Line(text, page, len(self.lines) + 1, start, start + len(text), source, y, x=x0, x_end=x1)
        self.lines.append(line)
        self._next_start = line.end + 1
        return line

    def add_text(self, text: str, page: int, source: str = "page") -> None:
        """Append every line of a multi-line string."""
        for part in text.split("\n"):
            self.add(part, page, source)

    def notes(self) -> tuple[Note, ...]:
        """A "truncated" note when the budget cut the text."""
        if not self.truncated:
            return ()
        return (Note("truncated", f"text cut at {self.max_chars} characters", {"max_text_chars": self.max_chars}),)


def load_text(data: bytes, *, path: str, sha256: str, extension: str, limits: Limits) -> Document:
    """A plain-text letter: decoded, newlines normalised, form feeds start new pages."""
    cap = 4 * limits.max_text_chars + 4  # no encoding we read needs more than 4 bytes a character
    cut = len(data) > cap
    text, encoding = decode_prefix(data[:cap]) if cut else decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    pages = text.split("\f")
    while len(pages) > 1 and not pages[-1].strip():
        pages.pop()
    builder = LineBuilder(limits.max_text_chars)
    for number, page in enumerate(pages, 1):
        if page.endswith("\n"):
            page = page[:-1]
        builder.add_text(page, number)
    notes = builder.notes()
    if cut and not notes:
        notes = (Note("truncated", f"read the first {cap} of {len(data)} bytes", {"bytes_read": cap}),)
    metadata = Metadata(page_count=len(pages), raw={"encoding": encoding})
    return Document(
        path=path,
        sha256=sha256,
        size=len(data),
        format="text",
        extension=extension,
        lines=tuple(builder.lines),
        metadata=metadata,
        pages=len(pages),
        notes=notes,
    )
