"""`safe_xml`: the one parser for XML we read ourselves (OOXML parts, a PDF's XMP packet).

It refuses any DOCTYPE or ENTITY declaration, which ECMA-376 forbids and which is how entity bombs
start.  Its own module (stdlib xml.etree only) so the PDF loader parses XMP without importing the
OOXML package reader and zipfile (`loaders/ooxml.py` uses it for every part).

The parser and tree builder are `xml.etree.ElementTree`'s own, the C classes `ElementTree.fromstring`
uses, taken from the accelerator module `_elementtree` without the Python module around them
(which defines its classes in Python, then replaces them with these: about 0.7 ms of the first
check of a PDF with XMP or of a DOCX).  The elements are `xml.etree.ElementTree.Element`s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authcheck.errors import CheckError

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET
    from xml.etree.ElementTree import ParseError, TreeBuilder, XMLParser
else:
    try:
        from _elementtree import ParseError, TreeBuilder, XMLParser
    except ImportError:  # pragma: no cover - an interpreter built without the accelerator
        from xml.etree.ElementTree import ParseError, TreeBuilder, XMLParser


DTD_MARKS = tuple(mark.encode(enc) for mark in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be"))


def declares_dtd(raw: bytes) -> bool:
    """Whether the bytes hold a DOCTYPE or ENTITY declaration, in any case, in ASCII or UTF-16."""
    upper = raw.upper()
    return any(mark in upper for mark in DTD_MARKS)


def safe_xml(raw: bytes, name: str) -> ET.Element:
    """Parse one XML document, refusing DTDs and entity declarations."""
    if declares_dtd(raw):
        raise CheckError("corrupt", f"XML part {name} declares a DOCTYPE; refused", "load")
    try:
        parser = XMLParser(target=TreeBuilder())  # as `ElementTree.fromstring` makes it
        parser.feed(raw)
        return parser.close()
    except (ParseError, ValueError, UnicodeError) as exc:
        raise CheckError("corrupt", f"XML part {name} is not well-formed ({exc})", "load") from None
