"""Page images -> `Line`s marked source "ocr", ink regions, and what the engine said, under the OCR budget.

OCR has a budget of its own, apart from the reading budget of text PDFs, and runs in a helper
process (`ocrchild`) under its own address-space cap `ocr_memory_mb`: each page may take
`ocr_page_seconds`, and all pages of one file together `ocr_time_percent` of the per-file timeout.
When either runs out the helper is killed, the pages read so far are kept and a "truncated" note
says where it stopped.
Boxes become page-relative fractions (x0, y0, x1, y1, top-left origin); `Line.y` is the line's
bottom in the units of a 612-wide page from the bottom, as a PDF page gives, so the layout and
signature code treat an OCR'd letter like a PDF one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import select
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import IO, Any

from authcheck.errors import CheckError
from authcheck.loaders.budget import Budget
from authcheck.loaders.text import LineBuilder
from authcheck.model import Image, Line, Note, Word
from authcheck.settings import Limits

PAGE_WIDTH = 612.0  #: page units across a page (a US letter page in PDF points)


@dataclass
class Reading:
    """Lines, ink regions and the `Document.ocr` record of a file's OCR'd pages."""

    lines: tuple[Line, ...] = ()
    inks: tuple[Image, ...] = ()
    ocr: dict = field(default_factory=dict)


def read_pages(
    pages: list[Any],
    limits: Limits,
    engine: str,
    notes: list[Note],
    numbers: list[int] | None = None,
    builder: LineBuilder | None = None,
) -> Reading:
    """OCR each page image (page numbers `numbers`, default 1..n) into lines and ink regions."""
    from authcheck.loaders.ocr.engine import available, engine_version

    why = available(engine)
    if why:
        raise CheckError("unsupported", f"this file needs OCR, but {why}", "load")
    numbers = numbers or list(range(1, len(pages) + 1))
    builder = builder or LineBuilder(limits.max_text_chars)
    total = Budget(limits.timeout * limits.ocr_time_percent / 100.0 if limits.timeout else None)
    inks: list[Image] = []
    record: dict = {"engine": engine, "version": engine_version(engine), "pages": []}
    with OcrProcess(engine, limits) as child:
        for index, (image, number) in enumerate(zip(pages, numbers)):
            got = child.read(image, _seconds(limits, total))
            if got is None or "error" in got:
                why = (
                    got["error"]
                    if got
                    else "the OCR time budget ran out "
                    f"({limits.ocr_page_seconds:g} s a page, {limits.ocr_time_percent}% of the timeout)"
                )
                notes.append(
                    Note(
                        "truncated",
                        f"OCR stopped at page {number}: {why}; {index} of {len(pages)} pages read",
                        {"pages_read": index, "reason": "ocr"},
                    )
                )
                break
            add_lines(builder, got, number)
            inks.extend(Image(number, name="ink", **ink) for ink in got["inks"])
            record["pages"].append(
                {
                    "page": number,
                    "engine": record["version"],
                    "confidence": got["confidence"],
                    "rotation": got["rotation"],
                    "seconds": got["seconds"],
                    "lines": len(got["lines"]),
                }
            )
    notes.extend(builder.notes())
    record["confidence"] = _overall(record["pages"])
    return Reading(tuple(builder.lines), tuple(inks), record)


def _seconds(limits: Limits, total: Budget) -> float:
    """This page's time: its own budget, or what is left of the file's OCR time if less."""
    if total.deadline is None:
        return limits.ocr_page_seconds
    return max(min(limits.ocr_page_seconds, total.deadline - time.monotonic()), 0.0)


class OcrProcess:
    """The OCR helper (`ocrchild`) with its own memory cap; `read` gives one page's reading or None."""

    def __init__(self, engine: str, limits: Limits) -> None:
        self.engine, self.limits = engine, limits
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> OcrProcess:
        cap = self.limits.ocr_memory_mb * 1024 * 1024 if self.limits.memory_mb else 0
        self.proc = proc = subprocess.Popen(
            [sys.executable, "-m", "authcheck.loaders.ocr.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **_MALLOC},
            preexec_fn=(lambda: _cap_memory(cap)) if cap else None,
        )
        _pipe(proc.stdin).write(self.engine.encode("ascii") + b"\n")
        return self

    def read(self, image: Any, seconds: float) -> dict | None:
        """Send one page and wait up to `seconds` for its reading; None (and the child killed) on overrun."""
        if seconds <= 0 or self.proc is None or self.proc.poll() is not None:
            return None
        from authcheck.loaders.ocr.engine import shrink

        page = shrink(image)
        frame = struct.pack(">II", page.width, page.height) + page.tobytes()
        try:
            stdin = _pipe(self.proc.stdin)
            stdin.write(struct.pack(">I", len(frame)) + frame)
            stdin.flush()
        except OSError:
            self._dead()
            return None
        line = _readline(self.proc.stdout, seconds)
        if not line:
            self._dead()
            return None
        return json.loads(line)

    def _dead(self) -> None:
        if self.proc is not None:
            self.proc.kill()

    def __exit__(self, *exc: Any) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(OSError):
            _pipe(self.proc.stdin).close()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        _pipe(self.proc.stdout).close()


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    """One of the helper's pipes (always made: the helper starts with stdin and stdout as PIPE)."""
    if stream is None:
        raise OSError("the OCR helper has no pipe")
    return stream


# glibc: keep freed memory in the heap instead of handing each large block back to the system.  The
# engine allocates and frees its big tensors on every call; returned blocks cost a page fault per
# 4 KB when touched again, which made the first page take twice as long (about 1 s of system time).
_MALLOC = {
    "MALLOC_MMAP_THRESHOLD_": "1000000000",
    "MALLOC_TRIM_THRESHOLD_": "1000000000",
    "MALLOC_TOP_PAD_": str(256 << 20),
}


def _cap_memory(cap: int) -> None:
    """In the child: raise the soft address-space cap to the OCR budget (up to the worker's hard cap)."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = cap if hard == resource.RLIM_INFINITY else min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (want, hard))


def _readline(stream: Any, seconds: float) -> bytes:
    """One line from the child's stdout, or b"" when none comes within `seconds`."""
    deadline = time.monotonic() + seconds
    chunks = b""
    fd = stream.fileno()
    while not chunks.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return b""
        part = os.read(fd, 1 << 16)
        if not part:
            return b""
        chunks += part
    return chunks


def add_lines(builder: LineBuilder, reading: dict, page: int) -> None:
    """Append one page's OCR lines with boxes, confidence and words."""
    w, h = float(reading["width"]), float(reading["height"])
    units = PAGE_WIDTH / w
    for item in reading["lines"]:
        box = item["box"]
        line = builder.add(item["text"], page, "ocr", round((h - box[3]) * units, 2))
        if line is None:
            return
        words = tuple(Word(text, fraction(wbox, w, h), round(conf, 4)) for text, wbox, conf in item["words"])
        builder.lines[-1] = dataclasses.replace(
            line, box=fraction(box, w, h), confidence=round(item["confidence"], 4), words=words
        )


def fraction(box: Any, width: float, height: float) -> tuple[float, float, float, float]:
    """A pixel box as page-relative fractions, clamped to the page."""

    def clamp(v: float) -> float:
        return round(min(max(v, 0.0), 1.0), 4)

    return (clamp(box[0] / width), clamp(box[1] / height), clamp(box[2] / width), clamp(box[3] / height))


def _overall(pages: list[dict]) -> float | None:
    weights = [(p["confidence"], max(p["lines"], 1)) for p in pages]
    total = sum(n for _, n in weights)
    return round(sum(c * n for c, n in weights) / total, 4) if total else None
