"""Mutated sample letters: every mutant gets a verdict or a typed error, never an exception.

The sample letters (samples/*.pdf, *.docx, *.txt) are damaged byte-wise: bits flipped, the
file cut short, junk inserted, a range duplicated or zeroed.  DOCX mutants are also made
inside the package (the XML of one part damaged, then zipped again) so the damage reaches
python-docx and our walker instead of stopping at the ZIP checksum.  Each mutant goes
through `pipeline.check_bytes` in this process (it must not raise); a few go through
`scanning.scan`'s worker processes (one record per file).

Examples are derandomized so the suite is stable; set AUTHCHECK_FUZZ_EXAMPLES=2000 to
explore with fresh random examples instead.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authcheck.batch.discover import Target
from authcheck.batch.pipeline import check_bytes
from authcheck.batch.pool import scan
from authcheck.engine.rulepack import load_ruleset
from authcheck.model import Result
from authcheck.settings import Settings

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ERROR_TYPES = {"corrupt", "unsupported", "too-large", "timeout", "memory", "internal"}
VERDICTS = {"pass", "review", "fail"}
FUZZ = int(os.environ.get("AUTHCHECK_FUZZ_EXAMPLES", "0"))
SETTINGS = Settings()
RULESET = load_ruleset(SETTINGS.rule_dirs)


def _samples(suffix: str) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob(f"*{suffix}"))]


def _fuzz_settings(examples: int):
    """Hypothesis settings: derandomized `examples`, or AUTHCHECK_FUZZ_EXAMPLES random ones."""
    return settings(
        max_examples=FUZZ or examples,
        derandomize=not FUZZ,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ---------------------------------------------------------------- mutations


@st.composite
def _mutation(draw, size: int):
    """One edit for data of `size` bytes: (kind, arguments)."""
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "duplicate", "zero"]))
    pos = draw(st.integers(0, max(size - 1, 0)))
    if kind == "flip":
        return kind, (pos, draw(st.integers(1, 255)))
    if kind == "truncate":
        return kind, (pos,)
    if kind == "insert":
        junk = draw(
            st.one_of(
                st.binary(min_size=1, max_size=64),
                st.sampled_from(
                    [
                        b"%PDF-1.7\n",
                        b"endstream",
                        b"endobj",
                        b" obj <<",
                        b"<<" * 40,
                        b"[" * 300,
                        b"trailer << /Root 1 0 R >>",
                        b"startxref\n0\n%%EOF",
                        b"\x00" * 32,
                        b"\xff\xfe",
                        b"<w:p><w:r><w:t>x</w:t></w:r></w:p>",
                        b"<!DOCTYPE x>",
                        b"]]>",
                        b"&amp;",
                    ]
                ),
            )
        )
        return kind, (pos, junk)
    length = draw(st.integers(1, 4096))
    if kind == "duplicate":
        return kind, (pos, length, draw(st.integers(0, max(size - 1, 0))))
    return kind, (pos, length)


def _apply(data: bytes, kind: str, args: tuple) -> bytes:
    if kind == "flip":
        pos, mask = args
        return data[:pos] + bytes([data[pos] ^ mask]) + data[pos + 1 :] if pos < len(data) else data
    if kind == "truncate":
        return data[: args[0]]
    if kind == "insert":
        pos, junk = args
        return data[:pos] + junk + data[pos:]
    if kind == "duplicate":
        pos, length, dest = args
        return data[:dest] + data[pos : pos + length] + data[dest:]
    pos, length = args
    return data[:pos] + bytes(min(length, max(len(data) - pos, 0))) + data[pos + length :]


@st.composite
def mutants(draw, samples: list[tuple[str, bytes]]):
    """(name, mutated bytes): one to four edits of one sample."""
    name, data = draw(st.sampled_from(samples))
    for _ in range(draw(st.integers(1, 4))):
        kind, args = draw(_mutation(len(data)))
        data = _apply(data, kind, args)
    return name, data


@st.composite
def docx_part_mutants(draw):
    """(name, bytes): a sample DOCX with one XML part damaged and the package zipped again."""
    name, data = draw(st.sampled_from(_samples(".docx")))
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = [n for n in source.namelist() if n.endswith((".xml", ".rels"))]
    target = draw(st.sampled_from(sorted(parts)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for member in source.namelist():
            blob = source.read(member)
            if member == target:
                for _ in range(draw(st.integers(1, 3))):
                    kind, args = draw(_mutation(len(blob)))
                    blob = _apply(blob, kind, args)
            package.writestr(member, blob)
    return name, out.getvalue()


# ---------------------------------------------------------------- the contract


def assert_honest(result: Result) -> None:
    """A verdict with a 0-100 score, or an error of a known type, never both."""
    assert isinstance(result, Result)
    if result.error is None:
        assert result.verdict in VERDICTS
        assert isinstance(result.score, int) and 0 <= result.score <= 100
    else:
        assert result.error.type in ERROR_TYPES, result.error
        assert result.verdict is None and result.score is None


def check(name: str, data: bytes) -> Result:
    result = check_bytes(data, name, SETTINGS, RULESET)
    assert_honest(result)
    return result


@_fuzz_settings(60)
@given(mutants(_samples(".pdf")))
def test_mutated_pdf(mutant):
    check(*mutant)


@_fuzz_settings(60)
@given(mutants(_samples(".docx")))
def test_mutated_docx_bytes(mutant):
    check(*mutant)


@_fuzz_settings(40)
@given(docx_part_mutants())
def test_mutated_docx_parts(mutant):
    check(*mutant)


@_fuzz_settings(60)
@given(mutants(_samples(".txt")))
def test_mutated_text(mutant):
    check(*mutant)


def test_unmutated_samples_get_verdicts():
    for name, data in _samples(".pdf") + _samples(".docx") + _samples(".txt"):
        assert check(name, data).error is None, name


@_fuzz_settings(4)
@given(
    st.lists(mutants(_samples(".pdf") + _samples(".docx") + _samples(".txt")), min_size=2, max_size=4),
    docx_part_mutants(),
)
def test_mutants_through_worker_processes(batch, part_mutant):
    """The CLI's path: isolated workers give exactly one honest record per file."""
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for k, (name, data) in enumerate([*batch, part_mutant]):
            path = Path(folder) / f"{k}-{name}"
            path.write_bytes(data)
            paths.append(str(path))
        results = list(scan([Target(p) for p in paths], SETTINGS, RULESET, jobs=2))
    assert sorted(r.path for r in results) == sorted(paths)
    for result in results:
        assert_honest(result)
        assert result.error is None or result.error.type != "internal" or result.error.stage != "worker", result.error


@pytest.mark.parametrize("data", [b"1" * 200_000, b"1 " * 100_000 + b"obj", b"\t" * 300_000 + b"x"])
def test_degenerate_text_is_quick(data):
    """Long runs of one character class once cost quadratic time in the type sniffer."""
    import time

    start = time.monotonic()
    check("degenerate.txt", data)
    assert time.monotonic() - start < 10
