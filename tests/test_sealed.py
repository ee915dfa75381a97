"""Sealed files (`util/sealed.py`): marshalled data read back only when its seal verifies under the
cache key; anything else reads as nothing."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from authcheck.util.sealed import read_sealed, write_sealed

FORM = b"authcheck-test/1\n"
KEY = b"k" * 32
VALUE = {"rules": [{"id": "a.b", "weight": 20, 7: ("seven", 1.5, None, True)}], "set": frozenset({"x"})}


def test_what_is_written_is_read_back_with_its_types(tmp_path):
    path = str(tmp_path / "folder" / "entry.bin")
    write_sealed(path, FORM, KEY, VALUE)
    assert read_sealed(path, FORM, KEY, 1 << 20) == VALUE
    assert os.listdir(tmp_path / "folder") == ["entry.bin"]  # no temporary file left


@pytest.mark.parametrize(
    "change",
    [
        lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]),  # a data byte
        lambda raw: raw[: len(FORM)] + bytes([raw[len(FORM)] ^ 1]) + raw[len(FORM) + 1 :],  # the seal
        lambda raw: b"authcheck-test/2\n" + raw[len(FORM) :],  # another format
        lambda raw: raw[: len(FORM) + 10],  # cut short
    ],
    ids=["data", "seal", "format", "short"],
)
def test_a_changed_file_reads_as_nothing(tmp_path, change):
    path = tmp_path / "entry.bin"
    write_sealed(str(path), FORM, KEY, VALUE)
    path.write_bytes(change(path.read_bytes()))
    assert read_sealed(str(path), FORM, KEY, 1 << 20) is None


def test_another_key_a_larger_file_or_a_fifo_read_as_nothing(tmp_path):
    path = str(tmp_path / "entry.bin")
    write_sealed(path, FORM, KEY, VALUE)
    assert read_sealed(path, FORM, b"j" * 32, 1 << 20) is None
    assert read_sealed(path, FORM, KEY, 10) is None
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    assert read_sealed(fifo, FORM, KEY, 1 << 20) is None  # not opened for reading until a writer comes
    assert read_sealed(str(tmp_path / "missing"), FORM, KEY, 1 << 20) is None


def test_a_value_marshal_cannot_write_raises_and_leaves_nothing(tmp_path):
    path = tmp_path / "entry.bin"
    with pytest.raises(ValueError):
        write_sealed(str(path), FORM, KEY, {"date": dt.date(2020, 1, 6)})
    assert not path.exists()


def test_a_key_longer_than_blake2bs_is_used_whole(tmp_path):
    path = str(tmp_path / "entry.bin")
    long_key = b"a" * 64 + b"tail one"
    write_sealed(path, FORM, long_key, VALUE)
    assert read_sealed(path, FORM, long_key, 1 << 20) == VALUE
    assert read_sealed(path, FORM, b"a" * 64 + b"tail two", 1 << 20) is None  # not cut to 64 bytes
