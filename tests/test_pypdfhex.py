"""`loaders.pypdfhex`: pypdf's parser reads hex strings whole, with pypdf's own results."""

from __future__ import annotations

import random
import sys
from io import BytesIO
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from authcheck.loaders import pdf, pypdfhex  # noqa: E402

pdf.import_pypdf()
from pypdf.generic import _data_structures, _utils  # noqa: E402

ORIGINAL = _utils.read_hex_string_from_stream
FAST = _data_structures.read_hex_string_from_stream


def _outcome(reader, data: bytes, at: int, encoding=None):
    stream = BytesIO(data)
    stream.seek(at)
    try:
        value = reader(stream, encoding)
    except Exception as exc:
        return ("error", type(exc), str(exc), stream.tell())
    return (
        type(value),
        bytes(value.original_bytes) if hasattr(value, "original_bytes") else value,
        str(value),
        stream.tell(),
    )


def test_the_parser_uses_the_whole_string_reader():
    assert FAST is not ORIGINAL and FAST.__wrapped__ is ORIGINAL
    pypdfhex.install()  # a second install keeps the one reader
    assert _data_structures.read_hex_string_from_stream is FAST


@pytest.mark.parametrize(
    "data",
    [
        b"<>",
        b"<48656c6c6f> Tj",
        b"<FEFF00410042>",  # UTF-16 with its byte-order mark: a text string
        b"<4 8 6\n5\r6c\t6c\x0c6f\x00>",  # every byte pypdf skips
        b"<486>",  # an odd digit count: the last digit padded with 0
        b"<48\x0b65>",  # a vertical tab: pypdf refuses it
        b"<48zz>",
        b"<4865",  # no closing bracket
        b"<",
        b"<" + b"0" * 9000 + b"> rest",  # a signature placeholder, longer than the first reads
        b"<" + b"ab" * 300 + b"\n" + b"cd" * 5000,  # long and unterminated
    ],
)
def test_each_string_reads_as_pypdf_reads_it(data):
    assert _outcome(FAST, data, 0) == _outcome(ORIGINAL, data, 0)


def test_random_strings_read_as_pypdf_reads_them():
    rng = random.Random(615)
    alphabet = b"0123456789abcdefABCDEF" * 4 + b" \n\r\t\x00\x0c\x0bxg<>"
    for _ in range(3000):
        body = bytes(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 2, 7, 40, 300, 5000])))
        data = b"junk<" + body + rng.choice([b">", b"> /Next", b""]) + b"tail>"
        encoding = rng.choice([None, "utf-16-be", "latin-1"])
        assert _outcome(FAST, data, 4, encoding) == _outcome(ORIGINAL, data, 4, encoding), data


def test_a_pypdf_without_these_names_is_left_as_it_is(monkeypatch):
    monkeypatch.setattr(_data_structures, "read_hex_string_from_stream", ORIGINAL)
    monkeypatch.delattr(_utils, "create_string_object")
    pypdfhex.install()  # no error, no reader installed
    assert _data_structures.read_hex_string_from_stream is ORIGINAL
