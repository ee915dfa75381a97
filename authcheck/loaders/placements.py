"""Where a page's content stream draws its images, read from the decoded bytes (no pypdf import).

A page of text and images needs two things from the loader: its text, which PDFium reads several
times faster than pypdf's pure-Python extraction, and each image's resource name and placement,
which PDFium does not give (it has no resource names, and keeps matrices in single precision).
`image_placements` reads the placements with a light tokenizer that follows only what moves an
image: ``q``, ``Q``, ``cm`` and ``Do``.  It splits the stream into tokens exactly as pypdf's content
parser does (an operator starts with a letter, ``'`` or ``"``; a number is a run of ``+,-.0-9``;
strings, names, arrays and dictionaries are operands) and multiplies the matrices in the same order
with the same floats, so each placement is the very one pypdf's text visitor reports.

It answers only for the plain case and False for anything else, and the page then goes through
pypdf as before: an inline image, a form XObject or any name that is not one of the page's images,
a ``cm`` without exactly six numbers, a ``Q`` with nothing saved, a name with a ``#`` escape, a
string with unbalanced parentheses, a token pypdf would read otherwise (an indirect reference, a
``{``), or a NUL or vertical tab between tokens (the two whitespace sets of pypdf's parser differ
on them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container

from authcheck.loaders.pdflayout import IDENTITY, Matrix, mult
from authcheck.util.patterns import compiled

_TOKEN = compiled(
    rb"""[ \t\n\r\f]*(?:
      (?P<op>[A-Za-z'"][^ \t\n\r\f\v()<>\[\]{}/%]*)
    | (?P<num>[+,\-.0-9]+)
    | (?P<name>/[^ \t\n\r\f\v()<>\[\]{}/%]*)
    | (?P<str>\((?:[^()\\]|\\.)*\))
    | (?P<open><<|\[)
    | (?P<close>>>|\])
    | (?P<hex><[^<>]*>)
    | (?P<comment>%[^\r\n]*)
    | (?P<end>\Z)
    | (?P<bad>.)
    )""",
    re.VERBOSE | re.DOTALL,
)
_NUMBER = compiled(rb"[+-]?(?:\d+\.?\d*|\.\d+)\Z")
_VALUES = (b"true", b"false", b"null")  #: the words pypdf reads as values inside an array or dictionary
_MAX_TOKEN = 64  #: an operator, name or number longer than this is read by pypdf (it has limits of its own)


def image_placements(content: bytes, images: Container[str], keep: Callable[[str, Matrix], None]) -> bool:
    """Call `keep(name, matrix)` for each image the stream draws, in order, with the current
    transformation matrix at its ``Do`` (the name without its slash); True when the stream was read
    to its end, False when it holds anything this reader leaves to pypdf (`keep` may have been
    called: the caller then discards what it kept).  `images` holds the names, with their slash, of
    the page's XObjects that are images."""
    cm: Matrix = IDENTITY
    saved: list[Matrix] = []
    operands: list[object] = []  #: the numbers as floats, anything else as its token
    nested: list[bytes] = []  #: the closers of the arrays and dictionaries being read
    pos = 0
    match = _TOKEN.match
    while True:
        token = match(content, pos)
        if token is None:  # cannot happen (`bad` matches any byte), but never loop on it
            return False
        pos = token.end()
        kind = token.lastgroup
        if kind == "end":
            return not nested
        if kind == "op":
            word = token.group(kind)
            if nested:
                if word in _VALUES:
                    continue
                return False
            if len(word) > _MAX_TOKEN or word in (b"BI", b"R"):
                return False
            if word == b"cm":
                if len(operands) != 6 or not all(type(v) is float for v in operands):
                    return False
                cm = mult(operands, cm)
            elif word == b"q":
                saved.append(cm)
            elif word == b"Q":
                if not saved:
                    return False
                cm = saved.pop()
            elif word == b"Do":
                if len(operands) != 1 or not isinstance(operands[0], str) or operands[0] not in images:
                    return False
                keep(operands[0][1:], cm)
            operands = []
        elif kind == "num":
            value = token.group(kind)
            if len(value) > _MAX_TOKEN or not _NUMBER.match(value):
                return False
            if not nested:
                operands.append(float(value))
        elif kind == "name":
            value = token.group(kind)
            if len(value) > _MAX_TOKEN or b"#" in value or not value.isascii():
                return False
            if not nested:
                operands.append(value.decode("ascii"))
        elif kind == "open":
            nested.append(b">>" if token.group(kind) == b"<<" else b"]")
        elif kind == "close":
            if not nested or nested.pop() != token.group(kind):
                return False
            if not nested:
                operands.append(None)
        elif kind in ("str", "hex"):
            if not nested:
                operands.append(None)
        elif kind == "bad":
            return False
