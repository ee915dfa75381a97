"""Page pictures for the HTML report, drawn in a separate, limited process.

pdfium is native code reading a hostile file, so the pages are drawn in a forked child under the
run's memory cap and timeout (as checks are): a file that hangs or crashes pdfium costs its
pictures, never the report.  The file is read again from disk and used only when its hash is the
one the check saw; otherwise (changed since, standard input, not a PDF) the report says why and
shows the text instead.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from authcheck.util.sha import sha256 as sha256_of

MAX_PAGES = 30  #: pages drawn per letter; the report says when there are more
MAX_COMPARED = 4  #: (revision, page) pairs drawn before and after, for revisions that changed text
COMPARE_WIDTH = 560  #: pixels: the before/after pictures sit side by side


@dataclass(frozen=True)
class Pictures:
    """The drawn pages (PageImage values), the document's page count, and why pictures are missing."""

    pages: tuple = ()
    total: int = 0
    problem: str | None = None
    compared: tuple = ()  #: (revision, page, before PageImage, after PageImage) for changed text


def changed_pages(letter) -> list[tuple[int, int]]:
    """(revision, page) pairs whose text a later revision changed, from the letter's forensic facts."""
    signal = letter.document.signals.get("pdf_text_changes") if letter is not None else None
    pairs = []
    for ev in signal.evidence if signal is not None else ():
        if ev.loc.page is not None and str(ev.loc.key or "").isdigit() and (int(ev.loc.key), ev.loc.page) not in pairs:
            pairs.append((int(ev.loc.key), ev.loc.page))
    return pairs[:MAX_COMPARED]


def pictures_for(path: str, sha256: str | None, settings, compare: Sequence[tuple[int, int]] = ()) -> Pictures:
    """Draw the pages of the checked PDF at `path` (only if it still hashes to `sha256`), and for
    each (revision, page) in `compare` that page before and after that revision."""
    if path == "-" or not sha256:
        return Pictures(problem="the letter came from standard input")
    data = _read(path, settings.limits.max_bytes)
    if data is None:
        return Pictures(problem="the file could not be read again to draw its pages")
    if sha256_of(data).hexdigest() != sha256:
        return Pictures(problem="the file changed after it was checked")
    return _in_child(data, settings, tuple(compare))


def _read(path: str, limit: int) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError:
        return None
    return data if len(data) <= limit else None


def _in_child(data: bytes, settings, compare: tuple) -> Pictures:
    """Run `_draw` in a forked child with the run's limits; a timeout or crash becomes a problem."""
    if not sys.platform.startswith("linux"):
        return _draw(data, settings.password, compare)  # no fork: draw here (the check itself already read the file)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_main, args=(send, data, settings, compare), daemon=True)
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


def _child_main(send, data: bytes, settings, compare: tuple) -> None:
    """The child: caps, draw, send the pictures (or the problem) back."""
    from authcheck.util.confine import apply_limits, quiet

    quiet()
    apply_limits(settings.limits)
    try:
        send.send(_draw(data, settings.password, compare))
    except BaseException as exc:
        send.send(Pictures(problem=f"the pages could not be drawn ({type(exc).__name__})"))
    finally:
        send.close()
        os._exit(0)


def _draw(data: bytes, password: str | None, compare: tuple = ()) -> Pictures:
    try:
        from authcheck.loaders.pdfium import render

        pages, total, failed = render(data, password, max_pages=MAX_PAGES)
    except ImportError:
        return Pictures(problem="page pictures need pypdfium2 and Pillow (pip install pypdfium2 Pillow)")
    except Exception as exc:
        return Pictures(problem=f"the pages could not be drawn ({type(exc).__name__})")
    compared = _compare(data, password, compare) if compare else ()
    if failed and not pages:
        return Pictures(total=total, problem="the pages could not be drawn", compared=compared)
    problem = f"page(s) {', '.join(map(str, failed[:10]))} could not be drawn" if failed else None
    return Pictures(tuple(pages), total, problem, compared)


def _compare(data: bytes, password: str | None, compare: tuple) -> tuple:
    """Each (revision, page): the page as the file stood before that revision, and as it is now."""
    from authcheck.forensics.pdfrevisions import walk
    from authcheck.loaders.pdfium import render_page

    revisions = walk(data).revisions
    out = []
    for revision, page in compare:
        if not 2 <= revision <= len(revisions):
            continue
        try:
            before = render_page(data[: revisions[revision - 2].end], password, page, COMPARE_WIDTH)
            after = render_page(data[: revisions[revision - 1].end], password, page, COMPARE_WIDTH)
        except Exception:
            continue
        out.append((revision, page, before, after))
    return tuple(out)
