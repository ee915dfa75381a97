"""The input-format table is the one place a format is declared.

A toy format, registered only in a copy of the table with a loader and an examiner defined here,
is sniffed, loaded, noted on a name mismatch, found by a folder walk, examined and checked end to
end with no other change.  The built-in table matches the JSON schema, names importable code on
the right floors, and importing it loads no parser.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from authcheck.loaders import formats
from authcheck.model import Signal
from authcheck.settings import Limits, Settings

ROOT = Path(__file__).resolve().parents[1]
MAGIC = b"TOY1\n"
TOY_LETTER = MAGIC + b"Dear Ms Smith,\n\nThank you for your letter of 2 May 2024.\n\nYours sincerely,\nJo Bloggs\n"


def is_toy(data: bytes) -> bool:
    return data.startswith(MAGIC)


def load_toy(data: bytes, *, path: str, sha256: str, extension: str, limits: Limits):
    from authcheck.loaders.text import load_text

    doc = load_text(data[len(MAGIC) :], path=path, sha256=sha256, extension=extension, limits=limits)
    return dataclasses.replace(doc, format="toy", size=len(data))


def examine_toy(data: bytes, doc, settings) -> dict:
    return {"toy_version": Signal(1, explanation="the toy header says version 1")}


TOY = formats.Format(
    "toy",
    "a toy letter",
    (".toy",),
    load=f"{__name__}:load_toy",
    magic=f"{__name__}:is_toy",
    forensics=f"{__name__}:examine_toy",
)


@pytest.fixture
def toy_table(monkeypatch):
    monkeypatch.setattr(formats, "FORMATS", (*formats.FORMATS, TOY))


def _load(data: bytes, path: str):
    from authcheck.loaders import load

    return load(data, path=path, sha256="0" * 64, password=None, limits=Limits())


def test_a_toy_format_is_unknown_without_its_line():
    from authcheck.errors import CheckError
    from authcheck.loaders.sniff import sniff

    assert sniff(TOY_LETTER) == "text"  # printable bytes: only the text guess matches
    with pytest.raises(CheckError):
        sniff(MAGIC + b"\x00\x01\x02\x03" * 64)


def test_one_line_in_the_table_is_sniffed_and_loaded(toy_table):
    from authcheck.loaders.sniff import sniff

    assert sniff(TOY_LETTER) == "toy"
    assert sniff(MAGIC + b"\x00\x01\x02\x03" * 64) == "toy"
    doc = _load(TOY_LETTER, "letter.toy")
    assert doc.format == "toy" and doc.extension == ".toy"
    assert doc.lines[0].text == "Dear Ms Smith," and not doc.has_note("type-mismatch")


def test_the_new_line_takes_part_in_type_mismatch_notes(toy_table):
    named_txt = _load(TOY_LETTER, "letter.txt")
    mismatch = [n for n in named_txt.notes if n.code == "type-mismatch"]
    assert [n.detail for n in mismatch] == ["the file is named .txt but its content is a toy letter"]
    assert mismatch[0].data == {"extension": ".txt", "content": "toy"}
    plain = _load(b"Dear Ms Smith,\nThank you.\n", "letter.toy")
    assert [n.detail for n in plain.notes if n.code == "type-mismatch"] == [
        "the file is named .toy but its content is plain text"
    ]


def test_a_folder_walk_picks_up_the_new_extension(toy_table, tmp_path):
    from authcheck.batch.discover import discover

    for name in ("a.toy", "b.TOY", "c.xyz", "d.txt"):
        (tmp_path / name).write_bytes(TOY_LETTER)
    found = sorted(Path(t.path).name for t in discover([str(tmp_path)]))
    assert found == ["a.toy", "b.TOY", "d.txt"]


def test_without_the_line_a_folder_walk_skips_it(tmp_path):
    from authcheck.batch.discover import discover

    (tmp_path / "a.toy").write_bytes(TOY_LETTER)
    assert discover([str(tmp_path)]) == []


def test_forensics_runs_the_examiner_the_line_names(toy_table):
    from authcheck.forensics import examine

    facts, notes = examine(TOY_LETTER, _load(TOY_LETTER, "letter.toy"), Settings())
    assert facts["toy_version"].value == 1 and notes == ()


def test_a_failing_examiner_becomes_a_note(toy_table, monkeypatch):
    from authcheck.forensics import examine

    broken = dataclasses.replace(TOY, forensics="json:loads")  # raises TypeError on (data, doc, settings)
    monkeypatch.setattr(formats, "FORMATS", (*formats.FORMATS[:-1], broken))
    facts, notes = examine(TOY_LETTER, _load(TOY_LETTER, "letter.toy"), Settings())
    assert facts == {} and [n.code for n in notes] == ["forensics-failed"]


def test_the_toy_format_goes_through_a_whole_check(toy_table, tmp_path):
    from authcheck.batch.pipeline import check_bytes
    from authcheck.engine.rulepack import ruleset_for

    settings = Settings()
    result = check_bytes(TOY_LETTER, str(tmp_path / "letter.toy"), settings, ruleset_for(settings))
    assert result.error is None, result.error
    assert result.format == "toy" and result.fields["document"]["extension"] == ".toy"
    assert result.fields["forensics"]["toy_version"] == 1
    assert "Jo Bloggs" in json.dumps(result.fields)


def test_prewarm_imports_what_the_names_claim():
    pdf = ("authcheck.loaders.pdf", "authcheck.forensics.pdffacts", "pypdf", "authcheck.loaders.pdfiumlite:load")
    docx = ("authcheck.loaders.docx", "authcheck.forensics.docxfacts")
    assert formats.prewarm_modules([".docx"]) == docx
    assert formats.prewarm_modules([".txt", ".png"]) == ()
    assert formats.prewarm_modules([".pdf", ".txt"]) == pdf
    assert formats.prewarm_modules([".doc", ".txt"]) == pdf + docx
    assert formats.prewarm_modules([""]) == pdf + docx


def test_prewarm_imports_modules_calls_functions_and_skips_what_fails(monkeypatch):
    import types

    called: list[str] = []
    fake = types.ModuleType("authcheck_prewarm_fake")
    fake.ready = lambda: called.append("ready")
    fake.broken = lambda: 1 / 0
    monkeypatch.setitem(sys.modules, "authcheck_prewarm_fake", fake)
    formats.prewarm(["authcheck_prewarm_fake:broken", "no_such_module_here", "authcheck_prewarm_fake:ready", "json"])
    assert called == ["ready"]  # the failures before it did not stop it


def test_the_table_matches_the_result_schema():
    schema = json.loads((ROOT / "authcheck" / "schemas" / "result-v1.json").read_text(encoding="utf-8"))
    enum = schema["properties"]["format"]["enum"]
    assert [name for name in enum if name is not None] == [fmt.name for fmt in formats.FORMATS]


def test_each_extension_claims_one_format_and_is_lower_case():
    extensions = [ext for fmt in formats.FORMATS for ext in fmt.extensions]
    assert len(extensions) == len(set(extensions))
    assert all(ext.startswith(".") and ext == ext.lower() for ext in extensions)
    assert all(set(fmt.discovered) <= set(fmt.extensions) for fmt in formats.FORMATS)
    assert formats.discovered_extensions() == {
        ".pdf",
        ".docx",
        ".txt",
        ".png",
        ".jpg",
        ".jpeg",
        ".tif",
        ".tiff",
        ".webp",
        ".heic",
        ".heif",
    }


def test_every_reference_resolves_and_stays_on_its_floor():
    for fmt in formats.FORMATS:
        assert set(fmt.takes) <= {"password", "engine"}
        loader_side = [fmt.load, fmt.magic, fmt.guess, fmt.follow_up, fmt.notes]
        for ref in filter(None, loader_side):
            assert ref.startswith("authcheck.loaders.") and callable(formats.resolve(ref)), ref
        if fmt.forensics:
            assert fmt.forensics.startswith("authcheck.forensics.") and callable(formats.resolve(fmt.forensics))
        forensics_module = (fmt.forensics or "").partition(":")[0]
        for entry in fmt.prewarm:  # its loader, its examiner, the third-party parser they use, or a loader's call
            module, _, function = entry.partition(":")
            assert (
                module.startswith("authcheck.loaders.")
                or module == forensics_module
                or not module.startswith("authcheck")
            )
            assert not function or callable(formats.resolve(entry))
            importlib.import_module(module)
        assert fmt.magic or fmt.guess, f"{fmt.name}: no way to recognise it"


def test_importing_the_table_imports_no_parser():
    code = (
        "import sys, authcheck.loaders.formats, authcheck.loaders.sniff\n"
        "heavy = ('pypdf', 'docx', 'PIL', 'pypdfium2', 'rapidocr', 'lxml', 'authcheck.loaders.pdf',"
        " 'authcheck.loaders.docx', 'authcheck.loaders.image', 'authcheck.forensics')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
