"""CPU that text folding (authcheck/extract/normalize.py) adds to one letter, in a warm process.

    python benchmarks/fold_cost.py [--rounds 2000]

For each letter: load and extract it once, then time `Segment.of` over every sentence of the
letter (what engine.segments_of now does) against the plain `Segment(...)` it replaced, with
time.process_time over many rounds; the difference per letter is the added cost.  Letters: the
2020 sample (plain ASCII: the fast path), the same with curly quotes and an em dash (non-ASCII
but clean), and a spoofed copy with Cyrillic look-alikes, zero-width characters and digits for
letters in most sentences (the slow path everywhere); and the same three at one full page.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from authcheck.engine.checks.base import Segment  # noqa: E402
from authcheck.engine.ruletest import letter_from_text  # noqa: E402


def variants() -> dict[str, str]:
    """name -> letter text."""
    plain = (ROOT / "samples" / "withdrawal-letter-2020.txt").read_text(encoding="utf-8")
    curly = plain.replace("'", "\u2019").replace(" - ", " \u2014 ").replace("Sir,", "\u201cSir,\u201d")
    spoofed = (
        plain.replace("repositioning", "rep\u043esitioning")
        .replace("departure", "dep\u200barture")
        .replace("movement", "m0vement")
        .replace("Coalition", "C\u043ealition")
        .replace("value", "va\u200blue")
        .replace("helicopter", "hel1copter")
        .replace("friendship", "fr\u0456endship")
    )
    head, sep, tail = plain.partition("Sir,\n")
    body, closing = tail.split("Sincerely,")
    page = head + sep + body * 3 + "Sincerely," + closing  # about one full page (3,000 characters)
    return {
        "ascii (2020 sample)": plain,
        "curly quotes": curly,
        "spoofed": spoofed,
        "one full page, ascii": page,
        "one full page, curly quotes": page.replace("'", "\u2019"),
        "one full page, spoofed": page.replace("repositioning", "rep\u043esitioning")
        .replace("departure", "dep\u200barture")
        .replace("movement", "m0vement"),
    }


def per_letter_ms(sentences, make, rounds: int) -> float:
    """CPU milliseconds to build the segments of one letter."""
    start = time.process_time()
    for _ in range(rounds):
        for s in sentences:
            make(s)
    return (time.process_time() - start) * 1000 / rounds


def main() -> None:
    """Print a Markdown table of the added CPU per letter."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2000)
    args = ap.parse_args()
    print("| letter | sentences | chars | plain Segment ms | Segment.of ms | added ms |")
    print("|---|---|---|---|---|---|")
    for name, text in variants().items():
        sentences = letter_from_text(text).sentences
        plain = per_letter_ms(sentences, lambda s: Segment(s.text, s.part, s.start, s.end, s.page, s.line), args.rounds)
        folded = per_letter_ms(
            sentences, lambda s: Segment.of(s.text, s.part, s.start, s.end, s.page, s.line), args.rounds
        )
        chars = sum(len(s.text) for s in sentences)
        print(f"| {name} | {len(sentences)} | {chars} | {plain:.4f} | {folded:.4f} | {folded - plain:.4f} |")


if __name__ == "__main__":
    main()
