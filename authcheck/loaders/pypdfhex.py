"""pypdf's hex-string reader, one byte at a time, replaced by a whole-string read with the same result.

pypdf reads a hex string (``<48656c6c6f>``) one byte per call of `read_non_whitespace`.  A signed
PDF's signature value is one such string of 4,000 to 30,000 digits, which costs pypdf 3 ms to
30 ms of pure Python before anything reads it; every file has two more in its trailer ``/ID``.
`install` makes pypdf's object parser read a hex string with one `find` of its ``>`` and one
`bytes.fromhex`: the same bytes (an odd last digit padded with 0, whitespace skipped), the same
string object, the stream left just after the ``>``.  A string that is not plain (a character
pypdf refuses, no closing ``>``) goes to pypdf's own reader from the same place, which raises its
own error.  `tests/test_pypdfhex.py` compares the two readers.
"""

from __future__ import annotations

from typing import Any

_WHITESPACE = b"\x00\t\n\x0c\r "  #: what pypdf's read_non_whitespace skips (not \v)
_DIGITS = b"0123456789abcdefABCDEF"
_FIRST_READ = 256


def install() -> None:
    """Point pypdf's object parser at `read_hex_string` (once; pypdf must be imported).  A pypdf
    whose parser does not have these names is left as it is."""
    try:
        from pypdf.generic import _data_structures, _utils

        current = _data_structures.read_hex_string_from_stream
        original, create = _utils.read_hex_string_from_stream, _utils.create_string_object
    except (ImportError, AttributeError):
        return
    if current is original:  # not installed yet (nor replaced by anything else)
        _data_structures.read_hex_string_from_stream = _fast(original, create)


def _fast(original: Any, create: Any) -> Any:
    def read_hex_string(stream: Any, forced_encoding: Any = None) -> Any:
        start = stream.tell()
        stream.read(1)  # the "<"
        chunk = stream.read(_FIRST_READ)
        end = chunk.find(b">")
        while end < 0:
            more = stream.read(max(len(chunk), 4096))
            if not more:
                break
            offset = len(chunk)
            chunk += more
            end = chunk.find(b">", offset)
        if end >= 0:
            digits = chunk[:end].translate(None, _WHITESPACE)
            if not digits.translate(None, _DIGITS):
                stream.seek(start + 2 + end)
                if len(digits) % 2:
                    digits += b"0"
                return create(bytes.fromhex(digits.decode("ascii")), forced_encoding)
        stream.seek(start)
        return original(stream, forced_encoding)

    read_hex_string.__wrapped__ = original  # type: ignore[attr-defined]
    return read_hex_string
