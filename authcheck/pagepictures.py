"""Page pictures for the HTML report, drawn in a separate, limited process.

pdfium is native code reading a hostile file, so the pages are drawn in a forked child under the
run's memory cap and timeout (as checks are): a file that hangs or crashes pdfium costs its
pictures, never the report.  The file is read again from disk and used only when its hash is the
one the check saw; otherwise (changed since, standard input, not a PDF) the report says why and
shows the text instead.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
from dataclasses import dataclass, field
from typing import Optional

MAX_PAGES = 30  #: pages drawn per letter; the report says when there are more


@dataclass(frozen=True)
class Pictures:
    """The drawn pages (PageImage values), the document's page count, and why pictures are missing."""

    pages: tuple = ()
    total: int = 0
    problem: Optional[str] = None
    boxes: dict = field(default_factory=dict)


def pictures_for(path: str, sha256: Optional[str], settings) -> Pictures:
    """Draw the pages of the checked PDF at `path` (only if it still hashes to `sha256`)."""
    if path == "-" or not sha256:
        return Pictures(problem="the letter came from standard input")
    data = _read(path, settings.limits.max_bytes)
    if data is None:
        return Pictures(problem="the file could not be read again to draw its pages")
    if hashlib.sha256(data).hexdigest() != sha256:
        return Pictures(problem="the file changed after it was checked")
    return _in_child(data, settings)


def _read(path: str, limit: int) -> Optional[bytes]:
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError:
        return None
    return data if len(data) <= limit else None


def _in_child(data: bytes, settings) -> Pictures:
    """Run `_draw` in a forked child with the run's limits; a timeout or crash becomes a problem."""
    if not sys.platform.startswith("linux"):
        return _draw(data, settings.password)  # no fork: draw here (the check itself already read the file)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_main, args=(send, data, settings), daemon=True)
    child.start()
    send.close()
    try:
        timeout = settings.limits.timeout if settings.limits.timeout and settings.limits.timeout > 0 else None
        if receive.poll(timeout):
            return receive.recv()
        return Pictures(problem=f"drawing the pages took longer than {settings.limits.timeout:g} s")
    except (EOFError, OSError):
        return Pictures(problem="the page renderer stopped on this file")
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join(1.0)


def _child_main(send, data: bytes, settings) -> None:
    """The child: caps, draw, send the pictures (or the problem) back."""
    from .workers import _apply_limits, _quiet

    _quiet()
    _apply_limits(settings.limits)
    try:
        send.send(_draw(data, settings.password))
    except BaseException as exc:  # noqa: BLE001 - anything here is "no pictures", said once
        send.send(Pictures(problem=f"the pages could not be drawn ({type(exc).__name__})"))
    finally:
        send.close()
        os._exit(0)


def _draw(data: bytes, password: Optional[str]) -> Pictures:
    try:
        from .loaders.pdfium import render

        pages, total, failed = render(data, password, max_pages=MAX_PAGES)
    except ImportError:
        return Pictures(problem="page pictures need pypdfium2 and Pillow (pip install pypdfium2 Pillow)")
    except Exception as exc:  # noqa: BLE001 - a file pdfium cannot draw still gets a text report
        return Pictures(problem=f"the pages could not be drawn ({type(exc).__name__})")
    if failed and not pages:
        return Pictures(total=total, problem="the pages could not be drawn")
    problem = f"page(s) {', '.join(map(str, failed[:10]))} could not be drawn" if failed else None
    return Pictures(tuple(pages), total, problem)
