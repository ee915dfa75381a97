"""Compare the two PDF text readers (pypdf's visitor and PDFium) on the same files.

    .venv/bin/python benchmarks/compare_readers.py [--hostile ../shared/corpus/hostile] [--corpus DIR] [--show N]

For every PDF in samples/, the letters tools/docgen writes for the tests (`tools.pdf_forensic_fixtures`
when importable), an optional benchmark corpus, and the hostile corpus when present, the loader runs
twice: `loaders.pdf.TEXT_READER = "pypdf"` (every page through pypdf, as before PDFium) and `--mode`:
"auto" (the default reader: PDFium for pages of text in files the byte scan finds plain) or "pdfium"
(PDFium for pages of text in every file).  Reported per group: files, files whose lines are identical (text, source,
page, baseline), word-level agreement (multiset of words, summed over files), files where only one
reader failed or the error differs, differing notes, files whose images (names and placements)
differ, and CPU time of each reader.  Exit status 1 when any file's words, error or images differ in
a group that is not the hostile corpus.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _load(data: bytes, name: str, mode: str):
    from authcheck.errors import CheckError
    from authcheck.loaders import load, pdf
    from authcheck.settings import Limits

    pdf.TEXT_READER = mode
    start = time.process_time()
    try:
        doc = load(data, path=name, sha256="-", password=None, limits=Limits(timeout=10.0))
    except CheckError as exc:
        return ("error", exc.type), time.process_time() - start
    except Exception as exc:
        return ("crash", type(exc).__name__), time.process_time() - start
    return doc, time.process_time() - start


def _words(doc) -> Counter:
    return Counter(word for line in doc.lines for word in line.text.split())


def compare(files: list[Path], show: int, mode: str = "pdfium") -> dict:
    """Per-group figures for `files` (see the module docstring)."""
    row = Counter()
    shown = 0
    for path in files:
        data = path.read_bytes()
        old, t_old = _load(data, path.name, "pypdf")
        new, t_new = _load(data, path.name, mode)
        row["files"] += 1
        row["cpu_pypdf"] += t_old
        row["cpu_pdfium"] += t_new
        if isinstance(old, tuple) or isinstance(new, tuple):
            row["same_error" if old == new else "error_differs"] += 1
            if old != new and shown < show:
                print(
                    f"  {path}: pypdf {old if isinstance(old, tuple) else 'ok'} / pdfium "
                    f"{new if isinstance(new, tuple) else 'ok'}"
                )
                shown += 1
            continue
        a = [(ln.text, ln.source, ln.page, ln.y) for ln in old.lines]
        b = [(ln.text, ln.source, ln.page, ln.y) for ln in new.lines]
        wa, wb = _words(old), _words(new)
        row["identical"] += a == b
        if old.images != new.images:  # names and placements, which the signature evidence looks up
            row["images_differ"] += 1
            if shown < show:
                print(f"  {path}: images differ (pypdf {len(old.images)}, {mode} {len(new.images)})")
                shown += 1
        row["words_pypdf"] += sum(wa.values())
        row["words_common"] += sum((wa & wb).values())
        row["words_pdfium"] += sum(wb.values())
        row["word_diff_files"] += wa != wb
        if sorted(n.code for n in old.notes) != sorted(n.code for n in new.notes):
            row["notes_differ"] += 1
            if shown < show:
                codes_old, codes_new = Counter(n.code for n in old.notes), Counter(n.code for n in new.notes)
                print(
                    f"  {path}: notes only with pypdf {sorted((codes_old - codes_new).elements())}, "
                    f"only with {mode} {sorted((codes_new - codes_old).elements())}"
                )
                shown += 1
        if (a != b or wa != wb) and shown < show:
            print(
                f"  {path}: lines differ (words only in pypdf {sum((wa - wb).values())}, "
                f"only in pdfium {sum((wb - wa).values())})"
            )
            shown += 1
    return row


def _fixtures(tmp: Path) -> list[Path]:
    """The test suite's generated PDFs (docgen's samples, `tools.pdf_forensic_fixtures`' letters that
    take no argument), written to `tmp`."""
    import inspect

    out = []
    try:
        from tools import docgen
        from tools import pdf_forensic_fixtures as fx
    except Exception:
        return out
    makers = [
        (name, getattr(docgen, name))
        for name in dir(docgen)
        if name.startswith("sample_") or name.endswith("_pdf_bytes")
    ]
    for name, maker in inspect.getmembers(fx, inspect.isfunction):
        params = inspect.signature(maker).parameters.values()
        needs = [p for p in params if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if maker.__module__ == fx.__name__ and not name.startswith("_") and not needs:
            makers.append((name, maker))
    for name, maker in makers:
        try:
            data = maker()
        except Exception:
            continue
        if isinstance(data, bytes) and data.startswith(b"%PDF"):
            path = tmp / f"{name}.pdf"
            path.write_bytes(data)
            out.append(path)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hostile", type=Path, default=ROOT.parent.parent / "shared" / "corpus" / "hostile")
    parser.add_argument("--corpus", type=Path, default=None, help="a benchmark corpus (benchmarks/out/corpus-N)")
    parser.add_argument("--limit", type=int, default=400, help="at most this many corpus files [400]")
    parser.add_argument("--show", type=int, default=10, help="print up to N differing files per group")
    parser.add_argument(
        "--mode",
        default="auto",
        choices=("auto", "pdfium"),
        help="the reader set against pypdf: auto (the default: PDFium for plain files) or pdfium (every file) [auto]",
    )
    args = parser.parse_args(argv)
    import tempfile

    scratch = tempfile.TemporaryDirectory()
    groups = {"samples": sorted((ROOT / "samples").rglob("*.pdf")), "fixtures": _fixtures(Path(scratch.name))}
    if args.corpus and args.corpus.is_dir():
        groups["corpus"] = sorted((args.corpus / "letters").rglob("*.pdf"))[: args.limit]
    hostile = args.hostile if args.hostile.is_dir() else Path("/work/shared/corpus/hostile")
    if hostile.is_dir():
        groups["hostile"] = sorted(p for p in hostile.rglob("*") if p.is_file() and not p.name.endswith(".tsv"))
    print(
        "| group | files | identical lines | word agreement | files with other words | error differs "
        "| notes differ | images differ | CPU pypdf s | CPU pdfium s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    bad = 0
    for group, files in groups.items():
        print(f"{group}:", file=sys.stderr)
        r = compare(files, args.show, args.mode)
        agree = r["words_common"] / max(r["words_pypdf"], r["words_pdfium"], 1)
        print(
            f"| {group} | {r['files']} | {r['identical']} | {agree:.4f} | {r['word_diff_files']} | "
            f"{r['error_differs']} | {r['notes_differ']} | {r['images_differ']} | {r['cpu_pypdf']:.2f} | "
            f"{r['cpu_pdfium']:.2f} |"
        )
        if group != "hostile":
            bad += r["word_diff_files"] + r["error_differs"] + r["images_differ"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
