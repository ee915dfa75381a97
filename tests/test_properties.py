"""Property tests: random bytes, control characters and invalid UTF-8 as file names, rule titles and
document text never reach the terminal raw, and JSON/SARIF keep the exact strings (issue 8).

Colour is off in every run, so any escape sequence in the output would have come from the input.
Each example runs the real command line (with worker processes), so the example counts are small;
the generators lean on the characters that matter (C0, C1, DEL, bidi, surrogate-escaped bytes).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from authcheck.util.safetext import for_terminal

REPO = Path(__file__).resolve().parents[1]
LETTER = (REPO / "samples" / "withdrawal-letter-2020.txt").read_text(encoding="utf-8")
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
NASTY = (
    [chr(c) for c in range(0x20)]
    + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0)]
    + list(BIDI)
    + [
        "\u200b",
        "\ufeff",
        "\u2028",
        "\u2029",
        "[",
        "]",
        "/",
        "\\",
        "[bold]",
        "[/]",
        "\x1b]0;t\x07",
        "\x1b[2J",
        "\x1b]8;;http://x\x1b\\",
        "é",
        "日",
    ]
)
RUNS = settings(
    max_examples=6,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.characters(codec="utf-8")), min_size=1, max_size=12).map(
    "".join
)
name_bytes = st.lists(
    st.one_of(
        st.sampled_from([b"\xff", b"\xc3", b"\x80", b"\x1b", b"\n", b"\xe2\x80\xae", b"[b]"]),
        st.binary(min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=8,
).map(b"".join)


def unsafe(text: str) -> list[str]:
    """Characters a terminal would act on or hide; a newline between lines is allowed."""
    return [
        ch
        for ch in text
        if ch != "\n"
        and ((unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\u200c\u200d") or ch in BIDI)
    ]


@given(st.text())
def test_for_terminal_output_is_always_safe(text):
    shown = for_terminal(text)
    assert unsafe(shown) == []
    if not unsafe(text) and "\n" not in text:
        assert shown == text  # nothing safe is changed


def fresh_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="authcheck-prop-"))


def safe_name(raw: bytes) -> bytes:
    """A single path component the file system takes: no '/', no NUL, not hidden, a .txt suffix."""
    return b"f" + raw.replace(b"/", b"_").replace(b"\0", b"_")[:100] + b".txt"


@pytest.mark.skipif(os.name != "posix", reason="byte file names")
@RUNS
@given(raw=name_bytes, body=nasty_text)
def test_random_file_names_and_text_never_reach_the_terminal_raw(cli, raw, body):
    folder = fresh_folder()
    try:
        name = safe_name(raw)
        try:
            with open(os.path.join(os.fsencode(folder), name), "w", encoding="utf-8", errors="surrogatepass") as fh:
                fh.write(LETTER.replace("Sir,", f"Sir, {body}", 1))
            open(os.path.join(os.fsencode(folder), b"e" + name), "wb").close()  # empty: an error line on stderr
        except OSError:
            assume(False)
        path = os.path.join(os.fsdecode(folder), os.fsdecode(name))
        for args in ([os.fsdecode(folder)], [path], ["extract", path]):
            result = cli(*args, "--no-color", *(["--no-cache"] if args[0] != "extract" else []))
            assert result.exit_code in (0, 1, 3)
            assert unsafe(result.stdout) == [] and unsafe(result.stderr) == []
            assert all(line.startswith("authcheck: ") for line in result.stderr.splitlines())
        batch = cli(os.fsdecode(folder), "-f", "json", "--no-cache")
        docs = json.loads(batch.stdout)["documents"]
        exact = {base64.b64decode(d["path_b64"]) if "path_b64" in d else d["path"].encode() for d in docs}
        assert exact == {os.path.join(os.fsencode(folder), n) for n in (name, b"e" + name)}
        sarif = json.loads(cli(os.fsdecode(folder), "-f", "sarif", "--no-cache").stdout)
        assert len(sarif["runs"][0]["artifacts"]) == 2
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def yaml_quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar, every non-ASCII or control character escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


RULE = """\
id: custom.prop
title: {title}
description: A property-test rule.
severity: high
axis: authority
weight: 40
patterns:
  moved:
    phrases: ["repositioning forces"]
when:
  any:
    - match: moved
message: {message}
references: ["tests"]
tests:
  - {{name: moved, expect: match, text: "Sir,\\n\\nWe are repositioning forces.\\n"}}
  - {{name: still, expect: no_match, text: "Sir,\\n\\nThe meeting is on Tuesday.\\n"}}
"""


@RUNS
@given(title=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20) | nasty_text)
def test_random_rule_titles_never_reach_the_terminal_raw(cli, title):
    assume(title.strip() and not any(0xD800 <= ord(c) <= 0xDFFF for c in title))
    folder = fresh_folder()
    try:
        (folder / "prop.yaml").write_text(
            RULE.format(title=yaml_quoted(title), message=yaml_quoted(title.replace("$", "S") + " ${match}")),
            encoding="utf-8",
        )
        letter = REPO / "samples" / "withdrawal-letter-2020.txt"
        listed = cli("rules", "list", "--rules", str(folder))
        assert listed.exit_code == 0, listed.stderr
        report = cli(str(letter), "--rules", str(folder), "--no-color", "--no-cache")
        for out in (listed.stdout, report.stdout, report.stderr):
            assert unsafe(out) == []
        assert for_terminal(title.strip())[:10] in listed.stdout
        record = json.loads(cli(str(letter), "--rules", str(folder), "-f", "json", "--no-cache").stdout)
        [finding] = [f for f in record["findings"] if f["rule"] == "custom.prop"]
        assert finding["title"] == title.strip()
        sarif = json.loads(cli(str(letter), "--rules", str(folder), "-f", "sarif", "--no-cache").stdout)
        assert any(r.get("ruleId") == "custom.prop" for r in sarif["runs"][0]["results"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
