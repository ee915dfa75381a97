"""OOXML packages read safely: ZIP pre-flight, capped part reads, XML without DTDs.

`Package.open` checks the central directory before anything is inflated (entry count,
declared sizes, compression ratio, duplicate or unsafe names, encryption) and finds the
main document part; python-docx enforces none of this.  `safe_xml` (loaders/safexml.py, here
too) is the one parser for XML we read ourselves (OOXML parts, and the PDF loader's XMP): it
refuses any DOCTYPE or ENTITY declaration, which ECMA-376 forbids and which is how entity bombs start.
Stdlib only (zipfile, xml.etree).
"""

from __future__ import annotations

import io
import posixpath
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING
from xml.parsers import expat

from authcheck.errors import CheckError
from authcheck.loaders.safexml import declares_dtd, safe_xml
from authcheck.settings import Limits
from authcheck.util.lazymodules import defer
from authcheck.util.records import mutable

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

defer("pathlib", "shutil")  # zipfile's, for zipfile.Path and extracting members: neither is used here
import zipfile  # noqa: E402 - after `defer`

PART_CAP = 64 * 1024 * 1024  #: bytes we read from any one part
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    KeyError,
    IndexError,
    UnicodeError,
    RuntimeError,
)


@mutable
class Package:
    """An opened, pre-flighted OOXML ZIP: its members and the main document part name."""

    zip: zipfile.ZipFile
    names: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    main: str = "word/document.xml"
    parsed: dict[str, ET.Element] = field(default_factory=dict, repr=False)  #: parts parsed so far, by name

    @classmethod
    def open(cls, data: bytes, limits: Limits) -> Package:
        """Open and pre-flight a DOCX; raises CheckError before inflating anything risky.

        Parts parsed by a package opened on the very same bytes object just before (the loader's,
        when forensics opens it again) are shared, so a part such as a 350 KB styles.xml is parsed once."""
        global _RECENT
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = archive.infolist()
        except ZIP_ERRORS as exc:
            raise CheckError("corrupt", f"not a readable ZIP archive ({exc})", "load") from None
        recent = _RECENT if _RECENT is not None and _RECENT[0] is data else None
        parsed = recent[1] if recent is not None else {}
        _RECENT = (data, parsed, recent is not None and recent[2])
        package = cls(archive, _check_directory(infos, limits), parsed=parsed)
        if not _RECENT[2]:  # the very same bytes passed it just before: the parts' heads are what they were
            package._check_prologs()
            _RECENT = (data, parsed, True)
        package.main = package._main_part()
        return package

    def _check_prologs(self) -> None:
        """Refuse a DOCTYPE or ENTITY at the head of any XML part, including those python-docx reads."""
        for name in self.names:
            if not name.lower().endswith((".xml", ".rels", ".vml")):
                continue
            if declares_dtd(self._head(name)):  # only the head is inflated
                raise CheckError("corrupt", f"XML part {name} declares a DOCTYPE; refused", "load")

    def _head(self, name: str, size: int = 65536) -> bytes:
        """The first `size` bytes of a part, without inflating the rest."""
        try:
            with self.zip.open(self.names[name]) as member:
                return member.read(size)
        except ZIP_ERRORS as exc:
            raise CheckError("corrupt", f"part {name} cannot be read ({exc})", "load") from None

    def has(self, name: str) -> bool:
        """True when the package holds a part of that name."""
        return name in self.names

    def read(self, name: str, cap: int = PART_CAP) -> bytes:
        """The bytes of one part, refusing parts larger than `cap`."""
        info = self.names[name]
        if info.file_size > cap:
            raise CheckError("too-large", f"part {name} is {info.file_size} bytes, over {cap}", "load")
        try:
            with self.zip.open(info) as member:
                return member.read(cap + 1)[:cap]
        except ZIP_ERRORS as exc:
            raise CheckError("corrupt", f"part {name} cannot be read ({exc})", "load") from None

    def xml(self, name: str) -> ET.Element:
        """One part parsed with `safe_xml`, once per package (callers only read the tree)."""
        tree = self.parsed.get(name)
        if tree is None:
            tree = self.parsed[name] = _shared_xml(self.read(name), name)
        return tree

    def xml_cut(self, name: str, cut: Callable[[bytes], bytes | None]) -> ET.Element:
        """One part parsed from `cut(raw)`: the part's bytes without elements the caller never reads
        (None: it cannot say, and the whole part is parsed), once per package.  The whole part must
        be well-formed XML all the same: checked by expat alone, without building its tree (a
        fifth of the time); a part that is not, or whose cut does not parse, is parsed whole by
        `xml`, which raises as it always did."""
        key = f"{name}\0{cut.__qualname__}"
        tree = self.parsed.get(key)
        if tree is None:
            raw = self.read(name)
            tree = self.parsed[key] = _shared((cut.__qualname__, raw), lambda: self._cut_tree(raw, name, cut))
        return tree

    def _cut_tree(self, raw: bytes, name: str, cut: Callable[[bytes], bytes | None]) -> ET.Element:
        """`xml_cut`'s tree of the part `name` (its bytes: `raw`), parsed anew."""
        smaller = cut(raw) if _well_formed(raw) else None
        if smaller is not None:
            try:
                return safe_xml(smaller, name)
            except CheckError:
                pass
        return self.xml(name)

    def relationships(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type, target part name) of each internal relationship of `part` ("" for the package)."""
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        if not self.has(rels):
            return []
        found = []
        for rel in self.xml(rels).iter(f"{{{REL_NS}}}Relationship"):
            if rel.get("TargetMode") == "External" or not rel.get("Target"):
                continue
            target = rel.get("Target", "")
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found.append((rel.get("Id", ""), rel.get("Type", ""), name))
        return found

    def related(self, part: str, kind: str) -> str:
        """The first existing part `part` relates to with a type ending in `kind` ("" if none)."""
        return next((name for _, rel, name in self.relationships(part) if rel.endswith(kind) and self.has(name)), "")

    def _main_part(self) -> str:
        """The officeDocument part named by _rels/.rels (word/document.xml by default), checked."""
        if not self.has("[Content_Types].xml"):
            raise CheckError("corrupt", "no [Content_Types].xml: not an OOXML package", "load")
        main = self.related("", "/officeDocument") or "word/document.xml"
        if not self.has(main):
            raise CheckError("corrupt", f"the main document part {main} is missing", "load")
        kind = self.content_type(main)
        if kind != DOCX_MAIN:
            raise CheckError(
                "unsupported",
                f"not a plain Word document (main part is {kind or 'untyped'}); "
                "macro-enabled files and templates are not supported",
                "load",
            )
        return main

    def content_type(self, name: str) -> str:
        """The content type [Content_Types].xml gives a part (override, else by extension)."""
        types = self.xml("[Content_Types].xml")
        for override in types.iter(f"{{{CT_NS}}}Override"):
            if override.get("PartName", "").lstrip("/") == name:
                return override.get("ContentType", "")
        ext = name.rsplit(".", 1)[-1].lower()
        for default in types.iter(f"{{{CT_NS}}}Default"):
            if default.get("Extension", "").lower() == ext:
                return default.get("ContentType", "")
        return ""


_RECENT: tuple[bytes, dict[str, ET.Element], bool] | None = None  #: last package: bytes, parsed parts, prologs checked
SHARED_SIZES = (64 * 1024, 1024 * 1024)  #: parts of these sizes are shared between packages with the same part
SHARED_PARTS = 2
_SHARED: OrderedDict[tuple[str, bytes], ET.Element] = OrderedDict()  #: by (how it was cut, "" for whole; the part)


def _shared_xml(raw: bytes, name: str) -> ET.Element:
    """`safe_xml`, with a large part parsed once for every package holding the very same bytes.

    Letters made from one template carry the same styles.xml (python-docx's is 350 KB, about 20 ms
    to parse): a worker checking a folder of them parses it once.  Trees are only read, never changed."""
    return _shared(("", raw), lambda: safe_xml(raw, name))


def _shared(key: tuple[str, bytes], make: Callable[[], ET.Element]) -> ET.Element:
    """The tree `make()` gives for the part `key[1]`, made once for every package holding the very
    same bytes when the part is large (see `_shared_xml`)."""
    if not SHARED_SIZES[0] <= len(key[1]) <= SHARED_SIZES[1]:
        return make()
    tree = _SHARED.get(key)
    if tree is None:
        tree = _SHARED[key] = make()
        while len(_SHARED) > SHARED_PARTS:
            _SHARED.popitem(last=False)
    else:
        _SHARED.move_to_end(key)
    return tree


def _well_formed(raw: bytes) -> bool:
    """Whether `raw` is XML that `safe_xml` would accept (no DTD, well-formed, namespaces bound), as
    expat alone says, building nothing."""
    if declares_dtd(raw):
        return False
    parser = expat.ParserCreate(None, "}")  # as ElementTree's XMLParser creates it: namespaces resolved
    try:
        parser.Parse(raw, True)
    except (expat.ExpatError, ValueError, UnicodeError):
        return False
    return True


def _check_directory(infos: list[zipfile.ZipInfo], limits: Limits) -> dict[str, zipfile.ZipInfo]:
    """Refuse too many entries, bombs, duplicate or unsafe names and encrypted members."""
    if len(infos) > limits.zip_max_entries:
        raise CheckError("too-large", f"ZIP has {len(infos)} entries, over {limits.zip_max_entries}", "load")
    total, seen, names = 0, set(), {}
    for info in infos:
        name = info.filename
        if name.lower() in seen:
            raise CheckError("corrupt", f"duplicate part name {name} in the package", "load")
        seen.add(name.lower())
        if name.startswith("/") or "\\" in name or "\x00" in name or ".." in name.split("/"):
            raise CheckError("corrupt", f"unsafe part name {name!r} in the package", "load")
        if info.flag_bits & 0x1:
            raise CheckError("unsupported", f"ZIP member {name} is encrypted", "load")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > limits.zip_max_ratio:
            raise CheckError("too-large", f"part {name} expands {ratio:.0f}:1 (zip bomb?)", "load")
        names[name] = info
    if total > limits.zip_max_total:
        raise CheckError("too-large", f"ZIP declares {total} uncompressed bytes, over {limits.zip_max_total}", "load")
    return names


def lists_word_document(data: bytes) -> bool:
    """For sniffing: a ZIP whose content types name a WordprocessingML main part."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if "[Content_Types].xml" not in archive.namelist():
            return False
        with archive.open("[Content_Types].xml") as member:
            head = member.read(256 * 1024)
    except ZIP_ERRORS:
        return False
    return (
        b"wordprocessingml.document.main+xml" in head
        or b"ms-word.document.macroEnabled.main+xml" in head
        or b"wordprocessingml.template.main+xml" in head
        or b"ms-word.template.macroEnabledTemplate.main+xml" in head
    )


def is_readable_zip(data: bytes) -> bool:
    """True when the bytes open as a ZIP archive (its central directory reads)."""
    try:
        zipfile.ZipFile(io.BytesIO(data)).infolist()
        return True
    except ZIP_ERRORS:
        return False
