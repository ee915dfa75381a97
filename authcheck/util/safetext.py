"""Hostile strings made safe for a terminal, and file names that are not valid UTF-8 made writable.

Every string that came from a file, a path, a rule pack or a configuration passes through
`for_terminal` before it reaches a console report, the extract view, `rules list`, `config show`
or a line on standard error.  Nothing is dropped and nothing is passed through: C0 and C1
controls, DEL, bidirectional controls (U+202A-202E, U+2066-2069, U+200E/200F, U+061C) and other
invisible format, private-use, surrogate and unassigned characters become visible escapes such
as ``\\x1b`` or ``\\u202e``.  A backslash is left alone (the JSON output holds the exact
string when a name must be told from one that spells an escape).  A lone surrogate from Python's
``surrogateescape`` (a file name byte that is not UTF-8) is shown as the byte it stands for,
``\\xff``.  Newline and tab are escaped too unless `multiline` allows them.

JSON and SARIF get `path_text` (the same ``\\xNN`` spelling, for a record's ``path``),
`path_b64` (the exact name's bytes) and `scrub_surrogates` (for a rendered JSON document, so a
stray surrogate becomes ``\\xNN`` text instead of a UnicodeEncodeError).
"""

from __future__ import annotations

import base64
import os
import unicodedata

from authcheck.util.patterns import compiled

#: Format characters that are safe and useful in text (joiners used by many scripts).
_ALLOWED_FORMAT = frozenset("\u200c\u200d")
_SURROGATE = compiled("[\ud800-\udfff]")


def for_terminal(text: object | None, *, multiline: bool = False) -> str:
    """`text` with every character a terminal would act on, or hide, shown as an escape.

    ``None`` becomes "".  With `multiline`, newline and tab pass (for blocks of text
    printed as several lines); every other control is escaped either way.
    """
    if text is None:
        return ""
    text = str(text)
    if text.isprintable():
        return text  # the common case, and fast
    return "".join(_char(ch, multiline) for ch in text)


def _char(ch: str, multiline: bool) -> str:
    """One character as it may reach a terminal."""
    if multiline and ch in "\n\t":
        return ch
    if ch.isprintable() or ch in _ALLOWED_FORMAT:
        return ch
    if unicodedata.category(ch) == "Zs":
        return (
            ch  # a visible-width space (no-break, en, em...): isprintable() rejects it, a terminal does not act on it
        )
    return escape(ch)


def escape(ch: str) -> str:
    """The visible escape for one character: ``\\n``, ``\\x1b``, ``\\xff`` (a surrogate-escaped
    byte), ``\\u202e`` or ``\\U000e0001``."""
    code = ord(ch)
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch)
    if named:
        return named
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def is_unsafe(ch: str) -> bool:
    """True for a character `for_terminal` escapes (in single-line mode)."""
    return _char(ch, False) != ch


def has_surrogates(text: str) -> bool:
    """True when `text` carries lone surrogates (a name that was not valid UTF-8)."""
    return bool(_SURROGATE.search(text))


def path_text(path: str) -> str:
    """A path as valid text: bytes that are not UTF-8 appear as ``\\xNN`` (see `path_b64` for the exact name)."""
    if not has_surrogates(path):
        return path
    return _SURROGATE.sub(lambda m: escape(m.group()), path)


def path_b64(path: str) -> str | None:
    """Base64 of the exact bytes of a name that is not valid UTF-8; None for a valid one."""
    if not has_surrogates(path):
        return None
    try:
        raw = os.fsencode(path)
    except UnicodeEncodeError:  # a surrogate that no byte stands for (not from the file system)
        raw = path.encode("utf-8", "surrogatepass")
    return base64.b64encode(raw).decode("ascii")


def scrub_surrogates(text: str) -> str:
    """A rendered JSON document with each lone surrogate replaced by ``\\\\xNN``/``\\\\uNNNN`` text.

    Surrogates can only sit inside JSON string literals, so the escape is written with a
    doubled backslash: the string then decodes to the readable ``\\xff``.
    """
    if not has_surrogates(text):
        return text
    return _SURROGATE.sub(lambda m: "\\" + escape(m.group()), text)
