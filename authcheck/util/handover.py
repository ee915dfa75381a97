"""One value handed from the stage of a check that made it to a later stage of the same check.

The PDF loader hands its pypdf reader to forensics and its open PDFium document to the evidence
boxes, so they do not open and parse the file again.  A value is tied to the very `bytes` object it
was made from (never to equal bytes: another file's), taken once, and at most one is held: putting
the next file's frees the one nobody took.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Handover:
    """At most one (bytes, value) held.  `free(value)` releases one that is replaced or dropped;
    `drop_on_miss`: a `take` for other bytes drops the held value too."""

    def __init__(self, free: Callable[[Any], None] | None = None, drop_on_miss: bool = False) -> None:
        self._held: list[tuple[bytes, Any]] = []
        self._free, self._drop_on_miss = free, drop_on_miss

    def put(self, data: bytes, value: Any) -> None:
        """Hold `value` (None: nothing) for `data`, freeing what was held and not taken."""
        self._drop()
        if value is not None:
            self._held.append((data, value))

    def take(self, data: bytes) -> Any:
        """The value held for this very bytes object, once; None otherwise."""
        if self._held and self._held[0][0] is data:
            return self._held.pop()[1]
        if self._drop_on_miss:
            self._drop()
        return None

    def held(self) -> Any:
        """The value held now, not taken (None when there is none)."""
        return self._held[0][1] if self._held else None

    def _drop(self) -> None:
        while self._held:
            value = self._held.pop()[1]
            if self._free is not None:
                self._free(value)
