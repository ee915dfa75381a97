"""The tests' first_line: a first line, then communicate(), gives every byte the command wrote."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.pipes import first_line

WRITE = "import sys; sys.stdout.write(''.join(f'record {i}\\n' for i in range(200))); sys.stdout.write('tail')"


@pytest.mark.parametrize("text", [False, True])
def test_first_line_leaves_the_rest_to_communicate(text):
    proc = subprocess.Popen([sys.executable, "-c", WRITE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=text)
    proc.wait(timeout=60)  # all of it is in the pipe before the first line is read
    first = first_line(proc)
    rest, _ = proc.communicate(timeout=60)
    expected = "".join(f"record {i}\n" for i in range(200)) + "tail"
    assert first == (expected.splitlines(keepends=True)[0] if text else b"record 0\n")
    assert first + rest == (expected if text else expected.encode())


def test_first_line_at_the_end_of_the_output_is_what_is_left():
    proc = subprocess.Popen([sys.executable, "-c", "print('only', end='')"], stdout=subprocess.PIPE)
    assert first_line(proc) == b"only" and first_line(proc) == b""
    proc.wait(timeout=60)
