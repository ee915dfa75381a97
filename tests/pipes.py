"""Reading a running command's output in two steps: a first line, then the rest.

`proc.stdout.readline()` followed by `proc.communicate()` loses bytes: readline fills proc.stdout's
buffer with whatever the pipe holds (often the next records too), and communicate reads the pipe's
descriptor directly, never that buffer.  first_line reads the descriptor a byte at a time, so nothing
past the line is taken from the pipe and communicate gets all of the rest.
"""

from __future__ import annotations

import io
import os
import subprocess


def first_line(proc: subprocess.Popen) -> bytes | str:
    """The next line of proc's standard output (with its newline; shorter at the end of the output),
    as str when the pipe was opened in text mode."""
    fd = proc.stdout.fileno()
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            break
        line += byte
    return line.decode() if isinstance(proc.stdout, io.TextIOBase) else bytes(line)
