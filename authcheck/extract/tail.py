"""Name the parts of a letter from the body on: body, signature block, P.S., trailer, footer lines, annexes.

Every operative part is kept under its own name so rules can read it and evidence can say
where a sentence came from: `postscript` (P.S. / PS / P.P.S. paragraphs, wherever they sit
after the body), `trailer` (cc, distribution, enclosure lists and any other text after the
signature block), `annex` (the bodies of annexes, enclosures and attachments after the
letter part; back matter such as a bibliography stays `body`), footer-like lines (`footer`) and lone classification lines (`banner`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authcheck.extract.lines import FOOTER, POSTSCRIPT, is_annex_heading, only_marking
from authcheck.model import Line

if TYPE_CHECKING:
    from authcheck.extract.closing import Closing
    from authcheck.extract.layout import Layout


def place_tail(lines: list[Line], body_start: int, closing: Closing, layout: Layout) -> None:
    """Put every line from `body_start` on into its part."""
    body = lines[body_start : closing.start]
    ps_at = _postscript_start(body)
    for line in body[:ps_at]:
        layout.add("body", line)
    _after_block(body[ps_at:], layout)
    for line in lines[closing.start : closing.end]:
        layout.add("signature_block", line)
    _after_block(lines[closing.end : closing.part_end], layout)
    rest = lines[closing.part_end :]
    annex = bool(rest) and is_annex_heading(rest[0].text.strip())
    for line in rest:
        layout.add("annex" if annex else "body", line)


def _postscript_start(body: list[Line]) -> int:
    """Index of a P.S. paragraph in the last lines of the body (len(body) when there is none)."""
    for k in range(max(0, len(body) - 30), len(body)):
        if POSTSCRIPT.match(body[k].text) and (k == 0 or not body[k - 1].text.strip()):
            return k
    return len(body)


def _after_block(lines: list[Line], layout: Layout) -> None:
    """Lines after the signature block: P.S. paragraphs, footer-like and marking lines, the rest trailer."""
    in_ps = False
    for line in lines:
        text = line.text.strip()
        if POSTSCRIPT.match(text):
            in_ps = True
        elif not text:
            in_ps = False
        if in_ps:
            layout.add("postscript", line)
        elif text and FOOTER.match(text):
            layout.add("footer", line)
        elif text and only_marking(text):
            layout.add("banner", line)
        else:
            layout.add("trailer", line)
