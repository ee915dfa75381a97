"""Build a deterministic benchmark corpus of letters with tools/docgen.

    python benchmarks/make_corpus.py OUT [--n 1000] [--seed 20240601] [--jobs N]

Writes OUT/letters/<class>/letter-NNNNN.<ext>, OUT/manifest.jsonl (one line per file:
file, format, class, pages, signed, signature, policy_change, draft, bytes) and
OUT/corpus.json (the parameters and a digest of every file).  The same --n and --seed give
the same bytes on every run and for any --jobs: each letter is drawn from its own
random.Random(f"{seed}:{index}").

Mix (exact counts, shuffled): 77 % 1-page PDF, 5 % 3-page PDF, 3 % 20-page PDF, 10 % DOCX,
5 % text.  About 30 % announce a change of policy (withdrawal, redeployment, treaty
termination), about 35 % are unsigned, 5 % carry a DRAFT banner.  Issuers, names, dates and
metadata are fictional and varied; about 10 % have metadata from someone else.  The 3- and
20-page letters are lengthened with neutral paragraphs that do not repeat (a real letter's never
do, and a checker that reuses work on repeated text must not look faster than it is).
Needs python-docx for the DOCX files (bench.py installs it into benchmarks/.venv; authcheck itself reads
DOCX without it).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import multiprocessing
import os
import random
import re
import shutil
import sys
import time
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    import tools.docgen as _docgen
    from tools.docgen import LetterSpec, letter_docx, letter_pdf, letter_text
except ImportError as exc:  # python-docx: installed by bench.py (and the test extra)
    raise SystemExit(
        f"make_corpus.py needs authcheck's dependencies ({exc}); run it with the interpreter of a "
        "venv where authcheck is installed, e.g. benchmarks/.venv/bin/python"
    ) from None


@functools.lru_cache(maxsize=8192)
def _wrap_cached(text: str, width: float, font: str, size: float) -> tuple[str, ...]:
    return tuple(_WRAP(text, width, font, size))


def _wrap(text: str, width: float, font: str = "Times-Roman", size: float = 12) -> list[str]:
    """tools.metrics.wrap, memoised: it is quadratic in the line length, and letterheads, blocks and
    closings repeat across letters."""
    return list(_wrap_cached(text, width, font, size))


_WRAP, _docgen.wrap = _docgen.wrap, _wrap  # same lines, ~50x faster for long letters
_PAGE_COUNT = re.compile(rb"/Type /Pages /Kids \[[^\]]*\] /Count (\d+)")

GENERATOR_VERSION = "2"  #: 2: filler paragraphs do not repeat (a letter's own text never does)
#: (class, format, filler pages, share of the corpus)
CLASSES = (
    ("pdf-1p", "pdf", 0, 0.77),
    ("pdf-3p", "pdf", 2, 0.05),
    ("pdf-20p", "pdf", 20, 0.03),
    ("docx", "docx", 0, 0.10),
    ("txt", "txt", 0, 0.05),
)
EXT = {"pdf": ".pdf", "docx": ".docx", "txt": ".txt"}

COUNTRIES = (
    "Nordmark",
    "Valdoria",
    "Estmere",
    "Karelia Minor",
    "Ostravia",
    "Lusenia",
    "Marovia",
    "Terranova",
    "Belcaria",
    "Quessia",
)
CITIES = (
    "Nordhavn",
    "Valdor",
    "Estholm",
    "Kaarlinna",
    "Ostrava Nova",
    "Lusen",
    "Marov",
    "Port Terra",
    "Belca",
    "Quessburg",
)
FIRST = (
    "Anna",
    "James",
    "Maria",
    "Daniel",
    "Sofia",
    "Michael",
    "Elena",
    "Thomas",
    "Ingrid",
    "Robert",
    "Laila",
    "Peter",
    "Nadia",
    "William",
    "Clara",
    "Omar",
    "Henrik",
    "Grace",
    "Victor",
    "Helen",
)
LAST = (
    "Lindqvist",
    "Whitfield",
    "Moreau",
    "Hayes",
    "Kovacs",
    "Ortega",
    "Brandt",
    "Novak",
    "Castell",
    "Reyes",
    "Halvorsen",
    "Okafor",
    "Marsh",
    "Duval",
    "Petrov",
    "Sandoval",
    "Keller",
    "Abbott",
    "Varga",
    "Lund",
)
MIL_RANKS = (
    ("Colonel", "COL"),
    ("Brigadier General", "BG"),
    ("Major General", "MG"),
    ("Lieutenant Colonel", "LTC"),
    ("Commander", "CDR"),
    ("Captain", "CAPT"),
)
UNITS = (
    "TASK FORCE {c}",
    "JOINT FORCE COMMAND {c}",
    "{c} LOGISTICS COMMAND",
    "COMBINED AIR COMPONENT {c}",
    "MULTINATIONAL BRIGADE {c}",
)
MINISTRIES = (
    "MINISTRY OF DEFENCE",
    "MINISTRY OF FOREIGN AFFAIRS",
    "OFFICE OF THE PRIME MINISTER",
    "MINISTRY OF THE INTERIOR",
    "OFFICE OF THE PRESIDENT",
)
COMPANIES = (
    "Harbor Freight Logistics Ltd",
    "Northwind Engineering AS",
    "Bluestone Consulting GmbH",
    "Meridian Shipping SA",
    "Aster Medical Supplies Oy",
)
SUBJECTS_ROUTINE = (
    "Quarterly Coordination Meeting",
    "Liaison Officer Nomination",
    "Annual Training Calendar",
    "Request for Range Access",
    "Visit of the Inspection Team",
    "Updated Points of Contact",
    "Delivery Schedule for Spare Parts",
    "Invitation to the Planning Conference",
)
ROUTINE = (
    "The meeting will take place in the main conference room of the headquarters at 1000 hours.",
    "Please confirm attendance and nominate a liaison officer by the end of the month.",
    "The agenda, the list of participants and the logistics arrangements are attached.",
    "No change to current operations, posture or commitments is proposed in this letter.",
    "The point of contact for this matter is the duty officer of the operations cell.",
    "We thank you for your continued cooperation and look forward to a productive session.",
    "Transport from the airport and accommodation will be arranged by the host nation.",
    "The revised schedule replaces the one circulated last quarter; all other dates stand.",
    "Visitors must register at the main gate with valid identification on arrival.",
    "Invoices should quote the contract number shown above and be sent to the finance office.",
)
POLICY = {
    "withdrawal": (
        "In accordance with the decision of the Government, all {c} forces will withdraw from the "
        "operational area within sixty days of the date of this letter.",
        "We respect your sovereign decision and will complete the withdrawal of our personnel by the end "
        "of the next quarter.",
    ),
    "redeployment": (
        "The brigade will be redeploying its units over the coming weeks to prepare for onward movement "
        "out of the region.",
        "Coalition forces will be repositioning forces to new locations outside the capital beginning next week.",
    ),
    "treaty": (
        "The Government of {c} hereby gives notice of the termination of the bilateral defence cooperation "
        "agreement, with effect six months from the date of this letter.",
        "The Republic of {c} will withdraw from the Regional Arms Limitation Treaty and will suspend its "
        "obligations under the status of forces agreement.",
    ),
}
CREATORS = (
    ("Microsoft Word", "Microsoft Word 2016"),
    ("Microsoft Word", "Microsoft: Print To PDF"),
    ("LibreOffice Writer", "LibreOffice 7.4"),
    ("Acrobat PDFMaker 21 for Word", "Adobe PDF Library 21.1.177"),
)
DATE_FORMATS = ("{d} {M} {Y}", "{M} {d}, {Y}", "{Y}-{m:02d}-{d:02d}", "{d} {Mon} {Y}")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def plan(n: int, seed: int) -> list[str]:
    """The class of every index: exact counts per share (remainder to 1-page PDFs), seeded shuffle."""
    counts = {name: int(n * share) for name, _, _, share in CLASSES}
    counts["pdf-1p"] += n - sum(counts.values())
    classes = [name for name, *_ in CLASSES for _ in range(counts[name])]
    random.Random(f"{seed}:plan").shuffle(classes)
    return classes


def _date_text(rng: random.Random, when: datetime) -> str:
    fmt = rng.choice(DATE_FORMATS)
    month = MONTHS[when.month - 1]
    return fmt.format(d=when.day, M=month, Mon=month[:3], Y=when.year, m=when.month)


def _issuer(rng: random.Random, country: str, city: str) -> dict:
    """A fictional issuer: letterhead, signatory, titles, organisation."""
    name = f"{rng.choice(FIRST)} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {rng.choice(LAST)}"
    kind = rng.choice(("military", "military", "government", "company"))
    if kind == "military":
        unit = rng.choice(UNITS).format(c=country.upper())
        rank, abbr = rng.choice(MIL_RANKS)
        org = unit.title()
        return {
            "letterhead": ["HEADQUARTERS", unit, f"{city.upper()}, {country.upper()}"],
            "name": name.upper(),
            "titles": [f"{rank}, {country} Armed Forces", f"Commander, {org}"],
            "org": org,
            "author": f"{name.split()[-1]}, {name.split()[0]} {abbr}",
            "kind": kind,
        }
    if kind == "government":
        ministry = rng.choice(MINISTRIES)
        org = f"{ministry.title()} of {country}"
        return {
            "letterhead": [ministry, f"REPUBLIC OF {country.upper()}", f"Government Quarter 1, {city}"],
            "name": name,
            "titles": [rng.choice(("Minister", "Permanent Secretary", "Director General", "Head of Department"))],
            "org": org,
            "author": f"Office of the {ministry.title()}",
            "kind": kind,
        }
    company = rng.choice(COMPANIES)
    return {
        "letterhead": [company.upper(), f"Harbour Road {rng.randint(1, 99)}, {city}"],
        "name": name,
        "titles": [rng.choice(("Managing Director", "Head of Operations", "Contracts Manager"))],
        "org": company,
        "author": name,
        "kind": kind,
    }


def build_spec(cls: str, index: int, seed: int) -> tuple[LetterSpec, dict]:
    """One letter's spec and its ground truth, from its own seeded generator."""
    rng = random.Random(f"{seed}:{index}")
    fmt = next(f for name, f, _, _ in CLASSES if name == cls)
    filler = next(p for name, _, p, _ in CLASSES if name == cls)
    ci = rng.randrange(len(COUNTRIES))
    country, city = COUNTRIES[ci], CITIES[ci]
    issuer = _issuer(rng, country, city)
    recipient_country = COUNTRIES[(ci + rng.randint(1, len(COUNTRIES) - 1)) % len(COUNTRIES)]
    tz = timezone(timedelta(hours=rng.choice((-5, 0, 1, 2, 3))))
    when = datetime(2015, 1, 1, tzinfo=tz) + timedelta(days=rng.randrange(3650), minutes=rng.randrange(600, 1080))

    policy = rng.random() < 0.30
    policy_kind = rng.choice(sorted(POLICY)) if policy else None
    subject = f"{policy_kind.title()} Notice" if policy else rng.choice(SUBJECTS_ROUTINE)
    body = rng.sample(ROUTINE, rng.randint(2, 4))
    if policy:
        body.insert(rng.randint(0, 1), rng.choice(POLICY[policy_kind]).format(c=country))
    blocks = [
        f"MEMORANDUM FOR Ministry of Defence of {recipient_country}"
        if issuer["kind"] == "military"
        else f"To: The Secretary General, Ministry of Foreign Affairs of {recipient_country}",
        f"FROM: {issuer['titles'][-1]}, {issuer['org']}",
        f"SUBJECT: {subject}",
        rng.choice(("Sir,", "Madam,", "Dear Colleague,", "Excellency,")),
        *[f"{i}. {text}" if issuer["kind"] == "military" else text for i, text in enumerate(body, 1)],
    ]

    kinds = {
        "pdf": ("image", "image", "digital", "conformed", "marker", None, None, None, "empty-field"),
        "docx": ("image", "image", "conformed", "conformed", None, None, None),
        "txt": ("conformed", "conformed", "marker", None, None),
    }[fmt]
    signature = rng.choice(kinds)
    has_block = signature is not None or rng.random() < 0.85
    draft = rng.random() < 0.05
    undated = rng.random() < 0.03

    creator, producer = rng.choice(CREATORS)
    metadata = {
        "title": subject,
        "author": issuer["author"],
        "last_modified_by": issuer["author"],
        "company": issuer["org"],
        "creator": creator,
        "producer": producer,
        "created": when - timedelta(minutes=rng.randint(30, 600)),
        "modified": when - timedelta(minutes=rng.randint(0, 25)),
        "revision": rng.randint(1, 9),
        "template": "Normal.dotm",
        "app_version": "16.0000",
        "xmp": rng.random() < 0.5,
    }
    anomaly = rng.random() < 0.10
    if anomaly:  # metadata from someone else, created after the letter's date
        metadata.update(
            author=f"{rng.choice(LAST).lower()}.{rng.choice(FIRST).lower()}",
            company=rng.choice(COMPANIES),
            created=when + timedelta(days=rng.randint(2, 40)),
        )
        metadata["modified"] = metadata["created"] + timedelta(hours=1)
    if rng.random() < 0.15:  # some files carry no metadata at all
        metadata = {}
    if fmt == "pdf":
        metadata.pop("revision", None), metadata.pop("template", None), metadata.pop("app_version", None)
        metadata.pop("last_modified_by", None)
    else:
        metadata.pop("xmp", None), metadata.pop("producer", None)

    spec = LetterSpec(
        letterhead=issuer["letterhead"],
        date=None if undated else _date_text(rng, when),
        blocks=blocks,
        closing=rng.choice(("Sincerely,", "Respectfully,", "Yours faithfully,")) if has_block else None,
        signature_name=issuer["name"] if has_block else None,
        signature_titles=issuer["titles"] if has_block else [],
        signature=signature if has_block else None,
        banner="DRAFT - PRE-DECISIONAL" if draft else None,
        watermark="DRAFT" if draft and fmt != "txt" else None,
        metadata=metadata,
        filler_pages=filler,
        filler_seed=zlib.crc32(f"{seed}:{index}:filler".encode()) if filler else None,  # no paragraph repeats
    )
    truth = {
        "format": fmt,
        "class": cls,
        "signed": signature in ("image", "digital", "conformed", "marker"),
        "signature": signature if has_block else None,
        "signature_block": has_block,
        "policy_change": policy,
        "policy_kind": policy_kind,
        "draft": draft,
        "undated": undated,
        "metadata_anomaly": anomaly and bool(metadata),
    }
    return spec, truth


def render(args: tuple) -> tuple[str, bytes, dict]:
    """(relative path, bytes, manifest record) of one letter."""
    index, cls, seed = args
    spec, truth = build_spec(cls, index, seed)
    fmt = truth["format"]
    if fmt == "pdf":
        data = letter_pdf(spec)
        pages = int(_PAGE_COUNT.search(data).group(1))
    elif fmt == "docx":
        data, pages = letter_docx(spec), None
    else:
        data, pages = letter_text(spec).encode("utf-8"), None
    rel = f"letters/{cls}/letter-{index:05d}{EXT[fmt]}"
    record = {
        "file": rel,
        "format": fmt,
        "pages": pages,
        **truth,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return rel, data, record


def build(out: Path, n: int, seed: int, jobs: int) -> dict:
    """Write the corpus into `out` (its letters/ folder is replaced) and return corpus.json's content."""
    out.mkdir(parents=True, exist_ok=True)
    if (out / "letters").exists():
        if not (out / "corpus.json").exists() and not (out / "manifest.jsonl").exists():
            raise SystemExit(f"{out}/letters exists but is not a corpus made by this script; refusing to replace it")
        shutil.rmtree(out / "letters")
    for name, *_ in CLASSES:
        (out / "letters" / name).mkdir(parents=True)
    tasks = [(i, cls, seed) for i, cls in enumerate(plan(n, seed), 1)]
    digest, records = hashlib.sha256(), []
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ctx.Pool(jobs) as pool:
        for rel, data, record in pool.imap(render, tasks, chunksize=8):
            (out / rel).write_bytes(data)
            digest.update(f"{rel}:{record['sha256']}\n".encode())
            records.append(record)
    with open(out / "manifest.jsonl", "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, sort_keys=True) + "\n")
    info = {
        "generator": GENERATOR_VERSION,
        "n": n,
        "seed": seed,
        "digest": digest.hexdigest(),
        "bytes": sum(r["bytes"] for r in records),
        "classes": {name: sum(r["class"] == name for r in records) for name, *_ in CLASSES},
    }
    (out / "corpus.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output folder (its letters/ subfolder is replaced)")
    parser.add_argument("--n", type=int, default=1000, help="number of letters [1000]")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed [20240601]")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes [CPU count]")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    start = time.perf_counter()
    info = build(args.out, args.n, args.seed, max(1, args.jobs))
    print(
        f"wrote {args.n} letters ({info['bytes'] / 1e6:.1f} MB) to {args.out} in "
        f"{time.perf_counter() - start:.1f} s; digest {info['digest'][:16]}; {info['classes']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
