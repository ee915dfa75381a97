"""Benchmark: is a letter with a drawn signature in its closing block reported as signed?

Renders the varied closing-block layouts of tools/closings.py (no complimentary close,
name then footer or classification line, image with no typed name, title first,
FOR THE COMMANDER, two signatories, ...) as PDF and DOCX, checks each with the built-in
rules and counts `signed` true / false / null.  Goal: at least 95% signed true.  As a
control, the same letters without their drawn signatures must not be reported signed.

    .venv/bin/python benchmarks/signature_blocks.py [--count 60] [--show]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import authcheck
from tools.closings import closing_docx, closing_pdf, signature_cases


def unsigned(spec):
    """The same letter with its drawn signatures taken out."""
    return replace(spec, rows=[row for row in spec.rows if not row[0].startswith("image")])


def control(count: int) -> int:
    """How many of the letters without a drawn signature are still reported signed (false alarms)."""
    wrong = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in signature_cases(count):
            for fmt, render in (("pdf", closing_pdf), ("docx", closing_docx)):
                path = Path(tmp) / f"{name}.{fmt}"
                path.write_bytes(render(unsigned(spec)))
                if authcheck.check(path).fields["signature"]["signed"] is True:
                    wrong += 1
                    print("signed without a signature:", path.name)
    print(f"control: {wrong}/{2 * count} letters without a drawn signature reported signed")
    return wrong


def run(count: int, show: bool) -> int:
    """Check every case in both formats; print the tally and the misses; exit 1 under the goal."""
    tally: Counter = Counter()
    misses = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in signature_cases(count):
            for fmt, render in (("pdf", closing_pdf), ("docx", closing_docx)):
                path = Path(tmp) / f"{name}.{fmt}"
                path.write_bytes(render(spec))
                result = authcheck.check(path)
                signed = result.fields["signature"]["signed"] if result.error is None else "error"
                tally[(fmt, signed)] += 1
                if signed is not True:
                    misses.append((path.name, signed, result.fields["signature"]["reason"]))
                elif show:
                    print(f"ok   {path.name}")
    total = sum(tally.values())
    hits = sum(n for (fmt, s), n in tally.items() if s is True)
    for fmt in ("pdf", "docx"):
        row = {s: n for (f, s), n in tally.items() if f == fmt}
        print(
            f"{fmt:5} signed true {row.get(True, 0):3}  false {row.get(False, 0):3}  null {row.get(None, 0):3}"
            f"  error {row.get('error', 0):3}"
        )
    for miss in misses:
        print("miss", *miss)
    print(f"signed true: {hits}/{total} = {100 * hits / total:.1f}% (goal >= 95%)")
    return 0 if hits >= 0.95 * total and control(count) == 0 else 1


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60, help="letters per format (default 60)")
    parser.add_argument("--show", action="store_true", help="list the letters found signed too")
    args = parser.parse_args()
    sys.exit(run(args.count, args.show))


if __name__ == "__main__":
    main()
