"""A plain PDF's objects read without pypdf, exactly as pypdf would give them, or not at all.

Importing pypdf costs 45-70 ms of CPU on every first command, and its byte-by-byte object parser
is a tenth of a folder scan's CPU.  Most letters need none of what pypdf is there for: they have
one revision (signed or not), no encryption and no damage.  `open_plain` reads such a file's
objects with a few regular expressions, into types that behave as pypdf's do where authcheck looks
(`pdfobjects`, `pagesetup`, forensics: dictionaries whose ``[key]`` resolves a reference and whose
``.get`` does not, `Ref` with ``idnum`` and ``get_object``, text and byte strings decoded by
pypdf's rules, streams with ``get_data``, pages with inherited attributes, ``mediabox``,
``rotation`` and ``get_contents``).

It is strict where pypdf is lenient, because pypdf's leniency is reported (the "parser-warnings"
note, a page's text sent to pypdf) and this reader must never give a quieter answer than pypdf
would: anything it does not read exactly as pypdf does raises `NotPlain`, and the loader gives the
file to pypdf as before.  That covers a cross-reference stream or object stream, a table whose
first section does not start at object 0 or whose entries are not 20 bytes, an object not where the table says, a reference to
an object the table lacks, a duplicate key, a comment where pypdf does not skip one (before an
array's end, between a stream's dictionary and its data), a name with ``#`` escapes, an
unknown string escape, a filter other than Flate (without parameters) on the content or metadata,
a page tree that is not plain, and stray bytes pypdf would read differently.  Every object is
parsed when the file is opened (a letter has tens of them), so nothing fails later, half way
through a page.
"""

from __future__ import annotations

import zlib
from math import log10
from typing import Any

from authcheck.util.patterns import compiled


class NotPlain(Exception):
    """This reader does not read the file as pypdf would: pypdf reads it."""

    plain = True  #: what the loader looks for (without importing this module)


class _Obj:
    """What every object has in pypdf: `get_object` gives the object itself."""

    __slots__ = ()

    def get_object(self) -> Any:
        return self


class Name(str, _Obj):
    """A name, with its slash (pypdf's NameObject)."""

    __slots__ = ()


class Text(str, _Obj):
    """A string that decodes as text (pypdf's TextStringObject), with the bytes it was read from."""

    original_bytes: bytes


class Bytes(bytes, _Obj):
    """A string that does not (pypdf's ByteStringObject)."""

    __slots__ = ()

    @property
    def original_bytes(self) -> bytes:
        return bytes(self)

    def __str__(self) -> str:
        """As pypdf's: UTF-16 when it decodes as that, else UTF-8, else GBK, else Latin-1."""
        for encoding in ("utf-16", "utf-8", "gbk", "latin1"):
            try:
                return self.decode(encoding)
            except UnicodeDecodeError:
                pass
        raise ValueError("cannot decode")  # pragma: no cover - Latin-1 decodes every byte


def _text(value: str, raw: bytes) -> Text:
    made = Text(value)
    made.original_bytes = raw
    return made


class Int(int, _Obj):
    """pypdf's NumberObject."""

    __slots__ = ()


class Real(float, _Obj):
    """pypdf's FloatObject, written as pypdf writes it."""

    __slots__ = ()

    def __repr__(self) -> str:
        if self == 0:
            return "0.0"
        digits = 8 - int(log10(abs(self)))
        return f"{self:.{max(1, digits)}f}".rstrip("0").rstrip(".")

    __str__ = __repr__


class Bool(_Obj):
    """pypdf's BooleanObject: equal to the bool, and (like pypdf's) always true as a condition."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Bool):
            return self.value == other.value
        return isinstance(other, bool) and self.value == other

    def __hash__(self) -> int:
        return hash((Bool, self.value))

    def __repr__(self) -> str:
        return "True" if self.value else "False"


class Null(_Obj):
    """pypdf's NullObject: equal only to another, and (like pypdf's) true as a condition."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Null)

    def __hash__(self) -> int:
        return hash(Null)

    def __repr__(self) -> str:
        return "NullObject"


class Array(list, _Obj):
    """pypdf's ArrayObject: items stay references."""

    __slots__ = ()


class Dict(dict, _Obj):
    """pypdf's DictionaryObject: ``d[key]`` resolves a reference, ``d.get(key)`` does not."""

    __slots__ = ()

    def __getitem__(self, key: Any) -> Any:
        return dict.__getitem__(self, key).get_object()


class Stream(Dict):
    """A stream: its dictionary, and `get_data` for its decoded bytes (its raw bytes stay in the
    file's until then: an image is never copied)."""

    __slots__ = ("_decoded", "_parser", "_span")

    def __init__(self, entries: dict, parser: _Parser, span: tuple[int, int]) -> None:
        super().__init__(entries)
        self._parser, self._span = parser, span
        self._decoded: bytes | None = None

    def get_data(self) -> bytes:
        """The decoded bytes (Flate without parameters, or none); `NotPlain` for anything else."""
        decoded = self._decoded
        if decoded is None:
            start, end = self._span
            decoded = self._decoded = self._parser.decode(self, self._parser.data[start:end])
        return decoded


class Ref:
    """pypdf's IndirectObject: ``idnum``, ``generation``, and the object through `get_object`
    (and through indexing, iteration, ``in``, ``int``, ``float``, ``str`` and attributes)."""

    __slots__ = ("_objects", "generation", "idnum")

    def __init__(self, idnum: int, generation: int, objects: dict) -> None:
        self.idnum, self.generation, self._objects = idnum, generation, objects

    def get_object(self) -> Any:
        return self._objects[self.idnum]

    @property
    def indirect_reference(self) -> Ref:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.get_object(), name)

    def __getitem__(self, key: Any) -> Any:
        return self.get_object()[key]

    def __contains__(self, key: Any) -> bool:
        return key in self.get_object()

    def __iter__(self) -> Any:
        return iter(self.get_object())

    def __float__(self) -> float:
        return float(self.get_object())

    def __int__(self) -> int:
        return int(self.get_object())

    def __str__(self) -> str:
        return str(self.get_object())

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Ref)
            and (self.idnum, self.generation) == (other.idnum, other.generation)
            and self._objects is other._objects
        )

    def __hash__(self) -> int:
        return hash((self.idnum, self.generation))

    def __repr__(self) -> str:
        return f"IndirectObject({self.idnum!r}, {self.generation!r})"


class Rect(Array):
    """pypdf's RectangleObject: four numbers with their sides."""

    __slots__ = ()

    left = property(lambda self: self[0])
    bottom = property(lambda self: self[1])
    right = property(lambda self: self[2])
    top = property(lambda self: self[3])
    width = property(lambda self: self[2] - self[0])
    height = property(lambda self: self[3] - self[1])


class Page(Dict):
    """pypdf's PageObject: the page's entries and the ones it inherits, and its reference."""

    __slots__ = ("_contents", "indirect_reference")

    def __init__(self, entries: dict, ref: Ref, contents: bytes | None) -> None:
        super().__init__(entries)
        self.indirect_reference, self._contents = ref, contents

    @property
    def mediabox(self) -> Rect:
        return _rect(self, "/MediaBox")

    @property
    def cropbox(self) -> Rect:
        return _rect(self, "/CropBox") if "/CropBox" in self else self.mediabox

    @property
    def rotation(self) -> int:
        rotate = self.get("/Rotate", 0)
        return rotate if isinstance(rotate, int) else rotate.get_object()

    def extract_text(self, **_: Any) -> str:
        """pypdf's text reader is wanted for this page: the file goes to pypdf."""
        raise NotPlain("a page for pypdf's text reader")

    def get_contents(self) -> _Contents | None:
        """The decoded page content (None when the page has none), as pypdf's ContentStream gives it."""
        return None if self._contents is None else _Contents(self._contents)


class _Contents:
    """A page's content stream, decoded and joined (pypdf's ContentStream for `get_data`)."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def get_data(self) -> bytes:
        return self._data

    def get_object(self) -> _Contents:
        return self


class PlainReader:
    """The parts of pypdf's PdfReader authcheck reads: `pages`, `trailer`, `is_encrypted`."""

    is_encrypted = False
    plain = True  #: not pypdf's reader: forensics knows what it cannot do with it

    def __init__(self, trailer: Dict, pages: list[Page], objects: dict[int, Any]) -> None:
        self.trailer, self.pages, self.objects = trailer, pages, objects

    def decrypt(self, password: str) -> int:
        return 0


#: The largest file and the most objects read here: a letter is far below both, and pypdf, which
#: parses only the objects asked for, reads the rest (every object is parsed here, up front).
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_OBJECTS = 50_000


def open_plain(data: bytes, max_stream: int, max_content: int) -> PlainReader:
    """The objects of a plain, single-revision PDF (`pdfbytes.plain_pdf` said so); `NotPlain` otherwise.

    `max_stream`: the most bytes a stream may decode to (pypdf's limit is set from it), and the
    most all the streams decoded here may come to; a page's content (decoded, all its streams) over
    `max_content` is left to pypdf, which says so in a note.
    """
    if len(data) > MAX_FILE_BYTES:
        raise NotPlain("a file larger than this reader reads")
    return _Parser(data, max_stream).read(max_content)


_SKIP = compiled(rb"[ \t\r\n]*")
_PDF_SPACE = compiled(rb"[ \t\r\n]")  #: white space inside a hex string
_OCTAL = compiled(rb"[0-7]{1,3}")  #: an octal escape's digits
_SKIP_COMMENTS = compiled(rb"(?:[ \t\r\n]+|%[^\r\n]*[\r\n])*")
_STARTXREF = compiled(rb"startxref[ \t\r\n]+(\d+)[ \t\r\n]+%%EOF[ \t\r\n]*\Z")
_SECTION = compiled(rb"(\d+) (\d+)[ \t]*(?:\r\n|\r|\n)")
_ENTRY = compiled(rb"(\d{10}) (\d{5}) ([nf])(?: \r| \n|\r\n)")
_HEADER = compiled(rb"(\d+)[ \t\r\n]+(\d+)[ \t\r\n]+obj")
_REF = compiled(rb"(\d+)[ \t\r\n]+(\d+)[ \t\r\n]+R")
_NUMBER = compiled(rb"[+-]?(?:\d+(\.\d*)?|\.\d+)")
_NUMBER_CHARS = b"+,-.0123456789"  #: what pypdf reads as part of a number ([^+-.0-9] ends it)
_NAME = compiled(rb"/[^ \t\r\n\f\v()<>\[\]{}/%]*")
_NAME_OK = compiled(rb"/[!-~]*").fullmatch
_HEX = compiled(rb"<([0-9A-Fa-f \t\r\n]*)>")
_STRING_STOP = compiled(rb"[()\\]")
_ENDS = b" \t\r\n()<>[]{}/%"  #: bytes that end a keyword or a number
_ESCAPES = {
    **{c: c for c in b"()/\\ %<>[]#_&$"},
    **dict(zip(b"nrtbf", b"\n\r\t\b\f")),
}
_MAX_DEPTH = 40


def _skip(data: bytes, pos: int) -> int:
    """The position after the white space (if any) at `pos`."""
    found = _SKIP.match(data, pos)
    return found.end() if found is not None else pos


def _skip_comments(data: bytes, pos: int) -> int:
    """The position after the white space and comments (each ended by a line end, as pypdf needs)
    at `pos`: between the parts of an object, where pypdf's parser skips comments."""
    found = _SKIP_COMMENTS.match(data, pos)
    return found.end() if found is not None else pos


def _stop(data: bytes, end: int) -> bool:
    """True when a keyword or number ends at `end` (the file's end or a delimiter)."""
    return end >= len(data) or data[end] in _ENDS


class _Parser:
    """One file's cross-reference table and objects."""

    def __init__(self, data: bytes, max_stream: int) -> None:
        self.data, self.max_stream = data, max_stream
        self.decoded = 0  #: bytes decoded so far (all streams)
        self.offsets: dict[int, tuple[int, int]] = {}  # object number -> (offset, generation)
        self.objects: dict[int, Any] = {}
        self.refs: list[Ref] = []
        self.busy: set[int] = set()

    def read(self, max_content: int) -> PlainReader:
        trailer = self._table()
        for number in self.offsets:
            self._object(number)
        for ref in self.refs:
            if self.offsets.get(ref.idnum, (0, -1))[1] != ref.generation:
                raise NotPlain(f"reference to a missing object {ref.idnum} {ref.generation}")
        root = trailer.get("/Root")
        if not isinstance(root, Ref) or not isinstance(root.get_object(), Dict):
            raise NotPlain("no catalog")
        pages = _PageTree(max_content).walk(root.get_object())
        metadata = root.get_object().get("/Metadata")
        if metadata is not None:
            if not isinstance(metadata.get_object(), Stream):
                raise NotPlain("metadata is not a stream")
            metadata.get_object().get_data()
        return PlainReader(trailer, pages, self.objects)

    def _table(self) -> Dict:
        data = self.data
        found = _STARTXREF.search(data, max(0, len(data) - 1024))
        if found is None:
            raise NotPlain("no startxref at the end")
        at = int(found.group(1))
        if not data.startswith(b"xref", at) or at == 0 or data[at - 1] not in b"\r\n \t":
            raise NotPlain("startxref does not point at a cross-reference table")
        pos = _skip(data, at + 4)
        first = True
        size = 0
        while not data.startswith(b"trailer", pos):
            section = _SECTION.match(data, pos)
            if section is None:
                raise NotPlain("cross-reference section")
            start, count = int(section.group(1)), int(section.group(2))
            if first and start != 0:
                raise NotPlain("cross-reference table not zero-based")
            first = False
            pos = section.end()
            for number in range(start, start + count):
                entry = _ENTRY.match(data, pos)
                if entry is None:
                    raise NotPlain("cross-reference entry")
                pos = entry.end()
                offset, generation = int(entry.group(1)), int(entry.group(2))
                if number == 0 and (entry.group(3) != b"f" or generation != 65535):
                    raise NotPlain("object 0 is not free")
                if entry.group(3) == b"n":
                    if number in self.offsets or not 0 < offset < at or len(self.offsets) >= MAX_OBJECTS:
                        raise NotPlain("cross-reference entry")
                    self.offsets[number] = (offset, generation)
            size = max(size, start + count)
            pos = _skip(data, pos)
        trailer, _ = self._value(_skip(data, pos + 7), 0)
        if not isinstance(trailer, Dict) or trailer.get("/Size") != size:
            raise NotPlain("trailer")
        if any(key in trailer for key in ("/Prev", "/Encrypt", "/XRefStm")):
            raise NotPlain("trailer points at more")
        return trailer

    def _object(self, number: int) -> Any:
        """Object `number` (parsed once; a stream's indirect /Length is parsed first)."""
        if number in self.objects:
            return self.objects[number]
        if number in self.busy or number not in self.offsets:
            raise NotPlain(f"object {number}")
        self.busy.add(number)
        offset, generation = self.offsets[number]
        data = self.data
        header = _HEADER.match(data, offset)
        if header is None or (int(header.group(1)), int(header.group(2))) != (number, generation):
            raise NotPlain(f"object {number} is not where the table says")
        value, pos = self._value(_skip_comments(data, header.end()), 0)
        if isinstance(value, Ref):
            raise NotPlain(f"object {number} is a reference (pypdf fails on it)")
        pos = _skip(data, pos)  # pypdf looks for "stream" after white space only
        if isinstance(value, Dict) and data.startswith(b"stream", pos):
            value, pos = self._stream(value, pos + 6)
        pos = _skip_comments(data, pos)
        if not data.startswith(b"endobj", pos):
            raise NotPlain(f"object {number} has no endobj")
        self.objects[number] = value
        return value

    def _stream(self, entries: Dict, pos: int) -> tuple[Stream, int]:
        """The stream after its dictionary; `pos`: just after the ``stream`` keyword."""
        data = self.data
        while data[pos : pos + 1] == b" ":
            pos += 1
        if data[pos : pos + 2] == b"\r\n":
            pos += 2
        elif data[pos : pos + 1] in (b"\n", b"\r"):
            pos += 1
        else:
            raise NotPlain("stream keyword not followed by a line end")
        length = dict.get(entries, "/Length")
        if isinstance(length, Ref):
            length = self._object(length.idnum)
        if type(length) is not Int or length <= 0 or pos + length > len(data):  # pypdf reads a 0 otherwise
            raise NotPlain("stream length")
        end = _skip(data, pos + length)
        if not data.startswith(b"endstream", end):
            raise NotPlain("stream length does not end at endstream")
        dict.pop(entries, "/Length")  # as pypdf: a stream's dictionary keeps every entry but its length
        return Stream(entries, self, (pos, pos + length)), end + 9

    def decode(self, stream: Stream, raw: bytes) -> bytes:
        """A stream's bytes through its filter: none, or Flate without parameters, as pypdf decodes
        them within its output limit; anything else, or more than `max_stream` decoded in all,
        `NotPlain`."""
        filters = stream.get("/Filter")
        if isinstance(filters, Ref):
            filters = filters.get_object()
        if isinstance(filters, Array) and len(filters) == 1:
            filters = filters[0]
        if filters is None:
            out = raw
        elif filters != "/FlateDecode" or "/DecodeParms" in stream:
            raise NotPlain("a filter other than Flate without parameters")
        else:
            inflate = zlib.decompressobj()
            try:
                out = inflate.decompress(raw, self.max_stream)
            except zlib.error:
                raise NotPlain("a Flate stream zlib cannot read") from None
            if inflate.unconsumed_tail:
                raise NotPlain("a stream over the decoding limit")
        self.decoded += len(out)
        if self.decoded > self.max_stream:
            raise NotPlain("more decoded than this reader keeps")
        return out

    def _value(self, pos: int, depth: int) -> tuple[Any, int]:
        """The object starting at `pos` (no white space before it) and the position after it."""
        data = self.data
        if depth > _MAX_DEPTH:
            raise NotPlain("nested too deep")
        char = data[pos : pos + 1]
        if char == b"/":
            found = _NAME.match(data, pos)
            raw = found.group()  # type: ignore[union-attr]
            if not _NAME_OK(raw) or b"#" in raw:
                raise NotPlain("name with escapes or unusual bytes")
            return Name(raw.decode("ascii")), found.end()  # type: ignore[union-attr]
        if char == b"<":
            if data.startswith(b"<<", pos):
                return self._dict(pos + 2, depth)
            found = _HEX.match(data, pos)
            if found is None:
                raise NotPlain("hex string")
            digits = _PDF_SPACE.sub(b"", found.group(1))
            return _string(bytes.fromhex((digits + b"0" if len(digits) % 2 else digits).decode())), found.end()
        if char == b"[":
            items = Array()
            pos += 1
            while True:
                start, pos = pos, _skip_comments(data, pos)
                if data.startswith(b"]", pos):
                    if b"%" in data[start:pos]:  # pypdf reads a comment before "]" as an item: it fails
                        raise NotPlain("a comment before an array's end")
                    return items, pos + 1
                item, pos = self._value(pos, depth + 1)
                items.append(item)
        if char == b"(":
            return self._literal(pos + 1)
        if char and char in b"0123456789+-.":
            ref = _REF.match(data, pos)
            if ref is not None and not data[ref.end() : ref.end() + 1].isalpha():
                if ref.end() - pos >= 20:
                    raise NotPlain("reference spread over more than pypdf looks at")
                made = Ref(int(ref.group(1)), int(ref.group(2)), self.objects)
                self.refs.append(made)
                return made, ref.end()
            found = _NUMBER.match(data, pos)
            if found is None or (found.end() < len(data) and data[found.end()] in _NUMBER_CHARS):
                raise NotPlain("number")
            text = found.group()
            return (Real(float(text)) if b"." in text else Int(int(text))), found.end()
        for word, value in ((b"true", True), (b"false", False)):
            if data.startswith(word, pos) and _stop(data, pos + len(word)):
                return Bool(value), pos + len(word)
        if data.startswith(b"null", pos) and _stop(data, pos + 4):
            return Null(), pos + 4
        raise NotPlain(f"unexpected bytes at {pos}")

    def _dict(self, pos: int, depth: int) -> tuple[Dict, int]:
        data = self.data
        entries = Dict()
        pos = _skip_comments(data, pos)
        while not data.startswith(b">>", pos):
            key, pos = self._value(pos, depth + 1)
            if not isinstance(key, Name) or key in entries:
                raise NotPlain("dictionary key")
            value, pos = self._value(_skip_comments(data, pos), depth + 1)
            dict.__setitem__(entries, key, value)
            pos = _skip_comments(data, pos)
        return entries, pos + 2

    def _literal(self, pos: int) -> tuple[Any, int]:
        """A literal string (`pos`: after its opening parenthesis), read as pypdf reads it."""
        data = self.data
        out = bytearray()
        depth = 1
        while True:
            found = _STRING_STOP.search(data, pos)
            if found is None:
                raise NotPlain("unterminated string")
            at = found.start()
            out += data[pos:at]
            char = data[at]
            pos = at + 1
            if char == 0x28:  # (
                depth += 1
                out.append(char)
            elif char == 0x29:  # )
                depth -= 1
                if depth == 0:
                    return _string(bytes(out)), pos
                out.append(char)
            else:
                nxt = data[pos : pos + 1]
                if not nxt:
                    raise NotPlain("unterminated string")
                if nxt[0] in _ESCAPES:
                    out.append(_ESCAPES[nxt[0]])
                    pos += 1
                elif nxt in b"01234567":
                    digits = _OCTAL.match(data[pos : pos + 3]).group()  # type: ignore[union-attr]
                    if int(digits, 8) > 255:
                        raise NotPlain("octal escape over 255")
                    out.append(int(digits, 8))
                    pos += len(digits)
                elif nxt in b"\r\n":
                    pos += 2 if data[pos : pos + 2] in (b"\r\n", b"\n\r", b"\r\r", b"\n\n") else 1
                else:
                    raise NotPlain("unknown escape in a string")


#: PDFDocEncoding where it differs from Latin-1 (ISO 32000 Annex D; "\x00": undefined there).
_PDFDOC = str.maketrans(
    {
        0x16: "\x00",
        **dict(zip(range(0x18, 0x20), "˘ˇˆ˙˝˛˚˜")),
        0x7F: "\x00",
        **dict(zip(range(0x80, 0xA1), "•†‡…—–ƒ⁄‹›−‰„“”‘’‚™ﬁﬂŁŒŠŸŽıłœšž\x00€")),
        0xAD: "\x00",
    }
)


def _string(raw: bytes) -> Text | Bytes:
    """A string's bytes as pypdf's `create_string_object` turns them into text or leaves them bytes."""
    try:
        if raw.startswith(b"\xef\xbb\xbf"):
            try:
                return _text(raw[3:].decode("utf-8"), raw)
            except UnicodeDecodeError:
                pass
        elif raw.startswith((b"\xfe\xff", b"\xff\xfe")):
            return _text(raw.decode("utf-16"), raw)
        elif raw.startswith(b"\x00"):
            return _text(raw.decode("utf-16be"), raw)
        elif raw[1:2] == b"\x00":
            return _text(raw.decode("utf-16le"), raw)
    except UnicodeDecodeError:
        return Bytes(raw)
    text = raw.decode("latin-1").translate(_PDFDOC)
    return Bytes(raw) if "\x00" in text else _text(text, raw)


def _rect(page: Page, key: str) -> Rect:
    box = page[key]
    return Rect(Real(float(v)) if not isinstance(v, Int) else v for v in box)


_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


class _PageTree:
    """The page tree walked as pypdf's `_flatten` walks it, for a plain tree only."""

    def __init__(self, max_content: int) -> None:
        self.max_content = max_content
        self.pages: list[Page] = []
        self.seen: set[int] = set()

    def walk(self, root: Dict) -> list[Page]:
        top = root.get("/Pages")
        if not isinstance(top, Ref):
            raise NotPlain("no page tree")
        self._node(top, {}, 0)
        if not self.pages:
            raise NotPlain("no page")
        return self.pages

    def _node(self, ref: Ref, inherit: dict, depth: int) -> None:
        node = ref.get_object()
        if not isinstance(node, Dict) or not node or ref.idnum in self.seen or depth > 20:
            raise NotPlain("page tree node")
        self.seen.add(ref.idnum)
        kind = node.get("/Type")
        if kind == "/Pages":
            inherit = {**inherit, **{key: node[key] for key in _INHERITED if key in node}}
            kids = node.get("/Kids")
            kids = kids.get_object() if kids is not None else None
            if not isinstance(kids, Array) or not all(isinstance(kid, Ref) for kid in kids):
                raise NotPlain("page tree kids")
            for kid in kids:
                self._node(kid, inherit, depth + 1)
        elif kind == "/Page":
            entries = {**dict(dict.items(node)), **{key: value for key, value in inherit.items() if key not in node}}
            self.pages.append(Page(entries, ref, self._contents(entries)))
        else:
            raise NotPlain("page tree node type")

    def _contents(self, page: dict) -> bytes | None:
        """The page's decoded content, as pypdf joins it; `NotPlain` when pypdf should read it."""
        if "/MediaBox" not in page or not _numbers(page["/MediaBox"].get_object(), 4):
            raise NotPlain("page box")
        if "/CropBox" in page and not _numbers(page["/CropBox"].get_object(), 4):
            raise NotPlain("page crop box")
        if "/Rotate" in page and type(page["/Rotate"].get_object()) is not Int:
            raise NotPlain("page rotation")
        contents = page.get("/Contents")
        if contents is None:
            return None
        contents = contents.get_object()
        if isinstance(contents, Stream):
            data = contents.get_data()
        elif isinstance(contents, Array) and all(isinstance(part, Ref) for part in contents):
            data = b""
            for part in contents:
                stream = part.get_object()
                if not isinstance(stream, Stream):
                    raise NotPlain("page content part")
                data += stream.get_data()
                if data[-1:] != b"\n":
                    data += b"\n"
        else:
            raise NotPlain("page content")
        if len(data) > self.max_content:
            raise NotPlain("page content over the reading limit")
        return data


def simple(value: Any) -> bool:
    """True for an object whose text is the same as pypdf's (a string, name, number or boolean)."""
    return isinstance(value, (Text, Bytes, Name, Int, Real, Bool))


_FONT_KEYS = frozenset(("/Type", "/Subtype", "/BaseFont", "/Name", "/Encoding", "/FirstChar", "/LastChar", "/Widths"))
_ENCODINGS = ("/WinAnsiEncoding", "/MacRomanEncoding", "/StandardEncoding")
_DESCRIPTOR_NUMBERS = (
    "/Flags",
    "/ItalicAngle",
    "/Ascent",
    "/Descent",
    "/CapHeight",
    "/XHeight",
    "/StemV",
    "/StemH",
    "/AvgWidth",
    "/MaxWidth",
    "/MissingWidth",
    "/Leading",
)
_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def plain_font(font: Any) -> bool:
    """True for a simple font pypdf's font reader builds without a word: a Type 1 or TrueType font
    with a standard encoding by name, no ToUnicode map, widths (if any) within one byte's codes, and
    a plain descriptor (a Type 1 font program is not embedded: pypdf would read its encoding)."""
    if not isinstance(font, Dict) or not set(font) <= _FONT_KEYS | {"/FontDescriptor"}:
        return False
    subtype = font.get("/Subtype")
    if font.get("/Type", "/Font") != "/Font" or subtype not in ("/Type1", "/TrueType"):
        return False
    if not isinstance(font.get("/BaseFont"), Name) or font.get("/Encoding", _ENCODINGS[0]) not in _ENCODINGS:
        return False
    if "/Widths" in font:
        widths, first = font["/Widths"], font.get("/FirstChar", 0)
        if not isinstance(widths, Array) or not all(type(w) in (Int, Real) for w in widths):
            return False
        if type(first) is not Int or first < 0 or first + len(widths) > 256:
            return False
    if "/FontDescriptor" not in font:
        return True
    descriptor = font["/FontDescriptor"]
    if not isinstance(descriptor, Dict):
        return False
    if any(key in descriptor and type(descriptor.get(key)) not in (Int, Real) for key in _DESCRIPTOR_NUMBERS):
        return False
    if type(descriptor.get("/Flags", Int(0))) is not Int:
        return False
    if "/FontBBox" in descriptor and not _numbers(descriptor["/FontBBox"], 4):
        return False
    files = [key for key in _FONT_FILES if key in descriptor]
    return len(files) <= 1 and not (subtype == "/Type1" and files and files[0] != "/FontFile2")


def _numbers(value: Any, count: int) -> bool:
    return isinstance(value, Array) and len(value) == count and all(type(v) in (Int, Real) for v in value)
