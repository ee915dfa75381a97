"""Render the README's picture: the real console report for the 2020 letter, exported as SVG."""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    """Check samples/withdrawal-letter-2020.pdf and save its report as docs/withdrawal-letter-2020.svg."""
    os.chdir(ROOT)
    import authcheck
    from authcheck.reporters.console import export_svg

    result = authcheck.check("samples/withdrawal-letter-2020.pdf")
    out = os.path.join("docs", "withdrawal-letter-2020.svg")
    export_svg(result, out, width=100)
    print(f"wrote {out} ({result.verdict} {result.score})", file=sys.stderr)


if __name__ == "__main__":
    main()
