"""`wait(objects, timeout)`: `multiprocessing.connection.wait` without importing multiprocessing.

A scan's parent waits on its workers' pipes and process sentinels.  `multiprocessing` (with
`socket`, `tempfile`, `subprocess` and `selectors`, ≈ 8 ms) is needed to fork a worker, but not to
hand a file to the command's standby and read its result (`batch/standby.py`), which is all a
first command that checks one file does: so the pool waits through `select.poll` here, as
`multiprocessing.connection.wait` does on Linux.
"""

from __future__ import annotations

import math
import select
import time
from collections.abc import Sequence
from typing import Any


def wait(objects: Sequence[Any], timeout: float | None = None) -> list[Any]:
    """The objects (each a file descriptor, or has `fileno()`) that are ready to read, or have hung
    up or failed, within `timeout` seconds (None: until one is); [] when the time is up.  Every
    object must have a descriptor of its own."""
    poller = select.poll()
    by_fd: dict[int, Any] = {}
    for obj in objects:
        fd = obj if isinstance(obj, int) else obj.fileno()
        by_fd[fd] = obj
        poller.register(fd, select.POLLIN)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait_ms = None if deadline is None else max(0, math.ceil((deadline - time.monotonic()) * 1000))
        events = poller.poll(wait_ms)
        if events:
            return [by_fd[fd] for fd, _ in events]
        if deadline is not None and time.monotonic() >= deadline:
            return []
