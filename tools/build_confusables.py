"""Regenerate authcheck/extract/confusables.py: letters of other scripts that look like one Latin letter.

The source is Unicode's confusables.txt (Unicode TR39) as packaged in `confusable-homoglyphs`
(MIT; its `confusables.json` is generated from confusables.txt).  It is a development-time
tool only: authcheck ships the small table this script writes, not the package, so nothing is
loaded or downloaded at run time and start-up stays fast.

    pip download --no-deps confusable-homoglyphs==3.3.1 && unzip confusable_homoglyphs-*.whl -d ch
    python -m tools.build_confusables ch/confusable_homoglyphs/confusables.json

Kept: single letters (not Latin, not already folded by NFKC) whose TR39 prototype is one ASCII
letter, plus the few non-ASCII Latin letters with such a prototype (e.g. dotless i), folded
for matching only.  An upper-case letter whose prototype is "l" maps to "I" (TR39 maps both to
"l"; a capital reads as I).
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "authcheck" / "extract" / "confusables.py"
HEADER = '''"""Letters of other scripts that look like one Latin letter (generated; do not edit by hand).

Derived from Unicode's confusables.txt (Unicode TR39 skeleton prototypes, Unicode License v3) as
packaged in confusable-homoglyphs {version} (MIT) by tools/build_confusables.py: {count} letters.
`SOURCE[i]` folds to `TARGET[i]`.
"""

'''


def table(data: dict) -> dict[str, str]:
    """Letter -> the ASCII letter it is confused with."""
    out: dict[str, str] = {}
    for char, entries in sorted(data.items()):
        if len(char) != 1 or char.isascii() or not char.isalpha() or unicodedata.normalize("NFKC", char) != char:
            continue
        name = unicodedata.name(char, "")
        if "MATHEMATICAL" in name or "FULLWIDTH" in name:
            continue
        targets = [e["c"] for e in entries if len(e["c"]) == 1 and e["c"].isascii() and e["c"].isalpha()]
        if targets:
            target = targets[0]
            out[char] = "I" if target == "l" and char.isupper() else target
    return out


def render(mapping: dict[str, str], version: str) -> str:
    """The module text."""
    source = "".join(mapping)
    target = "".join(mapping.values())
    escaped = [f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}" for c in source]
    lines = ["".join(escaped[i : i + 16]) for i in range(0, len(escaped), 16)]
    body = "SOURCE = (\n" + "".join(f'    "{ln}"\n' for ln in lines) + ")\n"
    tlines = [target[i : i + 96] for i in range(0, len(target), 96)]
    body += "TARGET = (\n" + "".join(f'    "{ln}"\n' for ln in tlines) + ")\n"
    return HEADER.format(version=version, count=len(mapping)) + body


def main(argv: list[str]) -> int:
    """Write the table from the given confusables.json."""
    if len(argv) != 1:
        print("usage: python -m tools.build_confusables PATH/confusables.json", file=sys.stderr)
        return 2
    data = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    TARGET.write_text(render(table(data), "3.3.1"), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
