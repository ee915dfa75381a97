"""The made-up letter a process checks before real files (`batch/warmup.py`): read whole in every
format, judged like a letter, and checked only in the formats asked for."""

from __future__ import annotations

import subprocess
import sys

import pytest

from authcheck.batch import warmup
from authcheck.engine.rulepack import load_ruleset


@pytest.fixture(scope="module")
def rules():
    return load_ruleset()


@pytest.mark.parametrize("fmt", list(warmup.DOCUMENTS))
def test_the_letter_is_read_whole_and_judged_in_every_format(fmt, rules, monkeypatch):
    monkeypatch.setattr(warmup, "warmed", [])
    (result,) = warmup.check(rules, [fmt])
    assert result.error is None and result.format == fmt
    assert warmup.warmed == [fmt]
    # every line reached the letter, and its wording rule ran on the body
    assert [line.text for line in result.letter.document.lines if line.text] == list(warmup.LETTER)
    assert "wording.policy-change" in {f.rule for f in result.findings}
    assert result.letter.document.metadata.title == ("Archive relocation" if fmt != "text" else None)


def test_only_the_formats_asked_for_are_checked_and_stop_ends_it(rules, monkeypatch):
    monkeypatch.setattr(warmup, "warmed", [])
    assert [r.format for r in warmup.check(rules, ["docx", "image", "text"])] == ["docx", "text"]
    asked = []
    assert warmup.check(rules, ["pdf", "text"], stop=lambda: asked.append(1) or len(asked) > 1) != []
    assert warmup.warmed == ["docx", "text", "pdf"]  # stopped before its second format
    assert warmup.check(rules, ["pdf"], stop=lambda: True) == []


def test_the_formats_follow_the_extensions_named():
    assert warmup.formats_for([".pdf"]) == ("pdf",)
    assert warmup.formats_for([".docx", ".txt", ".md"]) == ("docx", "text")
    assert warmup.formats_for([".png"]) == ()  # an image has no letter to warm
    assert warmup.formats_for([".pdf", ""]) == tuple(warmup.DOCUMENTS)  # a folder: any format


def test_the_pdf_letter_is_plain_so_warming_imports_neither_pypdf_nor_the_docx_reader():
    """A standby warms what the real file needs: the made-up PDF takes the plain path (pypdf is
    imported only for a file that needs it, ~50 ms), and warming PDF and text leaves DOCX alone."""
    code = (
        "import sys\n"
        "from authcheck.batch import warmup\n"
        "from authcheck.engine.rulepack import load_ruleset\n"
        "results = warmup.check(load_ruleset(), ['pdf', 'text'])\n"
        "print([r.error for r in results], warmup.warmed, sorted(m for m in ('pypdf', 'docx') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split("\n")[0] == "[None, None] ['pdf', 'text'] []"


def test_warming_up_for_a_pdf_or_text_imports_no_zip_reader():
    """zipfile (with pathlib, ≈ 7 ms) only for the DOCX letter: a standby warming up for a PDF starts
    its check sooner, and a command that hands it the file meanwhile waits less."""
    import subprocess
    import sys

    code = (
        "import sys; from authcheck.batch import warmup; from authcheck.engine.rulepack import load_ruleset; "
        "results = warmup.check(load_ruleset(), ('pdf', 'text')); "
        "print(len(results), 'zipfile' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["2", "False"]
