"""The OCR helper process: page images in on stdin, one JSON reading per page out on stdout.

OCR runs in a child of the worker, never in the worker itself, so that its models (hundreds of
MB of address space) get their own memory cap (`ocr_memory_mb`), a page that overruns its time
can be killed outright (a SIGALRM cannot stop a long call inside onnxruntime), and the worker
stays small for the next file.  The protocol is framed, never pickled: the parent sends the
engine name as one line, then for each page a 4-byte big-endian length and the page in grey (its
width and height as two more 4-byte numbers, then one byte a pixel, already brought down to about
the size OCR reads, so no image codec runs on either side); the child answers each page with one
JSON line (lines, boxes, words, confidence, rotation, ink regions).
"""

from __future__ import annotations

import json
import struct
import sys
from typing import Any, BinaryIO


def reading_record(reading: Any, page: int) -> dict:
    """A page reading (and its ink regions) as JSON-ready data, in page pixels."""
    from authcheck.loaders.ocr.ink import regions

    inks = [{"top": i.top, "bottom": i.bottom, "width": i.width, "height": i.height} for i in regions(reading, page)]
    return {
        "width": reading.width,
        "height": reading.height,
        "rotation": reading.rotation,
        "confidence": reading.confidence,
        "seconds": reading.seconds,
        "inks": inks,
        "lines": [
            {
                "text": ln.text,
                "box": list(ln.box),
                "confidence": ln.confidence,
                "words": [[w.text, list(w.box), w.confidence] for w in ln.words],
            }
            for ln in reading.lines
        ],
    }


def _frames(stream: BinaryIO):
    while True:
        head = stream.read(4)
        if len(head) < 4:
            return
        (size,) = struct.unpack(">I", head)
        yield stream.read(size)


def main() -> int:
    """Serve pages until stdin closes."""
    from PIL import Image

    from authcheck.loaders.ocr.engine import read_page

    stdin, stdout = sys.stdin.buffer, sys.stdout
    engine = stdin.readline().decode("ascii", "replace").strip() or "rapidocr"
    for page, data in enumerate(_frames(stdin), start=1):
        try:
            width, height = struct.unpack(">II", data[:8])
            reading = read_page(Image.frombytes("L", (width, height), data[8:]), engine)
            record = reading_record(reading, page)
        except Exception as exc:
            record = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        stdout.write(json.dumps(record) + "\n")
        stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
