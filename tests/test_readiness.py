"""`util.readiness.wait`: what `multiprocessing.connection.wait` answers, without multiprocessing."""

from __future__ import annotations

import os
import sys
import time
from multiprocessing.connection import Pipe
from multiprocessing.connection import wait as mp_wait

import pytest

from authcheck.util.readiness import wait

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="poll(2)")


def test_readable_or_hung_up_is_ready_and_nothing_when_the_time_is_up():
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    try:
        started = time.monotonic()
        assert wait([r1, r2], 0.05) == []
        assert time.monotonic() - started >= 0.05
        os.write(w2, b"x")
        assert wait([r1, r2], 1.0) == [r2]
        os.close(w1)  # the other end gone: ready, as a dead worker's sentinel is
        w1 = -1
        assert sorted(wait([r1, r2], 1.0)) == [r1, r2]
    finally:
        for fd in (r1, w1, r2, w2):
            if fd >= 0:
                os.close(fd)


def test_the_same_objects_as_multiprocessing_says_connections_and_descriptors_alike():
    quiet, quiet_end = Pipe()
    talking, talking_end = Pipe()
    sentinel, alive = os.pipe()
    try:
        objects = [quiet, talking, sentinel]
        assert wait(objects, 0) == mp_wait(objects, 0) == []
        talking_end.send("result")
        assert wait(objects, 1.0) == mp_wait(objects, 1.0) == [talking]
        os.close(alive)
        alive = -1
        assert (
            sorted(map(id, wait(objects, 1.0)))
            == sorted(map(id, mp_wait(objects, 1.0)))
            == sorted(map(id, [talking, sentinel]))
        )
    finally:
        for conn in (quiet, quiet_end, talking, talking_end):
            conn.close()
        for fd in (sentinel, alive):
            if fd >= 0:
                os.close(fd)
