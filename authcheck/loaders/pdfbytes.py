"""A quick byte scan of a PDF: is it a plain, single-revision file whose page text PDFium may read?

PDFium reads page text several times faster than pypdf's pure-Python extraction, but only pypdf's
tokenizer reports content-stream damage, and only pypdf reads encrypted files with the password
rules the loader applies.  `plain_pdf` says, from the raw bytes alone (no parser), that a file has
none of what needs pypdf's text reader: one revision (one ``startxref``, one ``%%EOF``, no
``/Prev``), no encryption (``/Encrypt``), the header at byte 0, the file ending at its ``%%EOF``,
and a ``startxref`` that points at a cross-reference table or stream.  Anything else, and anything
unusual, answers False: pypdf reads every page.

A signature field or a signature (``/Sig``, ``/ByteRange``) in that one revision does not need
pypdf's text reader: there is no later revision whose pages could differ from the signed ones.  A
signed file with an update after the signature has two revisions, and pypdf reads it.

A file this scan finds plain may be read without pypdf altogether, when `plainpdf` reads every
object of it as pypdf would (`pdf._plain_reader`).
"""

from __future__ import annotations

from authcheck.util.patterns import compiled

_TAIL = 1024  #: bytes at the end that must hold startxref, its offset and %%EOF
_NEEDS_PYPDF = (b"/Encrypt", b"/Prev")
_STARTXREF = compiled(rb"startxref\s+(\d{1,12})\s+%%EOF\s*$")
_XREF_AT = compiled(rb"xref\s|\d{1,10}\s+\d{1,5}\s+obj\b")


def plain_pdf(data: bytes) -> bool:
    """True when the bytes show one clean revision with no encryption or damage marker."""
    if not data.startswith(b"%PDF-"):
        return False
    if data.count(b"startxref") != 1 or data.count(b"%%EOF") != 1:
        return False
    match = _STARTXREF.search(data[-_TAIL:])
    if match is None:
        return False
    offset = int(match.group(1))
    if not 0 < offset < len(data) or not _XREF_AT.match(data, offset):
        return False
    return not any(marker in data for marker in _NEEDS_PYPDF)
