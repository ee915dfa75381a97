"""OCR benchmark: letters rendered to images, degraded like scans and phone photos, then checked.

For each letter (the sample PDFs and a few generated ones, signed with a drawn signature or not,
set in turn in a serif, a sans serif and a typewriter face) the first page is rendered at 300 dpi
with pypdfium2, then turned into a 300 dpi scan (slight
tilt, noise, JPEG) and a phone photo (tilt up to 5 degrees, perspective, table around the page,
uneven light, paper texture, blur, noise, JPEG 60-90; tools/photosim.py).  Each image is checked
like any input and compared with the same letter as a PDF:

* word accuracy: words of the source text (pypdf) matched in order by the OCR text (difflib);
* signature detection: `signature.signed` equal to the PDF's (letters signed only digitally,
  which no picture can show, are left out);
* verdict agreement with the PDF's verdict, and with the verdict the PDF gets when the rules that
  read the file rather than the page (metadata.*, forensics.pdf-*) are off: a picture of a page
  carries no PDF metadata, so `page_verdict_agreement` is what reading the page can reach;
* seconds per page: wall clock of the whole check (on a machine that may be loaded: see `load`),
  and CPU seconds of the check and its OCR helper together (`cpu_seconds`, what one idle core
  would take; the helper runs onnxruntime on one thread).

    .venv/bin/python benchmarks/ocr_bench.py [--letters N] [--json OUT]
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tools import docgen, metrics, photosim  # noqa: E402
from tools.docgen import LetterSpec, letter_pdf  # noqa: E402

SAMPLES = [
    "withdrawal-letter-2020.pdf",
    "signed-deployment-notification.pdf",
    "coordination-letter.pdf",
    "forged-letter.pdf",
    "draft-memo.pdf",
]
MISSION = {"signature.unsigned", "signature.attributed-unsigned", "wording.policy-change"}
FACES = [("Times-Roman", "Times-Bold"), ("Helvetica", "Helvetica-Bold"), ("Courier", "Courier-Bold")]


@contextlib.contextmanager
def face(body: str, head: str):
    """Generated letters set in another base-14 face (docgen sets Times; wrapping follows the face)."""
    saved = docgen.BODY_FONT, docgen.HEAD_FONT, docgen.wrap
    docgen.BODY_FONT, docgen.HEAD_FONT = body, head
    docgen.wrap = lambda text, width, font=body, size=12: metrics.wrap(text, width, body, size)
    try:
        yield
    finally:
        docgen.BODY_FONT, docgen.HEAD_FONT, docgen.wrap = saved


def file_rules() -> tuple[str, ...]:
    """Rules that read the file rather than the page: PDF metadata and PDF forensics."""
    import yaml

    paths = sorted((REPO / "rules" / "core" / "metadata").glob("*.yaml"))
    paths += sorted((REPO / "rules" / "core" / "forensics").glob("pdf-*.yaml"))
    return tuple(yaml.safe_load(path.read_text())["id"] for path in paths)


def generated(count: int) -> dict[str, bytes]:
    """Generated letters, alternately signed with a drawn signature and unsigned."""
    out = {}
    for i in range(count):
        spec = LetterSpec(
            letterhead=["DEPARTMENT OF THE ARMY", f"{100 + i}TH SUSTAINMENT BRIGADE", "FORT EXAMPLE, TEXAS"],
            date=f"{3 + i} February 2021",
            blocks=[
                "MEMORANDUM FOR RECORD",
                f"SUBJECT: Quarterly Readiness Review {i + 1}",
                "1. The brigade completed its quarterly readiness review on schedule and reported the "
                "results to the division staff for their information.",
                "2. Vehicle maintenance rates stayed above the standard and no training events were "
                "cancelled during the period covered by this memorandum.",
                "3. The point of contact for this memorandum is the brigade operations officer.",
            ],
            closing="Sincerely,",
            signature_name=f"JOHN Q. SAMPLE {'I' * (i % 3 + 1)}",
            signature_titles=["Colonel, US Army", "Commanding"],
            signature="image" if i % 2 == 0 else None,
        )
        with face(*FACES[i % len(FACES)]):
            out[f"generated-{i + 1}.pdf"] = letter_pdf(spec)
    return out


def word_accuracy(source: str, read: str) -> float:
    """Share of the source's words found, in order, in the OCR text."""
    src, got = source.split(), read.split()
    if not src:
        return 1.0
    matcher = difflib.SequenceMatcher(a=src, b=got, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(src)


def run(letters: dict[str, bytes], engine: str = "rapidocr") -> list[dict]:
    """One row per letter and kind (scan, photo), the images read by OCR `engine`."""
    import pypdf

    from authcheck.api import check
    from authcheck.settings import Limits, Settings

    settings = Settings(limits=Limits(timeout=600, ocr_page_seconds=300), ocr_engine=engine)
    page_only = Settings(limits=settings.limits, disabled_rules=file_rules())
    rows = []
    for name, pdf in letters.items():
        base = check(pdf, name=name, settings=settings)
        page_verdict = check(pdf, name=name, settings=page_only).verdict
        source = pypdf.PdfReader(__import__("io").BytesIO(pdf)).pages[0].extract_text()
        page = photosim.render(pdf, dpi=300)
        signed = base.letter.signature.signed if base.letter else None
        digital_only = base.letter is not None and set(base.letter.signature.kinds) <= {"digital"} and signed
        for kind, image in (
            ("scan", photosim.scan(page, seed=len(name))),
            ("photo", photosim.photo(page, seed=len(name))),
        ):
            started, cpu = time.monotonic(), _cpu()
            res = check(image, name=f"{name}.{kind}.jpg", settings=settings)
            seconds, cpu = time.monotonic() - started, _cpu() - cpu
            text = "\n".join(line.text for line in res.letter.document.lines) if res.letter else ""
            rows.append(
                {
                    "letter": name,
                    "kind": kind,
                    "seconds": round(seconds, 2),
                    "cpu_seconds": round(cpu, 2),
                    "word_accuracy": round(word_accuracy(source, text), 4),
                    "pdf_verdict": base.verdict,
                    "pdf_page_verdict": page_verdict,
                    "image_verdict": res.verdict,
                    "pdf_signed": signed,
                    "image_signed": res.letter.signature.signed if res.letter else None,
                    "signature_scored": not digital_only,
                    "rules": sorted(f.rule for f in res.findings),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the OCR helper)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def summary(rows: list[dict]) -> dict:
    """The goals' figures per kind."""
    out = {"load": os.getloadavg()[0]}
    for kind in ("scan", "photo"):
        part = [r for r in rows if r["kind"] == kind]
        sig = [r for r in part if r["signature_scored"]]
        out[kind] = {
            "letters": len(part),
            "word_accuracy": round(sum(r["word_accuracy"] for r in part) / len(part), 4),
            "verdict_agreement": round(sum(r["pdf_verdict"] == r["image_verdict"] for r in part) / len(part), 3),
            "page_verdict_agreement": round(
                sum(r["pdf_page_verdict"] == r["image_verdict"] for r in part) / len(part), 3
            ),
            "signature_right": round(sum(r["pdf_signed"] == r["image_signed"] for r in sig) / max(len(sig), 1), 3),
            "seconds_per_page": round(sorted(r["seconds"] for r in part)[len(part) // 2], 2),
            "cpu_seconds_per_page": round(sorted(r["cpu_seconds"] for r in part)[len(part) // 2], 2),
        }
    photo_2020 = next((r for r in rows if r["letter"] == SAMPLES[0] and r["kind"] == "photo"), None)
    out["2020_photo_mission_rules"] = bool(photo_2020) and set(photo_2020["rules"]) >= MISSION
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=4, help="generated letters besides the samples")
    parser.add_argument("--json", help="write every row and the summary here")
    parser.add_argument(
        "--engine",
        default="rapidocr",
        choices=("rapidocr", "tesseract"),
        help="the OCR engine (tesseract: the system program)",
    )
    args = parser.parse_args()
    letters = {name: (REPO / "samples" / name).read_bytes() for name in SAMPLES}
    letters.update(generated(args.letters))
    rows = run(letters, args.engine)
    result = summary(rows)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "summary": result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
