"""Letters and helpers shared by the HTML report tests (unit and browser): built by scripts, never
committed binaries.  PAYLOAD is hostile markup that must come out of a report as visible text."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from tools.docgen import filler_paragraphs, letter_pdf, letter_text
from tools.pdf_forensic_fixtures import genuine_spec

PAYLOAD = '<script>window.__pwned=1</script> </div> <a href="javascript:window.__pwned=2">x</a> javascript:alert(1)'
HOSTILE_NAME = "evil\"'<b>name&.txt"


def three_page_spec(**metadata):
    """A three-page letter announcing a withdrawal, written by someone other than its signer."""
    spec = genuine_spec(author="d.kovalenko", company="Unrelated Media Agency", **metadata)
    blocks = list(spec.blocks)
    blocks.insert(5, "By order of the President, all Coalition forces will withdraw from the Republic of Iraq.")
    blocks += [*filler_paragraphs(2), "The withdrawal of all forces will be completed within 30 days."]
    return dataclasses.replace(spec, blocks=blocks)


def write_letters(folder: Path) -> dict[str, Path]:
    """The letters the tests render: a 3-page PDF, a PDF with hostile text and metadata, a hostile text
    letter under a hostile file name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"three": folder / "three-pages.pdf", "evil_pdf": folder / "evil.pdf", "evil_txt": folder / HOSTILE_NAME}
    paths["three"].write_bytes(letter_pdf(three_page_spec()))
    evil = genuine_spec(title=PAYLOAD, author='<img src=x onerror="window.__pwned=3">')
    evil = dataclasses.replace(evil, blocks=[*evil.blocks[:5], "Forces will withdraw. " + PAYLOAD, *evil.blocks[5:]])
    paths["evil_pdf"].write_bytes(letter_pdf(evil))
    text = letter_text(dataclasses.replace(evil, blocks=[*evil.blocks, "Signed by " + PAYLOAD]))
    paths["evil_txt"].write_text(text, encoding="utf-8")
    paths["rotated"] = rotated_copy(
        Path(__file__).resolve().parents[1] / "samples" / "forged-letter.pdf", folder / "rotated.pdf"
    )
    return paths


CROP = (50, 100, 562, 742)  #: the crop box of the rotated copy


def rotated_copy(source: Path, target: Path) -> Path:
    """`source` with its first page shown turned 90 degrees clockwise (/Rotate 90) and cropped to CROP."""
    import pypdf

    reader, writer = pypdf.PdfReader(str(source)), pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.pages[0].rotate(90)
    writer.pages[0].cropbox = pypdf.generic.RectangleObject(list(CROP))
    writer.add_metadata(reader.metadata)
    with open(target, "wb") as fh:
        writer.write(fh)
    return target


def ids(html: str) -> set[str]:
    """Every id attribute in the document."""
    return set(re.findall(r'\sid="([^"]+)"', html))


def local_links(html: str) -> list[str]:
    """Every href="#..." target (without the #)."""
    return re.findall(r'href="#([^"]*)"', html)


BOX = re.compile(
    r'<a class="box" id="(?P<id>[^"]+)" href="#(?P<href>[^"]+)"[^>]*?style="left:(?P<x>[\d.]+)%;'
    r'top:(?P<y>[\d.]+)%;width:(?P<w>[\d.]+)%;height:(?P<h>[\d.]+)%"'
)


def boxes(html: str) -> dict[str, dict]:
    """The evidence boxes drawn: id -> {href, x0, y0, x1, y1} as page fractions."""
    out = {}
    for m in BOX.finditer(html):
        x, y, w, h = (float(m.group(k)) / 100 for k in "xywh")
        out[m.group("id")] = {"href": m.group("href"), "x0": x, "y0": y, "x1": x + w, "y1": y + h}
    return out


def json_boxes(record: dict, prefix: str = "") -> dict[str, dict]:
    """The boxes the JSON record says should be drawn, under the ids the report gives them."""
    out = {}
    record = record["documents"][0] if "documents" in record and "findings" not in record else record
    for n, finding in enumerate(record["findings"], 1):
        for k, ev in enumerate(finding["evidence"], 1):
            if ev.get("box") and ev.get("page"):
                out[f"{prefix}b{n}-{k}"] = dict(ev["box"], page=ev["page"])
    return out


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def unbalanced(html: str) -> list[str]:
    """Problems with the element nesting: an end tag that closes nothing open, or elements left open."""
    from html.parser import HTMLParser

    problems: list[str] = []
    stack: list[str] = []

    class Checker(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag not in VOID:
                stack.append(tag)

        def handle_endtag(self, tag):
            if stack and stack[-1] == tag:
                stack.pop()
            else:
                problems.append(f"</{tag}> while {stack[-3:]} open")

    Checker(convert_charrefs=True).feed(html)
    return problems + [f"<{tag}> never closed" for tag in stack]
