"""A DOCX's styles part parsed without its table and numbering styles and latent-style list
(`wordxml.text_styles`, `ooxml.Package.xml_cut`; issue 15): what reading the text uses is kept
whole, a part that cannot be cut by its bytes is parsed whole, a malformed part is still refused,
and a letter reads the same."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from authcheck.errors import CheckError
from authcheck.loaders import docx as docx_loader
from authcheck.loaders import load
from authcheck.loaders.wordxml import W, text_styles
from authcheck.settings import Limits
from tests.test_loaders import edit_zip, spec
from tools.docgen import letter_docx

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
STYLE, TYPE, ID = f"{{{W}}}style", f"{{{W}}}type", f"{{{W}}}styleId"


@pytest.fixture(scope="module")
def template() -> bytes:
    """A letter as python-docx writes it: its template's 350 KB styles part."""
    return letter_docx(spec())


def _styles(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml")


def _read_styles(tree: ET.Element) -> list[bytes]:
    """The paragraph and character styles (no type: a paragraph style), as written."""
    return [ET.tostring(s) for s in tree.iter(STYLE) if s.get(TYPE, "paragraph") in ("paragraph", "character")]


def _defaults(tree: ET.Element) -> bytes:
    return ET.tostring(tree.find(f"{{{W}}}docDefaults"))


def test_the_cut_keeps_every_paragraph_and_character_style_and_the_defaults(template):
    raw = _styles(template)
    cut = text_styles(raw)
    assert cut is not None and len(cut) < len(raw) / 5
    full, small = ET.fromstring(raw), ET.fromstring(cut)
    assert {s.get(TYPE) for s in full.iter(STYLE)} >= {"table", "numbering"}  # the template has them to drop
    assert _read_styles(small) == _read_styles(full) and len(_read_styles(full)) > 20
    assert {s.get(TYPE, "paragraph") for s in small.iter(STYLE)} <= {"paragraph", "character"}
    assert small.find(f"{{{W}}}latentStyles") is None and full.find(f"{{{W}}}latentStyles") is not None
    assert _defaults(small) == _defaults(full)


def test_the_docx_loader_reads_the_cut_part(template):
    from authcheck.loaders.ooxml import Package

    styles = docx_loader.styles_tree(Package.open(template, Limits()))
    assert styles is not None and _read_styles(styles) == _read_styles(ET.fromstring(_styles(template)))
    assert not [s for s in styles.iter(STYLE) if s.get(TYPE) == "table"]


def test_the_cut_follows_the_prefix_the_root_binds(template):
    raw = re.sub(rb"(</?|\s)w:", rb"\1q:", _styles(template)).replace(b"xmlns:w=", b"xmlns:q=")
    cut = text_styles(raw)
    assert cut is not None
    full, small = ET.fromstring(raw), ET.fromstring(cut)
    assert _read_styles(small) == _read_styles(full) and len(cut) < len(raw) / 5


def test_a_quoted_angle_bracket_does_not_end_a_start_tag(template):
    raw = _styles(template).replace(b'w:type="table" ', b'w:type="table" w:aliases="a>b" ', 1)
    cut = text_styles(raw)
    assert cut is not None and b"a>b" not in cut
    assert _read_styles(ET.fromstring(cut)) == _read_styles(ET.fromstring(raw))


@pytest.mark.parametrize(
    "change",
    [
        lambda raw: raw.replace(b"<w:docDefaults>", b"<!-- <w:style w:type='table'> --><w:docDefaults>", 1),
        lambda raw: raw.replace(b"<w:docDefaults>", b"<w:docDefaults><![CDATA[</w:style>]]>", 1),
        lambda raw: re.sub(rb"(</?|\s)w:", rb"\1", raw).replace(b"xmlns:w=", b"xmlns="),  # a default namespace
        lambda raw: raw.replace(b"</w:style>", b"</w:style >"),  # closed otherwise than Word writes it
        lambda raw: raw.decode("utf-8").replace("UTF-8", "UTF-16").encode("utf-16"),
    ],
    ids=["comment", "cdata", "default-namespace", "end-tag-spacing", "utf-16"],
)
def test_a_part_the_bytes_cannot_cut_is_left_whole(template, change):
    raw = change(_styles(template))
    ET.fromstring(raw)  # still well-formed
    assert text_styles(raw) is None


def test_a_malformed_style_the_cut_would_drop_still_makes_the_file_corrupt(template):
    def break_a_table_style(text: str) -> str:
        at = text.index('w:type="table"')
        return text[:at] + text[at:].replace("</w:tblPr>", "</w:tblPrX>", 1)

    broken = edit_zip(template, {"word/styles.xml": break_a_table_style})
    with pytest.raises(CheckError) as raised:
        load(broken, path="letter.docx", sha256="x", password=None, limits=Limits())
    assert raised.value.type == "corrupt" and "word/styles.xml is not well-formed" in str(raised.value)


@pytest.mark.parametrize("name", [*sorted(p.name for p in SAMPLES.glob("*.docx")), "template"])
def test_a_letter_reads_the_same_from_the_cut_part(name, template, monkeypatch):
    data = template if name == "template" else (SAMPLES / name).read_bytes()

    def read():
        doc = load(data, path=name + ".docx", sha256="x", password=None, limits=Limits())
        return doc.lines, doc.fonts, doc.page_sizes, doc.notes

    cut = read()
    monkeypatch.setattr(docx_loader, "text_styles", lambda raw: None)  # every part parsed whole
    assert read() == cut and cut[0] and cut[1]
